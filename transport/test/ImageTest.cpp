// Image polling over a publication's log: positions, controlled and bounded polls, join position, end of
// stream and term boundaries.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "FakeDriver.hpp"
#include "cox/transport/Aeron.hpp"

using namespace cox::transport;
using cox::transport::test::FakeDriver;

namespace
{
class ImageTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        aeron = Aeron::connect(driver.context());
        publication = aeron->addPublication("aeron:ipc", 9);
        subscription = aeron->addSubscription("aeron:ipc", 9);
        driver.publication(publication->originalRegistrationId()).limit.setOrdered(std::numeric_limits<std::int64_t>::max());
    }

    std::shared_ptr<Image> addImage(std::int64_t joinPosition = 0)
    {
        imageId = driver.addImage(subscription->registrationId(), publication->sessionId(), 9,
                                  driver.publication(publication->originalRegistrationId()).logFile, joinPosition,
                                  "127.0.0.1:40123");
        aeron->conductorAgentInvoker().invoke();
        return subscription->imageBySessionId(publication->sessionId());
    }

    std::int64_t offer(const std::string& message)
    {
        return publication->offer(reinterpret_cast<const std::uint8_t*>(message.data()),
                                  static_cast<std::int32_t>(message.size()));
    }

    static std::string text(const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length)
    {
        return {reinterpret_cast<const char*>(buffer.buffer() + offset), static_cast<std::size_t>(length)};
    }

    FakeDriver driver;
    std::shared_ptr<Aeron> aeron;
    std::shared_ptr<Publication> publication;
    std::shared_ptr<Subscription> subscription;
    std::int64_t imageId = -1;
};
} // namespace

TEST_F(ImageTest, shouldExposeWhatTheDriverAnnounced)
{
    auto image = addImage();
    ASSERT_NE(image, nullptr);
    EXPECT_EQ(image->sessionId(), publication->sessionId());
    EXPECT_EQ(image->correlationId(), imageId);
    EXPECT_EQ(image->subscriptionRegistrationId(), subscription->registrationId());
    EXPECT_EQ(image->sourceIdentity(), "127.0.0.1:40123");
    EXPECT_EQ(image->termBufferLength(), FakeDriver::TERM_LENGTH);
    EXPECT_EQ(image->initialTermId(), FakeDriver::INITIAL_TERM_ID);
    EXPECT_EQ(image->subscriberPositionId(), driver.subscriberPositionId(imageId));
    EXPECT_EQ(image->joinPosition(), 0);
    EXPECT_FALSE(image->isClosed());
}

TEST_F(ImageTest, shouldPollAndPublishTheSubscriberPosition)
{
    auto image = addImage();
    ASSERT_GT(offer("one"), 0);
    ASSERT_GT(offer("two"), 0);
    ASSERT_GT(offer("three"), 0);
    std::vector<std::string> seen;
    const auto handler = [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                             const Header&) { seen.push_back(text(buffer, offset, length)); };
    EXPECT_EQ(image->poll(handler, 2), 2);
    EXPECT_EQ(driver.position(image->subscriberPositionId()).getVolatile(), 128);
    EXPECT_EQ(image->poll(handler, 10), 1);
    EXPECT_EQ(image->poll(handler, 10), 0);
    EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_EQ(image->position(), 192);
}

TEST_F(ImageTest, shouldStartAtTheJoinPosition)
{
    ASSERT_EQ(offer("before"), 64);
    auto image = addImage(64);
    ASSERT_GT(offer("after"), 0);
    EXPECT_EQ(image->joinPosition(), 64);
    std::vector<std::string> seen;
    image->poll([&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
                { seen.push_back(text(buffer, offset, length)); },
                10);
    EXPECT_EQ(seen, std::vector<std::string>{"after"});
}

TEST_F(ImageTest, shouldFollowControlledPollActions)
{
    auto image = addImage();
    for (const char* message : {"a", "b", "c", "d", "e"})
    {
        ASSERT_GT(offer(message), 0);
    }
    std::vector<std::string> seen;
    auto record = [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length)
    { seen.push_back(text(buffer, offset, length)); };

    // ABORT on the first fragment: nothing consumed.
    EXPECT_EQ(image->controlledPoll([&](const cox::util::AtomicBuffer& b, std::int32_t o, std::int32_t l, const Header&)
                                    {
                                        record(b, o, l);
                                        return ControlledPollAction::ABORT;
                                    },
                                    10),
              0);
    EXPECT_EQ(image->position(), 0);

    // BREAK: one consumed, then stop.
    EXPECT_EQ(image->controlledPoll([&](const cox::util::AtomicBuffer& b, std::int32_t o, std::int32_t l, const Header&)
                                    {
                                        record(b, o, l);
                                        return ControlledPollAction::BREAK;
                                    },
                                    10),
              1);
    EXPECT_EQ(image->position(), 64);

    // COMMIT publishes the position before the next fragment is handled; ABORT then keeps "d".
    std::vector<std::int64_t> positionsSeen;
    EXPECT_EQ(image->controlledPoll(
                  [&](const cox::util::AtomicBuffer& b, std::int32_t o, std::int32_t l, const Header&)
                  {
                      positionsSeen.push_back(driver.position(image->subscriberPositionId()).getVolatile());
                      record(b, o, l);
                      return seen.back() == "d" ? ControlledPollAction::ABORT : ControlledPollAction::COMMIT;
                  },
                  10),
              2);
    EXPECT_EQ(positionsSeen, (std::vector<std::int64_t>{64, 128, 192}));
    EXPECT_EQ(image->position(), 192);

    // CONTINUE consumes the rest.
    EXPECT_EQ(image->controlledPoll([&](const cox::util::AtomicBuffer& b, std::int32_t o, std::int32_t l, const Header&)
                                    {
                                        record(b, o, l);
                                        return ControlledPollAction::CONTINUE;
                                    },
                                    10),
              2);
    EXPECT_EQ(image->position(), 320);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "a", "b", "c", "d", "d", "e"}));
}

TEST_F(ImageTest, shouldNotStartAFragmentAtOrBeyondTheBoundedPollLimit)
{
    auto image = addImage();
    for (int i = 0; i < 4; ++i)
    {
        ASSERT_GT(offer(std::string(40, 'x')), 0); // 96 bytes each
    }
    int count = 0;
    const auto handler = [&](const cox::util::AtomicBuffer&, std::int32_t, std::int32_t, const Header&) { ++count; };
    EXPECT_EQ(image->boundedPoll(handler, 192, 10), 2);
    EXPECT_EQ(image->position(), 192);
    EXPECT_EQ(image->boundedPoll(handler, 192, 10), 0);
    EXPECT_EQ(image->boundedPoll(handler, 200, 10), 1) << "a fragment starting before the limit is delivered whole";
    EXPECT_EQ(image->position(), 288);
    EXPECT_EQ(image->boundedPoll(handler, 1'000, 10), 1);
    EXPECT_EQ(count, 4);
}

TEST_F(ImageTest, shouldStopABoundedControlledPollAtTheLimitOrWhenTheHandlerBreaks)
{
    auto image = addImage();
    for (const char* message : {"a", "b", "SNAPSHOT", "c", "d"})
    {
        ASSERT_GT(offer(message), 0); // 64 bytes each
    }
    std::vector<std::string> seen;
    // The consensus module's shape: consume up to a limit, stopping right behind a marker entry.
    const auto untilMarker = [&](const cox::util::AtomicBuffer& b, std::int32_t o, std::int32_t l, const Header&)
    {
        seen.push_back(text(b, o, l));
        return seen.back() == "SNAPSHOT" ? ControlledPollAction::BREAK : ControlledPollAction::CONTINUE;
    };
    EXPECT_EQ(image->boundedControlledPoll(untilMarker, 1'000, 10), 3);
    EXPECT_EQ(image->position(), 192) << "the marker is consumed, nothing after it";
    EXPECT_EQ(image->boundedControlledPoll(untilMarker, 192, 10), 0) << "nothing starts at the limit";
    EXPECT_EQ(image->boundedControlledPoll(untilMarker, 200, 10), 1) << "a fragment starting before it is whole";
    EXPECT_EQ(image->position(), 256);
    EXPECT_EQ(image->boundedControlledPoll(untilMarker, 1'000, 10), 1);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "SNAPSHOT", "c", "d"}));
}

TEST_F(ImageTest, shouldReportEndOfStreamOnceConsumedToIt)
{
    auto image = addImage();
    ASSERT_EQ(offer("last"), 64);
    EXPECT_FALSE(image->isEndOfStream());
    LogBufferDescriptor::endOfStreamPosition(driver.publication(publication->originalRegistrationId()).log->metaDataBuffer(), 64);
    EXPECT_FALSE(image->isEndOfStream());
    image->poll([](const cox::util::AtomicBuffer&, std::int32_t, std::int32_t, const Header&) {}, 10);
    EXPECT_TRUE(image->isEndOfStream());
}

TEST_F(ImageTest, shouldStopAtTheTermBoundary)
{
    auto image = addImage();
    const std::string message(1000, 't');
    int offered = 0;
    std::int64_t result = 0;
    while ((result = offer(message)) != PublicationResult::ADMIN_ACTION)
    {
        ASSERT_GT(result, 0);
        ++offered;
    }
    ASSERT_GT(offer(message), FakeDriver::TERM_LENGTH);
    int count = 0;
    const auto handler = [&](const cox::util::AtomicBuffer&, std::int32_t, std::int32_t, const Header&) { ++count; };
    EXPECT_EQ(image->poll(handler, 1'000), offered);
    EXPECT_EQ(image->position(), FakeDriver::TERM_LENGTH) << "the padding at the end was consumed";
    EXPECT_EQ(image->poll(handler, 1'000), 1);
    EXPECT_EQ(image->position(), FakeDriver::TERM_LENGTH + 1056);
}

TEST_F(ImageTest, shouldReturnNothingOnceClosed)
{
    auto image = addImage();
    ASSERT_GT(offer("x"), 0);
    driver.removeImage(imageId, subscription->registrationId(), 9);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_TRUE(image->isClosed());
    EXPECT_EQ(image->poll([](const cox::util::AtomicBuffer&, std::int32_t, std::int32_t, const Header&) {}, 10), 0);
    EXPECT_EQ(image->position(), 0);
}

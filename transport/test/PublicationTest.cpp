// Publication return codes and framing, read back through an Image over the same log file (as IPC does).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "FakeDriver.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/FragmentAssembler.hpp"

using namespace cox::transport;
using cox::transport::test::FakeDriver;

namespace
{
struct Received
{
    std::string payload;
    std::uint8_t flags;
    std::int64_t position;
    std::int64_t reservedValue;
};

class PublicationTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        aeron = Aeron::connect(driver.context());
        publication = aeron->addPublication("aeron:ipc", 1001);
        subscription = aeron->addSubscription("aeron:ipc", 1001);
        driver.addImage(subscription->registrationId(), publication->sessionId(), 1001, state().logFile);
        aeron->conductorAgentInvoker().invoke();
        ASSERT_EQ(subscription->imageCount(), 1u);
    }

    FakeDriver::PublicationState& state() { return driver.publication(publication->originalRegistrationId()); }
    void setLimit(std::int64_t limit) { state().limit.setOrdered(limit); }

    std::int64_t offer(const std::string& message)
    {
        return publication->offer(reinterpret_cast<const std::uint8_t*>(message.data()),
                                  static_cast<std::int32_t>(message.size()));
    }

    std::vector<Received> pollAll(int fragmentLimit = 1'000)
    {
        std::vector<Received> received;
        subscription->poll(
            [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
            {
                received.push_back({std::string(reinterpret_cast<const char*>(buffer.buffer() + offset),
                                                static_cast<std::size_t>(length)),
                                    header.flags(), header.position(), header.reservedValue()});
            },
            fragmentLimit);
        return received;
    }

    FakeDriver driver;
    std::shared_ptr<Aeron> aeron;
    std::shared_ptr<Publication> publication;
    std::shared_ptr<Subscription> subscription;
};
} // namespace

TEST_F(PublicationTest, shouldOfferAndReturnTheNewPosition)
{
    const std::string message(100, 'a');
    EXPECT_EQ(offer(message), 160) << "32-byte header + 100, aligned to 32";
    EXPECT_EQ(publication->position(), 160);
    EXPECT_EQ(offer("b"), 160 + 64);
    const auto received = pollAll();
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(received[0].payload, message);
    EXPECT_EQ(received[0].position, 160);
    EXPECT_EQ(received[1].payload, "b");
    EXPECT_EQ(subscription->images()[0]->position(), 224);
}

TEST_F(PublicationTest, shouldReturnBackPressuredAtThePublicationLimitWhenConnected)
{
    setLimit(1024);
    const std::string message(300, 'x');
    std::int64_t result = 0;
    int accepted = 0;
    while ((result = offer(message)) > 0)
    {
        ++accepted;
    }
    EXPECT_EQ(result, PublicationResult::BACK_PRESSURED);
    EXPECT_EQ(accepted, 3) << "offers start below the limit; the last one may overshoot it";
    EXPECT_EQ(publication->position(), 3 * 352);
    EXPECT_EQ(publication->positionLimit(), 1024);
    setLimit(4096);
    EXPECT_GT(offer(message), 0);
}

TEST(PublicationNotConnectedTest, shouldReturnNotConnectedAtTheLimitWhenNotConnected)
{
    FakeDriver driver;
    driver.connected = false;
    driver.initialPublicationLimit = 0;
    auto aeron = Aeron::connect(driver.context());
    auto publication = aeron->addPublication("aeron:ipc", 1);
    EXPECT_FALSE(publication->isConnected());
    EXPECT_EQ(publication->offer(reinterpret_cast<const std::uint8_t*>("x"), 1), PublicationResult::NOT_CONNECTED);
    cox::transport::BufferClaim claim;
    EXPECT_EQ(publication->tryClaim(10, claim), PublicationResult::NOT_CONNECTED);
}

TEST_F(PublicationTest, shouldReturnAdminActionOnRotationAndContinueInTheNextTerm)
{
    setLimit(std::numeric_limits<std::int64_t>::max());
    const std::string message(1000, 'r');
    std::vector<std::int64_t> positions;
    std::int64_t result = 0;
    while ((result = offer(message)) > 0)
    {
        positions.push_back(result);
    }
    EXPECT_EQ(result, PublicationResult::ADMIN_ACTION);
    EXPECT_EQ(publication->position(), FakeDriver::TERM_LENGTH) << "the rest of the term was padded";
    const std::int64_t next = offer(message);
    EXPECT_EQ(next, FakeDriver::TERM_LENGTH + 1056);
    positions.push_back(next);

    std::vector<Received> all = pollAll();
    EXPECT_EQ(all.size(), positions.size() - 1) << "a poll stops at the end of the term";
    const auto rest = pollAll();
    all.insert(all.end(), rest.begin(), rest.end());
    ASSERT_EQ(all.size(), positions.size());
    for (std::size_t i = 0; i < all.size(); ++i)
    {
        EXPECT_EQ(all[i].position, positions[i]);
        EXPECT_EQ(all[i].payload, message);
    }
}

TEST_F(PublicationTest, shouldFragmentLongMessagesForReassembly)
{
    std::string message(5'000, ' ');
    for (std::size_t i = 0; i < message.size(); ++i)
    {
        message[i] = static_cast<char>('a' + i % 26);
    }
    const std::int64_t position = offer(message);
    const std::int32_t fragments = (5'000 + publication->maxPayloadLength() - 1) / publication->maxPayloadLength();
    EXPECT_EQ(position, LogBufferDescriptor::computeFragmentedFrameLength(5'000, publication->maxPayloadLength()));

    std::vector<std::string> assembled;
    int fragmentCount = 0;
    FragmentAssembler assembler(
        [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
        {
            assembled.emplace_back(reinterpret_cast<const char*>(buffer.buffer() + offset),
                                   static_cast<std::size_t>(length));
            EXPECT_EQ(header.position(), position);
        });
    auto handler = assembler.handler();
    fragmentCount = subscription->poll(
        [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
        {
            handler(buffer, offset, length, header);
        },
        100);
    EXPECT_EQ(fragmentCount, fragments);
    ASSERT_EQ(assembled.size(), 1u);
    EXPECT_EQ(assembled[0], message);
}

TEST_F(PublicationTest, shouldMarkFragmentsBeginAndEnd)
{
    const std::string message(static_cast<std::size_t>(publication->maxPayloadLength()) * 2 + 1, 'f');
    ASSERT_GT(offer(message), 0);
    const auto received = pollAll();
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0].flags, FrameDescriptor::BEGIN_FRAG_FLAG);
    EXPECT_EQ(received[1].flags, 0);
    EXPECT_EQ(received[2].flags, FrameDescriptor::END_FRAG_FLAG);
    EXPECT_EQ(received[2].payload, "f");
}

TEST_F(PublicationTest, shouldCommitAndAbortClaims)
{
    BufferClaim claim;
    const std::int64_t first = publication->tryClaim(5, claim);
    EXPECT_EQ(first, 64);
    EXPECT_EQ(claim.length(), 5);
    claim.putBytes(reinterpret_cast<const std::uint8_t*>("hello"), 5);
    EXPECT_TRUE(pollAll().empty()) << "not visible before commit";
    claim.commit();

    EXPECT_EQ(publication->tryClaim(3, claim), 128);
    claim.abort();
    EXPECT_GT(offer("after"), 0);

    const auto received = pollAll();
    ASSERT_EQ(received.size(), 2u) << "the aborted claim reads as padding";
    EXPECT_EQ(received[0].payload, "hello");
    EXPECT_EQ(received[1].payload, "after");
}

TEST_F(PublicationTest, shouldReturnErrorForTooLongOrNegativeLengths)
{
    const std::string tooLong(static_cast<std::size_t>(publication->maxMessageLength()) + 1, 'x');
    EXPECT_EQ(offer(tooLong), PublicationResult::ERROR);
    BufferClaim claim;
    EXPECT_EQ(publication->tryClaim(publication->maxPayloadLength() + 1, claim), PublicationResult::ERROR);
    EXPECT_EQ(publication->tryClaim(-1, claim), PublicationResult::ERROR);
    std::vector<std::uint8_t> bytes(16);
    cox::util::AtomicBuffer buffer(bytes.data(), bytes.size());
    EXPECT_EQ(publication->offer(buffer, 8, 9), PublicationResult::ERROR) << "outside the source buffer";
    EXPECT_EQ(publication->offer(buffer, -1, 2), PublicationResult::ERROR);
    EXPECT_EQ(publication->position(), 0) << "nothing was appended";

    const std::string longest(static_cast<std::size_t>(publication->maxMessageLength()), 'y');
    EXPECT_GT(offer(longest), 0);
    EXPECT_GT(publication->tryClaim(publication->maxPayloadLength(), claim), 0);
    claim.commit();
}

TEST_F(PublicationTest, shouldGatherVectorsAndApplyTheReservedValue)
{
    const std::string a = "abc";
    const std::string b = "defg";
    const BufferVector vectors[] = {{reinterpret_cast<const std::uint8_t*>(a.data()), 3},
                                    {reinterpret_cast<const std::uint8_t*>(b.data()), 4}};
    ReservedValueSupplier supplier;
    supplier.function = [](void*, const cox::util::AtomicBuffer&, std::int32_t, std::int32_t frameLength)
    { return static_cast<std::int64_t>(frameLength) * 1000; };
    EXPECT_EQ(publication->offer(std::span<const BufferVector>(vectors), supplier), 64);
    const auto received = pollAll();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].payload, "abcdefg");
    EXPECT_EQ(received[0].reservedValue, 39'000);
}

TEST_F(PublicationTest, shouldReturnMaxPositionExceededAtTheEndOfTheLastTerm)
{
    setLimit(std::numeric_limits<std::int64_t>::max());
    const auto lastTermId = static_cast<std::int32_t>(static_cast<std::uint32_t>(FakeDriver::INITIAL_TERM_ID) +
                                                    static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()));
    LogBufferDescriptor::initialiseTails(state().log->metaDataBuffer(), FakeDriver::INITIAL_TERM_ID, lastTermId,
                                         FakeDriver::TERM_LENGTH - 64);
    EXPECT_EQ(publication->position(), publication->maxPossiblePosition() - 64);
    EXPECT_EQ(offer(std::string(100, 'm')), PublicationResult::MAX_POSITION_EXCEEDED);
}

TEST_F(PublicationTest, shouldShareTheAppendPathInExclusivePublications)
{
    auto exclusive = aeron->addExclusivePublication("aeron:ipc", 1001);
    EXPECT_EQ(exclusive->offer(reinterpret_cast<const std::uint8_t*>("one"), 3), 64);
    BufferClaim claim;
    EXPECT_EQ(exclusive->tryClaim(8, claim), 128);
    claim.commit();
    EXPECT_EQ(exclusive->position(), 128);
    exclusive->close();
    EXPECT_EQ(exclusive->offer(reinterpret_cast<const std::uint8_t*>("two"), 3), PublicationResult::CLOSED);
}

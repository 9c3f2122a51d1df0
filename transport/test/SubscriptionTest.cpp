// Subscription image lists: available / unavailable events, round-robin polling, close and linger.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "FakeDriver.hpp"
#include "cox/codecs/driver/DriverCodecs.hpp"
#include "cox/transport/Aeron.hpp"

using namespace cox::transport;
using cox::transport::test::FakeDriver;
namespace TemplateId = cox::codecs::driver::TemplateId;

namespace
{
class SubscriptionTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        AeronContext context = driver.context();
        context.nanoClock = clock;
        aeron = Aeron::connect(context);
        first = aeron->addPublication("aeron:ipc", 4);
        second = aeron->addExclusivePublication("aeron:ipc", 4);
        for (const std::shared_ptr<Publication>& publication : {first, std::shared_ptr<Publication>(second)})
        {
            driver.publication(publication->originalRegistrationId()).limit.setOrdered(1 << 20);
        }
        subscription = aeron->addSubscription(
            "aeron:ipc", 4, [this](Image& image) { available.push_back(image.sessionId()); },
            [this](Image& image) { unavailable.push_back(image.sessionId()); });
    }

    std::int64_t addImage(const std::shared_ptr<Publication>& publication)
    {
        const std::int64_t id = driver.addImage(subscription->registrationId(), publication->sessionId(), 4,
                                                driver.publication(publication->originalRegistrationId()).logFile);
        aeron->conductorAgentInvoker().invoke();
        return id;
    }

    static void offer(Publication& publication, const std::string& message)
    {
        ASSERT_GT(publication.offer(reinterpret_cast<const std::uint8_t*>(message.data()),
                                    static_cast<std::int32_t>(message.size())),
                  0);
    }

    std::shared_ptr<cox::util::ManualNanoClock> clock = std::make_shared<cox::util::ManualNanoClock>(1'000'000);
    FakeDriver driver;
    std::vector<std::int32_t> available;
    std::vector<std::int32_t> unavailable;
    std::shared_ptr<Aeron> aeron;
    std::shared_ptr<Publication> first;
    std::shared_ptr<ExclusivePublication> second;
    std::shared_ptr<Subscription> subscription;
};
} // namespace

TEST_F(SubscriptionTest, shouldUpdateTheImageListOnAvailableAndUnavailableImages)
{
    EXPECT_FALSE(subscription->isConnected());
    const std::int64_t firstImage = addImage(first);
    addImage(second);
    EXPECT_EQ(subscription->imageCount(), 2u);
    EXPECT_TRUE(subscription->isConnected());
    EXPECT_EQ(available, (std::vector<std::int32_t>{first->sessionId(), second->sessionId()}));
    auto image = subscription->imageBySessionId(first->sessionId());
    ASSERT_NE(image, nullptr);
    EXPECT_EQ(image->correlationId(), firstImage);
    EXPECT_EQ(subscription->imageBySessionId(12345), nullptr);

    driver.removeImage(firstImage, subscription->registrationId(), 4);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_EQ(subscription->imageCount(), 1u);
    EXPECT_TRUE(image->isClosed());
    EXPECT_EQ(unavailable, std::vector<std::int32_t>{first->sessionId()});
    EXPECT_EQ(subscription->images()[0]->sessionId(), second->sessionId());
}

TEST_F(SubscriptionTest, shouldIgnoreDuplicateAndForeignImageEvents)
{
    const std::int64_t id = addImage(first);
    driver.addImage(subscription->registrationId() + 999, first->sessionId(), 4,
                    driver.publication(first->originalRegistrationId()).logFile);
    driver.removeImage(id + 999, subscription->registrationId(), 4);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_EQ(subscription->imageCount(), 1u);
    EXPECT_EQ(available.size(), 1u);
    EXPECT_TRUE(unavailable.empty());
}

TEST_F(SubscriptionTest, shouldPollImagesRoundRobin)
{
    addImage(first);
    addImage(second);
    for (int i = 0; i < 3; ++i)
    {
        offer(*first, "first");
        offer(*second, "second");
    }
    std::vector<std::string> seen;
    const auto handler = [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                             const Header&)
    { seen.emplace_back(reinterpret_cast<const char*>(buffer.buffer() + offset), static_cast<std::size_t>(length)); };
    for (int i = 0; i < 4; ++i)
    {
        EXPECT_EQ(subscription->poll(handler, 1), 1);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"first", "second", "first", "second"}));
    EXPECT_EQ(subscription->poll(handler, 10), 2);
    EXPECT_EQ(subscription->poll(handler, 10), 0);
}

TEST_F(SubscriptionTest, shouldControlledPollAcrossImages)
{
    addImage(first);
    offer(*first, "x");
    offer(*first, "y");
    int calls = 0;
    EXPECT_EQ(subscription->controlledPoll(
                  [&](const cox::util::AtomicBuffer&, std::int32_t, std::int32_t, const Header&)
                  {
                      ++calls;
                      return ControlledPollAction::BREAK;
                  },
                  10),
              1);
    EXPECT_EQ(calls, 1);
}

TEST_F(SubscriptionTest, shouldSendRemoveSubscriptionAndDropImagesOnClose)
{
    addImage(first);
    auto image = subscription->imageBySessionId(first->sessionId());
    subscription->close();
    subscription->close();
    driver.doWork();
    const auto removes = driver.commandsOfType(TemplateId::REMOVE_SUBSCRIPTION);
    ASSERT_EQ(removes.size(), 1u);
    EXPECT_EQ(removes[0].registrationId, subscription->registrationId());
    EXPECT_TRUE(subscription->isClosed());
    EXPECT_EQ(subscription->imageCount(), 0u);
    EXPECT_TRUE(image->isClosed());
    EXPECT_EQ(unavailable, std::vector<std::int32_t>{first->sessionId()});
    offer(*first, "late");
    EXPECT_EQ(subscription->poll([](const cox::util::AtomicBuffer&, std::int32_t, std::int32_t, const Header&) {}, 10),
              0);
}

TEST_F(SubscriptionTest, shouldFreeRetiredImagesOnlyAfterTheLinger)
{
    const std::int64_t id = addImage(first);
    std::weak_ptr<Image> image = subscription->imageBySessionId(first->sessionId());
    driver.removeImage(id, subscription->registrationId(), 4);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_EQ(subscription->imageCount(), 0u);
    EXPECT_FALSE(image.expired()) << "still lingering";
    clock->advance(AeronContext::DEFAULT_RESOURCE_LINGER_DURATION_NS - 1);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_FALSE(image.expired());
    clock->advance(1);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_TRUE(image.expired());
}

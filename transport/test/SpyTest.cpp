// Spy subscriptions read a network publication's log directly on the publisher's driver.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "DriverTestSupport.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 5005;

int pollSequence(Subscription& subscription, std::int64_t& next, std::int64_t& errors)
{
    return subscription.poll(
        [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
        {
            std::int64_t sequence = -1;
            if (length == 200)
            {
                std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
            }
            errors += sequence == next ? 0 : 1;
            ++next;
        },
        64);
}
} // namespace

TEST(SpyTest, shouldSeeEveryMessageOfTheUdpPublicationItSpiesOn)
{
    InvokerDriverFixture fixture;
    const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(40));
    auto subscription = fixture.aeron->addSubscription(channel, STREAM_ID);
    auto spy = fixture.aeron->addSubscription("aeron-spy:" + channel, STREAM_ID);
    auto otherSpy = fixture.aeron->addSubscription(
        "aeron-spy:aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(41)), STREAM_ID);
    auto publication = fixture.aeron->addPublication(channel, STREAM_ID);
    ASSERT_TRUE(fixture.pumpUntil(
        [&] { return publication->isConnected() && subscription->imageCount() == 1 && spy->imageCount() == 1; }));
    EXPECT_EQ(spy->images().at(0)->sessionId(), publication->sessionId());

    constexpr std::int64_t count = 10'000;
    std::int64_t sent = 0;
    std::int64_t received = 0;
    std::int64_t spied = 0;
    std::int64_t errors = 0;
    EXPECT_TRUE(fixture.pumpUntil(
        [&]
        {
            std::uint8_t message[200] = {};
            for (int i = 0; i < 16 && sent < count; ++i)
            {
                std::memcpy(message, &sent, sizeof(sent));
                if (publication->offer(message, sizeof(message)) < 0)
                {
                    break;
                }
                ++sent;
            }
            pollSequence(*subscription, received, errors);
            pollSequence(*spy, spied, errors);
            return received == count && spied == count;
        },
        std::chrono::seconds(30)));
    EXPECT_EQ(spied, count);
    EXPECT_EQ(received, count);
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(otherSpy->imageCount(), 0U) << "a spy on another endpoint should see nothing";
}

TEST(SpyTest, shouldJoinAPublicationThatAlreadyExists)
{
    InvokerDriverFixture fixture;
    const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(42));
    auto subscription = fixture.aeron->addSubscription(channel, STREAM_ID);
    auto publication = fixture.aeron->addPublication(channel, STREAM_ID);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }));
    auto spy = fixture.aeron->addSubscription("aeron-spy:" + channel, STREAM_ID);
    ASSERT_TRUE(fixture.pumpUntil([&] { return spy->imageCount() == 1; }));
    const std::int64_t joinPosition = spy->images().at(0)->joinPosition();

    std::int64_t spied = 0;
    std::int64_t received = 0;
    std::int64_t errors = 0;
    std::uint8_t message[200] = {};
    for (std::int64_t i = 0; i < 100; ++i)
    {
        std::memcpy(message, &i, sizeof(i));
        ASSERT_TRUE(fixture.pumpUntil([&] { return publication->offer(message, sizeof(message)) > 0; }));
    }
    EXPECT_TRUE(fixture.pumpUntil(
        [&]
        {
            pollSequence(*spy, spied, errors);
            pollSequence(*subscription, received, errors);
            return spied == 100 && received == 100;
        }));
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(spy->images().at(0)->position(), joinPosition + 100 * 256);
}

// Port-0 subscriptions: the driver binds an ephemeral port and publishes it (rcv-channel status and
// rcv-local-sockaddr counters); the subscription reads it back so a client can tell a sender where to
// send (Aeron's Subscription::tryResolveChannelEndpointPort / resolvedEndpoint).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "DriverTestSupport.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 4040;

int portOf(const std::string& hostAndPort)
{
    const std::size_t colon = hostAndPort.rfind(':');
    return colon == std::string::npos ? -1 : std::stoi(hostAndPort.substr(colon + 1));
}

/// Offers one message and pumps until the subscription has delivered it; returns the payload seen.
std::string sendOne(InvokerDriverFixture& fixture, Publication& publication, Subscription& subscription,
                    const std::string& text)
{
    std::string received;
    const bool delivered = fixture.pumpUntil(
        [&]
        {
            if (received.empty())
            {
                (void)publication.offer(reinterpret_cast<const std::uint8_t*>(text.data()),
                                        static_cast<std::int32_t>(text.size()));
            }
            subscription.poll(
                [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
                { received.assign(reinterpret_cast<const char*>(buffer.buffer() + offset), static_cast<std::size_t>(length)); },
                10);
            return !received.empty();
        });
    return delivered ? received : std::string();
}
} // namespace

TEST(EndpointResolutionTest, shouldGiveTwoPortZeroSubscriptionsDistinctRealPorts)
{
    InvokerDriverFixture fixture;
    auto first = fixture.aeron->addSubscription("aeron:udp?endpoint=localhost:0", STREAM_ID);
    auto second = fixture.aeron->addSubscription("aeron:udp?endpoint=localhost:0", STREAM_ID);

    const std::string firstEndpoint = first->resolvedEndpoint();
    const std::string secondEndpoint = second->resolvedEndpoint();
    const int firstPort = portOf(firstEndpoint);
    const int secondPort = portOf(secondEndpoint);
    EXPECT_GT(firstPort, 0) << firstEndpoint;
    EXPECT_GT(secondPort, 0) << secondEndpoint;
    EXPECT_NE(firstPort, secondPort) << "each port-0 subscription binds its own ephemeral port";

    EXPECT_EQ(first->channelStatus(), 1);
    EXPECT_EQ(first->tryResolveChannelEndpointPort(), "aeron:udp?endpoint=localhost:" + std::to_string(firstPort));
    EXPECT_EQ(second->tryResolveChannelEndpointPort(), "aeron:udp?endpoint=localhost:" + std::to_string(secondPort));
}

TEST(EndpointResolutionTest, shouldDeliverFromAPublicationToTheResolvedChannel)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:udp?endpoint=127.0.0.1:0|alias=reply", STREAM_ID);
    const std::string resolved = subscription->tryResolveChannelEndpointPort();
    ASSERT_FALSE(resolved.empty());
    EXPECT_EQ(resolved.find(":0|"), std::string::npos) << resolved;
    EXPECT_NE(resolved.find("|alias=reply"), std::string::npos) << "other parameters are kept: " << resolved;

    auto publication = fixture.aeron->addPublication(resolved, STREAM_ID);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected() && subscription->imageCount() == 1; }));
    EXPECT_EQ(sendOne(fixture, *publication, *subscription, "reply-to-me"), "reply-to-me");
}

TEST(EndpointResolutionTest, shouldShareTheEndpointWithASubscriptionToTheResolvedChannel)
{
    InvokerDriverFixture fixture;
    auto ephemeral = fixture.aeron->addSubscription("aeron:udp?endpoint=127.0.0.1:0", STREAM_ID);
    const std::string resolved = ephemeral->tryResolveChannelEndpointPort();
    ASSERT_FALSE(resolved.empty());
    auto named = fixture.aeron->addSubscription(resolved, STREAM_ID);
    EXPECT_EQ(named->resolvedEndpoint(), ephemeral->resolvedEndpoint());
    EXPECT_EQ(named->channelStatusId(), ephemeral->channelStatusId()) << "one endpoint, one status counter";

    auto publication = fixture.aeron->addPublication(resolved, STREAM_ID);
    ASSERT_TRUE(fixture.pumpUntil([&] { return ephemeral->imageCount() == 1 && named->imageCount() == 1; }))
        << "both subscriptions should get the one publisher's image";
}

TEST(EndpointResolutionTest, shouldLeaveChannelsWithARealPortOrNoEndpointAsTheyAre)
{
    InvokerDriverFixture fixture;
    const std::string fixedChannel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(41));
    auto fixed = fixture.aeron->addSubscription(fixedChannel, STREAM_ID);
    EXPECT_EQ(fixed->tryResolveChannelEndpointPort(), fixedChannel);
    EXPECT_EQ(fixed->resolvedEndpoint(), "127.0.0.1:" + std::to_string(testPort(41)));

    auto ipc = fixture.aeron->addSubscription("aeron:ipc", STREAM_ID);
    EXPECT_EQ(ipc->channelStatusId(), -1);
    EXPECT_EQ(ipc->tryResolveChannelEndpointPort(), "aeron:ipc");
    EXPECT_EQ(ipc->resolvedEndpoint(), "");
}

TEST(EndpointResolutionTest, shouldStopResolvingOnceTheEndpointCloses)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:udp?endpoint=127.0.0.1:0", STREAM_ID);
    ASSERT_FALSE(subscription->resolvedEndpoint().empty());
    const std::int32_t statusId = subscription->channelStatusId();
    subscription->close();
    ASSERT_TRUE(fixture.pumpUntil([&] { return fixture.aeron->countersReader().getCounterValue(statusId) != 1; }));
    EXPECT_EQ(subscription->resolvedEndpoint(), "");
    EXPECT_EQ(subscription->tryResolveChannelEndpointPort(), "");
}

#include <chrono>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
TEST(ClusterSingleNodeTest, shouldEchoMessageThroughSingleNodeCluster)
{
    TestCluster cluster({});
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "echo:hello"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 1; }, 10s, "echo reply"));
    EXPECT_EQ("echo:hello", listener.messages[0]);
    EXPECT_EQ(1, cluster.service(0).sessionsOpened);
}
} // namespace cox::cluster::test

namespace cox::cluster::test
{
TEST(ClusterSingleNodeTest, shouldConnectClientWhoseEgressPortTheOsChose)
{
    TestCluster::Options options;
    options.portOffset = 40;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    ClusterClientContext context;
    context.aeron = std::shared_ptr<transport::Aeron>(&cluster.clientAeron(), [](transport::Aeron*) {});
    context.ingressEndpoints = cluster.ingressEndpoints();
    context.egressChannel = "aeron:udp?endpoint=localhost:0";
    RecordingEgressListener listener;
    context.egressListener = &listener;
    auto connect = ClusterClient::asyncConnect(context);
    std::unique_ptr<ClusterClient> client;
    ASSERT_TRUE(cluster.awaitCondition([&] { return (client = connect->poll()) != nullptr; }, 10s, "connect"));
    EXPECT_EQ(std::string::npos, client->context().egressChannel.find("localhost:0"))
        << client->context().egressChannel;
    while (client->offer(reinterpret_cast<const std::uint8_t*>("echo:port0"), 10) < 0)
    {
        cluster.poll();
    }
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            client->pollEgress();
            return listener.messages.size() == 1;
        },
        10s, "echo to the resolved port"));
}
} // namespace cox::cluster::test

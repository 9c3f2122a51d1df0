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

#include <chrono>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
namespace
{
TestCluster::Options members(int count, int portOffset)
{
    TestCluster::Options options;
    options.memberCount = count;
    options.portOffset = portOffset;
    return options;
}

bool sameStateEverywhere(TestCluster& cluster, int memberCount, std::int64_t messages)
{
    for (int i = 0; i < memberCount; ++i)
    {
        if (!cluster.isRunning(i) || cluster.service(i).messageCount != messages)
        {
            return false;
        }
    }
    for (int i = 1; i < memberCount; ++i)
    {
        if (cluster.service(i).stateHash() != cluster.service(0).stateHash())
        {
            return false;
        }
    }
    return true;
}
} // namespace

TEST(ClusterAppointedLeaderTest, shouldReplicateEchoToEveryMemberOfThreeMemberCluster)
{
    TestCluster cluster(members(3, 300));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    for (int i = 0; i < 10; ++i)
    {
        ASSERT_TRUE(cluster.offer(*client, "echo:" + std::to_string(i)));
    }
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 10; }, 10s, "ten echoes"));
    EXPECT_EQ("echo:9", listener.messages.back());
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateEverywhere(cluster, 3, 10); }, 10s,
                                       "every member applying the same ten messages"));
    EXPECT_EQ(Role::FOLLOWER, cluster.role(1));
    EXPECT_EQ(Role::FOLLOWER, cluster.role(2));
    EXPECT_EQ(cluster.commitPosition(0), cluster.commitPosition(1));
}

TEST(ClusterAppointedLeaderTest, shouldCommitWithOneFollowerStoppedAndStallWithTwo)
{
    TestCluster cluster(members(3, 400));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "echo:a"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 1; }, 10s, "first echo"));

    cluster.stopMember(2);
    ASSERT_TRUE(cluster.offer(*client, "echo:b"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 2; }, 10s,
                                       "an echo with one follower stopped"));

    cluster.stopMember(1);
    const std::int64_t commitBefore = cluster.commitPosition(0);
    ASSERT_TRUE(cluster.offer(*client, "echo:c"));
    cluster.pollFor(1500ms);
    EXPECT_EQ(2u, listener.messages.size()) << "no quorum: nothing more may be applied";
    EXPECT_EQ(commitBefore, cluster.commitPosition(0));
    EXPECT_EQ(2, cluster.service(0).messageCount);

    cluster.startMember(1);
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 3; }, 30s,
                                       "the stalled message once a follower is back"));
    EXPECT_EQ("echo:c", listener.messages.back());
    cluster.startMember(2);
    ASSERT_TRUE(cluster.offer(*client, "echo:d"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateEverywhere(cluster, 3, 4); }, 30s,
                                       "every member with all four messages"));
}
} // namespace cox::cluster::test

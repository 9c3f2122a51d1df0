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

namespace cox::cluster::test
{
TEST(ClusterAppointedLeaderTest, shouldKeepServingClientWhenAppointedLeaderRestarts)
{
    TestCluster cluster(members(3, 440));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "echo:before"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 1; }, 10s, "echo before restart"));

    cluster.stopMember(0);
    cluster.pollFor(200ms);
    cluster.startMember(0);
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition([&] { return !listener.newLeaderTerms.empty(); }, 10s,
                                       "the client told of the new term"));
    ASSERT_TRUE(cluster.offer(*client, "echo:after"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 2; }, 10s, "echo after restart"));
    EXPECT_EQ("echo:after", listener.messages.back());
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateEverywhere(cluster, 3, 2); }, 10s,
                                       "every member with both messages"));
}

TEST(ClusterAppointedLeaderTest, shouldNeedBothMembersOfTwoMemberCluster)
{
    TestCluster cluster(members(2, 460));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "echo:1"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateEverywhere(cluster, 2, 1); }, 10s, "both members"));

    cluster.stopMember(1);
    ASSERT_TRUE(cluster.offer(*client, "echo:2"));
    cluster.pollFor(1000ms);
    EXPECT_EQ(1u, listener.messages.size()) << "one of two members is not a quorum";
    cluster.startMember(1);
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 2; }, 30s, "commit once both are up"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateEverywhere(cluster, 2, 2); }, 10s, "same state"));
}

TEST(ClusterAppointedLeaderTest, shouldCommitInFiveMemberClusterWithTwoMembersDown)
{
    TestCluster cluster(members(5, 480));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    cluster.stopMember(3);
    cluster.stopMember(4);
    for (int i = 0; i < 5; ++i)
    {
        ASSERT_TRUE(cluster.offer(*client, "echo:" + std::to_string(i)));
    }
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 5; }, 10s, "three of five commit"));
    cluster.stopMember(2);
    ASSERT_TRUE(cluster.offer(*client, "echo:stalled"));
    cluster.pollFor(1000ms);
    EXPECT_EQ(5u, listener.messages.size()) << "two of five is not a quorum";
    cluster.startMember(3);
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 6; }, 30s, "a third member back"));
}

TEST(ClusterAppointedLeaderTest, shouldRedirectClientFromFollowerToLeader)
{
    TestCluster cluster(members(3, 500 + 60));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    ClusterClientContext context;
    context.aeron = std::shared_ptr<transport::Aeron>(&cluster.clientAeron(), [](transport::Aeron*) {});
    // Only a follower's endpoint: it answers with a redirect naming every member's ingress.
    context.ingressEndpoints = "1=localhost:" + std::to_string(cluster.basePort() + 10);
    context.egressChannel = "aeron:udp?endpoint=localhost:" + std::to_string(cluster.basePort() + 260);
    RecordingEgressListener listener;
    context.egressListener = &listener;
    auto connect = ClusterClient::asyncConnect(context);
    std::unique_ptr<ClusterClient> client;
    ASSERT_TRUE(cluster.awaitCondition([&] { return (client = connect->poll()) != nullptr; }, 10s, "connect"));
    EXPECT_EQ(0, client->leaderMemberId());
    while (client->offer(reinterpret_cast<const std::uint8_t*>("echo:r"), 6) < 0)
    {
        cluster.poll();
    }
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            client->pollEgress();
            return listener.messages.size() == 1;
        },
        10s, "echo through the leader"));
}
} // namespace cox::cluster::test

#include <chrono>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
namespace
{
/// Offers until the echo of payload comes back (a client retrying across a failover).
bool echoThroughFailover(TestCluster& cluster, ClusterClient& client, RecordingEgressListener& listener,
                         const std::string& payload, std::chrono::milliseconds timeout = 20s)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto lastOffer = std::chrono::steady_clock::time_point{};
    while (std::chrono::steady_clock::now() < deadline)
    {
        for (const auto& message : listener.messages)
        {
            if (message == payload)
            {
                return true;
            }
        }
        if (std::chrono::steady_clock::now() - lastOffer > 300ms)
        {
            if (client.offer(reinterpret_cast<const std::uint8_t*>(payload.data()),
                             static_cast<std::int32_t>(payload.size())) > 0)
            {
                lastOffer = std::chrono::steady_clock::now();
            }
        }
        if (cluster.poll() == 0)
        {
            std::this_thread::sleep_for(100us);
        }
    }
    return false;
}

bool sameStateOnRunningMembers(TestCluster& cluster, int memberCount)
{
    int reference = -1;
    for (int i = 0; i < memberCount; ++i)
    {
        if (!cluster.isRunning(i))
        {
            continue;
        }
        if (reference < 0)
        {
            reference = i;
        }
        else if (cluster.service(i).stateHash() != cluster.service(reference).stateHash() ||
                 cluster.commitPosition(i) != cluster.commitPosition(reference))
        {
            return false;
        }
    }
    return true;
}
} // namespace

TEST(ClusterElectionTest, shouldElectLeaderAndServeWithoutAppointment)
{
    TestCluster cluster(automatic(3, 900));
    cluster.startAll();
    const int leader = cluster.awaitAnyLeader();
    ASSERT_GE(leader, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    EXPECT_EQ(leader, client->leaderMemberId());
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:first"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 10s, "same state"));
    int leaders = 0;
    for (int i = 0; i < 3; ++i)
    {
        leaders += cluster.role(i) == Role::LEADER ? 1 : 0;
    }
    EXPECT_EQ(1, leaders);
}

TEST(ClusterElectionTest, shouldFailOverWhenLeaderIsKilledAndLoseNothingCommitted)
{
    TestCluster cluster(automatic(3, 930));
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    for (int i = 0; i < 20; ++i)
    {
        ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:" + std::to_string(i)));
    }
    const std::int64_t committedBefore = cluster.commitPosition(first);

    cluster.stopMember(first);
    const int second = cluster.awaitAnyLeader(first);
    ASSERT_GE(second, 0);
    ASSERT_NE(first, second);
    EXPECT_GE(cluster.commitPosition(second), committedBefore) << "nothing committed is lost";
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:after-failover"));
    EXPECT_EQ(second, client->leaderMemberId());
    EXPECT_GE(cluster.service(second).messageCount, 21);

    // The old leader comes back as a follower and catches up.
    cluster.startMember(first);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:old-leader-back"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 20s,
                                       "the old leader with the same state"));
    EXPECT_EQ(Role::FOLLOWER, cluster.role(first));
}

TEST(ClusterElectionTest, shouldCatchUpRestartedFollowerUnderLoad)
{
    TestCluster cluster(automatic(3, 960));
    cluster.startAll();
    const int leader = cluster.awaitAnyLeader();
    ASSERT_GE(leader, 0);
    const int follower = (leader + 1) % 3;
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    cluster.stopMember(follower);
    for (int i = 0; i < 50; ++i)
    {
        ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:" + std::to_string(i)));
    }
    cluster.startMember(follower);
    for (int i = 50; i < 100; ++i)
    {
        ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:" + std::to_string(i)));
    }
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 20s,
                                       "the restarted follower with the same state"));
    EXPECT_EQ(leader, cluster.findLeader()) << "a follower rejoining does not unseat the leader";
}

TEST(ClusterElectionTest, shouldStallWithoutQuorumAndResumeWhenRegained)
{
    TestCluster cluster(automatic(3, 990));
    cluster.startAll();
    const int leader = cluster.awaitAnyLeader();
    ASSERT_GE(leader, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:a"));
    const int f1 = (leader + 1) % 3;
    const int f2 = (leader + 2) % 3;
    cluster.stopMember(f1);
    cluster.stopMember(f2);
    EXPECT_FALSE(echoThroughFailover(cluster, *client, listener, "echo:b", 2s)) << "no quorum, no progress";
    EXPECT_NE(leader, cluster.findLeader()) << "the leader steps down without a quorum";
    cluster.startMember(f1);
    cluster.startMember(f2);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:c", 30s));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 20s, "same state"));
}

TEST(ClusterElectionTest, shouldNotCommitOnPausedLeaderAndRejoinAsFollower)
{
    TestCluster cluster(automatic(3, 1020));
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:before-pause"));
    const std::int64_t messagesBeforePause = cluster.service(first).messageCount;

    cluster.pause(first); // as SIGSTOP: longer than the heartbeat timeout
    const int second = cluster.awaitAnyLeader(first);
    ASSERT_GE(second, 0);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:new-leader"));

    cluster.resume(first); // SIGCONT
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.role(first) == Role::FOLLOWER; }, 10s,
                                       "the old leader stepping down"));
    EXPECT_EQ(messagesBeforePause, cluster.service(first).messageCount)
        << "nothing new was applied in the old term: it had no quorum";
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:after-resume"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 20s,
                                       "the old leader with the new leader's state"));
}

TEST(ClusterElectionTest, shouldRestartWholeClusterToSameState)
{
    TestCluster cluster(automatic(3, 1050));
    cluster.startAll();
    ASSERT_GE(cluster.awaitAnyLeader(), 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    for (int i = 0; i < 10; ++i)
    {
        ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:" + std::to_string(i)));
    }
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 10s, "same state"));
    const std::uint64_t hash = cluster.service(0).stateHash();
    for (int i = 0; i < 3; ++i)
    {
        cluster.stopMember(i);
    }
    cluster.startAll();
    ASSERT_GE(cluster.awaitAnyLeader(), 0);
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.service(0).stateHash() == hash && cluster.service(1).stateHash() == hash &&
                cluster.service(2).stateHash() == hash;
        },
        20s, "every member replaying to the same state"))
        << [&]
    {
        std::string state;
        for (int i = 0; i < 3; ++i)
        {
            const auto& service = cluster.service(i);
            state += " member " + std::to_string(i) + ": messages=" + std::to_string(service.messageCount) +
                " sessions=" + std::to_string(service.sessionsOpened) + " closes=" +
                std::to_string(service.closeReasons.size()) + " timers=" + std::to_string(service.firedTimers.size()) +
                " starts=" + std::to_string(service.startCount);
        }
        return state;
    }();
}

TEST(ClusterElectionTest, shouldElectInFiveMemberClusterAfterLosingTwo)
{
    TestCluster cluster(automatic(5, 1080));
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:five"));
    cluster.stopMember(first);
    cluster.stopMember((first + 1) % 5);
    const int second = cluster.awaitAnyLeader(first);
    ASSERT_GE(second, 0);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:three-left"));
}

TEST(ClusterElectionTest, shouldNeedBothMembersOfTwoMemberClusterToElect)
{
    TestCluster cluster(automatic(2, 1120));
    cluster.startAll();
    const int leader = cluster.awaitAnyLeader();
    ASSERT_GE(leader, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:pair"));
    const int other = 1 - leader;
    cluster.stopMember(other);
    cluster.pollFor(1500ms);
    EXPECT_EQ(-1, cluster.findLeader()) << "one of two cannot lead alone";
    cluster.startMember(other);
    ASSERT_GE(cluster.awaitAnyLeader(), 0);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:pair-again"));
}
} // namespace cox::cluster::test

namespace cox::cluster::test
{
TEST(ClusterElectionTest, shouldReplaceIsolatedLeaderAndRejoinItWhenHealed)
{
    TestCluster cluster(automatic(3, 1150));
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:before-partition"));
    const std::int64_t messagesBefore = cluster.service(first).messageCount;

    cluster.isolate(first, true);
    const int second = cluster.awaitAnyLeader(first);
    ASSERT_GE(second, 0);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:during-partition"));
    EXPECT_EQ(messagesBefore, cluster.service(first).messageCount) << "the cut-off leader commits nothing";
    EXPECT_NE(Role::LEADER, cluster.role(first)) << "without a quorum it stepped down";

    cluster.isolate(first, false);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:healed"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 3); }, 20s,
                                       "the healed member with the same state"));
    EXPECT_EQ(Role::FOLLOWER, cluster.role(first));
}
} // namespace cox::cluster::test

namespace cox::cluster::test
{
/// Raft's "Figure 8" hazard: an entry from an old term that reaches some members but was never committed must
/// not be taken as committed later just because enough members hold it, and nothing a client was answered for
/// may be lost whoever wins the following elections. The schedule: a leader appends an entry only one follower
/// receives (the other three are cut off), then crashes; the four others elect a leader (either the one that
/// holds the entry or one that does not, depending on the draw), which serves; the old leader returns.
TEST(ClusterElectionTest, shouldKeepCommittedAndAgreeOnUncommittedEntryAcrossFigureEightSchedule)
{
    TestCluster cluster(automatic(5, 1180));
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:committed-1"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 5); }, 10s, "same state"));

    const int holder = (first + 1) % 5;
    for (int i = 0; i < 5; ++i)
    {
        if (i != first && i != holder)
        {
            cluster.isolate(i, true);
        }
    }
    EXPECT_FALSE(echoThroughFailover(cluster, *client, listener, "echo:uncommitted", 300ms))
        << "two of five hold it: not committed, not answered";
    cluster.stopMember(first);
    for (int i = 0; i < 5; ++i)
    {
        cluster.isolate(i, false);
    }
    const int second = cluster.awaitAnyLeader(first);
    ASSERT_GE(second, 0);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:committed-2"));
    cluster.startMember(first);
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:committed-3"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return sameStateOnRunningMembers(cluster, 5); }, 20s,
                                       "all five with the same state"));
    for (int i = 0; i < 5; ++i)
    {
        const auto& applied = cluster.service(i).payloads;
        EXPECT_EQ(cluster.service(second).payloads, applied) << "member " << i;
        for (const auto& answered : listener.messages)
        {
            EXPECT_NE(std::find(applied.begin(), applied.end(), answered), applied.end())
                << "member " << i << " lost " << answered << ", which a client was answered for";
        }
    }
    const auto uncommitted =
        std::count(cluster.service(second).payloads.begin(), cluster.service(second).payloads.end(), "echo:uncommitted");
    EXPECT_LE(uncommitted, 1) << "applied at most once";
}
} // namespace cox::cluster::test

namespace cox::cluster::test
{
TEST(ClusterElectionTest, shouldTellClientWhichOfItsMessagesSurvivedTheFailover)
{
    TestCluster cluster(automatic(3, 1220));
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    for (int i = 0; i < 5; ++i)
    {
        ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:" + std::to_string(i)));
    }
    ASSERT_EQ(5, client->messagesOffered());

    // The leader alone: it appends these, nobody records them, nothing commits.
    for (int i = 0; i < 3; ++i)
    {
        if (i != first)
        {
            cluster.isolate(i, true);
        }
    }
    for (const std::string payload : {"echo:lost-1", "echo:lost-2", "echo:lost-3"})
    {
        ASSERT_TRUE(cluster.offer(*client, payload));
    }
    cluster.pollFor(100ms);
    ASSERT_EQ(8, client->messagesOffered());
    cluster.stopMember(first);
    for (int i = 0; i < 3; ++i)
    {
        cluster.isolate(i, false);
    }
    const int second = cluster.awaitAnyLeader(first);
    ASSERT_GE(second, 0);
    ASSERT_TRUE(cluster.awaitCondition([&] { return !listener.failoverOutcomes.empty(); }, 10s, "the outcome"));
    EXPECT_EQ(5, listener.failoverOutcomes[0].first) << "the five answered messages are in the new leader's log";
    EXPECT_EQ(3, listener.failoverOutcomes[0].second) << "the three the old leader alone held are lost";
    ASSERT_TRUE(echoThroughFailover(cluster, *client, listener, "echo:after"));
    for (const auto& payload : cluster.service(second).payloads)
    {
        EXPECT_EQ(std::string::npos, payload.find("lost")) << "a lost message was applied: " << payload;
    }
}
} // namespace cox::cluster::test

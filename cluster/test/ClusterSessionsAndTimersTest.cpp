#include <chrono>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"
#include "cox/transport/ExclusivePublication.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
namespace
{
TestCluster::Options options(int portOffset)
{
    TestCluster::Options result;
    result.portOffset = portOffset;
    return result;
}
} // namespace

TEST(ClusterSessionsAndTimersTest, shouldFireTimersOnceInDeadlineOrderAndNotCancelledOnes)
{
    TestCluster cluster(options(500));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "timer:3:300"));
    ASSERT_TRUE(cluster.offer(*client, "timer:1:100"));
    ASSERT_TRUE(cluster.offer(*client, "timer:2:200"));
    ASSERT_TRUE(cluster.offer(*client, "timer:4:250"));
    ASSERT_TRUE(cluster.offer(*client, "cancel:4"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).firedTimers.size() == 3; }, 10s,
                                       "three timers"));
    cluster.pollFor(400ms);
    EXPECT_EQ((std::vector<std::int64_t>{1, 2, 3}), cluster.service(0).firedTimers);
}

TEST(ClusterSessionsAndTimersTest, shouldFireTimersAtTheSameLogPositionOnEveryMember)
{
    TestCluster::Options threeMembers = options(520);
    threeMembers.memberCount = 3;
    TestCluster cluster(threeMembers);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "timer:7:50"));
    ASSERT_TRUE(cluster.offer(*client, "timer:8:80"));
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.service(0).firedTimers.size() == 2 && cluster.service(1).firedTimers.size() == 2 &&
                cluster.service(2).firedTimers.size() == 2;
        },
        10s, "both timers on every member"));
    EXPECT_EQ(cluster.service(0).timerPositions, cluster.service(1).timerPositions);
    EXPECT_EQ(cluster.service(0).timerPositions, cluster.service(2).timerPositions);
    EXPECT_EQ(cluster.service(0).stateHash(), cluster.service(1).stateHash());
}

TEST(ClusterSessionsAndTimersTest, shouldSequenceInterServiceMessagesOnceToEveryService)
{
    TestCluster::Options twoServices = options(540);
    twoServices.serviceCount = 2;
    TestCluster cluster(twoServices);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "svc:x"));
    // Both services get the client's message; each offers one inter-service message; both get both.
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        { return cluster.service(0, 0).serviceMessages.size() == 2 && cluster.service(0, 1).serviceMessages.size() == 2; },
        10s, "two inter-service messages at each service"));
    cluster.pollFor(300ms);
    EXPECT_EQ(2u, cluster.service(0, 0).serviceMessages.size()) << "each sequenced exactly once";
    EXPECT_EQ("from-svc:x", cluster.service(0, 0).serviceMessages[0]);
    EXPECT_EQ(cluster.service(0, 0).stateHash(), cluster.service(0, 1).stateHash());
}

TEST(ClusterSessionsAndTimersTest, shouldCloseSessionsWithTheirReasons)
{
    TestCluster::Options shortTimeout = options(560);
    shortTimeout.sessionTimeoutNs = 500'000'000;
    TestCluster cluster(shortTimeout);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));

    RecordingEgressListener byClient;
    ClusterClient* first = cluster.connectClient(byClient);
    ASSERT_NE(nullptr, first);
    first->close();
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).closeReasons.size() == 1; }, 10s,
                                       "client close"));
    EXPECT_EQ(CloseReason::CLIENT_ACTION, cluster.service(0).closeReasons[0]);

    RecordingEgressListener byService;
    ClusterClient* second = cluster.connectClient(byService);
    ASSERT_NE(nullptr, second);
    ASSERT_TRUE(cluster.offer(*second, "close"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).closeReasons.size() == 2; }, 10s,
                                       "service close"));
    EXPECT_EQ(CloseReason::SERVICE_ACTION, cluster.service(0).closeReasons[1]);
    ASSERT_TRUE(cluster.awaitCondition([&] { return second->isClosed(); }, 10s, "client told of the close"));

    RecordingEgressListener silent;
    ClusterClient* third = cluster.connectClient(silent, {}, false);
    ASSERT_NE(nullptr, third);
    // No keep-alives: the leader times the session out.
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).closeReasons.size() == 3; }, 10s,
                                       "session timeout"));
    EXPECT_EQ(CloseReason::TIMEOUT, cluster.service(0).closeReasons[2]);
    EXPECT_EQ(1, cluster.counterValue(0, ClusterCounters::CLUSTER_CLIENT_TIMEOUT_COUNT_TYPE_ID));
}

TEST(ClusterSessionsAndTimersTest, shouldRefuseSessionsOverTheLimit)
{
    TestCluster::Options limited = options(580);
    limited.maxConcurrentSessions = 1;
    TestCluster cluster(limited);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener first;
    ASSERT_NE(nullptr, cluster.connectClient(first));

    ClusterClientContext context;
    context.aeron = std::shared_ptr<transport::Aeron>(&cluster.clientAeron(), [](transport::Aeron*) {});
    context.ingressEndpoints = cluster.ingressEndpoints();
    context.egressChannel = "aeron:udp?endpoint=localhost:" + std::to_string(cluster.basePort() + 250);
    RecordingEgressListener second;
    context.egressListener = &second;
    auto connect = ClusterClient::asyncConnect(context);
    std::string error;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (error.empty() && std::chrono::steady_clock::now() < deadline)
    {
        try
        {
            static_cast<void>(connect->poll());
        }
        catch (const ClusterException& e)
        {
            error = e.what();
        }
        cluster.poll();
    }
    EXPECT_NE(std::string::npos, error.find("concurrent session limit")) << error;
}

TEST(ClusterSessionsAndTimersTest, shouldCountAndDropMalformedIngressWithoutHarm)
{
    TestCluster cluster(options(600));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);

    auto raw = cluster.clientAeron().addExclusivePublication(
        "aeron:udp?endpoint=localhost:" + std::to_string(cluster.basePort()), 101);
    ASSERT_TRUE(cluster.awaitCondition([&] { return raw->isConnected(); }, 10s, "raw ingress connected"));
    const std::uint8_t garbage[] = {1, 2, 3};
    std::uint8_t wrongSchema[40] = {24, 0, 1, 0, 99, 0, 1, 0};
    std::uint8_t unknownSession[40] = {24, 0, 1, 0, 111, 0, 12, 0};
    unknownSession[16] = 0x77; // clusterSessionId 0x77: never opened
    for (auto [data, length] : {std::pair<const std::uint8_t*, int>{garbage, 3}, {wrongSchema, 40}, {unknownSession, 40}})
    {
        while (raw->offer(data, length) < 0)
        {
            cluster.poll();
        }
    }
    ASSERT_TRUE(cluster.awaitCondition(
        [&] { return cluster.counterValue(0, ClusterCounters::CLUSTER_INVALID_REQUEST_COUNT_TYPE_ID) >= 3; }, 10s,
        "three invalid requests counted"));
    ASSERT_TRUE(cluster.offer(*client, "echo:still-fine"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 1; }, 10s, "echo after garbage"));
    EXPECT_EQ(0, cluster.service(0).messageCount - 1) << "no garbage reached the service";
}

TEST(ClusterSessionsAndTimersTest, shouldRebuildIdenticalStateWhenWholeClusterRestarts)
{
    TestCluster::Options threeMembers = options(620);
    threeMembers.memberCount = 3;
    TestCluster cluster(threeMembers);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    for (int i = 0; i < 50; ++i)
    {
        ASSERT_TRUE(cluster.offer(*client, "echo:" + std::to_string(i)));
    }
    ASSERT_TRUE(cluster.offer(*client, "timer:9:20"));
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.service(0).firedTimers.size() == 1 && cluster.service(1).firedTimers.size() == 1 &&
                cluster.service(2).firedTimers.size() == 1;
        },
        10s, "timer fired everywhere"));
    const std::uint64_t hash = cluster.service(0).stateHash();
    EXPECT_EQ(hash, cluster.service(1).stateHash());

    for (int i = 0; i < 3; ++i)
    {
        cluster.stopMember(i);
    }
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.service(0).stateHash() == hash && cluster.service(1).stateHash() == hash &&
                cluster.service(2).stateHash() == hash;
        },
        20s, "every member replaying to the same state"));
    EXPECT_EQ(1u, cluster.service(0).firedTimers.size()) << "a fired timer is not fired again on replay";
}
} // namespace cox::cluster::test

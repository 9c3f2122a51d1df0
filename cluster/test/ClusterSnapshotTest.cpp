// Snapshots, recovery from them, and the orderly lifecycle (suspend, resume, shutdown, abort), in-process.
#include <chrono>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"
#include "cox/cluster/RecordingLog.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
namespace
{
void sendEchoes(TestCluster& cluster, ClusterClient& client, RecordingEgressListener& listener, int count,
                const std::string& prefix)
{
    const std::size_t expected = listener.messages.size() + static_cast<std::size_t>(count);
    for (int i = 0; i < count; ++i)
    {
        ASSERT_TRUE(cluster.offer(client, "echo:" + prefix + std::to_string(i)));
    }
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() >= expected; }, 20s, "echoes"));
}

bool takeSnapshot(TestCluster& cluster, int leader, const std::vector<int>& members, std::int64_t expectedCount)
{
    if (!cluster.node(leader).requestControlToggle(ToggleState::SNAPSHOT))
    {
        ADD_FAILURE() << "the control toggle was busy";
        return false;
    }
    return cluster.awaitCondition(
        [&]
        {
            for (const int member : members)
            {
                if (cluster.snapshotCount(member) < expectedCount)
                {
                    return false;
                }
            }
            return cluster.counter(leader, ClusterCounters::CONTROL_TOGGLE_TYPE_ID) ==
                static_cast<std::int64_t>(ToggleState::NEUTRAL);
        },
        20s, "snapshot on every member");
}

std::vector<RecordingLog::Entry> moduleSnapshots(const std::filesystem::path& clusterDir)
{
    RecordingLog log(clusterDir.string(), false);
    std::vector<RecordingLog::Entry> result;
    for (const auto& entry : log.snapshots())
    {
        if (entry.serviceId == RecordingLog::CONSENSUS_MODULE_SERVICE_ID)
        {
            result.push_back(entry);
        }
    }
    return result;
}
} // namespace

TEST(ClusterSnapshotTest, shouldSnapshotRestartAndAgreeOnStateOnEveryMember)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 300;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 20, "a");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0, 1, 2}, 1));
    for (int member = 0; member < 3; ++member)
    {
        EXPECT_EQ(1, cluster.service(member).snapshotsTaken) << "member " << member;
        const auto snapshots = moduleSnapshots(cluster.clusterDir(member));
        ASSERT_EQ(1u, snapshots.size()) << "member " << member;
        EXPECT_EQ(moduleSnapshots(cluster.clusterDir(0))[0].logPosition, snapshots[0].logPosition);
    }
    sendEchoes(cluster, *client, listener, 10, "b");
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.service(1).messageCount == cluster.service(0).messageCount &&
                cluster.service(2).messageCount == cluster.service(0).messageCount;
        },
        10s, "followers apply every message"));
    const std::uint64_t hash = cluster.service(0).stateHash();
    const std::int64_t messages = cluster.service(0).messageCount;

    for (int member = 0; member < 3; ++member)
    {
        cluster.stopMember(member);
    }
    cluster.startAll();
    ASSERT_NE(-1, cluster.awaitAnyLeader());
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            for (int member = 0; member < 3; ++member)
            {
                if (cluster.service(member).messageCount != messages)
                {
                    return false;
                }
            }
            return true;
        },
        20s, "every member recovered to the same message count"));
    for (int member = 0; member < 3; ++member)
    {
        EXPECT_TRUE(cluster.service(member).loadedSnapshot) << "member " << member;
        EXPECT_EQ(hash, cluster.service(member).stateHash()) << "member " << member;
    }
}

TEST(ClusterSnapshotTest, shouldFallBackToThePreviousSnapshotWhenTheLatestIsInvalidated)
{
    TestCluster::Options options;
    options.portOffset = 310;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 5, "a");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 1));
    const std::uint64_t hashAtFirst = cluster.service(0).stateHash();
    sendEchoes(cluster, *client, listener, 5, "b");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 2));
    sendEchoes(cluster, *client, listener, 5, "c");
    const std::uint64_t hash = cluster.service(0).stateHash();
    cluster.stopMember(0);

    {
        RecordingLog log(cluster.clusterDir(0).string(), false);
        ASSERT_TRUE(log.invalidateLatestSnapshot());
    }
    cluster.startMember(0);
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).stateHash() == hash; }, 20s,
                                       "recovered to the same state"));
    EXPECT_TRUE(cluster.service(0).loadedSnapshot);
    EXPECT_EQ(hashAtFirst, cluster.service(0).loadedHash) << "loaded the first snapshot, not the invalidated one";
}

TEST(ClusterSnapshotTest, shouldSuspendAndResumeIngress)
{
    TestCluster::Options options;
    options.portOffset = 320;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 3, "a");
    ASSERT_TRUE(cluster.node(0).requestControlToggle(ToggleState::SUSPEND));
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.counter(0, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
                static_cast<std::int64_t>(ConsensusModuleState::SUSPENDED);
        },
        10s, "suspended"));
    EXPECT_FALSE(cluster.node(0).requestControlToggle(ToggleState::SNAPSHOT)) << "no snapshot while suspended";
    const std::int64_t before = cluster.service(0).messageCount;
    ASSERT_TRUE(cluster.offer(*client, "echo:held"));
    cluster.pollFor(500ms);
    EXPECT_EQ(before, cluster.service(0).messageCount) << "ingress is not sequenced while suspended";
    ASSERT_TRUE(cluster.node(0).requestControlToggle(ToggleState::RESUME));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).messageCount == before + 1; }, 10s,
                                       "the held message after resume"));
    EXPECT_EQ(static_cast<std::int64_t>(ConsensusModuleState::ACTIVE),
              cluster.counter(0, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID));
    EXPECT_EQ(static_cast<std::int64_t>(ToggleState::NEUTRAL),
              cluster.counter(0, ClusterCounters::CONTROL_TOGGLE_TYPE_ID));
}

TEST(ClusterSnapshotTest, shouldShutDownEveryMemberAtTheSamePositionAfterASnapshot)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 330;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 10, "a");
    ASSERT_TRUE(cluster.node(0).requestControlToggle(ToggleState::SHUTDOWN));
    ASSERT_TRUE(cluster.awaitCondition(
        [&] { return cluster.node(0).isTerminated() && cluster.node(1).isTerminated() && cluster.node(2).isTerminated(); },
        20s, "every member terminated"));
    const auto leaderSnapshots = moduleSnapshots(cluster.clusterDir(0));
    ASSERT_EQ(1u, leaderSnapshots.size());
    for (int member = 0; member < 3; ++member)
    {
        EXPECT_EQ(1, cluster.service(member).terminateCount) << "member " << member;
        EXPECT_EQ(leaderSnapshots[0].logPosition, cluster.service(member).logPosition()) << "member " << member;
        const auto snapshots = moduleSnapshots(cluster.clusterDir(member));
        ASSERT_EQ(1u, snapshots.size()) << "member " << member;
        EXPECT_EQ(leaderSnapshots[0].logPosition, snapshots[0].logPosition) << "member " << member;
        EXPECT_EQ(cluster.service(0).stateHash(), cluster.service(member).stateHash()) << "member " << member;
    }
}

TEST(ClusterSnapshotTest, shouldAbortEveryMemberAtTheSamePositionWithoutASnapshot)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 340;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 10, "a");
    ASSERT_TRUE(cluster.node(0).requestControlToggle(ToggleState::ABORT));
    ASSERT_TRUE(cluster.awaitCondition(
        [&] { return cluster.node(0).isTerminated() && cluster.node(1).isTerminated() && cluster.node(2).isTerminated(); },
        20s, "every member terminated"));
    for (int member = 0; member < 3; ++member)
    {
        EXPECT_EQ(1, cluster.service(member).terminateCount) << "member " << member;
        EXPECT_EQ(cluster.service(0).logPosition(), cluster.service(member).logPosition()) << "member " << member;
        EXPECT_TRUE(moduleSnapshots(cluster.clusterDir(member)).empty()) << "member " << member;
    }
}

TEST(ClusterSnapshotTest, shouldFireATimerScheduledBeforeASnapshotOnceAfterRestart)
{
    TestCluster::Options options;
    options.portOffset = 350;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "timer:77:1500"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).messageCount == 1; }, 10s, "timer request"));
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 1));
    EXPECT_TRUE(cluster.service(0).firedTimers.empty());
    const auto scheduledAt = std::chrono::steady_clock::now();
    cluster.stopMember(0);
    cluster.startMember(0);
    ASSERT_TRUE(cluster.awaitLeader(0));
    EXPECT_TRUE(cluster.service(0).loadedSnapshot);
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).firedTimers.size() == 1; }, 10s,
                                       "the timer fires after the restart"));
    EXPECT_EQ(77, cluster.service(0).firedTimers[0]);
    EXPECT_GE(std::chrono::steady_clock::now() - scheduledAt, 1s) << "not before its deadline";
    cluster.pollFor(500ms);
    EXPECT_EQ(1u, cluster.service(0).firedTimers.size()) << "exactly once";
}

TEST(ClusterSnapshotTest, shouldKeepSessionsAcrossASnapshotAndAMemberRestart)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 360;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 5, "a");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0, 1, 2}, 1));
    // Counter 234 (total max snapshot duration) holds how long that snapshot took on each member.
    for (int member = 0; member < 3; ++member)
    {
        EXPECT_GT(cluster.counter(member, ClusterCounters::CLUSTER_TOTAL_MAX_SNAPSHOT_DURATION_TYPE_ID), 0)
            << "member " << member;
    }
    cluster.stopMember(2);
    cluster.startMember(2);
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(2).loadedSnapshot; }, 20s, "follower restarted"));
    sendEchoes(cluster, *client, listener, 5, "b");
    ASSERT_TRUE(cluster.awaitCondition(
        [&] { return cluster.service(2).stateHash() == cluster.service(0).stateHash(); }, 20s,
        "the restarted follower applies the session's messages as the leader did"));
    EXPECT_EQ(cluster.service(0).messageCount, cluster.service(2).messageCount);
}

TEST(ClusterSnapshotTest, shouldSnapshotWhileMessagesKeepArriving)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 370;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    int sent = 0;
    for (; sent < 50; ++sent)
    {
        ASSERT_TRUE(cluster.offer(*client, "echo:x" + std::to_string(sent)));
    }
    ASSERT_TRUE(cluster.node(0).requestControlToggle(ToggleState::SNAPSHOT));
    for (; sent < 150; ++sent)
    {
        ASSERT_TRUE(cluster.offer(*client, "echo:x" + std::to_string(sent)));
        cluster.poll();
    }
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return listener.messages.size() == 150u && cluster.snapshotCount(0) == 1 && cluster.snapshotCount(1) == 1 &&
                cluster.snapshotCount(2) == 1;
        },
        20s, "every echo and the snapshot"));
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.service(1).messageCount == 150 && cluster.service(2).messageCount == 150;
        },
        20s, "followers apply every message"));
    const std::uint64_t hash = cluster.service(0).stateHash();
    for (int member = 0; member < 3; ++member)
    {
        cluster.stopMember(member);
    }
    cluster.startAll();
    ASSERT_NE(-1, cluster.awaitAnyLeader());
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            for (int member = 0; member < 3; ++member)
            {
                if (cluster.service(member).stateHash() != hash)
                {
                    return false;
                }
            }
            return true;
        },
        20s, "every member recovers the same state"));
    for (int member = 0; member < 3; ++member)
    {
        EXPECT_TRUE(cluster.service(member).loadedSnapshot) << "member " << member;
    }
}

namespace
{
std::vector<std::string> segmentFilesOf(const std::filesystem::path& archiveDir, std::int64_t recordingId)
{
    std::vector<std::string> names;
    const std::string prefix = std::to_string(recordingId) + "-";
    for (const auto& entry : std::filesystem::directory_iterator(archiveDir))
    {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".rec")
        {
            names.push_back(name);
        }
    }
    return names;
}
} // namespace

TEST(ClusterSnapshotTest, shouldPurgeTheLogBeforeTheOldestRetainedSnapshotAndRecoverFromIt)
{
    TestCluster::Options options;
    options.portOffset = 380;
    options.logTermLength = "64k";
    options.archiveSegmentFileLength = 128 * 1024;
    options.snapshotRetentionCount = 1;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    const std::string filler(1000, 'f');
    sendEchoes(cluster, *client, listener, 200, filler);
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 1));
    const auto first = moduleSnapshots(cluster.clusterDir(0));
    ASSERT_EQ(1u, first.size());
    sendEchoes(cluster, *client, listener, 200, filler);
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 2));
    const auto kept = moduleSnapshots(cluster.clusterDir(0));
    ASSERT_EQ(1u, kept.size()) << "one snapshot set retained";
    EXPECT_GT(kept[0].logPosition, first[0].logPosition);
    const auto archiveDir = cluster.clusterDir(0) / "archive";
    EXPECT_TRUE(segmentFilesOf(archiveDir, first[0].recordingId).empty()) << "the older snapshot's recording is purged";
    const auto logSegments = segmentFilesOf(archiveDir, 0);
    EXPECT_EQ(logSegments.end(), std::find(logSegments.begin(), logSegments.end(), "0-0.rec"))
        << "the log's first segment is purged";
    sendEchoes(cluster, *client, listener, 10, "after");
    const std::uint64_t hash = cluster.service(0).stateHash();

    cluster.stopMember(0);
    cluster.startMember(0);
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).stateHash() == hash; }, 20s,
                                       "recovered from the retained snapshot and the log after it"));
    EXPECT_TRUE(cluster.service(0).loadedSnapshot);
}

TEST(ClusterSnapshotTest, shouldFallBackToThePreviousSnapshotWhenTheLatestIsCorrupt)
{
    TestCluster::Options options;
    options.portOffset = 390;
    options.archiveChecksums = true;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 5, "a");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 1));
    const std::uint64_t hashAtFirst = cluster.service(0).stateHash();
    sendEchoes(cluster, *client, listener, 5, "b");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 2));
    sendEchoes(cluster, *client, listener, 5, "c");
    const std::uint64_t hash = cluster.service(0).stateHash();
    cluster.stopMember(0);

    std::int64_t corrupted = -1;
    {
        RecordingLog log(cluster.clusterDir(0).string(), false);
        const RecordingLog::Entry* latest = log.getLatestSnapshot(0);
        ASSERT_NE(nullptr, latest);
        corrupted = latest->recordingId;
    }
    const auto segment = cluster.clusterDir(0) / "archive" / (std::to_string(corrupted) + "-0.rec");
    ASSERT_TRUE(std::filesystem::exists(segment)) << segment;
    {
        // Bit rot in the service's state, past the markers: only the frame checksum can tell.
        std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
        file.seekg(0, std::ios::end);
        file.seekp(200);
        const char garbage[4] = {'\x5a', '\x5a', '\x5a', '\x5a'};
        file.write(garbage, sizeof(garbage));
    }
    cluster.startMember(0);
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).stateHash() == hash; }, 20s,
                                       "recovered to the same state"));
    EXPECT_EQ(hashAtFirst, cluster.service(0).loadedHash) << "loaded the first snapshot, not the corrupt one";
    RecordingLog log(cluster.clusterDir(0).string(), false);
    for (const auto& entry : log.entries())
    {
        if (entry.recordingId == corrupted && entry.type == RecordingLog::ENTRY_TYPE_SNAPSHOT)
        {
            EXPECT_FALSE(entry.isValid) << "the corrupt snapshot is invalidated";
        }
    }
}

TEST(ClusterSnapshotTest, shouldSnapshotOnAnAuthorisedAdminRequestOnly)
{
    auto allowed = std::make_shared<bool>(false);
    TestCluster::Options options;
    options.portOffset = 400;
    options.authorisationService = [allowed](std::int64_t, std::span<const std::uint8_t>, std::int32_t type)
    { return *allowed && type == static_cast<std::int32_t>(AdminRequestType::SNAPSHOT); };
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);

    ASSERT_TRUE(cluster.awaitCondition([&] { return client->sendAdminRequestToTakeASnapshot(1); }, 5s, "send"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.adminResponses.size() == 1; }, 10s, "refusal"));
    EXPECT_EQ(AdminResponseCode::UNAUTHORISED_ACCESS, listener.adminResponses[0].second);
    cluster.pollFor(200ms);
    EXPECT_EQ(0, cluster.snapshotCount(0));

    *allowed = true;
    ASSERT_TRUE(cluster.awaitCondition([&] { return client->sendAdminRequestToTakeASnapshot(2); }, 5s, "send"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.adminResponses.size() == 2; }, 10s, "acceptance"));
    EXPECT_EQ(2, listener.adminResponses[1].first);
    EXPECT_EQ(AdminResponseCode::OK, listener.adminResponses[1].second);
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.snapshotCount(0) == 1; }, 10s, "the snapshot"));
}

TEST(ClusterSnapshotTest, shouldCatchUpAMemberWithAnEmptyDirectoryFromTheLeadersSnapshot)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 410;
    options.logTermLength = "64k";
    options.archiveSegmentFileLength = 128 * 1024;
    options.snapshotRetentionCount = 1;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    const std::string filler(1000, 'f');
    sendEchoes(cluster, *client, listener, 200, filler);
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0, 1, 2}, 1));
    sendEchoes(cluster, *client, listener, 200, filler);
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0, 1, 2}, 2));
    const auto leaderLogSegments = segmentFilesOf(cluster.clusterDir(0) / "archive", 0);
    ASSERT_EQ(leaderLogSegments.end(), std::find(leaderLogSegments.begin(), leaderLogSegments.end(), "0-0.rec"))
        << "the leader no longer holds the start of its log";

    // A replaced machine: member 2 comes back with nothing.
    cluster.stopMember(2);
    std::filesystem::remove_all(cluster.clusterDir(2));
    sendEchoes(cluster, *client, listener, 20, "while-away");
    cluster.startMember(2);
    sendEchoes(cluster, *client, listener, 20, "after");
    ASSERT_TRUE(cluster.awaitCondition(
        [&] { return cluster.service(2).stateHash() == cluster.service(0).stateHash(); }, 30s,
        "the new member reaches the leader's state"));
    EXPECT_TRUE(cluster.service(2).loadedSnapshot) << "it started from the leader's snapshot, not the log's start";
    EXPECT_EQ(cluster.service(0).messageCount, cluster.service(2).messageCount);
    EXPECT_EQ(1u, moduleSnapshots(cluster.clusterDir(2)).size());
}

TEST(ClusterSnapshotTest, shouldNotLoadASnapshotOfAnotherMajorAppVersion)
{
    TestCluster::Options options;
    options.portOffset = 420;
    options.appVersion = 1 << 16;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 5, "a");
    ASSERT_TRUE(takeSnapshot(cluster, 0, {0}, 1));
    sendEchoes(cluster, *client, listener, 5, "b");
    const std::uint64_t hash = cluster.service(0).stateHash();
    const std::int64_t oldRecordingId = moduleSnapshots(cluster.clusterDir(0)).at(0).recordingId;
    cluster.stopMember(0);

    cluster.options().appVersion = 2 << 16;
    cluster.startMember(0);
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.service(0).stateHash() == hash; }, 20s,
                                       "recovered by replaying the whole log instead"));
    EXPECT_FALSE(cluster.service(0).loadedSnapshot);
    // The replay met the SNAPSHOT entry again and took it anew, in version 2.
    for (const auto& snapshot : moduleSnapshots(cluster.clusterDir(0)))
    {
        EXPECT_NE(oldRecordingId, snapshot.recordingId) << "the snapshot of version 1 is invalidated";
    }
}

TEST(ClusterSnapshotTest, shouldDropASnapshotWhoseEntryWasNeverCommittedAndSnapshotUnderTheNextLeader)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 1250;
    options.appointedLeader = false;
    options.leaderHeartbeatTimeoutNs = 500'000'000;
    options.startupCanvassTimeoutNs = 1'000'000'000;
    TestCluster cluster(options);
    cluster.startAll();
    const int first = cluster.awaitAnyLeader();
    ASSERT_GE(first, 0);
    const int f1 = (first + 1) % 3;
    const int f2 = (first + 2) % 3;
    // The followers stop (as SIGSTOP) before the SNAPSHOT entry reaches them: it can never be committed.
    cluster.pause(f1);
    cluster.pause(f2);
    ASSERT_TRUE(cluster.node(first).requestControlToggle(ToggleState::SNAPSHOT));
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.counter(first, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
                static_cast<std::int64_t>(ConsensusModuleState::SNAPSHOT);
        },
        10s, "the leader appended its SNAPSHOT entry"));
    cluster.pollFor(1500ms); // longer than the heartbeat timeout: the leader steps down without a quorum
    cluster.resume(f1);
    cluster.resume(f2);
    const int second = cluster.awaitAnyLeader();
    ASSERT_GE(second, 0);
    ASSERT_TRUE(cluster.awaitCondition(
        [&]
        {
            return cluster.counter(first, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
                static_cast<std::int64_t>(ConsensusModuleState::ACTIVE);
        },
        20s, "the old leader active again, its snapshot dropped"));
    EXPECT_EQ(0, cluster.snapshotCount(first));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 5, "after");
    const int leader = cluster.awaitAnyLeader();
    ASSERT_TRUE(takeSnapshot(cluster, leader, {0, 1, 2}, 1));
}

TEST(ClusterSnapshotTest, shouldTerminateTheLeaderAfterTheTerminationTimeoutWhenAFollowerNeverAcks)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 1280;
    options.terminationTimeoutNs = 1'000'000'000;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    sendEchoes(cluster, *client, listener, 3, "a");
    cluster.pause(2); // never hears of the shutdown, never acks
    const auto requestedAt = std::chrono::steady_clock::now();
    ASSERT_TRUE(cluster.node(0).requestControlToggle(ToggleState::SHUTDOWN));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.node(0).isTerminated() && cluster.node(1).isTerminated(); },
                                       10s, "the leader and the live follower terminated"));
    EXPECT_GE(std::chrono::steady_clock::now() - requestedAt, 900ms) << "the leader waited for the missing ack";
    EXPECT_EQ(1, cluster.service(0).terminateCount);
    EXPECT_EQ(1, cluster.service(1).terminateCount);
    EXPECT_EQ(cluster.service(0).logPosition(), cluster.service(1).logPosition());
}
} // namespace cox::cluster::test

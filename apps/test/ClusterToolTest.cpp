#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "ClusterTool.hpp"
#include "TempDirectory.hpp"
#include "cox/archive/Catalog.hpp"
#include "cox/archive/RecordingPos.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/cluster/RecordingLog.hpp"
#include "cox/util/CountersManager.hpp"

using namespace cox;
using apps::ctl::ClusterToolContext;
using apps::ctl::runClusterTool;
using apps::test::TempDirectory;
using cluster::ClusterCounters;
using cluster::ClusterMarkFile;
using cluster::ClusterMarkFileHeader;
using cluster::ConsensusModuleCounters;
using cluster::RecordingLog;

namespace
{
constexpr std::int64_t NOW_MS = 1'714'566'896'789;
constexpr std::int32_t CLUSTER_ID = 7;

// Recording ids as the catalog below hands them out: the log first, then the four snapshot recordings.
constexpr std::int64_t LOG_RECORDING_ID = 0;
constexpr std::int64_t LOG_STOP_POSITION = 5'000;
constexpr std::int64_t OLD_SET_POSITION = 1'000;
constexpr std::int64_t NEW_SET_POSITION = 3'000;

/// A node's directory as coxswain-node lays it out: <node>/cluster with the mark files and recording.log,
/// <node>/cluster/archive, and the driver's counters in <node>/aeron (named by the mark file).
class ClusterToolTest : public ::testing::Test
{
protected:
    ClusterToolTest()
    {
        std::filesystem::create_directories(m_clusterDir);
        std::filesystem::create_directories(m_aeronDir);
        m_context.epochClock = &m_clock;
    }

    ClusterMarkFileHeader header(std::int32_t serviceId) const
    {
        ClusterMarkFileHeader h;
        h.componentType = serviceId < 0 ? cluster::ClusterComponentType::CONSENSUS_MODULE
                                        : cluster::ClusterComponentType::CONTAINER;
        h.memberId = 2;
        h.serviceId = serviceId;
        h.clusterId = CLUSTER_ID;
        h.archiveStreamId = 10;
        h.serviceStreamId = 11;
        h.consensusModuleStreamId = 12;
        h.ingressStreamId = 13;
        h.aeronDirectory = m_aeronDir;
        h.controlChannel = "aeron:udp?endpoint=localhost:8010";
        h.ingressChannel = "aeron:udp?endpoint=localhost:20110";
        h.serviceName = serviceId < 0 ? "" : "kv";
        h.clusterDirectory = m_clusterDir;
        return h;
    }

    /// The consensus module's mark file, last active at activityMs.
    std::unique_ptr<ClusterMarkFile> createMarkFile(std::int64_t activityMs, std::int32_t serviceId = -1)
    {
        return ClusterMarkFile::create(m_clusterDir + "/" + ClusterMarkFile::fileName(serviceId), header(serviceId),
                                       ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH, activityMs);
    }

    /// Terms 0 and 1 in recording LOG_RECORDING_ID; a snapshot set (service 0 and the consensus module) at
    /// OLD_SET_POSITION in term 0 and another at NEW_SET_POSITION in term 1.
    void writeRecordingLog()
    {
        RecordingLog log(m_clusterDir);
        log.appendTerm(LOG_RECORDING_ID, 0, 0, 100);
        log.appendSnapshot(1, 0, 0, OLD_SET_POSITION, 150, 0);
        log.appendSnapshot(2, 0, 0, OLD_SET_POSITION, 150, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
        log.appendTerm(LOG_RECORDING_ID, 1, 2'000, 200);
        log.appendSnapshot(3, 1, 2'000, NEW_SET_POSITION, 250, 0);
        log.appendSnapshot(4, 1, 2'000, NEW_SET_POSITION, 250, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
    }

    /// The log recording (stopped at LOG_STOP_POSITION, or live) and the four snapshot recordings.
    void writeCatalog(const std::string& archiveDir, bool liveLog = false)
    {
        std::filesystem::create_directories(archiveDir);
        archive::Catalog catalog(archiveDir, archive::Catalog::Options{});
        const std::int64_t logStop = liveLog ? archive::NULL_POSITION : LOG_STOP_POSITION;
        ASSERT_EQ(catalog.addNewRecording(0, logStop, 1, liveLog ? archive::NULL_TIMESTAMP : 2, 5, 128 * 1024,
                                          64 * 1024, 1408, 42, 100, "aeron:ipc", "aeron:ipc", "aeron:ipc"),
                  LOG_RECORDING_ID);
        for (int i = 0; i < 4; ++i)
        {
            catalog.addNewRecording(0, 512, 1, 2, 0, 128 * 1024, 64 * 1024, 1408, 50 + i, 120, "aeron:ipc",
                                    "aeron:ipc", "aeron:ipc");
        }
    }

    int run(const std::vector<std::string>& args)
    {
        m_out.str("");
        m_err.str("");
        return runClusterTool(args, m_out, m_err, m_context);
    }

    std::int64_t latestSnapshotPosition() const
    {
        RecordingLog log(m_clusterDir, false);
        const auto* latest = log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
        return latest == nullptr ? -1 : latest->logPosition;
    }

    TempDirectory m_dir;
    std::string m_clusterDir = m_dir.file("cluster");
    std::string m_aeronDir = m_dir.file("aeron");
    util::ManualEpochClock m_clock{NOW_MS};
    ClusterToolContext m_context;
    std::ostringstream m_out;
    std::ostringstream m_err;
};

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

std::size_t countOf(const std::string& text, const std::string& part)
{
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    {
        ++count;
    }
    return count;
}
} // namespace

TEST_F(ClusterToolTest, shouldDescribeMarkFilesAndClusterCountersWhenDriverIsRunning)
{
    const auto markFile = createMarkFile(NOW_MS - 500);
    const auto serviceMarkFile = createMarkFile(NOW_MS - 20'000, 0);
    util::ManualEpochClock clock(NOW_MS);
    const auto counters = util::CountersManager::create(m_aeronDir + "/counters.dat", 64, clock);
    // Another cluster's counters first, so the tool must pick by the mark file's cluster id.
    ConsensusModuleCounters other = ConsensusModuleCounters::allocate(*counters, CLUSTER_ID + 1, 1, 1);
    other.moduleState.set(static_cast<std::int64_t>(cluster::ConsensusModuleState::CLOSED));
    ConsensusModuleCounters mine = ConsensusModuleCounters::allocate(*counters, CLUSTER_ID, 1, 1);
    mine.moduleState.set(static_cast<std::int64_t>(cluster::ConsensusModuleState::ACTIVE));
    mine.nodeRole.set(static_cast<std::int64_t>(cluster::Role::LEADER));
    mine.commitPosition.set(4'096);
    mine.leadershipTermId.set(3);
    mine.electionState.set(static_cast<std::int64_t>(cluster::ElectionState::CLOSED));
    mine.snapshotCount.set(2);
    mine.controlToggle.set(static_cast<std::int64_t>(cluster::ToggleState::NEUTRAL));

    ASSERT_EQ(run({m_clusterDir, "describe"}), 0) << m_err.str();
    const std::string out = m_out.str();
    EXPECT_TRUE(contains(out, "memberId=2 clusterId=7\n")) << out;
    EXPECT_TRUE(contains(out, "(0.5s ago): fresh")) << out;
    EXPECT_TRUE(contains(out, "aeronDirectory=" + m_aeronDir)) << out;
    EXPECT_TRUE(contains(out, "controlChannel=aeron:udp?endpoint=localhost:8010")) << out;
    EXPECT_TRUE(contains(out, "streams: archive=10 service=11 consensusModule=12 ingress=13")) << out;
    EXPECT_TRUE(contains(out, "serviceId=0 serviceName=kv")) << out;
    EXPECT_TRUE(contains(out, "(20.0s ago): stale")) << out;
    EXPECT_TRUE(contains(out, "module state        ACTIVE\n")) << out;
    EXPECT_TRUE(contains(out, "role                LEADER\n")) << out;
    EXPECT_TRUE(contains(out, "commit position     4096\n")) << out;
    EXPECT_TRUE(contains(out, "leadership term id  3\n")) << out;
    EXPECT_TRUE(contains(out, "election state      CLOSED\n")) << out;
    EXPECT_TRUE(contains(out, "snapshot count      2\n")) << out;
    EXPECT_TRUE(contains(out, "control toggle      NEUTRAL\n")) << out;
    EXPECT_TRUE(m_err.str().empty());
}

TEST_F(ClusterToolTest, shouldDescribeMarkFileAloneWhenDriverIsNotRunning)
{
    const auto markFile = createMarkFile(NOW_MS - 1'000);
    markFile->close();

    ASSERT_EQ(run({m_clusterDir, "describe"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "): closed\n")) << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "absent (the node's driver is not running)")) << m_out.str();
    EXPECT_FALSE(contains(m_out.str(), "module state"));
}

TEST_F(ClusterToolTest, shouldFailDescribeWhenDirectoryHasNoMarkFile)
{
    EXPECT_EQ(run({m_clusterDir, "describe"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "no cluster-mark.dat or service mark file")) << m_err.str();
    EXPECT_EQ(countOf(m_err.str(), "\n"), 1U);

    EXPECT_EQ(run({m_dir.file("missing"), "describe"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "not a directory")) << m_err.str();
}

TEST_F(ClusterToolTest, shouldListEveryRecordingLogEntryWithInvalidOnesMarked)
{
    writeRecordingLog();
    {
        RecordingLog log(m_clusterDir, false);
        ASSERT_TRUE(log.invalidateLatestSnapshot());
    }
    const auto sizeBefore = std::filesystem::file_size(m_clusterDir + "/recording.log");

    ASSERT_EQ(run({m_clusterDir, "recording-log"}), 0) << m_err.str();
    const std::string out = m_out.str();
    EXPECT_TRUE(contains(out, ": 6 entries\n")) << out;
    EXPECT_EQ(countOf(out, " TERM "), 2U) << out;
    EXPECT_EQ(countOf(out, " SNAPSHOT "), 4U) << out;
    EXPECT_EQ(countOf(out, " INVALID "), 2U) << out;
    EXPECT_EQ(countOf(out, " valid "), 4U) << out;
    // Each invalid line is one of the newer set.
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
    {
        if (contains(line, "INVALID"))
        {
            EXPECT_TRUE(contains(line, " 3000 ")) << line;
        }
    }
    EXPECT_EQ(std::filesystem::file_size(m_clusterDir + "/recording.log"), sizeBefore);
}

TEST_F(ClusterToolTest, shouldFailRecordingLogWhenThereIsNone)
{
    EXPECT_EQ(run({m_clusterDir, "recording-log"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "no recording.log in")) << m_err.str();
}

TEST_F(ClusterToolTest, shouldPrintRecoveryPlanFromCatalogInDefaultArchiveDirectory)
{
    writeRecordingLog();
    writeCatalog(m_clusterDir + "/archive");
    const auto serviceMarkFile = createMarkFile(NOW_MS, 0);

    ASSERT_EQ(run({m_clusterDir, "recovery-plan"}), 0) << m_err.str();
    const std::string out = m_out.str();
    EXPECT_TRUE(contains(out, "service count: 1 (1 service mark file)")) << out;
    EXPECT_TRUE(contains(out, "lastLeadershipTermId=1\n")) << out;
    EXPECT_TRUE(contains(out, "appendedLogPosition=5000\n")) << out;
    EXPECT_TRUE(contains(out, "recordingId=4 leadershipTermId=1")) << out;
    EXPECT_TRUE(contains(out, "recordingId=3 leadershipTermId=1")) << out;
    EXPECT_FALSE(contains(out, "recordingId=2 ")) << out;
}

TEST_F(ClusterToolTest, shouldFindArchiveBesideClusterDirectoryOrWhereTold)
{
    writeRecordingLog();
    writeCatalog(m_dir.file("archive"));

    ASSERT_EQ(run({m_clusterDir, "recovery-plan"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "archive: " + m_dir.file("archive") + "\n")) << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "service count: 1 (0 service mark files)")) << m_out.str();

    writeCatalog(m_dir.file("elsewhere"));
    ASSERT_EQ(run({m_clusterDir, "recovery-plan", "--archive-dir", m_dir.file("elsewhere"), "--service-count", "0"}),
              0)
        << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "archive: " + m_dir.file("elsewhere") + "\n")) << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "service count: 0 (--service-count)")) << m_out.str();
}

TEST_F(ClusterToolTest, shouldTakeRecordedPositionOfLiveLogFromArchiveCounter)
{
    writeRecordingLog();
    writeCatalog(m_clusterDir + "/archive", true);
    // No mark file: the tool looks in ClusterNode's default driver directory, <cluster-dir>/aeron.
    std::filesystem::create_directories(m_clusterDir + "/aeron");
    util::ManualEpochClock clock(NOW_MS);
    const auto counters = util::CountersManager::create(m_clusterDir + "/aeron/counters.dat", 16, clock);
    const std::int32_t id = archive::RecordingPos::allocate(*counters, LOG_RECORDING_ID, 42, 100, "aeron:ipc",
                                                            "aeron:ipc", 1);
    counters->setCounterValue(id, 4'500);

    ASSERT_EQ(run({m_clusterDir, "recovery-plan"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "appendedLogPosition=4500\n")) << m_out.str();
}

TEST_F(ClusterToolTest, shouldFailRecoveryPlanWhenArchiveIsMissingOrLacksTheLog)
{
    writeRecordingLog();
    EXPECT_EQ(run({m_clusterDir, "recovery-plan"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "name it with --archive-dir")) << m_err.str();

    std::filesystem::create_directories(m_dir.file("empty-archive"));
    {
        archive::Catalog catalog(m_dir.file("empty-archive"), archive::Catalog::Options{});
    }
    EXPECT_EQ(run({m_clusterDir, "recovery-plan", "--archive-dir", m_dir.file("empty-archive")}), 1);
    EXPECT_TRUE(contains(m_err.str(), "unknown to the archive")) << m_err.str();
}

TEST_F(ClusterToolTest, shouldInvalidateLatestSnapshotSoThePlanUsesTheOlderSet)
{
    writeRecordingLog();
    writeCatalog(m_clusterDir + "/archive");
    const auto markFile = createMarkFile(NOW_MS - 60'000);

    ASSERT_EQ(run({m_clusterDir, "invalidate-latest-snapshot"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "invalidated the latest snapshot: leadershipTermId=1 logPosition=3000"))
        << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "latest valid snapshot now: leadershipTermId=0 logPosition=1000"))
        << m_out.str();
    EXPECT_EQ(latestSnapshotPosition(), OLD_SET_POSITION);

    ASSERT_EQ(run({m_clusterDir, "recovery-plan"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "recordingId=2 leadershipTermId=0")) << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "recordingId=1 leadershipTermId=0")) << m_out.str();
    EXPECT_FALSE(contains(m_out.str(), "recordingId=4 ")) << m_out.str();

    ASSERT_EQ(run({m_clusterDir, "invalidate-latest-snapshot"}), 0) << m_err.str();
    EXPECT_EQ(latestSnapshotPosition(), -1);
    EXPECT_EQ(run({m_clusterDir, "invalidate-latest-snapshot"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "no valid snapshot to invalidate")) << m_err.str();
}

TEST_F(ClusterToolTest, shouldRefuseToInvalidateWhileNodeIsRunningUnlessForced)
{
    writeRecordingLog();
    const auto markFile = createMarkFile(NOW_MS - 2'000);

    EXPECT_EQ(run({m_clusterDir, "invalidate-latest-snapshot"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "the node looks running")) << m_err.str();
    EXPECT_TRUE(contains(m_err.str(), "--force")) << m_err.str();
    EXPECT_EQ(countOf(m_err.str(), "\n"), 1U);
    EXPECT_EQ(latestSnapshotPosition(), NEW_SET_POSITION);

    ASSERT_EQ(run({m_clusterDir, "invalidate-latest-snapshot", "--force"}), 0) << m_err.str();
    EXPECT_EQ(latestSnapshotPosition(), OLD_SET_POSITION);
}

TEST_F(ClusterToolTest, shouldFailActionWhenNoCountersFileOrNoToggle)
{
    const auto markFile = createMarkFile(NOW_MS);
    EXPECT_EQ(run({m_clusterDir, "snapshot"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "the node's driver is not running")) << m_err.str();

    util::ManualEpochClock clock(NOW_MS);
    const auto counters = util::CountersManager::create(m_aeronDir + "/counters.dat", 64, clock);
    ConsensusModuleCounters other = ConsensusModuleCounters::allocate(*counters, CLUSTER_ID + 1, 1, 1);
    other.controlToggle.set(static_cast<std::int64_t>(cluster::ToggleState::NEUTRAL));
    EXPECT_EQ(run({m_clusterDir, "snapshot"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "no control toggle for clusterId=7")) << m_err.str();
    EXPECT_EQ(other.controlToggle.get(), static_cast<std::int64_t>(cluster::ToggleState::NEUTRAL));
}

TEST_F(ClusterToolTest, shouldRefuseActionWhenToggleIsNotNeutral)
{
    const auto markFile = createMarkFile(NOW_MS);
    util::ManualEpochClock clock(NOW_MS);
    const auto counters = util::CountersManager::create(m_aeronDir + "/counters.dat", 64, clock);
    ConsensusModuleCounters mine = ConsensusModuleCounters::allocate(*counters, CLUSTER_ID, 1, 1);

    // Still INACTIVE: the module has not started.
    EXPECT_EQ(run({m_clusterDir, "snapshot"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "the control toggle is INACTIVE, not NEUTRAL")) << m_err.str();

    mine.controlToggle.set(static_cast<std::int64_t>(cluster::ToggleState::SNAPSHOT));
    EXPECT_EQ(run({m_clusterDir, "suspend"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "cannot suspend: the control toggle is SNAPSHOT, not NEUTRAL")) << m_err.str();
    EXPECT_EQ(mine.controlToggle.get(), static_cast<std::int64_t>(cluster::ToggleState::SNAPSHOT));

    mine.controlToggle.set(static_cast<std::int64_t>(cluster::ToggleState::NEUTRAL));
    EXPECT_EQ(run({m_clusterDir, "resume"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "not SUSPEND (the cluster is not suspended)")) << m_err.str();
    EXPECT_EQ(mine.controlToggle.get(), static_cast<std::int64_t>(cluster::ToggleState::NEUTRAL));
}

TEST_F(ClusterToolTest, shouldTimeOutWhenNoModuleActsOnTheToggle)
{
    const auto markFile = createMarkFile(NOW_MS);
    util::ManualEpochClock clock(NOW_MS);
    const auto counters = util::CountersManager::create(m_aeronDir + "/counters.dat", 64, clock);
    ConsensusModuleCounters mine = ConsensusModuleCounters::allocate(*counters, CLUSTER_ID, 1, 1);
    mine.controlToggle.set(static_cast<std::int64_t>(cluster::ToggleState::NEUTRAL));
    mine.moduleState.set(static_cast<std::int64_t>(cluster::ConsensusModuleState::ACTIVE));
    mine.nodeRole.set(static_cast<std::int64_t>(cluster::Role::LEADER));

    // Time moves only when the tool sleeps: 100 ms a poll, so a 2.5 s timeout takes 25 polls and 2 dots (1 s apart).
    util::ManualNanoClock nanoClock(0);
    int sleeps = 0;
    m_context.nanoClock = &nanoClock;
    m_context.pollIntervalNs = 100'000'000;
    m_context.sleeper = [&](std::int64_t ns)
    {
        ++sleeps;
        nanoClock.advance(ns);
    };

    EXPECT_EQ(run({m_clusterDir, "snapshot", "--timeout", "2500ms"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "timed out after 2.5s waiting for the snapshot; the control toggle is SNAPSHOT"))
        << m_err.str();
    EXPECT_EQ(sleeps, 25);
    EXPECT_EQ(countOf(m_out.str(), "."), 2U) << m_out.str();
    EXPECT_FALSE(contains(m_out.str(), "note:")) << m_out.str();
    EXPECT_EQ(mine.controlToggle.get(), static_cast<std::int64_t>(cluster::ToggleState::SNAPSHOT));
}

TEST_F(ClusterToolTest, shouldReportUsageErrorsWithExitCodeTwo)
{
    EXPECT_EQ(run({}), 2);
    EXPECT_TRUE(contains(m_err.str(), "coxctl: no cluster directory and command given\n\nUsage: coxctl"))
        << m_err.str();
    EXPECT_EQ(run({m_clusterDir}), 2);
    EXPECT_TRUE(contains(m_err.str(), "no command given")) << m_err.str();
    EXPECT_EQ(run({m_clusterDir, "frobnicate"}), 2);
    EXPECT_TRUE(contains(m_err.str(), "unknown command 'frobnicate'")) << m_err.str();
    EXPECT_EQ(run({m_clusterDir, "recording-log", "--force"}), 2);
    EXPECT_TRUE(contains(m_err.str(), "recording-log does not take --force")) << m_err.str();
    EXPECT_EQ(run({m_clusterDir, "snapshot", "--timeout", "soon"}), 2);
    EXPECT_TRUE(contains(m_err.str(), "--timeout needs a positive duration")) << m_err.str();
    EXPECT_EQ(run({m_clusterDir, "snapshot", "--timeout", "0s"}), 2);
    EXPECT_EQ(run({m_clusterDir, "snapshot", "--timeout"}), 2);
    EXPECT_TRUE(contains(m_err.str(), "--timeout needs a value")) << m_err.str();
    EXPECT_EQ(run({m_clusterDir, "recovery-plan", "--service-count", "-1"}), 2);
    EXPECT_EQ(run({m_clusterDir, "describe", "extra"}), 2);
    EXPECT_TRUE(contains(m_err.str(), "unexpected argument 'extra'")) << m_err.str();
    EXPECT_TRUE(m_out.str().empty());

    EXPECT_EQ(run({"--help"}), 0);
    EXPECT_TRUE(contains(m_out.str(), "Usage: coxctl <cluster-dir> <command> [options]")) << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "<cluster-dir>/archive")) << m_out.str();
    EXPECT_TRUE(m_err.str().empty());
}

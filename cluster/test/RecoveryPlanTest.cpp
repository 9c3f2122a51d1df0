#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <unistd.h>

#include "cox/cluster/RecoveryPlan.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::cluster;
using cox::archive::RecordingDescriptor;

namespace
{
constexpr std::int32_t CM = RecordingLog::CONSENSUS_MODULE_SERVICE_ID;

// The archive's catalog as a table.
class FakeExtentSource final : public RecordingExtentSource
{
public:
    void add(std::int64_t recordingId, std::int64_t startPosition, std::int64_t stopPosition)
    {
        RecordingDescriptor descriptor;
        descriptor.recordingId = recordingId;
        descriptor.startPosition = startPosition;
        descriptor.stopPosition = stopPosition;
        descriptor.initialTermId = 7;
        descriptor.termBufferLength = 65'536;
        descriptor.mtuLength = 1'408;
        descriptor.sessionId = 42;
        m_descriptors[recordingId] = descriptor;
    }

    void setRecordedPosition(std::int64_t recordingId, std::int64_t position) { m_recorded[recordingId] = position; }

    std::optional<RecordingDescriptor> findRecording(std::int64_t recordingId) override
    {
        ++lookups;
        const auto found = m_descriptors.find(recordingId);
        return found == m_descriptors.end() ? std::nullopt : std::optional(found->second);
    }

    std::int64_t recordedPosition(std::int64_t recordingId) override
    {
        const auto found = m_recorded.find(recordingId);
        return found == m_recorded.end() ? cox::archive::NULL_POSITION : found->second;
    }

    int lookups = 0;

private:
    std::map<std::int64_t, RecordingDescriptor> m_descriptors;
    std::map<std::int64_t, std::int64_t> m_recorded;
};

class RecoveryPlanTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = std::filesystem::temp_directory_path() /
                ("cox-recovery-plan-" + std::to_string(::getpid()) + "-" + info->name());
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir);
        m_log = std::make_unique<RecordingLog>(m_dir.string());
    }

    void TearDown() override
    {
        m_log.reset();
        std::filesystem::remove_all(m_dir);
    }

    // A snapshot set as the consensus module writes it: services n-1..0, then itself.
    void appendSnapshotSet(std::int64_t firstRecordingId, std::int64_t term, std::int64_t termBase,
                           std::int64_t position, std::int32_t serviceCount)
    {
        for (std::int32_t serviceId = serviceCount - 1; serviceId >= 0; --serviceId)
        {
            m_log->appendSnapshot(firstRecordingId + 1 + serviceId, term, termBase, position, 0, serviceId);
        }
        m_log->appendSnapshot(firstRecordingId, term, termBase, position, 0, CM);
    }

    std::filesystem::path m_dir;
    std::unique_ptr<RecordingLog> m_log;
    FakeExtentSource m_archive;
};
} // namespace

TEST_F(RecoveryPlanTest, shouldPlanNothingForEmptyLog)
{
    const RecoveryPlan plan = createRecoveryPlan(*m_log, 1, m_archive);
    EXPECT_EQ(RecordingLog::NULL_VALUE, plan.lastLeadershipTermId);
    EXPECT_EQ(0, plan.lastTermBaseLogPosition);
    EXPECT_EQ(0, plan.appendedLogPosition);
    EXPECT_EQ(0, plan.committedLogPosition);
    EXPECT_TRUE(plan.snapshots.empty());
    EXPECT_FALSE(plan.log.has_value());
    EXPECT_EQ(0, m_archive.lookups);
}

TEST_F(RecoveryPlanTest, shouldReplayWholeRecordingWithoutSnapshot)
{
    m_log->appendTerm(5, 0, 0, 0);
    m_archive.add(5, 0, 9'000);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 1, m_archive);
    EXPECT_EQ(0, plan.lastLeadershipTermId);
    EXPECT_EQ(9'000, plan.appendedLogPosition);
    EXPECT_EQ(0, plan.committedLogPosition);
    EXPECT_TRUE(plan.snapshots.empty());
    ASSERT_TRUE(plan.log.has_value());
    const RecoveryPlan::Log expected{5, 0, 0, RecordingLog::NULL_POSITION, 0, 9'000, 7, 65'536, 1'408, 42};
    EXPECT_EQ(expected, *plan.log);
}

TEST_F(RecoveryPlanTest, shouldReplayFromSnapshotPosition)
{
    m_log->appendTerm(5, 0, 0, 0);
    appendSnapshotSet(20, 0, 0, 4'096, 2);
    m_archive.add(5, 0, 9'000);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 2, m_archive);
    ASSERT_EQ(3u, plan.snapshots.size());
    EXPECT_EQ(CM, plan.snapshots[0].serviceId);
    EXPECT_EQ(20, plan.snapshots[0].recordingId);
    EXPECT_EQ(0, plan.snapshots[1].serviceId);
    EXPECT_EQ(21, plan.snapshots[1].recordingId);
    EXPECT_EQ(1, plan.snapshots[2].serviceId);
    EXPECT_EQ(22, plan.snapshots[2].recordingId);
    for (const auto& snapshot : plan.snapshots)
    {
        EXPECT_EQ(4'096, snapshot.logPosition);
    }
    ASSERT_TRUE(plan.log.has_value());
    EXPECT_EQ(4'096, plan.log->startPosition);
    EXPECT_EQ(9'000, plan.log->stopPosition);
    EXPECT_EQ(4'096, plan.committedLogPosition);
    EXPECT_EQ(9'000, plan.appendedLogPosition);
}

TEST_F(RecoveryPlanTest, shouldUsePreviousSnapshotWhenLatestInvalidated)
{
    m_log->appendTerm(5, 0, 0, 0);
    appendSnapshotSet(20, 0, 0, 1'000, 1);
    appendSnapshotSet(30, 0, 0, 2'000, 1);
    ASSERT_TRUE(m_log->invalidateLatestSnapshot());
    m_archive.add(5, 0, 3'000);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 1, m_archive);
    ASSERT_EQ(2u, plan.snapshots.size());
    EXPECT_EQ(20, plan.snapshots[0].recordingId);
    EXPECT_EQ(21, plan.snapshots[1].recordingId);
    EXPECT_EQ(1'000, plan.log->startPosition);
}

TEST_F(RecoveryPlanTest, shouldSkipIncompleteSnapshotSet)
{
    m_log->appendTerm(5, 0, 0, 0);
    appendSnapshotSet(20, 0, 0, 1'000, 2);
    // Service 1 never got its entry in the later set; service 0 of another had it invalidated.
    m_log->appendSnapshot(31, 0, 0, 2'000, 0, 0);
    m_log->appendSnapshot(30, 0, 0, 2'000, 0, CM);
    m_log->appendSnapshot(42, 0, 0, 3'000, 0, 1);
    m_log->appendSnapshot(41, 0, 0, 3'000, 0, 0);
    m_log->appendSnapshot(40, 0, 0, 3'000, 0, CM);
    m_log->invalidateEntry(0, 7);
    m_archive.add(5, 0, 3'500);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 2, m_archive);
    ASSERT_EQ(3u, plan.snapshots.size());
    EXPECT_EQ(20, plan.snapshots[0].recordingId);
    EXPECT_EQ(1'000, plan.snapshots[0].logPosition);
    EXPECT_EQ(1'000, plan.log->startPosition);

    // With one service the 2,000 set is complete, and the 3,000 one is not (service 0 invalid).
    const RecoveryPlan onlyServiceZero = createRecoveryPlan(*m_log, 1, m_archive);
    ASSERT_EQ(2u, onlyServiceZero.snapshots.size());
    EXPECT_EQ(30, onlyServiceZero.snapshots[0].recordingId);
    EXPECT_EQ(31, onlyServiceZero.snapshots[1].recordingId);
}

TEST_F(RecoveryPlanTest, shouldPlanFromLastOfSeveralTerms)
{
    m_log->appendTerm(5, 0, 0, 0);
    appendSnapshotSet(20, 0, 0, 1'000, 1);
    m_log->appendTerm(5, 1, 2'000, 10);
    m_log->appendTerm(5, 2, 5'000, 20);
    m_log->commitLogPosition(2, 6'500);
    m_archive.add(5, 0, 7'000);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 1, m_archive);
    EXPECT_EQ(2, plan.lastLeadershipTermId);
    EXPECT_EQ(5'000, plan.lastTermBaseLogPosition);
    EXPECT_EQ(6'500, plan.committedLogPosition);
    EXPECT_EQ(7'000, plan.appendedLogPosition);
    ASSERT_TRUE(plan.log.has_value());
    EXPECT_EQ(2, plan.log->leadershipTermId);
    EXPECT_EQ(5'000, plan.log->termBaseLogPosition);
    EXPECT_EQ(6'500, plan.log->logPosition);
    EXPECT_EQ(1'000, plan.log->startPosition);
    EXPECT_EQ(7'000, plan.log->stopPosition);
    EXPECT_EQ(0, plan.snapshots[0].leadershipTermId);
}

TEST_F(RecoveryPlanTest, shouldTakeRecordedPositionOfActiveRecording)
{
    m_log->appendTerm(5, 0, 0, 0);
    m_archive.add(5, 128, cox::archive::NULL_POSITION);
    m_archive.setRecordedPosition(5, 8'192);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 0, m_archive);
    EXPECT_EQ(128, plan.log->startPosition);
    EXPECT_EQ(8'192, plan.log->stopPosition);
    EXPECT_EQ(8'192, plan.appendedLogPosition);
}

TEST_F(RecoveryPlanTest, shouldPlanFromSnapshotAloneWhenNoTermHasRecording)
{
    appendSnapshotSet(20, 3, 600, 1'000, 1);

    const RecoveryPlan plan = createRecoveryPlan(*m_log, 1, m_archive);
    EXPECT_EQ(3, plan.lastLeadershipTermId);
    EXPECT_EQ(600, plan.lastTermBaseLogPosition);
    EXPECT_EQ(1'000, plan.appendedLogPosition);
    EXPECT_EQ(1'000, plan.committedLogPosition);
    EXPECT_FALSE(plan.log.has_value());
}

TEST_F(RecoveryPlanTest, shouldRefuseTermWhoseRecordingArchiveDoesNotKnow)
{
    m_log->appendTerm(99, 0, 0, 0);
    try
    {
        (void)createRecoveryPlan(*m_log, 1, m_archive);
        FAIL() << "expected IllegalStateException";
    }
    catch (const cox::util::IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("recording 99")) << e.what();
    }
    EXPECT_THROW((void)createRecoveryPlan(*m_log, -1, m_archive), cox::util::IllegalArgumentException);
}

TEST_F(RecoveryPlanTest, shouldDescribeThePlan)
{
    m_log->appendTerm(5, 0, 0, 0);
    appendSnapshotSet(20, 0, 0, 4'096, 1);
    m_archive.add(5, 0, 9'000);

    const std::string text = createRecoveryPlan(*m_log, 1, m_archive).toString();
    EXPECT_NE(std::string::npos, text.find("lastLeadershipTermId=0")) << text;
    EXPECT_NE(std::string::npos, text.find("appendedLogPosition=9000")) << text;
    EXPECT_NE(std::string::npos, text.find("serviceId=-1 recordingId=20")) << text;
    EXPECT_NE(std::string::npos, text.find("serviceId=0 recordingId=21")) << text;
    EXPECT_NE(std::string::npos, text.find("replay=[4096, 9000)")) << text;
    EXPECT_NE(std::string::npos, RecoveryPlan{}.toString().find("log: none"));
}

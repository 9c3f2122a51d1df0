#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "LogJournal.hpp"
#include "TempDirectory.hpp"
#include "cox/archive/Catalog.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/codecs/cluster/TimerEvent.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/sim/ReplicaCheckers.hpp"
#include "cox/util/BitUtil.hpp"

namespace cox::apps::check
{
namespace
{
using codecs::frames::DataHeaderFlyweight;
using examples::KeyValueClient;

constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t LOG_STREAM_ID = 100;
constexpr std::int32_t SESSION_ID = 7;
constexpr std::int64_t CLUSTER_SESSION_ID = 3;

/// A member's log as the consensus module writes it (session messages and TimerEvents framed as DATA frames in a
/// term), recorded into an archive directory as the archive leaves it: a catalog entry and one segment file.
class LogWriter
{
public:
    LogWriter() : m_segment(static_cast<std::size_t>(TERM_LENGTH), 0) {}

    /// Returns the position after the entry, as the service sees it.
    std::int64_t sessionMessage(std::int64_t timestamp, const std::vector<std::uint8_t>& request)
    {
        std::vector<std::uint8_t> payload(codecs::cluster::MessageHeaderEncoder::ENCODED_LENGTH +
                                          codecs::cluster::SessionMessageHeaderEncoder::BLOCK_LENGTH);
        codecs::cluster::MessageHeaderEncoder header;
        codecs::cluster::SessionMessageHeaderEncoder encoder;
        encoder.wrapAndApplyHeader(payload.data(), 0, payload.size(), header)
            .leadershipTermId(0)
            .clusterSessionId(CLUSTER_SESSION_ID)
            .timestamp(timestamp);
        payload.insert(payload.end(), request.begin(), request.end());
        return append(payload);
    }

    std::int64_t timerEvent(std::int64_t correlationId, std::int64_t timestamp)
    {
        std::vector<std::uint8_t> payload(
            codecs::cluster::MessageHeaderEncoder::ENCODED_LENGTH + codecs::cluster::TimerEventEncoder::BLOCK_LENGTH);
        codecs::cluster::MessageHeaderEncoder header;
        codecs::cluster::TimerEventEncoder encoder;
        encoder.wrapAndApplyHeader(payload.data(), 0, payload.size(), header)
            .leadershipTermId(0)
            .correlationId(correlationId)
            .timestamp(timestamp);
        return append(payload);
    }

    std::int64_t schedule(std::int64_t timestamp, std::int64_t correlationId, std::int64_t timerId,
                          std::int64_t offset)
    {
        std::vector<std::uint8_t> request(static_cast<std::size_t>(KeyValueClient::scheduleTimerRequestLength()));
        request.resize(static_cast<std::size_t>(
            KeyValueClient::encodeScheduleTimer(request.data(), request.size(), correlationId, timerId, offset)));
        return sessionMessage(timestamp, request);
    }

    std::int64_t cancel(std::int64_t timestamp, std::int64_t correlationId, std::int64_t timerId)
    {
        std::vector<std::uint8_t> request(static_cast<std::size_t>(KeyValueClient::cancelTimerRequestLength()));
        request.resize(static_cast<std::size_t>(
            KeyValueClient::encodeCancelTimer(request.data(), request.size(), correlationId, timerId)));
        return sessionMessage(timestamp, request);
    }

    std::int64_t put(std::int64_t timestamp, std::int64_t correlationId)
    {
        std::vector<std::uint8_t> request(static_cast<std::size_t>(KeyValueClient::putRequestLength(1, 1)));
        request.resize(static_cast<std::size_t>(
            KeyValueClient::encodePut(request.data(), request.size(), correlationId, "k", "v")));
        return sessionMessage(timestamp, request);
    }

    [[nodiscard]] std::int64_t position() const noexcept { return m_position; }

    /// Writes the recording (stopped at the current position) into archiveDir.
    void record(const std::string& archiveDir) const
    {
        archive::Catalog catalog(archiveDir, archive::Catalog::Options{});
        const std::int64_t recordingId =
            catalog.addNewRecording(0, m_position, 1, 2, 0, TERM_LENGTH, TERM_LENGTH, 1408, SESSION_ID, LOG_STREAM_ID,
                                    "aeron:ipc", "aeron:ipc", "aeron:ipc");
        std::ofstream out(archiveDir + "/" + archive::SegmentFile::fileName(recordingId, 0), std::ios::binary);
        out.write(reinterpret_cast<const char*>(m_segment.data()), static_cast<std::streamsize>(m_segment.size()));
        ASSERT_TRUE(out.good());
    }

private:
    std::int64_t append(const std::vector<std::uint8_t>& payload)
    {
        const auto frameLength = static_cast<std::int32_t>(DataHeaderFlyweight::HEADER_LENGTH + payload.size());
        const auto offset = static_cast<std::size_t>(m_position);
        const auto alignedLength = static_cast<std::size_t>(util::align(frameLength, 32));
        if (offset + alignedLength > m_segment.size())
        {
            throw std::logic_error("test log outgrew its one term");
        }
        DataHeaderFlyweight frame(m_segment.data() + offset, alignedLength);
        frame.frameLength(frameLength);
        frame.version(0);
        frame.flags(DataHeaderFlyweight::BEGIN_AND_END_FLAGS);
        frame.type(DataHeaderFlyweight::HDR_TYPE_DATA);
        frame.termOffset(static_cast<std::int32_t>(offset));
        frame.sessionId(SESSION_ID);
        frame.streamId(LOG_STREAM_ID);
        frame.termId(0);
        std::copy(payload.begin(), payload.end(), m_segment.begin() + static_cast<std::ptrdiff_t>(offset) +
                                                      DataHeaderFlyweight::HEADER_LENGTH);
        m_position += static_cast<std::int64_t>(alignedLength);
        return m_position;
    }

    std::vector<std::uint8_t> m_segment;
    std::int64_t m_position = 0;
};

class LogJournalTimersTest : public ::testing::Test
{
protected:
    /// Records the log for each of members 0..count-1 (all the same, as after full replication), reads them back
    /// and runs C8 over them as cox-check-history does.
    sim::CheckResult checkC8(const LogWriter& log, int members = 3)
    {
        m_journals.clear();
        ++m_runs;
        for (int member = 0; member < members; ++member)
        {
            const std::string archiveDir =
                m_dir.file("archive-" + std::to_string(m_runs) + "-" + std::to_string(member));
            std::filesystem::create_directories(archiveDir);
            log.record(archiveDir);
            m_journals.push_back(readLogJournal(archiveDir, member, log.position()));
        }
        sim::History history;
        history.timerSchedules = m_journals.front().timerSchedules;
        for (const auto& journal : m_journals)
        {
            history.timerEvents.insert(history.timerEvents.end(), journal.timerEvents.begin(),
                                       journal.timerEvents.end());
            history.finalClusterTimeNs = std::max(history.finalClusterTimeNs, journal.lastTimestamp);
        }
        m_tally = sim::tallyTimers(history.timerSchedules, history.timerEvents);
        return sim::checkTimers(history.timerSchedules, history.timerEvents, history.finalClusterTimeNs);
    }

    test::TempDirectory m_dir;
    std::vector<LogJournal> m_journals;
    sim::TimerTally m_tally;
    int m_runs = 0;
};

TEST_F(LogJournalTimersTest, shouldPassASuppressedFiringThatFollowsACommittedCancel)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.schedule(1000, 2, 501, 300);
    const std::int64_t cancelPosition = log.cancel(1090, 3, 500);
    // The leader fired 500 at its deadline before the cancel reached its consensus module.
    const std::int64_t suppressedPosition = log.timerEvent(500, 1100);
    log.timerEvent(501, 1300);
    log.put(1400, 4);

    const auto result = checkC8(log);

    EXPECT_TRUE(result.passed()) << sim::toString(result);
    const LogJournal& journal = m_journals.front();
    ASSERT_EQ(2U, journal.timerSchedules.size());
    EXPECT_EQ(500, journal.timerSchedules[0].correlationId);
    EXPECT_EQ(1100, journal.timerSchedules[0].deadlineNs);
    EXPECT_TRUE(journal.timerSchedules[0].cancelled);
    EXPECT_EQ(cancelPosition, journal.timerSchedules[0].cancelPosition);
    EXPECT_FALSE(journal.timerSchedules[1].cancelled);
    EXPECT_EQ(1300, journal.timerSchedules[1].deadlineNs);
    ASSERT_EQ(2U, journal.timerEvents.size());
    EXPECT_EQ(suppressedPosition, journal.timerEvents[0].logPosition);
    EXPECT_EQ(1400, journal.lastTimestamp);
    EXPECT_EQ(1U, journal.applied.size()) << "timer requests are not the client's operations";
    EXPECT_EQ(1, m_tally.fired);
    EXPECT_EQ(1, m_tally.suppressed);
    EXPECT_EQ(1, m_tally.cancelled);

    EXPECT_EQ(0, pendingTimersAt(journal, 999));
    EXPECT_EQ(2, pendingTimersAt(journal, 1050));
    EXPECT_EQ(1, pendingTimersAt(journal, 1095)) << "500 was cancelled at 1090";
    EXPECT_EQ(0, pendingTimersAt(journal, 1300));
}

TEST_F(LogJournalTimersTest, shouldTreatACancelAfterTheFiringAsNotFoundAndPass)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.timerEvent(500, 1100);
    log.cancel(1110, 2, 500);

    const auto result = checkC8(log);

    EXPECT_TRUE(result.passed()) << sim::toString(result);
    EXPECT_FALSE(m_journals.front().timerSchedules.front().cancelled);
    EXPECT_EQ(0, m_tally.suppressed);
}

TEST_F(LogJournalTimersTest, shouldFailALogWithADuplicatedTimerEvent)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.timerEvent(500, 1100);
    const std::int64_t second = log.timerEvent(500, 1120);

    const auto result = checkC8(log);

    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("fired twice: timer 500")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("at pos " + std::to_string(second))) << result.explanation;
}

TEST_F(LogJournalTimersTest, shouldFailASecondFiringAfterASuppressedOne)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.cancel(1090, 2, 500);
    log.timerEvent(500, 1100);
    log.timerEvent(500, 1150);

    const auto result = checkC8(log);

    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("(suppressed by its cancel), and timer 500"))
        << result.explanation;
}

TEST_F(LogJournalTimersTest, shouldFailAnEarlyFiring)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.timerEvent(500, 1099);

    const auto result = checkC8(log);

    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("fired at cluster time 1099")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("before its deadline 1100")) << result.explanation;
}

TEST_F(LogJournalTimersTest, shouldFailAMissingFiringOnceTheLogPassesTheDeadline)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.schedule(1000, 2, 501, 50);
    log.timerEvent(501, 1050);
    log.put(1099, 3);
    EXPECT_TRUE(checkC8(log).passed()) << "not yet due";

    log.put(1100, 4);
    const auto result = checkC8(log);

    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos,
              result.explanation.find("timer 500 (deadline 1100) never fired by final cluster time 1100"))
        << result.explanation;
}

TEST_F(LogJournalTimersTest, shouldFailAFiringOfATimerTheServiceRefused)
{
    LogWriter log;
    log.schedule(1000, 1, 500, 100);
    log.schedule(1000, 2, 501, -5); // refused: negative offset
    log.timerEvent(500, 1100);
    log.timerEvent(501, 1100);

    const auto result = checkC8(log);

    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("timer 501")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("never scheduled")) << result.explanation;
}
} // namespace
} // namespace cox::apps::check

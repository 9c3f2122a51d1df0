// Replication between two archives over UDP on loopback while the source keeps recording a live UDP stream:
// with a live destination the replica catches up by replay and then merges into the live stream (its recording
// carries on with the live data); with a stop position it stops exactly there. Everything runs on the test
// thread: one media driver, both archives and the clients in INVOKER mode.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/ArchiveClientException.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/Subscription.hpp"

using namespace cox;
using namespace cox::archive;
using codecs::archive::RecordingSignal;

namespace
{
constexpr std::int32_t SRC_CONTROL_STREAM_ID = 10;
constexpr std::int32_t DST_CONTROL_STREAM_ID = 11;
constexpr std::int32_t LIVE_STREAM_ID = 100;
constexpr std::int64_t SEGMENT_LENGTH = 64 * 1024;
constexpr int MESSAGE_LENGTH = 200;

struct Signal
{
    std::int64_t correlationId;
    std::int64_t recordingId;
    std::int64_t position;
    RecordingSignal signal;
};

class ReplicationMergeTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const std::string base = (std::filesystem::temp_directory_path() /
                                  ("cox-replication-merge-test-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                                     .string();
        m_srcDir = base + "-src";
        m_dstDir = base + "-dst";
        std::filesystem::remove_all(m_srcDir);
        std::filesystem::remove_all(m_dstDir);
        m_livePort = 26000 + static_cast<int>(::getpid() % 3000) * 2;

        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        m_driver = transport::MediaDriver::launch(driverContext);
        m_src = Archive::launch(archiveContext(m_srcDir, SRC_CONTROL_STREAM_ID));
        ArchiveContext dstContext = archiveContext(m_dstDir, DST_CONTROL_STREAM_ID);
        // Port 0: the replica must find the port its replay destination got and hand it to the source.
        dstContext.replicationChannel = "aeron:udp?endpoint=localhost:0";
        dstContext.replicationResponseStreamId = 21;
        m_dst = Archive::launch(dstContext);

        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        aeronContext.useConductorAgentInvoker = true;
        aeronContext.driverInvoker = [this] { return m_driver->doWork() + m_src->doWork() + m_dst->doWork(); };
        m_aeron = transport::Aeron::connect(aeronContext);
        m_srcClient = connectClient(SRC_CONTROL_STREAM_ID, 20, m_srcSignals);
        m_dstClient = connectClient(DST_CONTROL_STREAM_ID, 22, m_dstSignals);
    }

    void TearDown() override
    {
        m_publication.reset();
        m_follower.reset();
        m_srcClient.reset();
        m_dstClient.reset();
        m_aeron->close();
        m_dst.reset();
        m_src.reset();
        m_driver.reset();
        std::filesystem::remove_all(m_srcDir);
        std::filesystem::remove_all(m_dstDir);
    }

    ArchiveContext archiveContext(const std::string& dir, std::int32_t controlStreamId)
    {
        ArchiveContext context;
        context.archiveDir = dir;
        context.aeronDirectoryName = m_driver->aeronDirectoryName();
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.segmentFileLength = SEGMENT_LENGTH;
        context.localControlStreamId = controlStreamId;
        context.driverInvoker = [this] { return m_driver->doWork(); };
        return context;
    }

    std::unique_ptr<AeronArchive> connectClient(
        std::int32_t controlStreamId, std::int32_t responseStreamId, std::vector<Signal>& signals)
    {
        AeronArchiveContext context;
        context.aeron = m_aeron;
        context.controlRequestStreamId = controlStreamId;
        context.controlResponseStreamId = responseStreamId;
        context.recordingSignalConsumer =
            [&signals](std::int64_t, std::int64_t correlationId, std::int64_t recordingId, std::int64_t,
                       std::int64_t position, RecordingSignal signal)
        { signals.push_back({correlationId, recordingId, position, signal}); };
        context.errorHandler = [this](const std::exception& e) { m_errors.emplace_back(e.what()); };
        return AeronArchive::connect(context);
    }

    int pump()
    {
        int workCount = m_driver->doWork() + m_src->doWork() + m_dst->doWork() +
            m_aeron->conductorAgentInvoker().invoke() + m_srcClient->pollForRecordingSignals();
        if (m_follower)
        {
            workCount += m_follower->poll(
                [](const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&) {}, 100);
        }
        try
        {
            workCount += m_dstClient->pollForRecordingSignals();
        }
        catch (const ArchiveResponseException& e)
        {
            m_errors.emplace_back(e.what());
        }
        return workCount;
    }

    bool pumpUntil(const std::function<bool()>& condition, std::chrono::seconds timeout = std::chrono::seconds(20))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition())
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                return false;
            }
            pump();
        }
        return true;
    }

    [[nodiscard]] bool hasSignal(std::int64_t replicationId, RecordingSignal signal) const
    {
        return std::any_of(m_dstSignals.begin(), m_dstSignals.end(), [&](const Signal& s)
                           { return s.correlationId == replicationId && s.signal == signal; });
    }

    [[nodiscard]] std::vector<RecordingSignal> signalsOf(std::int64_t replicationId) const
    {
        std::vector<RecordingSignal> result;
        for (const Signal& s : m_dstSignals)
        {
            if (s.correlationId == replicationId)
            {
                result.push_back(s.signal);
            }
        }
        return result;
    }

    [[nodiscard]] std::int64_t dstRecordingIdOf(std::int64_t replicationId) const
    {
        for (const Signal& s : m_dstSignals)
        {
            if (s.correlationId == replicationId && s.signal == RecordingSignal::REPLICATE)
            {
                return s.recordingId;
            }
        }
        return NULL_VALUE;
    }

    /// The live stream, as a cluster leader's log: a manual multi-destination UDP publication the source archive
    /// records through a spy, sent to a follower that keeps it connected and to the replica's live destination
    /// (where nobody listens until the merge).
    std::int64_t startLiveSource()
    {
        const std::string channel = "aeron:udp?control-mode=manual|tags=7,8|term-length=64k";
        static_cast<void>(m_srcClient->startRecording(channel, LIVE_STREAM_ID, SourceLocation::LOCAL, true));
        m_publication = m_aeron->addExclusivePublication(channel, LIVE_STREAM_ID);
        const std::string follower = "aeron:udp?endpoint=localhost:" + std::to_string(m_livePort + 2);
        m_follower = m_aeron->addSubscription(follower, LIVE_STREAM_ID);
        m_publication->addDestination(follower);
        m_publication->addDestination(liveDestination());
        std::int64_t recordingId = NULL_VALUE;
        EXPECT_TRUE(pumpUntil(
            [&]
            {
                for (const Signal& s : m_srcSignals)
                {
                    if (s.signal == RecordingSignal::START)
                    {
                        recordingId = s.recordingId;
                        return true;
                    }
                }
                return false;
            }));
        return recordingId;
    }

    [[nodiscard]] std::string liveDestination() const
    {
        return "aeron:udp?endpoint=localhost:" + std::to_string(m_livePort);
    }

    /// Offers the next message (its index in the first 4 bytes); false when back pressured.
    bool offerNext()
    {
        std::uint8_t message[MESSAGE_LENGTH] = {};
        std::memcpy(message, &m_sent, sizeof(m_sent));
        std::memset(message + sizeof(m_sent), m_sent & 0xFF, MESSAGE_LENGTH - sizeof(m_sent));
        if (m_publication->offer(message, MESSAGE_LENGTH) > 0)
        {
            ++m_sent;
            return true;
        }
        return false;
    }

    void publish(int count)
    {
        for (int i = 0; i < count; ++i)
        {
            ASSERT_TRUE(pumpUntil([&] { return offerNext(); }));
        }
    }

    /// The bytes of a recording from its start (0 here) up to position, read from its segment files.
    [[nodiscard]] std::vector<std::uint8_t> recordedBytes(
        const std::string& dir, std::int64_t recordingId, std::int64_t position) const
    {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(position));
        for (std::int64_t base = 0; base < position; base += SEGMENT_LENGTH)
        {
            std::ifstream file(dir + "/" + SegmentFile::fileName(recordingId, base), std::ios::binary);
            const std::int64_t length = std::min(SEGMENT_LENGTH, position - base);
            file.read(reinterpret_cast<char*>(bytes.data() + base), length);
            EXPECT_EQ(file.gcount(), length) << "segment " << base << " of recording " << recordingId;
        }
        return bytes;
    }

    std::string m_srcDir;
    std::string m_dstDir;
    int m_livePort = 0;
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::unique_ptr<Archive> m_src;
    std::unique_ptr<Archive> m_dst;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::unique_ptr<AeronArchive> m_srcClient;
    std::unique_ptr<AeronArchive> m_dstClient;
    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::shared_ptr<transport::Subscription> m_follower;
    std::vector<Signal> m_srcSignals;
    std::vector<Signal> m_dstSignals;
    std::vector<std::string> m_errors;
    std::int32_t m_sent = 0;
};
} // namespace

TEST_F(ReplicationMergeTest, shouldCatchUpByReplayAndMergeIntoTheLiveStream)
{
    const std::int64_t srcRecordingId = startLiveSource();
    publish(600); // ~ 140 KiB: several segments and terms to catch up on

    ReplicationParams params;
    params.liveDestination = liveDestination();
    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", params);
    // The source keeps recording the live stream while the replica catches up.
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            static_cast<void>(offerNext());
            return hasSignal(replicationId, RecordingSignal::MERGE) || !m_errors.empty();
        }))
        << "no MERGE; signals: " << signalsOf(replicationId).size();
    ASSERT_TRUE(m_errors.empty()) << m_errors.front();
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(replicationId, RecordingSignal::REPLICATE_END); }));

    // Merged: the replica's recording goes on with the live stream alone.
    publish(400);
    const std::int64_t dstRecordingId = dstRecordingIdOf(replicationId);
    const std::int64_t end = m_publication->position();
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            return m_srcClient->getRecordingPosition(srcRecordingId) == end &&
                m_dstClient->getRecordingPosition(dstRecordingId) == end;
        }))
        << "replica at " << m_dstClient->getRecordingPosition(dstRecordingId) << ", live at " << end;

    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::MERGE, RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected) << "no STOP: the recording continues";
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), NULL_POSITION);
    EXPECT_TRUE(recordedBytes(m_dstDir, dstRecordingId, end) == recordedBytes(m_srcDir, srcRecordingId, end))
        << "the replica must be byte-identical to the source up to " << end;

    // When the live stream ends, so does the replica's recording, at the same place.
    m_publication->close();
    ASSERT_TRUE(pumpUntil([&] { return m_dstClient->getStopPosition(dstRecordingId) != NULL_POSITION; }));
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), end);
    EXPECT_TRUE(m_errors.empty()) << m_errors.front();
}

TEST_F(ReplicationMergeTest, shouldStopAtStopPositionWhileTheSourceKeepsRecording)
{
    const std::int64_t srcRecordingId = startLiveSource();
    publish(300);
    const std::int64_t stopPosition = m_publication->position();
    publish(300);

    ReplicationParams params;
    params.stopPosition = stopPosition;
    params.replicationChannel = "aeron:udp?endpoint=localhost:" + std::to_string(m_livePort + 1);
    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", params);
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            static_cast<void>(offerNext());
            return hasSignal(replicationId, RecordingSignal::REPLICATE_END);
        }));
    ASSERT_TRUE(m_errors.empty()) << m_errors.front();

    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::SYNC, RecordingSignal::STOP,
                                                   RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected);
    const std::int64_t dstRecordingId = dstRecordingIdOf(replicationId);
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), stopPosition);
    EXPECT_GT(m_srcClient->getRecordingPosition(srcRecordingId), stopPosition) << "the source went on";
    EXPECT_TRUE(recordedBytes(m_dstDir, dstRecordingId, stopPosition) ==
                recordedBytes(m_srcDir, srcRecordingId, stopPosition));
}

TEST_F(ReplicationMergeTest, shouldRefuseLiveMergeOfStoppedRecordingAndBadLiveDestination)
{
    const std::int64_t srcRecordingId = startLiveSource();
    publish(10);

    ReplicationParams ipcLive;
    ipcLive.liveDestination = "aeron:ipc";
    EXPECT_THROW(m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", ipcLive),
                 ArchiveResponseException);

    m_publication->close();
    ASSERT_TRUE(pumpUntil([&] { return m_srcClient->getStopPosition(srcRecordingId) != NULL_POSITION; }));
    ReplicationParams params;
    params.liveDestination = liveDestination();
    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", params);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(replicationId, RecordingSignal::REPLICATE_END); }));
    ASSERT_EQ(m_errors.size(), 1U);
    EXPECT_NE(m_errors.front().find("cannot live merge without active source recording"), std::string::npos)
        << m_errors.front();
}

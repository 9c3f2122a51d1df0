// Archive-to-archive replication end to end on one thread: one media driver, a source and a destination
// archive and a client of each, all in INVOKER mode. The source answers on IPC stream 10, the destination on
// IPC stream 11, and the source replays to the destination over UDP on localhost.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <unistd.h>

#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/ArchiveClientException.hpp"
#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/Subscription.hpp"

using namespace cox;
using namespace cox::archive;
using codecs::archive::RecordingSignal;

namespace
{
constexpr std::int32_t SRC_CONTROL_STREAM_ID = 10;
constexpr std::int32_t DST_CONTROL_STREAM_ID = 11;
constexpr std::int32_t RECORDED_STREAM_ID = 100;
const std::string RECORDED_CHANNEL = "aeron:ipc?term-length=64k";
constexpr int MESSAGE_LENGTH = 100;

struct Signal
{
    std::int64_t correlationId;
    std::int64_t recordingId;
    std::int64_t position;
    RecordingSignal signal;
};

struct Error
{
    std::int64_t correlationId;
    ArchiveErrorCode code;
    std::string message;
};

class ReplicationTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const std::string base = (std::filesystem::temp_directory_path() /
                                  ("cox-replication-test-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                                     .string();
        m_srcDir = base + "-src";
        m_dstDir = base + "-dst";
        std::filesystem::remove_all(m_srcDir);
        std::filesystem::remove_all(m_dstDir);

        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        m_driver = transport::MediaDriver::launch(driverContext);
        m_src = Archive::launch(archiveContext(m_srcDir, SRC_CONTROL_STREAM_ID));
        ArchiveContext dstContext = archiveContext(m_dstDir, DST_CONTROL_STREAM_ID);
        m_port = 24000 + static_cast<int>(::getpid() % 2000) * 2;
        dstContext.replicationChannel = "aeron:udp?endpoint=localhost:" + std::to_string(m_port);
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
        context.segmentFileLength = 64 * 1024;
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
        {
            signals.push_back({correlationId, recordingId, position, signal});
        };
        context.errorHandler = [this](const std::exception& e) { onError(e); };
        return AeronArchive::connect(context);
    }

    void onError(const std::exception& e)
    {
        if (const auto* response = dynamic_cast<const ArchiveResponseException*>(&e))
        {
            m_errors.push_back({response->correlationId(), response->errorCode(), response->what()});
        }
        else
        {
            m_errors.push_back({NULL_VALUE, ArchiveErrorCode::GENERIC, e.what()});
        }
    }

    int pump()
    {
        int workCount = m_driver->doWork() + m_src->doWork() + m_dst->doWork() +
            m_aeron->conductorAgentInvoker().invoke() + m_srcClient->pollForRecordingSignals();
        try
        {
            workCount += m_dstClient->pollForRecordingSignals();
        }
        catch (const ArchiveResponseException& e)
        {
            onError(e);
        }
        return workCount;
    }

    bool pumpUntil(const std::function<bool()>& condition)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
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

    static bool hasSignal(const std::vector<Signal>& signals, std::int64_t correlationId, RecordingSignal signal)
    {
        for (const Signal& s : signals)
        {
            if (s.correlationId == correlationId && s.signal == signal)
            {
                return true;
            }
        }
        return false;
    }

    std::vector<RecordingSignal> signalsOf(std::int64_t replicationId) const
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

    std::int64_t dstRecordingIdOf(std::int64_t replicationId) const
    {
        for (const Signal& s : m_dstSignals)
        {
            if (s.correlationId == replicationId &&
                (s.signal == RecordingSignal::REPLICATE || s.signal == RecordingSignal::EXTEND))
            {
                return s.recordingId;
            }
        }
        return NULL_VALUE;
    }

    bool awaitReplicationEnd(std::int64_t replicationId)
    {
        return pumpUntil([&] { return hasSignal(m_dstSignals, replicationId, RecordingSignal::REPLICATE_END); });
    }

    /// Starts an auto-stop recording at the source and a publication for it; returns the recording id.
    std::int64_t startSourceRecording()
    {
        const std::int64_t subscriptionId =
            m_srcClient->startRecording(RECORDED_CHANNEL, RECORDED_STREAM_ID, SourceLocation::LOCAL, true);
        m_publication = m_aeron->addExclusivePublication(RECORDED_CHANNEL, RECORDED_STREAM_ID);
        std::int64_t recordingId = NULL_VALUE;
        EXPECT_TRUE(pumpUntil(
            [&]
            {
                for (const Signal& s : m_srcSignals)
                {
                    if (s.signal == RecordingSignal::START && s.correlationId != NULL_VALUE)
                    {
                        recordingId = s.recordingId;
                        return true;
                    }
                }
                return false;
            }));
        static_cast<void>(subscriptionId);
        return recordingId;
    }

    /// Publishes count messages whose first 4 bytes hold their index, and waits until the source recorded them.
    void publish(std::int64_t srcRecordingId, int count, int firstIndex = 0)
    {
        std::uint8_t message[MESSAGE_LENGTH] = {};
        for (int i = firstIndex; i < firstIndex + count; ++i)
        {
            std::memcpy(message, &i, sizeof(i));
            ASSERT_TRUE(pumpUntil([&] { return m_publication->offer(message, sizeof(message)) > 0; }));
        }
        const std::int64_t end = m_publication->position();
        ASSERT_TRUE(pumpUntil([&] { return m_srcClient->getRecordingPosition(srcRecordingId) == end; }));
    }

    /// Ends the source recording by closing its publication; returns the source stop position.
    std::int64_t stopSourceRecording(std::int64_t srcRecordingId)
    {
        m_publication->close();
        std::int64_t stop = NULL_POSITION;
        EXPECT_TRUE(pumpUntil(
            [&]
            {
                stop = m_srcClient->getStopPosition(srcRecordingId);
                return stop != NULL_POSITION;
            }));
        return stop;
    }

    /// A stopped source recording holding count messages.
    std::int64_t recordStoppedSource(int count)
    {
        const std::int64_t recordingId = startSourceRecording();
        publish(recordingId, count);
        stopSourceRecording(recordingId);
        return recordingId;
    }

    RecordingDescriptor describe(AeronArchive& client, std::int64_t recordingId)
    {
        RecordingDescriptor result;
        EXPECT_EQ(client.listRecording(recordingId, [&](const RecordingDescriptor& d) { result = d; }), 1);
        return result;
    }

    /// Replays a recording of the destination and returns the message indexes received, in order.
    std::vector<int> replayDst(std::int64_t recordingId, int expected)
    {
        auto subscription = m_dstClient->replay(recordingId, NULL_POSITION, NULL_LENGTH, "aeron:ipc",
                                                3000 + m_replayCount++);
        std::vector<int> received;
        pumpUntil(
            [&]
            {
                subscription->poll(
                    [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                        const transport::Header&)
                    {
                        int index = -1;
                        if (length == MESSAGE_LENGTH)
                        {
                            std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
                        }
                        received.push_back(index);
                    },
                    100);
                return static_cast<int>(received.size()) >= expected;
            });
        // Anything beyond what was expected would show up here.
        for (int i = 0; i < 50; ++i)
        {
            pump();
            subscription->poll([&](const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&)
                               { received.push_back(-2); },
                               100);
        }
        subscription->close();
        return received;
    }

    static std::vector<int> sequence(int from, int to)
    {
        std::vector<int> result;
        for (int i = from; i < to; ++i)
        {
            result.push_back(i);
        }
        return result;
    }

    std::string m_srcDir;
    std::string m_dstDir;
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::unique_ptr<Archive> m_src;
    std::unique_ptr<Archive> m_dst;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::unique_ptr<AeronArchive> m_srcClient;
    std::unique_ptr<AeronArchive> m_dstClient;
    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::vector<Signal> m_srcSignals;
    std::vector<Signal> m_dstSignals;
    std::vector<Error> m_errors;
    int m_replayCount = 0;
    int m_port = 0;
};
} // namespace

TEST_F(ReplicationTest, shouldReplicateStoppedRecordingIntoNewRecording)
{
    const std::int64_t srcRecordingId = recordStoppedSource(1000); // several terms and 64 KiB segments
    const RecordingDescriptor src = describe(*m_srcClient, srcRecordingId);

    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", ReplicationParams{});
    ASSERT_TRUE(awaitReplicationEnd(replicationId));

    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::SYNC, RecordingSignal::STOP,
                                                   RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected);
    EXPECT_TRUE(m_errors.empty()) << m_errors.front().message;

    const std::int64_t dstRecordingId = dstRecordingIdOf(replicationId);
    const RecordingDescriptor dst = describe(*m_dstClient, dstRecordingId);
    EXPECT_EQ(dst.startPosition, src.startPosition);
    EXPECT_EQ(dst.stopPosition, src.stopPosition);
    EXPECT_EQ(dst.streamId, src.streamId);
    EXPECT_EQ(dst.termBufferLength, src.termBufferLength);
    EXPECT_EQ(dst.initialTermId, src.initialTermId);
    EXPECT_EQ(dst.mtuLength, src.mtuLength);
    EXPECT_EQ(replayDst(dstRecordingId, 1000), sequence(0, 1000));
}

TEST_F(ReplicationTest, shouldReplicateUpToStopPositionInTheMiddle)
{
    const std::int64_t srcRecordingId = startSourceRecording();
    publish(srcRecordingId, 400);
    const std::int64_t middle = m_publication->position();
    publish(srcRecordingId, 400, 400);
    const std::int64_t srcStop = stopSourceRecording(srcRecordingId);
    ASSERT_GT(srcStop, middle);

    ReplicationParams params;
    params.stopPosition = middle;
    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", params);
    ASSERT_TRUE(awaitReplicationEnd(replicationId));

    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::SYNC, RecordingSignal::STOP,
                                                   RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected);
    const std::int64_t dstRecordingId = dstRecordingIdOf(replicationId);
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), middle);
    EXPECT_EQ(replayDst(dstRecordingId, 400), sequence(0, 400));
}

TEST_F(ReplicationTest, shouldCompleteExistingDestinationThatHoldsTheFirstHalf)
{
    const std::int64_t srcRecordingId = startSourceRecording();
    publish(srcRecordingId, 500);
    const std::int64_t half = m_publication->position();
    publish(srcRecordingId, 500, 500);
    const std::int64_t srcStop = stopSourceRecording(srcRecordingId);

    ReplicationParams first;
    first.stopPosition = half;
    const std::int64_t firstId = m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", first);
    ASSERT_TRUE(awaitReplicationEnd(firstId));
    const std::int64_t dstRecordingId = dstRecordingIdOf(firstId);
    ASSERT_EQ(m_dstClient->getStopPosition(dstRecordingId), half);

    // As an election's log replication: the local recording already has a prefix; only the rest moves.
    ReplicationParams second;
    second.dstRecordingId = dstRecordingId;
    second.replicationSessionId = 777; // the replay's session id, as the cluster picks one
    // Another port: the driver still reuses a closed receive endpoint for the same address while its images
    // linger (transport issue, reported), so a second subscription to localhost:m_port would get no data.
    second.replicationChannel = "aeron:udp?endpoint=localhost:" + std::to_string(m_port + 1);
    const std::int64_t secondId = m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", second);
    ASSERT_TRUE(awaitReplicationEnd(secondId));
    EXPECT_TRUE(m_errors.empty()) << m_errors.front().message;

    const std::vector<RecordingSignal> expected = {RecordingSignal::EXTEND, RecordingSignal::SYNC,
                                                   RecordingSignal::STOP, RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(secondId), expected);
    EXPECT_EQ(dstRecordingIdOf(secondId), dstRecordingId);
    for (const Signal& s : m_dstSignals)
    {
        if (s.correlationId == secondId && s.signal == RecordingSignal::EXTEND)
        {
            EXPECT_EQ(s.position, half) << "the extension continues from the destination's stop";
        }
    }
    const RecordingDescriptor dst = describe(*m_dstClient, dstRecordingId);
    EXPECT_EQ(dst.startPosition, 0);
    EXPECT_EQ(dst.stopPosition, srcStop);
    EXPECT_EQ(replayDst(dstRecordingId, 1000), sequence(0, 1000));
}

TEST_F(ReplicationTest, shouldFollowActiveSourceRecordingUntilItStops)
{
    const std::int64_t srcRecordingId = startSourceRecording();
    publish(srcRecordingId, 300);

    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", ReplicationParams{});
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(m_dstSignals, replicationId, RecordingSignal::EXTEND); }));
    const std::int64_t dstRecordingId = dstRecordingIdOf(replicationId);
    const std::int64_t firstPart = m_publication->position();
    ASSERT_TRUE(pumpUntil([&] { return m_dstClient->getRecordingPosition(dstRecordingId) == firstPart; }));

    publish(srcRecordingId, 300, 300); // recorded at the source after the replication started: it follows
    const std::int64_t srcStop = stopSourceRecording(srcRecordingId);
    ASSERT_TRUE(awaitReplicationEnd(replicationId));

    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::STOP, RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected);
    EXPECT_TRUE(m_errors.empty()) << m_errors.front().message;
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), srcStop);
    EXPECT_EQ(replayDst(dstRecordingId, 600), sequence(0, 600));
}

TEST_F(ReplicationTest, shouldReportUnknownSourceRecordingToTheClient)
{
    const std::int64_t replicationId =
        m_dstClient->replicate(4242, SRC_CONTROL_STREAM_ID, "aeron:ipc", ReplicationParams{});
    ASSERT_TRUE(awaitReplicationEnd(replicationId));

    ASSERT_EQ(m_errors.size(), 1u);
    EXPECT_EQ(m_errors[0].correlationId, replicationId);
    EXPECT_EQ(m_errors[0].code, ArchiveErrorCode::UNKNOWN_RECORDING);
    EXPECT_NE(m_errors[0].message.find("4242"), std::string::npos) << m_errors[0].message;
    EXPECT_EQ(signalsOf(replicationId), std::vector<RecordingSignal>{RecordingSignal::REPLICATE_END});
    int listed = 0;
    m_dstClient->listRecordings(0, 10, [&](const RecordingDescriptor&) { ++listed; });
    EXPECT_EQ(listed, 0) << "nothing is created for a source that does not exist";
}

TEST_F(ReplicationTest, shouldRefuseBadRequestsWithCodes)
{
    const std::int64_t srcRecordingId = recordStoppedSource(10);
    ReplicationParams live;
    live.liveDestination = "aeron:ipc"; // live merge works (ReplicationMergeTest), but only onto UDP destinations
    try
    {
        static_cast<void>(m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", live));
        FAIL() << "expected an IPC live destination to be refused";
    }
    catch (const ArchiveResponseException& e)
    {
        EXPECT_NE(std::string(e.what()).find("a live merge needs a UDP"), std::string::npos) << e.what();
    }

    ReplicationParams unknownDst;
    unknownDst.dstRecordingId = 99;
    try
    {
        static_cast<void>(m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", unknownDst));
        FAIL() << "expected an unknown destination to be refused";
    }
    catch (const ArchiveResponseException& e)
    {
        EXPECT_EQ(e.errorCode(), ArchiveErrorCode::UNKNOWN_RECORDING);
    }

    EXPECT_FALSE(m_dstClient->tryStopReplication(123456789)) << "UNKNOWN_REPLICATION";
    try
    {
        m_dstClient->stopReplication(123456789);
        FAIL() << "expected UNKNOWN_REPLICATION";
    }
    catch (const ArchiveResponseException& e)
    {
        EXPECT_EQ(e.errorCode(), ArchiveErrorCode::UNKNOWN_REPLICATION);
    }
}

TEST_F(ReplicationTest, shouldStopReplicationMidway)
{
    const std::int64_t srcRecordingId = startSourceRecording();
    publish(srcRecordingId, 200);

    const std::int64_t replicationId =
        m_dstClient->replicate(srcRecordingId, SRC_CONTROL_STREAM_ID, "aeron:ipc", ReplicationParams{});
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(m_dstSignals, replicationId, RecordingSignal::EXTEND); }));
    const std::int64_t dstRecordingId = dstRecordingIdOf(replicationId);
    const std::int64_t copied = m_publication->position();
    ASSERT_TRUE(pumpUntil([&] { return m_dstClient->getRecordingPosition(dstRecordingId) == copied; }));

    m_dstClient->stopReplication(replicationId);
    ASSERT_TRUE(awaitReplicationEnd(replicationId));
    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::STOP, RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected);
    EXPECT_TRUE(m_errors.empty()) << m_errors.front().message;
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), copied);
    EXPECT_FALSE(m_dstClient->tryStopReplication(replicationId)) << "it is gone once ended";

    // The source goes on recording; the destination no longer follows it.
    publish(srcRecordingId, 100, 200);
    for (int i = 0; i < 200; ++i)
    {
        pump();
    }
    EXPECT_EQ(m_dstClient->getStopPosition(dstRecordingId), copied);
    EXPECT_EQ(replayDst(dstRecordingId, 200), sequence(0, 200));
}


TEST_F(ReplicationTest, shouldReplicateWithTheOriginalReplicateRequest)
{
    const std::int64_t srcRecordingId = recordStoppedSource(50);
    const RecordingDescriptor src = describe(*m_srcClient, srcRecordingId);

    // ReplicateRequest (50) has no stop position or channel: the whole recording on the default channel.
    std::uint8_t buffer[512];
    codecs::archive::MessageHeaderEncoder header;
    codecs::archive::ReplicateRequestEncoder encoder;
    const std::int64_t correlationId = m_aeron->nextCorrelationId();
    encoder.wrapAndApplyHeader(buffer, 0, sizeof(buffer), header)
        .controlSessionId(m_dstClient->controlSessionId())
        .correlationId(correlationId)
        .srcRecordingId(srcRecordingId)
        .dstRecordingId(NULL_VALUE)
        .srcControlStreamId(SRC_CONTROL_STREAM_ID)
        .putSrcControlChannel("aeron:ipc")
        .putLiveDestination("");
    const auto length = static_cast<std::int32_t>(codecs::archive::MessageHeaderEncoder::ENCODED_LENGTH +
                                                  encoder.encodedLength());
    ASSERT_TRUE(pumpUntil([&] { return m_dstClient->archiveProxy().publication()->offer(buffer, length) > 0; }));

    ASSERT_TRUE(pumpUntil(
        [&]
        {
            for (const Signal& s : m_dstSignals)
            {
                if (s.signal == RecordingSignal::REPLICATE_END)
                {
                    return true;
                }
            }
            return false;
        }));
    ASSERT_FALSE(m_dstSignals.empty());
    const std::int64_t replicationId = m_dstSignals.front().correlationId;
    const std::vector<RecordingSignal> expected = {RecordingSignal::REPLICATE, RecordingSignal::EXTEND,
                                                   RecordingSignal::SYNC, RecordingSignal::STOP,
                                                   RecordingSignal::REPLICATE_END};
    EXPECT_EQ(signalsOf(replicationId), expected);
    EXPECT_EQ(describe(*m_dstClient, dstRecordingIdOf(replicationId)).stopPosition, src.stopPosition);
    EXPECT_EQ(replayDst(dstRecordingIdOf(replicationId), 50), sequence(0, 50));
}

// Bad requests to a running archive: each gets a clear error response (or, without a session to answer, an
// entry in the archive's error handler) and none changes the catalog or a segment file.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/ArchiveClientException.hpp"
#include "cox/archive/ArchiveProxy.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/MediaDriver.hpp"

using namespace cox;
using namespace cox::archive;
using codecs::archive::RecordingSignal;

namespace
{
constexpr std::int32_t STREAM_ID = 6100;
const std::string CHANNEL = "aeron:ipc?term-length=64k";
/// 32-byte header + 96: every message takes 128 bytes of the stream, and 64 KiB terms hold 512 exactly.
constexpr std::int32_t PAYLOAD_LENGTH = 96;
constexpr std::int64_t FRAME_LENGTH = 128;
constexpr std::int64_t UNKNOWN_ID = 987654;

class ArchiveBadInputTest : public ::testing::Test, protected test::ArchiveHarness
{
protected:
    void SetUp() override
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        ArchiveContext context;
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.segmentFileLength = 64 * 1024;
        context.errorHandler = [this](const std::exception& e)
        {
            m_archiveErrors.emplace_back(e.what());
            const auto* archiveError = dynamic_cast<const ArchiveException*>(&e);
            m_archiveErrorCodes.push_back(archiveError != nullptr ? archiveError->errorCode()
                                                                  : ArchiveErrorCode::GENERIC);
        };
        AeronArchiveContext clientContext;
        clientContext.recordingSignalConsumer =
            [this](std::int64_t, std::int64_t, std::int64_t recordingId, std::int64_t, std::int64_t,
                   RecordingSignal signal)
        {
            if (signal == RecordingSignal::START)
            {
                m_startedRecordingId = recordingId;
            }
            if (signal == RecordingSignal::STOP)
            {
                m_stopped = true;
            }
        };
        launchHarness(driverContext, context, clientContext);
    }

    void TearDown() override { closeHarness(); }

    /// Starts recording a new publication and publishes count messages numbered from 0; returns the recording.
    std::int64_t recordMessages(int count)
    {
        m_startedRecordingId = NULL_VALUE;
        m_publication = m_client->addRecordedExclusivePublication(CHANNEL, STREAM_ID);
        EXPECT_TRUE(pumpUntil([&] { return m_startedRecordingId != NULL_VALUE; }));
        publish(0, count);
        return m_startedRecordingId;
    }

    void publish(int from, int count)
    {
        std::uint8_t message[PAYLOAD_LENGTH] = {};
        for (int i = from; i < from + count; ++i)
        {
            std::memcpy(message, &i, sizeof(i));
            ASSERT_TRUE(pumpUntil([&] { return m_publication->offer(message, PAYLOAD_LENGTH) > 0; }));
        }
        const std::int64_t end = m_publication->position();
        ASSERT_TRUE(pumpUntil([&] { return m_client->getRecordingPosition(m_startedRecordingId) == end; }));
    }

    /// A stopped recording of count messages.
    std::int64_t stoppedRecording(int count)
    {
        const std::int64_t recordingId = recordMessages(count);
        m_stopped = false;
        m_publication->close();
        EXPECT_TRUE(pumpUntil([&] { return m_stopped; }));
        return recordingId;
    }

    /// Every file in the archive directory and its bytes: the catalog and the segments.
    std::map<std::string, std::vector<std::uint8_t>> snapshot() const
    {
        std::map<std::string, std::vector<std::uint8_t>> files;
        for (const auto& entry : std::filesystem::directory_iterator(m_dir.path()))
        {
            const std::string name = entry.path().filename().string();
            if (name == "archive.catalog" || entry.path().extension() == ".rec")
            {
                files[name] = test::readBytes(entry.path().string());
            }
        }
        return files;
    }

    /// Runs request, which must throw an error response with code; returns its message.
    std::string expectError(const std::function<void()>& request, ArchiveErrorCode code)
    {
        try
        {
            request();
        }
        catch (const ArchiveResponseException& e)
        {
            EXPECT_EQ(e.errorCode(), code) << e.what();
            return e.what();
        }
        ADD_FAILURE() << "expected an error response";
        return {};
    }

    std::vector<int> replayIndexes(std::int64_t recordingId, std::int64_t position, std::int64_t length, int expected)
    {
        auto subscription = m_client->replay(recordingId, position, length, "aeron:ipc", 7000 + m_replays++);
        std::vector<int> received;
        pumpUntil(
            [&]
            {
                subscription->poll(
                    [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const transport::Header&)
                    {
                        int index = -1;
                        std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
                        received.push_back(index);
                    },
                    64);
                return static_cast<int>(received.size()) >= expected;
            });
        for (int i = 0; i < 50; ++i)
        {
            pump();
            subscription->poll([&](const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&)
                               { received.push_back(-2); },
                               64);
        }
        subscription->close();
        return received;
    }

    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::int64_t m_startedRecordingId = NULL_VALUE;
    bool m_stopped = false;
    std::vector<std::string> m_archiveErrors;
    std::vector<ArchiveErrorCode> m_archiveErrorCodes;
    int m_replays = 0;
};

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}
} // namespace

TEST_F(ArchiveBadInputTest, shouldAnswerUnknownRecordingForEveryRequestNamingAnUnknownId)
{
    stoppedRecording(100);
    const auto before = snapshot();
    const std::string id = std::to_string(UNKNOWN_ID);

    EXPECT_TRUE(contains(expectError([&] { m_client->startReplay(UNKNOWN_ID, 0, NULL_LENGTH, "aeron:ipc", 7100); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->getStopPosition(UNKNOWN_ID); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->getStartPosition(UNKNOWN_ID); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->getRecordingPosition(UNKNOWN_ID); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->getMaxRecordedPosition(UNKNOWN_ID); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->truncateRecording(UNKNOWN_ID, 0); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->purgeRecording(UNKNOWN_ID); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->extendRecording(UNKNOWN_ID, CHANNEL, STREAM_ID,
                                                                      SourceLocation::LOCAL); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), id));
    EXPECT_TRUE(contains(expectError([&] { m_client->startReplay(-5, 0, NULL_LENGTH, "aeron:ipc", 7101); },
                                     ArchiveErrorCode::UNKNOWN_RECORDING), "-5"));
    EXPECT_EQ(m_client->listRecording(UNKNOWN_ID, [](const RecordingDescriptor&) {}), 0);

    EXPECT_EQ(snapshot(), before) << "no stored data changes";
}

TEST_F(ArchiveBadInputTest, shouldRefuseReplayPositionsNotOnAFrameBoundaryOrOutsideTheRecording)
{
    const std::int64_t recordingId = stoppedRecording(100);
    const std::int64_t stop = m_client->getStopPosition(recordingId);
    ASSERT_EQ(stop, 100 * FRAME_LENGTH);
    const auto before = snapshot();

    for (const std::int64_t position : {std::int64_t{16}, std::int64_t{33}, FRAME_LENGTH + 8, stop + 32,
                                        stop + FRAME_LENGTH, std::int64_t{-64},
                                        std::numeric_limits<std::int64_t>::max() - 31})
    {
        const std::string message = expectError(
            [&] { m_client->startReplay(recordingId, position, NULL_LENGTH, "aeron:ipc", 7200); },
            ArchiveErrorCode::GENERIC);
        EXPECT_TRUE(contains(message, std::to_string(position))) << message;
    }
    EXPECT_EQ(snapshot(), before);
    // The archive still serves a good request afterwards.
    EXPECT_EQ(replayIndexes(recordingId, 10 * FRAME_LENGTH, 5 * FRAME_LENGTH, 5), (std::vector<int>{10, 11, 12, 13, 14}));
}

TEST_F(ArchiveBadInputTest, shouldNotOverflowReplayLengthsNearInt64MaxFromAPositiveStart)
{
    const std::int64_t recordingId = stoppedRecording(100);
    const auto before = snapshot();
    constexpr std::int64_t HUGE_LENGTH = std::numeric_limits<std::int64_t>::max() - 1;

    // A stopped recording: the length is capped at the stop.
    const std::vector<int> tail = replayIndexes(recordingId, 90 * FRAME_LENGTH, HUGE_LENGTH, 10);
    EXPECT_EQ(tail, (std::vector<int>{90, 91, 92, 93, 94, 95, 96, 97, 98, 99}));

    // Negative lengths other than NULL_LENGTH are refused.
    const std::string negative = expectError(
        [&] { m_client->startReplay(recordingId, FRAME_LENGTH, -2, "aeron:ipc", 7300); }, ArchiveErrorCode::GENERIC);
    EXPECT_TRUE(contains(negative, "-2")) << negative;
    EXPECT_EQ(snapshot(), before);
}

TEST_F(ArchiveBadInputTest, shouldFollowALiveRecordingWhenPositionPlusLengthWouldOverflow)
{
    const std::int64_t recordingId = recordMessages(50);
    auto subscription = m_client->replay(
        recordingId, 20 * FRAME_LENGTH, std::numeric_limits<std::int64_t>::max() - 7, "aeron:ipc", 7400);
    std::vector<int> received;
    auto handler = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const transport::Header&)
    {
        int index = -1;
        std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
        received.push_back(index);
    };
    ASSERT_TRUE(pumpUntil([&] { return subscription->poll(handler, 64) >= 0 && received.size() == 30; }));
    publish(50, 30); // recorded after the replay began: a replay that treated the length as bounded would stop
    ASSERT_TRUE(pumpUntil([&] { return subscription->poll(handler, 64) >= 0 && received.size() == 60; }));
    for (int i = 0; i < 60; ++i)
    {
        ASSERT_EQ(received[static_cast<std::size_t>(i)], 20 + i);
    }
}

TEST_F(ArchiveBadInputTest, shouldRefuseTruncateBeyondStopOffAFrameOrOfAnActiveRecording)
{
    const std::int64_t stoppedId = stoppedRecording(600); // more than one 64 KiB segment
    const std::int64_t stop = m_client->getStopPosition(stoppedId);
    const std::int64_t activeId = recordMessages(20);
    const auto before = snapshot();

    EXPECT_TRUE(contains(expectError([&] { m_client->truncateRecording(stoppedId, stop + FRAME_LENGTH); },
                                     ArchiveErrorCode::GENERIC), std::to_string(stop + FRAME_LENGTH)));
    EXPECT_TRUE(contains(expectError([&] { m_client->truncateRecording(stoppedId, 3 * FRAME_LENGTH + 16); },
                                     ArchiveErrorCode::GENERIC), std::to_string(3 * FRAME_LENGTH + 16)));
    EXPECT_TRUE(contains(expectError([&] { m_client->truncateRecording(stoppedId, 3 * FRAME_LENGTH + 32); },
                                     ArchiveErrorCode::GENERIC), "not at a frame"));
    EXPECT_TRUE(contains(expectError([&] { m_client->truncateRecording(stoppedId, -32); },
                                     ArchiveErrorCode::GENERIC), "-32"));
    expectError([&] { m_client->truncateRecording(activeId, 0); }, ArchiveErrorCode::ACTIVE_RECORDING);
    expectError([&] { m_client->purgeRecording(activeId); }, ArchiveErrorCode::ACTIVE_RECORDING);

    EXPECT_EQ(m_client->getStopPosition(stoppedId), stop);
    EXPECT_EQ(m_client->getStopPosition(activeId), NULL_POSITION);
    auto after = snapshot();
    // The active recording's files and catalog entry move on their own only if it records; nothing was
    // published since the snapshot, so every byte must match.
    EXPECT_EQ(after, before);
}

TEST_F(ArchiveBadInputTest, shouldDropAndReportRequestsFromUnknownControlSessions)
{
    const std::int64_t recordingId = stoppedRecording(100);
    const auto before = snapshot();
    const std::int64_t forgedSessionId = m_client->controlSessionId() + 1000;
    const std::int64_t correlationId = m_aeron->nextCorrelationId();
    ASSERT_TRUE(pumpUntil([&] {
        return m_client->archiveProxy().truncateRecording(recordingId, 0, correlationId, forgedSessionId);
    }));
    ASSERT_TRUE(pumpUntil([&] { return !m_archiveErrors.empty(); }));
    EXPECT_TRUE(contains(m_archiveErrors.back(), "unknown controlSessionId=" + std::to_string(forgedSessionId)))
        << m_archiveErrors.back();
    EXPECT_TRUE(contains(m_archiveErrors.back(), std::to_string(correlationId))) << m_archiveErrors.back();
    EXPECT_EQ(m_archiveErrorCodes.back(), ArchiveErrorCode::UNKNOWN_CONTROL_SESSION) << m_archiveErrors.back();

    for (int i = 0; i < 100; ++i)
    {
        pump();
    }
    EXPECT_EQ(snapshot(), before) << "the forged truncate did nothing";
    EXPECT_EQ(m_client->getStopPosition(recordingId), 100 * FRAME_LENGTH) << "the real session still works";
}

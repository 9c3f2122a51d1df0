// The archive server and client end to end, on one thread: a media driver, an archive and a client all
// in INVOKER mode, so every step is deterministic and no test sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <unistd.h>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"

using namespace cox;
using namespace cox::archive;
using codecs::archive::RecordingSignal;

namespace
{
class ArchiveSystemTest : public ::testing::Test, protected test::ArchiveHarness
{
protected:
    void SetUp() override
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        AeronArchiveContext clientContext;
        clientContext.recordingSignalConsumer =
            [this](std::int64_t, std::int64_t, std::int64_t recordingId, std::int64_t, std::int64_t position,
                   RecordingSignal signal)
        {
            m_signals.push_back({recordingId, position, signal});
        };
        launchHarness(driverContext, archiveContext(), clientContext);
    }

    [[nodiscard]] virtual ArchiveContext archiveContext() const
    {
        ArchiveContext context;
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.segmentFileLength = 64 * 1024;
        return context;
    }

    void TearDown() override { closeHarness(); }

    bool hasSignal(RecordingSignal signal) const
    {
        for (const auto& s : m_signals)
        {
            if (s.signal == signal)
            {
                return true;
            }
        }
        return false;
    }

    /// Publishes count messages of 100 bytes whose first 8 bytes hold their index.
    void publish(transport::Publication& publication, int count, int firstIndex = 0)
    {
        std::uint8_t message[100] = {};
        for (int i = firstIndex; i < firstIndex + count; ++i)
        {
            std::memcpy(message, &i, sizeof(i));
            ASSERT_TRUE(pumpUntil([&] { return publication.offer(message, sizeof(message)) > 0; }));
        }
    }

    /// Replays a recording and returns the message indexes received, in order.
    std::vector<int> replayAll(std::int64_t recordingId, std::int64_t position, std::int64_t length, int expected)
    {
        auto subscription = m_client->replay(recordingId, position, length, "aeron:ipc", 2000 + m_replayCount++);
        std::vector<int> received;
        pumpUntil(
            [&]
            {
                subscription->poll(
                    [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const transport::Header&)
                    {
                        int index;
                        std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
                        received.push_back(index);
                    },
                    100);
                return static_cast<int>(received.size()) >= expected;
            });
        subscription->close();
        return received;
    }

    struct Signal
    {
        std::int64_t recordingId;
        std::int64_t position;
        RecordingSignal signal;
    };

    std::vector<Signal> m_signals;
    int m_replayCount = 0;
};

/// The same archive syncing its recordings (file sync level 1): positions move only as the FileSyncer's syncs end.
class ArchiveSystemSyncedTest : public ArchiveSystemTest
{
protected:
    [[nodiscard]] ArchiveContext archiveContext() const override
    {
        ArchiveContext context = ArchiveSystemTest::archiveContext();
        context.fileSyncLevel = FileSyncLevel::DATA;
        context.catalogFileSyncLevel = FileSyncLevel::DATA;
        return context;
    }
};
} // namespace

TEST_F(ArchiveSystemTest, shouldRecordStopListAndReplayAStream)
{
    const std::int64_t subscriptionId = m_client->startRecording("aeron:ipc?term-length=64k", 100, SourceLocation::LOCAL);
    auto publication = m_aeron->addExclusivePublication("aeron:ipc?term-length=64k", 100);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::START); }));
    const std::int64_t recordingId = m_signals.front().recordingId;

    publish(*publication, 2000); // 2000 * 160 bytes: several terms and several 64 KiB segments
    const std::int64_t end = publication->position();
    ASSERT_TRUE(pumpUntil([&] { return m_client->getRecordingPosition(recordingId) == end; }));
    EXPECT_EQ(m_client->getStopPosition(recordingId), NULL_POSITION) << "still recording";

    m_client->stopRecording(subscriptionId);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::STOP); }));
    EXPECT_EQ(m_client->getStopPosition(recordingId), end);
    EXPECT_EQ(m_client->getRecordingPosition(recordingId), NULL_POSITION);

    int listed = 0;
    m_client->listRecording(recordingId,
                            [&](const RecordingDescriptor& d)
                            {
                                ++listed;
                                EXPECT_EQ(d.startPosition, 0);
                                EXPECT_EQ(d.stopPosition, end);
                                EXPECT_EQ(d.streamId, 100);
                                EXPECT_EQ(d.termBufferLength, 64 * 1024);
                            });
    EXPECT_EQ(listed, 1);

    const std::vector<int> received = replayAll(recordingId, 0, NULL_LENGTH, 2000);
    ASSERT_EQ(received.size(), 2000u);
    for (int i = 0; i < 2000; ++i)
    {
        ASSERT_EQ(received[static_cast<std::size_t>(i)], i);
    }
}

TEST_F(ArchiveSystemTest, shouldTruncateAndSurviveRestart)
{
    m_client->startRecording("aeron:ipc?term-length=64k", 101, SourceLocation::LOCAL, true);
    auto publication = m_aeron->addExclusivePublication("aeron:ipc?term-length=64k", 101);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::START); }));
    const std::int64_t recordingId = m_signals.front().recordingId;
    publish(*publication, 500);
    const std::int64_t half = publication->position(); // not 500 * 160: the first term ends in padding
    publish(*publication, 500, 500);
    const std::int64_t end = publication->position();
    ASSERT_TRUE(pumpUntil([&] { return m_client->getRecordingPosition(recordingId) == end; }));
    publication->close();
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::STOP); })) << "autoStop ends it with the stream";
    EXPECT_EQ(m_client->getStopPosition(recordingId), end);

    m_client->truncateRecording(recordingId, half);
    EXPECT_EQ(m_client->getStopPosition(recordingId), half);
    EXPECT_EQ(replayAll(recordingId, 0, NULL_LENGTH, 500).size(), 500u);

    // Restart the archive on the same directory: the catalog and segments are still there.
    m_client.reset();
    m_archive->close();
    launchArchive(archiveContext());
    AeronArchiveContext clientContext;
    clientContext.aeron = m_aeron;
    m_client = AeronArchive::connect(clientContext);
    EXPECT_EQ(m_client->getStopPosition(recordingId), half);
    const std::vector<int> received = replayAll(recordingId, 160 * 100, NULL_LENGTH, 400);
    ASSERT_EQ(received.size(), 400u);
    EXPECT_EQ(received.front(), 100);
    EXPECT_EQ(received.back(), 499);
}

TEST_F(ArchiveSystemTest, shouldReplayALiveRecordingAsItGrows)
{
    m_client->startRecording("aeron:ipc?term-length=64k", 102, SourceLocation::LOCAL);
    auto publication = m_aeron->addExclusivePublication("aeron:ipc?term-length=64k", 102);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::START); }));
    const std::int64_t recordingId = m_signals.front().recordingId;
    publish(*publication, 100);
    auto replay = m_client->replay(recordingId, 0, NULL_LENGTH, "aeron:ipc", 3000);
    std::vector<int> received;
    auto handler = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const transport::Header&)
    {
        int index;
        std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
        received.push_back(index);
    };
    ASSERT_TRUE(pumpUntil([&] { return replay->poll(handler, 100) >= 0 && received.size() == 100; }));
    publish(*publication, 100, 100); // recorded after the replay started: it follows
    ASSERT_TRUE(pumpUntil([&] { return replay->poll(handler, 100) >= 0 && received.size() == 200; }));
    EXPECT_EQ(received[150], 150);
}

TEST_F(ArchiveSystemTest, shouldAnswerErrorsWithCodes)
{
    try
    {
        (void)m_client->getStopPosition(12345);
        FAIL() << "expected an ArchiveException";
    }
    catch (const std::exception& e)
    {
        EXPECT_NE(std::string(e.what()).find("12345"), std::string::npos) << e.what();
    }
    m_client->startRecording("aeron:ipc", 103, SourceLocation::LOCAL);
    EXPECT_ANY_THROW(m_client->startRecording("aeron:ipc", 103, SourceLocation::LOCAL)) << "same stream twice";
}

TEST_F(ArchiveSystemTest, shouldNeverReplayPastTheLimitCounterOfABoundedReplay)
{
    const std::int64_t subscriptionId = m_client->startRecording("aeron:ipc?term-length=64k", 100, SourceLocation::LOCAL);
    auto publication = m_aeron->addExclusivePublication("aeron:ipc?term-length=64k", 100);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::START); }));
    const std::int64_t recordingId = m_signals.front().recordingId;
    publish(*publication, 100); // 100 frames of 128 bytes
    const std::int64_t end = publication->position();
    ASSERT_TRUE(pumpUntil([&] { return m_client->getRecordingPosition(recordingId) == end; }));
    m_client->stopRecording(subscriptionId);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::STOP); }));

    const std::uint8_t key[4] = {};
    auto limit = m_aeron->addCounter(1001, key, "bounded replay limit");
    limit->setOrdered(0);
    const std::int64_t replaySessionId =
        m_client->startBoundedReplay(recordingId, 0, NULL_LENGTH, limit->id(), "aeron:ipc", 4000);
    auto subscription = m_aeron->addSubscription(
        "aeron:ipc?session-id=" + std::to_string(static_cast<std::int32_t>(replaySessionId)), 4000);
    std::vector<int> received;
    auto poll = [&]
    {
        subscription->poll(
            [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const transport::Header&)
            {
                int index;
                std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
                received.push_back(index);
            },
            100);
    };
    ASSERT_TRUE(pumpUntil([&] { return subscription->imageCount() == 1; }));
    for (int i = 0; i < 200; ++i)
    {
        poll();
        pump();
    }
    EXPECT_TRUE(received.empty()) << "nothing while the limit is the start position";

    limit->setOrdered(end / 2); // 50 frames of 128 bytes
    ASSERT_TRUE(pumpUntil([&] { poll(); return received.size() >= 50; }));
    for (int i = 0; i < 200; ++i)
    {
        poll();
        pump();
    }
    EXPECT_EQ(50u, received.size()) << "exactly up to the limit";

    limit->setOrdered(end);
    ASSERT_TRUE(pumpUntil([&] { poll(); return received.size() == 100; }));
    for (int i = 0; i < 100; ++i)
    {
        ASSERT_EQ(i, received[static_cast<std::size_t>(i)]);
    }
}

TEST_F(ArchiveSystemSyncedTest, shouldReportEveryRecordedByteOnceSyncedAndStopThere)
{
    const std::int64_t subscriptionId = m_client->startRecording("aeron:ipc?term-length=64k", 110, SourceLocation::LOCAL);
    auto publication = m_aeron->addExclusivePublication("aeron:ipc?term-length=64k", 110);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::START); }));
    const std::int64_t recordingId = m_signals.front().recordingId;

    publish(*publication, 2000); // several 64 KiB segments: each roll-over waits for the syncer
    const std::int64_t end = publication->position();
    // The recorder hands the syncs to the FileSyncer and moves the position only as they finish: a session that
    // stopped asking (or publishing) would leave it short of the end.
    ASSERT_TRUE(pumpUntil([&] { return m_client->getRecordingPosition(recordingId) == end; }))
        << "the recording position stopped at " << m_client->getRecordingPosition(recordingId) << " of " << end;

    m_client->stopRecording(subscriptionId);
    ASSERT_TRUE(pumpUntil([&] { return hasSignal(RecordingSignal::STOP); }));
    EXPECT_EQ(m_client->getStopPosition(recordingId), end);

    const std::vector<int> received = replayAll(recordingId, 0, NULL_LENGTH, 2000);
    ASSERT_EQ(received.size(), 2000u);
    for (int i = 0; i < 2000; ++i)
    {
        ASSERT_EQ(received[static_cast<std::size_t>(i)], i);
    }
}

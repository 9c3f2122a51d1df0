// A recording synced on the FileSyncer's thread: the recorded position moves only when a sync that covers it has
// finished, what is written meanwhile rides on the next sync, and a stop or a segment roll-over waits for the disk.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/FileSyncer.hpp"
#include "cox/archive/RecordingReader.hpp"
#include "cox/archive/RecordingWriter.hpp"
#include "cox/util/DurabilityObserver.hpp"

using namespace cox::archive;
using cox::archive::test::StreamBuilder;
using cox::archive::test::TempDirectory;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t SEGMENT_LENGTH = 128 * 1024;
constexpr std::int32_t INITIAL_TERM_ID = 7;
constexpr std::int32_t STREAM_ID = 1002;

RecordingDescriptor descriptor()
{
    RecordingDescriptor d;
    d.recordingId = 5;
    d.startPosition = 0;
    d.stopPosition = NULL_POSITION;
    d.initialTermId = INITIAL_TERM_ID;
    d.segmentFileLength = SEGMENT_LENGTH;
    d.termBufferLength = TERM_LENGTH;
    d.mtuLength = 4096;
    d.streamId = STREAM_ID;
    return d;
}

StreamBuilder buildStream(std::int32_t messages)
{
    StreamBuilder builder(0, TERM_LENGTH, INITIAL_TERM_ID, STREAM_ID, 77);
    for (std::int32_t i = 0; i < messages; ++i)
    {
        builder.append(100 + (i * 37) % 2000);
    }
    return builder;
}

/// Calls pollSync until position() reaches target or a second passes; returns the last position.
std::int64_t pollUntil(RecordingWriter& writer, std::int64_t target)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::int64_t position = writer.pollSync();
    while (position >= 0 && position < target && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::yield();
        position = writer.pollSync();
    }
    return position;
}

std::int32_t countFramesRead(const TempDirectory& dir, std::int64_t stop)
{
    RecordingDescriptor d = descriptor();
    d.stopPosition = stop;
    RecordingReader reader(dir.path(), d, 0, stop, false);
    std::int32_t frames = 0;
    while (reader.poll([&](const RecordedFrame&) { ++frames; }, 64) > 0)
    {
    }
    return frames;
}

/// A writer at sync level DATA that hands its syncs to syncer, initialised in dir.
std::unique_ptr<RecordingWriter> asyncWriter(const TempDirectory& dir, std::shared_ptr<FileSyncer> syncer)
{
    auto params = RecordingWriter::paramsFor(dir.path(), descriptor(), 0, FileSyncLevel::DATA, false);
    params.syncer = std::move(syncer);
    auto writer = std::make_unique<RecordingWriter>(params);
    writer->init();
    return writer;
}

class CountingObserver final : public cox::util::DurabilityObserver
{
public:
    void beforeWrite(const std::string&, std::uint64_t, std::uint64_t) override {}
    void beforeResize(const std::string&, std::uint64_t) override {}
    void afterSync(const std::string&) override { ++syncs; }
    int syncs = 0;
};
} // namespace

TEST(RecordingWriterAsyncSyncConcurrentTest, shouldMoveThePositionOnlyWhenTheSyncerHasFlushedTheBlock)
{
    TempDirectory dir;
    auto syncer = std::make_shared<FileSyncer>();
    auto owned = asyncWriter(dir, syncer);
    RecordingWriter& writer = *owned;
    const StreamBuilder builder = buildStream(10);
    const auto blocks = builder.blocks(1024);
    ASSERT_GE(blocks.size(), 2U);

    const auto& first = blocks.front();
    const std::int64_t firstEnd = first.position + static_cast<std::int64_t>(first.bytes.size());
    EXPECT_EQ(writer.onBlock(first.bytes.data(), static_cast<std::int32_t>(first.bytes.size()), first.position), 0)
        << "the first block is not durable until a sync has finished";
    EXPECT_EQ(writer.writePosition(), firstEnd);

    EXPECT_EQ(pollUntil(writer, firstEnd), firstEnd);
    EXPECT_EQ(writer.position(), firstEnd);
    EXPECT_EQ(writer.dataSyncCount(), 1);
    EXPECT_EQ(syncer->syncCount(), 1);
}

TEST(RecordingWriterAsyncSyncConcurrentTest, shouldCoverBlocksWrittenDuringASyncWithTheNextOne)
{
    TempDirectory dir;
    auto syncer = std::make_shared<FileSyncer>();
    auto owned = asyncWriter(dir, syncer);
    RecordingWriter& writer = *owned;
    const StreamBuilder builder = buildStream(40); // under one segment
    std::int64_t lastEnd = 0;
    for (const auto& block : builder.blocks(2 * 1024))
    {
        const std::int64_t position =
            writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position);
        ASSERT_GE(position, 0) << writer.lastErrorMessage();
        ASSERT_LE(position, writer.writePosition());
        lastEnd = block.position + static_cast<std::int64_t>(block.bytes.size());
    }
    ASSERT_EQ(writer.writePosition(), lastEnd);

    EXPECT_EQ(pollUntil(writer, lastEnd), lastEnd);
    // One sync in flight at a time: the blocks written while it ran share the next, so there are fewer syncs
    // than blocks (every block would have had its own inline).
    EXPECT_LT(writer.dataSyncCount(), static_cast<std::int64_t>(builder.blocks(2 * 1024).size()));
    EXPECT_GE(writer.dataSyncCount(), 1);
    writer.close();
    EXPECT_EQ(countFramesRead(dir, lastEnd), static_cast<std::int32_t>(builder.frames().size()));
}

TEST(RecordingWriterAsyncSyncConcurrentTest, shouldFlushEverythingWrittenWhenAskedBeforeAStop)
{
    TempDirectory dir;
    auto owned = asyncWriter(dir, std::make_shared<FileSyncer>());
    RecordingWriter& writer = *owned;
    const StreamBuilder builder = buildStream(20);
    for (const auto& block : builder.blocks(1024))
    {
        ASSERT_GE(writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position), 0);
    }

    EXPECT_EQ(writer.flushSync(), builder.position());
    EXPECT_EQ(writer.position(), builder.position());
    EXPECT_EQ(writer.writePosition(), builder.position());
}

TEST(RecordingWriterAsyncSyncConcurrentTest, shouldSyncTheFullSegmentBeforeRollingOver)
{
    TempDirectory dir;
    auto owned = asyncWriter(dir, std::make_shared<FileSyncer>());
    RecordingWriter& writer = *owned;
    const StreamBuilder builder = buildStream(300); // about 3 segments
    ASSERT_GT(builder.position(), 2 * SEGMENT_LENGTH);
    for (const auto& block : builder.blocks(8 * 1024))
    {
        const std::int64_t end = block.position + static_cast<std::int64_t>(block.bytes.size());
        const std::int64_t position =
            writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position);
        ASSERT_GE(position, 0) << writer.lastErrorMessage();
        if (end % SEGMENT_LENGTH == 0)
        {
            EXPECT_EQ(position, end) << "a segment's end is synced before its file is closed";
        }
        writer.pollSync();
    }

    EXPECT_EQ(writer.flushSync(), builder.position());
    writer.close();
    EXPECT_EQ(countFramesRead(dir, builder.position()), static_cast<std::int32_t>(builder.frames().size()));
}

TEST(RecordingWriterAsyncSyncConcurrentTest, shouldSyncEachBlockItselfWhileADurabilityObserverWatches)
{
    TempDirectory dir;
    CountingObserver observer;
    cox::util::installDurabilityObserver(&observer);
    {
        auto owned = asyncWriter(dir, std::make_shared<FileSyncer>());
        RecordingWriter& writer = *owned;
        const StreamBuilder builder = buildStream(10);
        for (const auto& block : builder.blocks(4 * 1024))
        {
            const std::int64_t end = block.position + static_cast<std::int64_t>(block.bytes.size());
            EXPECT_EQ(writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position),
                      end);
        }
        EXPECT_EQ(observer.syncs, static_cast<int>(builder.blocks(4 * 1024).size()));
    }
    cox::util::installDurabilityObserver(nullptr);
}

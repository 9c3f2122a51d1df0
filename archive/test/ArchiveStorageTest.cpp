#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/archive/ArchiveStorage.hpp"
#include "cox/archive/ArchiveVerifier.hpp"

using namespace cox::archive;
using cox::archive::test::StreamBuilder;
using cox::archive::test::TempDirectory;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t SEGMENT_LENGTH = 128 * 1024;
constexpr std::int32_t INITIAL_TERM_ID = 5;
constexpr std::int32_t STREAM_ID = 10;

ArchiveStorage::Context context(const TempDirectory& dir, bool checksum = false)
{
    ArchiveStorage::Context ctx;
    ctx.archiveDir = dir.path() + "/archive";
    ctx.segmentFileLength = SEGMENT_LENGTH;
    ctx.catalogCapacity = Catalog::MIN_CAPACITY;
    ctx.recordChecksum = checksum;
    ctx.replayChecksum = checksum;
    return ctx;
}

std::int64_t addRecording(ArchiveStorage& storage, std::int64_t start)
{
    return storage.addNewRecording(start, 1000, INITIAL_TERM_ID, TERM_LENGTH, 1408, 66, STREAM_ID, "aeron:ipc",
        "aeron:ipc?term-length=64k", "aeron:ipc");
}

StreamBuilder buildStream(std::int64_t start, std::int32_t messages, std::int32_t payload = 1000)
{
    StreamBuilder builder(start, TERM_LENGTH, INITIAL_TERM_ID, STREAM_ID, 66);
    for (std::int32_t i = 0; i < messages; ++i)
    {
        builder.append(payload + (i % 5) * 300);
    }
    return builder;
}

/// Records the whole stream; returns the final position.
std::int64_t record(ArchiveStorage& storage, std::int64_t id, const StreamBuilder& builder, std::int64_t from)
{
    auto writer = storage.newRecordingWriter(id, from);
    std::int64_t position = from;
    for (const auto& block : builder.blocks(8 * 1024))
    {
        const auto end = block.position + static_cast<std::int64_t>(block.bytes.size());
        if (end <= from)
        {
            continue;
        }
        // A block may straddle from (extending after a truncate); from is a frame boundary, so slice.
        const std::int64_t skip = std::max<std::int64_t>(0, from - block.position);
        position = writer->onBlock(
            block.bytes.data() + skip, static_cast<std::int32_t>(block.bytes.size() - skip), block.position + skip);
        EXPECT_GE(position, from) << writer->lastErrorMessage();
    }
    // At a sync level the storage's syncer may still hold the last blocks: the stop position must cover them.
    position = writer->flushSync();
    EXPECT_EQ(position, writer->writePosition()) << writer->lastErrorMessage();
    return position;
}

std::int64_t recordAndStop(ArchiveStorage& storage, std::int64_t id, const StreamBuilder& builder, std::int64_t from)
{
    const std::int64_t stop = record(storage, id, builder, from);
    storage.recordingStopped(id, stop, 2000);
    return stop;
}

std::int32_t countFrames(ArchiveStorage& storage, std::int64_t id, std::int64_t from = NULL_POSITION)
{
    const auto d = storage.catalog().recording(id);
    auto reader = storage.newRecordingReader(id, from == NULL_POSITION ? d.startPosition : from, NULL_POSITION);
    std::int32_t frames = 0;
    std::int32_t result = 0;
    while ((result = reader->poll([&](const RecordedFrame&) { ++frames; }, 100)) > 0)
    {
    }
    EXPECT_EQ(result, 0) << reader->lastErrorMessage();
    EXPECT_EQ(reader->position(), d.stopPosition);
    return frames;
}

std::string segmentPath(const ArchiveStorage& storage, std::int64_t id, std::int64_t base)
{
    return storage.context().archiveDir + "/" + SegmentFile::fileName(id, base);
}

ArchiveErrorCode errorCodeOf(const std::function<void()>& action)
{
    try
    {
        action();
    }
    catch (const ArchiveException& e)
    {
        return e.errorCode();
    }
    return static_cast<ArchiveErrorCode>(-1);
}
} // namespace

TEST(ArchiveStorageTest, shouldRecordStopAndReplayThroughTheStorage)
{
    TempDirectory dir;
    ArchiveStorage storage(context(dir), 0);
    EXPECT_TRUE(storage.recoveryReport().recordings.empty());
    const auto id = addRecording(storage, 0);
    EXPECT_EQ(storage.catalog().recording(id).segmentFileLength, SEGMENT_LENGTH);
    const StreamBuilder builder = buildStream(0, 300);
    const std::int64_t stop = recordAndStop(storage, id, builder, 0);
    EXPECT_EQ(stop, builder.position());
    EXPECT_EQ(countFrames(storage, id), static_cast<std::int32_t>(builder.frames().size()));
}

TEST(ArchiveStorageTest, shouldRefuseCatalogSyncLevelBelowFileSyncLevel)
{
    TempDirectory dir;
    auto ctx = context(dir);
    ctx.fileSyncLevel = FileSyncLevel::DATA;
    EXPECT_THROW(ArchiveStorage(ctx, 0), cox::util::IllegalArgumentException);
    ctx.catalogFileSyncLevel = FileSyncLevel::DATA_AND_METADATA;
    ArchiveStorage storage(ctx, 0);
    const auto id = addRecording(storage, 0);
    const StreamBuilder builder = buildStream(0, 100);
    EXPECT_EQ(recordAndStop(storage, id, builder, 0), builder.position());
    EXPECT_EQ(countFrames(storage, id), static_cast<std::int32_t>(builder.frames().size()));
}

TEST(ArchiveStorageTest, shouldTruncateInsideASegmentAndDeleteLaterSegments)
{
    TempDirectory dir;
    ArchiveStorage storage(context(dir), 0);
    const auto id = addRecording(storage, 0);
    const StreamBuilder builder = buildStream(0, 400);
    recordAndStop(storage, id, builder, 0);
    ASSERT_GE(SegmentFile::listBases(storage.context().archiveDir, id).size(), 3u);

    const auto cutIt = std::find_if(builder.frames().begin(), builder.frames().end(),
        [](const auto& f) { return f.position > SEGMENT_LENGTH + 1000 && !f.padding; });
    ASSERT_NE(cutIt, builder.frames().end());
    const auto& cut = *cutIt;
    const auto framesBeforeCut = static_cast<std::int32_t>(cutIt - builder.frames().begin());
    ASSERT_GT(cut.position, SEGMENT_LENGTH);
    ASSERT_LT(cut.position, 2 * SEGMENT_LENGTH);
    EXPECT_EQ(errorCodeOf([&] { storage.truncateRecording(id, cut.position + 32); }), ArchiveErrorCode::GENERIC);
    EXPECT_EQ(errorCodeOf([&] { storage.truncateRecording(id, cut.position + 4); }), ArchiveErrorCode::GENERIC);
    EXPECT_EQ(storage.catalog().recording(id).stopPosition, builder.position());

    const auto deleted = storage.truncateRecording(id, cut.position);
    const auto bases = SegmentFile::listBases(storage.context().archiveDir, id);
    EXPECT_EQ(bases, (std::vector<std::int64_t>{0, SEGMENT_LENGTH}));
    EXPECT_GE(deleted, 1);
    EXPECT_EQ(storage.catalog().recording(id).stopPosition, cut.position);
    EXPECT_EQ(countFrames(storage, id), framesBeforeCut);
    const auto tail = cox::archive::test::readBytes(segmentPath(storage, id, SEGMENT_LENGTH));
    ASSERT_EQ(tail.size(), static_cast<std::size_t>(SEGMENT_LENGTH));
    EXPECT_TRUE(std::all_of(tail.begin() + (cut.position - SEGMENT_LENGTH), tail.end(), [](auto b) { return b == 0; }));

    // The recording can be extended from the cut and stays consistent.
    const std::int64_t from = storage.extendRecording(id, 1, 2, 99);
    EXPECT_EQ(from, cut.position);
    EXPECT_EQ(errorCodeOf([&] { storage.truncateRecording(id, 0); }), ArchiveErrorCode::ACTIVE_RECORDING);
    const std::int64_t stop = recordAndStop(storage, id, builder, from);
    EXPECT_EQ(stop, builder.position());
    EXPECT_EQ(storage.catalog().recording(id).sessionId, 99);
    EXPECT_EQ(countFrames(storage, id), static_cast<std::int32_t>(builder.frames().size()));
}

TEST(ArchiveStorageTest, shouldTruncateAtSegmentBoundaryAndToStart)
{
    TempDirectory dir;
    ArchiveStorage storage(context(dir), 0);
    const auto id = addRecording(storage, 0);
    const StreamBuilder builder = buildStream(0, 400);
    recordAndStop(storage, id, builder, 0);
    const auto boundary = std::find_if(builder.frames().begin(), builder.frames().end(),
        [](const auto& f) { return f.position == SEGMENT_LENGTH; });
    ASSERT_NE(boundary, builder.frames().end());
    storage.truncateRecording(id, SEGMENT_LENGTH);
    EXPECT_EQ(SegmentFile::listBases(storage.context().archiveDir, id), (std::vector<std::int64_t>{0}));
    EXPECT_EQ(countFrames(storage, id), static_cast<std::int32_t>(boundary - builder.frames().begin()));

    EXPECT_EQ(storage.truncateRecording(id, 0), 1);
    EXPECT_TRUE(SegmentFile::listBases(storage.context().archiveDir, id).empty());
    EXPECT_EQ(storage.catalog().recording(id).stopPosition, 0);
    EXPECT_EQ(errorCodeOf([&] { storage.truncateRecording(77, 0); }), ArchiveErrorCode::UNKNOWN_RECORDING);
}

TEST(ArchiveStorageTest, shouldPurgeRecordingAndItsFiles)
{
    TempDirectory dir;
    ArchiveStorage storage(context(dir), 0);
    const auto keep = addRecording(storage, 0);
    const auto id = addRecording(storage, 0);
    const StreamBuilder builder = buildStream(0, 300);
    recordAndStop(storage, keep, builder, 0);
    recordAndStop(storage, id, builder, 0);
    const auto before = SegmentFile::listBases(storage.context().archiveDir, id).size();
    EXPECT_EQ(storage.purgeRecording(id), static_cast<std::int32_t>(before));
    EXPECT_FALSE(storage.catalog().hasRecording(id));
    EXPECT_TRUE(SegmentFile::listBases(storage.context().archiveDir, id).empty());
    EXPECT_EQ(SegmentFile::listBases(storage.context().archiveDir, keep).size(), before);
    EXPECT_EQ(addRecording(storage, 0), id + 1);
    EXPECT_EQ(errorCodeOf([&] { storage.purgeRecording(id + 1); }), ArchiveErrorCode::ACTIVE_RECORDING);
}

TEST(ArchiveStorageTest, shouldDetachAndDeleteDetachedSegments)
{
    TempDirectory dir;
    ArchiveStorage storage(context(dir), 0);
    const std::int64_t start = TERM_LENGTH + 4096;  // mid-term: segments at 64K, 192K, 320K...
    const auto id = addRecording(storage, start);
    const StreamBuilder builder = buildStream(start, 500);
    const std::int64_t stop = recordAndStop(storage, id, builder, start);
    const auto bases = SegmentFile::listBases(storage.context().archiveDir, id);
    ASSERT_GE(bases.size(), 4u);
    ASSERT_EQ(bases[0], TERM_LENGTH);

    EXPECT_EQ(errorCodeOf([&] { storage.detachSegments(id, bases[1] + TERM_LENGTH); }), ArchiveErrorCode::GENERIC);
    EXPECT_EQ(errorCodeOf([&] { storage.detachSegments(id, bases[0]); }), ArchiveErrorCode::GENERIC);
    EXPECT_EQ(errorCodeOf([&] { storage.detachSegments(id, bases.back() + SEGMENT_LENGTH); }), ArchiveErrorCode::GENERIC);

    storage.detachSegments(id, bases[2]);
    EXPECT_EQ(storage.catalog().recording(id).startPosition, bases[2]);
    EXPECT_EQ(SegmentFile::listBases(storage.context().archiveDir, id).size(), bases.size());
    EXPECT_EQ(storage.deleteDetachedSegments(id), 2);
    EXPECT_EQ(SegmentFile::listBases(storage.context().archiveDir, id).front(), bases[2]);
    const auto remaining = std::count_if(builder.frames().begin(), builder.frames().end(),
        [&](const auto& f) { return f.position >= bases[2]; });
    EXPECT_EQ(countFrames(storage, id), static_cast<std::int32_t>(remaining));

    EXPECT_EQ(storage.purgeSegments(id, bases[3]), 1);
    EXPECT_EQ(storage.catalog().recording(id).startPosition, bases[3]);
    EXPECT_EQ(storage.catalog().recording(id).stopPosition, stop);
}

TEST(ArchiveStorageTest, shouldRecoverActiveRecordingWithCleanTail)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 250);
    std::int64_t id = 0;
    {
        ArchiveStorage storage(context(dir), 0);
        id = addRecording(storage, 0);
        record(storage, id, builder, 0);  // killed before recordingStopped
        addRecording(storage, 0);         // active with no files at all
    }
    ArchiveStorage reopened(context(dir), 12345);
    const auto& report = reopened.recoveryReport();
    ASSERT_EQ(report.recordings.size(), 2u);
    EXPECT_EQ(report.recordings[0].stopPosition, builder.position());
    EXPECT_EQ(report.recordings[0].droppedLength, 0);
    EXPECT_FALSE(report.droppedAnything());
    EXPECT_EQ(report.recordings[1].stopPosition, 0);
    EXPECT_EQ(reopened.catalog().recording(id).stopPosition, builder.position());
    EXPECT_EQ(reopened.catalog().recording(id).stopTimestamp, 12345);
    EXPECT_EQ(countFrames(reopened, id), static_cast<std::int32_t>(builder.frames().size()));
}

TEST(ArchiveStorageTest, shouldRecoverRecordingStoppedExactlyAtSegmentBoundary)
{
    TempDirectory dir;
    StreamBuilder builder(0, TERM_LENGTH, INITIAL_TERM_ID, STREAM_ID, 66);
    while (builder.position() < SEGMENT_LENGTH)
    {
        builder.append(4096 - 32);
    }
    ASSERT_EQ(builder.position(), SEGMENT_LENGTH);
    {
        ArchiveStorage storage(context(dir), 0);
        record(storage, addRecording(storage, 0), builder, 0);
    }
    ArchiveStorage reopened(context(dir), 1);
    EXPECT_EQ(reopened.catalog().recording(0).stopPosition, SEGMENT_LENGTH);
}

namespace
{
/// Records messages, then appends a torn frame directly to the last segment; returns where it starts.
struct TornCase
{
    std::int64_t lastGoodPosition;
    std::int64_t id;
};

TornCase recordThenTear(const TempDirectory& dir, bool checksum, const std::function<void(std::vector<std::uint8_t>&)>& tear)
{
    // 30 messages stay inside the first term, so the torn frame follows them directly.
    StreamBuilder builder = buildStream(0, 30);
    const std::int64_t tornPosition = builder.position();
    StreamBuilder withTorn = builder;
    withTorn.append(9000);  // the frame that the crash tears
    ArchiveStorage storage(context(dir, checksum), 0);
    const auto id = addRecording(storage, 0);
    record(storage, id, builder, 0);
    std::vector<std::uint8_t> frame = withTorn.frames().back().bytes;
    EXPECT_EQ(withTorn.frames().back().position, tornPosition);
    tear(frame);
    const std::string path = segmentPath(storage, id, SegmentFile::basePosition(0, tornPosition, TERM_LENGTH, SEGMENT_LENGTH));
    cox::archive::test::writeBytesAt(path, tornPosition % SEGMENT_LENGTH, frame.data(), frame.size());
    return {tornPosition, id};
}
} // namespace

TEST(ArchiveStorageTest, shouldDropAPartiallyWrittenLastFrameOnRecovery)
{
    TempDirectory dir;
    // Only the first 5000 of the frame's 9032 bytes reached the disk: the rest of its pages are zero.
    const TornCase torn = recordThenTear(dir, false, [](auto& frame) { frame.resize(5000); });
    ArchiveStorage reopened(context(dir), 7);
    const auto& report = reopened.recoveryReport();
    ASSERT_EQ(report.recordings.size(), 1u);
    EXPECT_EQ(report.recordings[0].stopPosition, torn.lastGoodPosition);
    EXPECT_EQ(report.recordings[0].droppedPosition, torn.lastGoodPosition);
    EXPECT_EQ(report.recordings[0].droppedLength, 9056);
    EXPECT_TRUE(report.droppedAnything());
    EXPECT_NE(report.toString().find("dropped 9056 bytes"), std::string::npos) << report.toString();
    EXPECT_EQ(countFrames(reopened, torn.id), 30);

    // The torn bytes are gone, so recovering again (or extending) starts from clean zeros.
    const auto bytes = cox::archive::test::readBytes(segmentPath(reopened, torn.id, 0));
    EXPECT_TRUE(std::all_of(bytes.begin() + torn.lastGoodPosition, bytes.end(), [](auto b) { return b == 0; }));
    const auto verify = ArchiveVerifier::verify(reopened.context().archiveDir, reopened.catalog(), {true, false});
    ASSERT_EQ(verify.size(), 1u);
    EXPECT_TRUE(verify[0].ok) << verify[0].reason;
}

TEST(ArchiveStorageTest, shouldDropAHeaderWithoutBodyAcrossAPageOnRecovery)
{
    TempDirectory dir;
    // Only the 32-byte header was written; the body's later pages are all zero.
    const TornCase torn = recordThenTear(dir, false, [](auto& frame) { frame.resize(32); });
    ArchiveStorage reopened(context(dir), 7);
    ASSERT_EQ(reopened.recoveryReport().recordings.size(), 1u);
    EXPECT_EQ(reopened.recoveryReport().recordings[0].stopPosition, torn.lastGoodPosition);
    EXPECT_GT(reopened.recoveryReport().recordings[0].droppedLength, 0);
    EXPECT_EQ(reopened.catalog().recording(torn.id).stopPosition, torn.lastGoodPosition);
}

TEST(ArchiveStorageTest, shouldKeepACompleteLastFrameOnRecovery)
{
    TempDirectory dir;
    const TornCase torn = recordThenTear(dir, false, [](auto&) {});
    ArchiveStorage reopened(context(dir), 7);
    EXPECT_EQ(reopened.recoveryReport().recordings[0].stopPosition, torn.lastGoodPosition + 9056);
    EXPECT_FALSE(reopened.recoveryReport().droppedAnything());
}

TEST(ArchiveStorageTest, shouldDropLastFrameWhoseChecksumFailsOnRecovery)
{
    TempDirectory dir;
    // All pages non-zero (so the page test would pass) but the CRC in session_id is wrong.
    const TornCase torn = recordThenTear(dir, true, [](auto& frame) { frame[12] ^= 0xFF; });
    ArchiveStorage reopened(context(dir, true), 7);
    ASSERT_EQ(reopened.recoveryReport().recordings.size(), 1u);
    EXPECT_EQ(reopened.recoveryReport().recordings[0].stopPosition, torn.lastGoodPosition);
    EXPECT_NE(reopened.recoveryReport().recordings[0].reason.find("CRC"), std::string::npos);
}

TEST(ArchiveStorageTest, shouldLeaveStoppedAndInvalidRecordingsAloneOnRecovery)
{
    TempDirectory dir;
    {
        ArchiveStorage storage(context(dir), 0);
        const auto stopped = addRecording(storage, 0);
        recordAndStop(storage, stopped, buildStream(0, 10), 0);
        const auto invalid = addRecording(storage, 0);
        storage.catalog().changeState(invalid, RecordingState::INVALID);
    }
    ArchiveStorage reopened(context(dir), 1);
    EXPECT_TRUE(reopened.recoveryReport().recordings.empty());
    EXPECT_EQ(reopened.catalog().recording(1).stopPosition, NULL_POSITION);
    EXPECT_EQ(reopened.catalog().recording(0).stopTimestamp, 2000);
}

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/archive/RecordingReader.hpp"
#include "cox/archive/RecordingWriter.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/util/Crc32c.hpp"

using namespace cox::archive;
using cox::archive::test::StreamBuilder;
using cox::archive::test::TempDirectory;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t SEGMENT_LENGTH = 128 * 1024;
constexpr std::int32_t INITIAL_TERM_ID = 100;
constexpr std::int32_t STREAM_ID = 1001;
constexpr std::int64_t RECORDING_ID = 3;

RecordingDescriptor descriptor(std::int64_t start, std::int64_t stop)
{
    RecordingDescriptor d;
    d.recordingId = RECORDING_ID;
    d.startPosition = start;
    d.stopPosition = stop;
    d.initialTermId = INITIAL_TERM_ID;
    d.segmentFileLength = SEGMENT_LENGTH;
    d.termBufferLength = TERM_LENGTH;
    d.mtuLength = 4096;
    d.streamId = STREAM_ID;
    return d;
}

RecordingWriter::Params params(const TempDirectory& dir, std::int64_t start, FileSyncLevel level = FileSyncLevel::NONE,
    bool checksum = false)
{
    return RecordingWriter::paramsFor(dir.path(), descriptor(start, NULL_POSITION), start, level, checksum);
}

/// Mixed sizes, including ones that force PAD frames at term ends.
StreamBuilder buildStream(std::int64_t start, std::int32_t messages)
{
    StreamBuilder builder(start, TERM_LENGTH, INITIAL_TERM_ID, STREAM_ID, 77);
    const std::int32_t sizes[] = {0, 1, 100, 1000, 3000, 4000 - 32, 31, 2048};
    for (std::int32_t i = 0; i < messages; ++i)
    {
        builder.append(sizes[i % 8]);
    }
    return builder;
}

std::int64_t writeAll(RecordingWriter& writer, const StreamBuilder& builder, std::int32_t maxBlockLength = 16 * 1024)
{
    std::int64_t position = writer.position();
    for (const auto& block : builder.blocks(maxBlockLength))
    {
        position = writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position);
        EXPECT_EQ(position, block.position + static_cast<std::int64_t>(block.bytes.size())) << writer.lastErrorMessage();
        if (position < 0)
        {
            break;
        }
    }
    return position;
}

/// Reads everything and checks it frame by frame against what was written.
void expectReadBack(const TempDirectory& dir, const StreamBuilder& builder, std::int64_t from, bool checksum)
{
    const std::int64_t start = builder.frames().front().position;
    RecordingReader reader(dir.path(), descriptor(start, builder.position()), from, builder.position(), checksum);
    std::size_t next = 0;
    while (next < builder.frames().size() && builder.frames()[next].position < from)
    {
        ++next;
    }
    std::int32_t total = 0;
    for (;;)
    {
        const std::int32_t read = reader.poll(
            [&](const RecordedFrame& frame) {
                ASSERT_LT(next, builder.frames().size());
                const auto& expected = builder.frames()[next++];
                ASSERT_EQ(frame.position, expected.position);
                ASSERT_EQ(frame.isPadding(), expected.padding);
                std::int32_t expectedLength = 0;
                std::memcpy(&expectedLength, expected.bytes.data(), 4);
                ASSERT_EQ(frame.frameLength, expectedLength);
                ASSERT_EQ(frame.streamId, STREAM_ID);
                ASSERT_EQ(frame.termId, INITIAL_TERM_ID + static_cast<std::int32_t>(expected.position / TERM_LENGTH));
                if (!frame.isPadding())
                {
                    ASSERT_EQ(0, std::memcmp(frame.frame + 32, expected.bytes.data() + 32, expected.bytes.size() - 32));
                    if (!checksum)
                    {
                        ASSERT_EQ(frame.sessionId, 77);
                    }
                }
            },
            7);
        ASSERT_GE(read, 0) << reader.lastErrorMessage();
        if (read == 0)
        {
            break;
        }
        total += read;
    }
    EXPECT_EQ(next, builder.frames().size());
    EXPECT_EQ(reader.position(), builder.position());
    EXPECT_TRUE(reader.isAtLimit());
    EXPECT_GT(total, 0);
}
} // namespace

TEST(SegmentFileTest, shouldNameAndParseSegmentFiles)
{
    EXPECT_EQ(SegmentFile::fileName(7, 134217728), "7-134217728.rec");
    std::int64_t id = 0;
    std::int64_t base = 0;
    EXPECT_TRUE(SegmentFile::parseFileName("7-134217728.rec", id, base));
    EXPECT_EQ(id, 7);
    EXPECT_EQ(base, 134217728);
    EXPECT_FALSE(SegmentFile::parseFileName("7-13x.rec", id, base));
    EXPECT_FALSE(SegmentFile::parseFileName("7-13.del", id, base));
    EXPECT_FALSE(SegmentFile::parseFileName("archive.catalog", id, base));
}

TEST(SegmentFileTest, shouldCountSegmentBasesFromTheStartTermBase)
{
    // Start mid-term at 64K + 4096: the term base is 64K, so segments are [64K, 192K), [192K, 320K)...
    const std::int64_t start = TERM_LENGTH + 4096;
    EXPECT_EQ(SegmentFile::basePosition(start, start, TERM_LENGTH, SEGMENT_LENGTH), TERM_LENGTH);
    EXPECT_EQ(SegmentFile::basePosition(start, 3 * TERM_LENGTH - 32, TERM_LENGTH, SEGMENT_LENGTH), TERM_LENGTH);
    EXPECT_EQ(SegmentFile::basePosition(start, 3 * TERM_LENGTH, TERM_LENGTH, SEGMENT_LENGTH), 3 * TERM_LENGTH);
    EXPECT_EQ(SegmentFile::segmentLengthFor(64 * 1024, 256 * 1024), 256 * 1024);
    EXPECT_THROW(SegmentFile::validateLengths(96 * 1024, TERM_LENGTH), cox::util::IllegalArgumentException);
    EXPECT_THROW(SegmentFile::validateLengths(TERM_LENGTH, 2 * TERM_LENGTH), cox::util::IllegalArgumentException);
}

TEST(RecordingWriterTest, shouldRoundTripAcrossSegmentsWithPaddingFrames)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 400);
    ASSERT_GT(builder.position(), 2 * SEGMENT_LENGTH);
    RecordingWriter writer(params(dir, 0));
    writer.init();
    EXPECT_EQ(writeAll(writer, builder), builder.position());
    writer.close();

    const auto bases = SegmentFile::listBases(dir.path(), RECORDING_ID);
    ASSERT_EQ(bases.size(), static_cast<std::size_t>((builder.position() + SEGMENT_LENGTH - 1) / SEGMENT_LENGTH));
    for (std::size_t i = 0; i < bases.size(); ++i)
    {
        EXPECT_EQ(bases[i], static_cast<std::int64_t>(i) * SEGMENT_LENGTH);
        EXPECT_EQ(std::filesystem::file_size(dir.file(SegmentFile::fileName(RECORDING_ID, bases[i]))),
            static_cast<std::uintmax_t>(SEGMENT_LENGTH));
    }
    expectReadBack(dir, builder, 0, false);
}

TEST(RecordingWriterTest, shouldStoreOnlyTheHeaderOfAPaddingFrame)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 200);
    RecordingWriter writer(params(dir, 0));
    writer.init();
    writeAll(writer, builder);
    writer.close();
    const auto it = std::find_if(builder.frames().begin(), builder.frames().end(), [](const auto& f) { return f.padding; });
    ASSERT_NE(it, builder.frames().end());
    ASSERT_GT(it->bytes.size(), 64u);
    const auto file = cox::archive::test::readBytes(dir.file(SegmentFile::fileName(RECORDING_ID, 0)));
    // Make the pad's body in the block non-zero in a second run and check the file still holds zeros.
    TempDirectory dir2;
    std::vector<cox::archive::test::TestBlock> blocks = builder.blocks(16 * 1024);
    for (auto& block : blocks)
    {
        const std::int64_t padOffset = it->position - block.position;
        if (padOffset >= 0 && padOffset < static_cast<std::int64_t>(block.bytes.size()))
        {
            std::fill(block.bytes.begin() + padOffset + 32, block.bytes.begin() + padOffset + static_cast<std::int64_t>(it->bytes.size()), 0xEE);
        }
    }
    RecordingWriter writer2(params(dir2, 0));
    writer2.init();
    for (const auto& block : blocks)
    {
        ASSERT_GT(writer2.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position), 0);
    }
    writer2.close();
    const auto file2 = cox::archive::test::readBytes(dir2.file(SegmentFile::fileName(RECORDING_ID, 0)));
    for (std::size_t i = 32; i < it->bytes.size(); ++i)
    {
        ASSERT_EQ(file2[static_cast<std::size_t>(it->position) + i], 0) << "pad body byte " << i;
    }
    EXPECT_EQ(file, file2);
}

TEST(RecordingWriterTest, shouldStartMidTermWithEmptyHeadOfFirstSegment)
{
    TempDirectory dir;
    const std::int64_t start = 3 * TERM_LENGTH + 8192;
    const StreamBuilder builder = buildStream(start, 150);
    RecordingWriter writer(params(dir, start));
    writer.init();
    // Segments count from the start's term base (3 terms in), not from 0.
    EXPECT_EQ(writer.segmentBasePosition(), 3 * TERM_LENGTH);
    EXPECT_EQ(writeAll(writer, builder), builder.position());
    writer.close();
    const auto head = cox::archive::test::readBytes(dir.file(SegmentFile::fileName(RECORDING_ID, 3 * TERM_LENGTH)));
    ASSERT_EQ(head.size(), static_cast<std::size_t>(SEGMENT_LENGTH));
    EXPECT_TRUE(std::all_of(head.begin(), head.begin() + 8192, [](std::uint8_t b) { return b == 0; }));
    EXPECT_NE(head[8192], 0);
    expectReadBack(dir, builder, start, false);

    // Replay from a later frame in the middle of a later term.
    const auto& mid = builder.frames()[builder.frames().size() / 2];
    expectReadBack(dir, builder, mid.position, false);
}

TEST(RecordingWriterTest, shouldWriteChecksumsThatReplayVerifiesAndDetectAFlippedBit)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 120);
    auto p = params(dir, 0, FileSyncLevel::NONE, true);
    p.maxBlockLength = 4096;  // blocks larger than the scratch are written in pieces
    RecordingWriter writer(std::move(p));
    writer.init();
    EXPECT_EQ(writeAll(writer, builder, 16 * 1024), builder.position());
    writer.close();
    expectReadBack(dir, builder, 0, true);

    const auto& victim = builder.frames()[5];
    ASSERT_FALSE(victim.padding);
    const std::string path = dir.file(SegmentFile::fileName(RECORDING_ID, 0));
    auto bytes = cox::archive::test::readBytes(path);
    std::uint32_t stored = 0;
    std::memcpy(&stored, bytes.data() + victim.position + 12, 4);
    EXPECT_EQ(stored, cox::util::crc32c(0, victim.bytes.data() + 32, victim.bytes.size() - 32));
    const std::uint8_t flipped = bytes[static_cast<std::size_t>(victim.position) + 40] ^ 0x04;
    cox::archive::test::writeBytesAt(path, victim.position + 40, &flipped, 1);

    RecordingReader reader(dir.path(), descriptor(0, builder.position()), 0, builder.position(), true);
    std::int32_t delivered = 0;
    std::int32_t result = 0;
    while ((result = reader.poll([&](const RecordedFrame&) { ++delivered; }, 100)) > 0)
    {
    }
    EXPECT_EQ(result, RecordingReader::CHECKSUM_MISMATCH);
    EXPECT_EQ(delivered, 5);
    EXPECT_EQ(reader.position(), victim.position);
    EXPECT_NE(std::string(reader.lastErrorMessage()).find("CRC"), std::string::npos);
    EXPECT_EQ(reader.poll([](const RecordedFrame&) {}, 1), RecordingReader::CHECKSUM_MISMATCH);
}

TEST(RecordingWriterTest, shouldSyncPerLevelBeforeReturningThePosition)
{
    for (const auto level : {FileSyncLevel::NONE, FileSyncLevel::DATA, FileSyncLevel::DATA_AND_METADATA})
    {
        TempDirectory dir;
        const StreamBuilder builder = buildStream(0, 100);
        const auto blocks = builder.blocks(16 * 1024);
        RecordingWriter writer(params(dir, 0, level));
        writer.init();
        for (const auto& block : blocks)
        {
            const std::int64_t before = writer.position();
            const std::int64_t syncsBefore = writer.dataSyncCount();
            const std::int64_t position =
                writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position);
            ASSERT_EQ(before, block.position);
            ASSERT_EQ(position, block.position + static_cast<std::int64_t>(block.bytes.size()));
            EXPECT_EQ(writer.dataSyncCount() - syncsBefore, level == FileSyncLevel::NONE ? 0 : 1);
            // The bytes up to the returned position are in the file when the position is reported.
            const auto file = cox::archive::test::readBytes(
                dir.file(SegmentFile::fileName(RECORDING_ID, SegmentFile::basePosition(0, block.position, TERM_LENGTH, SEGMENT_LENGTH))));
            const std::int64_t offset = block.position % SEGMENT_LENGTH;
            ASSERT_EQ(0, std::memcmp(file.data() + offset, block.bytes.data(), 32));
        }
        const auto segments = static_cast<std::int64_t>(SegmentFile::listBases(dir.path(), RECORDING_ID).size());
        EXPECT_EQ(writer.directorySyncCount(), level == FileSyncLevel::NONE ? 0 : segments);
    }
}

TEST(RecordingWriterTest, shouldRefuseBlockThatIsNotAtTheRecordedPosition)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 10);
    const auto blocks = builder.blocks(1024);
    ASSERT_GE(blocks.size(), 2u);
    RecordingWriter writer(params(dir, 0));
    writer.init();
    EXPECT_EQ(writer.onBlock(blocks[1].bytes.data(), static_cast<std::int32_t>(blocks[1].bytes.size()), blocks[1].position),
        RecordingWriter::INVALID_BLOCK);
    EXPECT_EQ(writer.position(), 0);
    EXPECT_EQ(writer.onBlock(blocks[0].bytes.data(), static_cast<std::int32_t>(blocks[0].bytes.size()), 0),
        RecordingWriter::INVALID_STATE);
}

TEST(RecordingWriterTest, shouldRefuseBlockWithMalformedFrameLength)
{
    TempDirectory dir;
    StreamBuilder builder = buildStream(0, 4);
    auto blocks = builder.blocks(64 * 1024);
    std::int32_t huge = 1 << 20;
    std::memcpy(blocks[0].bytes.data(), &huge, 4);
    RecordingWriter writer(params(dir, 0));
    writer.init();
    EXPECT_EQ(writer.onBlock(blocks[0].bytes.data(), static_cast<std::int32_t>(blocks[0].bytes.size()), 0),
        RecordingWriter::INVALID_BLOCK);
}

TEST(RecordingWriterTest, shouldFailRollOverIntoAnExistingSegmentFile)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 400);
    {
        std::ofstream squatter(dir.file(SegmentFile::fileName(RECORDING_ID, SEGMENT_LENGTH)));
    }
    RecordingWriter writer(params(dir, 0));
    writer.init();
    std::int64_t result = 0;
    for (const auto& block : builder.blocks(16 * 1024))
    {
        result = writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position);
        if (result < 0)
        {
            break;
        }
    }
    EXPECT_EQ(result, RecordingWriter::INVALID_STATE);
    EXPECT_EQ(writer.position(), SEGMENT_LENGTH);
    EXPECT_NE(std::string(writer.lastErrorMessage()).find("already exists"), std::string::npos);
}

TEST(RecordingWriterTest, shouldReportStorageSpaceWhenTheDeviceIsFull)
{
    // Linux always has /dev/full (every write fails with ENOSPC); the project builds only there.
    ASSERT_EQ(::access("/dev/full", W_OK), 0) << "this test needs /dev/full";
    TempDirectory dir;
    // A segment that "exists" mid-segment and points at /dev/full, whose writes fail with ENOSPC.
    std::filesystem::create_symlink("/dev/full", dir.file(SegmentFile::fileName(RECORDING_ID, 0)));
    StreamBuilder builder(4096, TERM_LENGTH, INITIAL_TERM_ID, STREAM_ID, 77);
    builder.append(500);
    auto p = params(dir, 0);
    p.position = 4096;
    RecordingWriter writer(std::move(p));
    writer.init();
    const auto block = builder.blocks(64 * 1024).front();
    EXPECT_EQ(writer.onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), 4096),
        RecordingWriter::STORAGE_SPACE);
    EXPECT_EQ(writer.lastErrno(), ENOSPC);
    EXPECT_EQ(writer.position(), 4096);
}

TEST(RecordingWriterTest, shouldContinueAnExistingSegmentWhenExtending)
{
    TempDirectory dir;
    StreamBuilder builder = buildStream(0, 30);
    const auto blocks = builder.blocks(16 * 1024);
    std::int64_t stop = 0;
    {
        RecordingWriter writer(params(dir, 0));
        writer.init();
        stop = writer.onBlock(blocks[0].bytes.data(), static_cast<std::int32_t>(blocks[0].bytes.size()), 0);
        ASSERT_GT(stop, 0);
    }
    auto p = params(dir, 0);
    p.position = stop;
    RecordingWriter extender(std::move(p));
    extender.init();
    for (std::size_t i = 1; i < blocks.size(); ++i)
    {
        ASSERT_GT(extender.onBlock(blocks[i].bytes.data(), static_cast<std::int32_t>(blocks[i].bytes.size()), blocks[i].position), 0);
    }
    extender.close();
    expectReadBack(dir, builder, 0, false);
}

TEST(RecordingReaderTest, shouldStopAtTheLimitAndFollowARaisedLimit)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 50);
    RecordingWriter writer(params(dir, 0));
    writer.init();
    writeAll(writer, builder);
    const std::int64_t firstLimit = builder.frames()[10].position;
    RecordingReader reader(dir.path(), descriptor(0, NULL_POSITION), 0, firstLimit + 16, false);
    std::int32_t frames = 0;
    while (reader.poll([&](const RecordedFrame&) { ++frames; }, 3) > 0)
    {
    }
    EXPECT_EQ(frames, 10);
    EXPECT_EQ(reader.position(), firstLimit);
    reader.limitPosition(builder.position());
    while (reader.poll([&](const RecordedFrame&) { ++frames; }, 3) > 0)
    {
    }
    EXPECT_EQ(frames, static_cast<std::int32_t>(builder.frames().size()));
}

TEST(RecordingReaderTest, shouldRefuseMisalignedStartAndFailOnMissingSegment)
{
    TempDirectory dir;
    EXPECT_THROW(RecordingReader(dir.path(), descriptor(0, 4096), 16, 4096, false), ArchiveException);
    EXPECT_THROW(RecordingReader(dir.path(), descriptor(0, 4096), 0, 4096, false), ArchiveException);
    // An empty range needs no file.
    RecordingReader empty(dir.path(), descriptor(64, 64), 64, 64, false);
    EXPECT_EQ(empty.poll([](const RecordedFrame&) {}, 10), 0);
}

namespace
{
/// Blocks as Image::blockPoll hands them over: DATA frames only, padding always a block of its own.
std::vector<cox::archive::test::TestBlock> imageBlocks(const StreamBuilder& builder, std::int32_t maxBlockLength)
{
    std::vector<cox::archive::test::TestBlock> result;
    bool isOpen = false;
    for (const auto& frame : builder.frames())
    {
        if (frame.padding)
        {
            result.push_back({frame.position, frame.bytes});
            isOpen = false;
            continue;
        }
        if (!isOpen || result.back().bytes.size() + frame.bytes.size() > static_cast<std::size_t>(maxBlockLength))
        {
            result.push_back({frame.position, {}});
            isOpen = true;
        }
        result.back().bytes.insert(result.back().bytes.end(), frame.bytes.begin(), frame.bytes.end());
    }
    return result;
}
} // namespace

TEST(RecordingWriterTest, shouldWriteImageBlocksWholeAndKeepOnlyThePaddingHeader)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 300); // several terms, each ending in padding, two segments
    RecordingWriter writer(params(dir, 0));
    writer.init();
    std::int64_t position = 0;
    int paddingBlocks = 0;
    for (const auto& block : imageBlocks(builder, 16 * 1024))
    {
        std::uint16_t type = 0;
        std::memcpy(&type, block.bytes.data() + 6, sizeof(type));
        paddingBlocks += type == 0 ? 1 : 0;
        position = writer.onImageBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position);
        ASSERT_EQ(position, block.position + static_cast<std::int64_t>(block.bytes.size())) << writer.lastErrorMessage();
    }
    writer.close();
    ASSERT_GT(paddingBlocks, 1);
    EXPECT_EQ(position, builder.position());
    expectReadBack(dir, builder, 0, false);
    // Each padding frame left only its header: the byte after it reads as zero.
    for (const auto& frame : builder.frames())
    {
        if (frame.padding && frame.bytes.size() > 32)
        {
            const auto base = frame.position - frame.position % SEGMENT_LENGTH;
            const auto file = cox::archive::test::readBytes(dir.file(SegmentFile::fileName(RECORDING_ID, base)));
            ASSERT_GT(file.size(), static_cast<std::size_t>(frame.position - base + 32));
            EXPECT_EQ(file[static_cast<std::size_t>(frame.position - base + 32)], 0);
        }
    }
}

TEST(RecordingWriterTest, shouldRefuseAnImageBlockNotAtTheRecordedPosition)
{
    TempDirectory dir;
    const StreamBuilder builder = buildStream(0, 10);
    RecordingWriter writer(params(dir, 0));
    writer.init();
    const auto blocks = imageBlocks(builder, 16 * 1024);
    const auto& block = blocks.front();
    EXPECT_EQ(writer.onImageBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), 64),
              RecordingWriter::INVALID_BLOCK);
    EXPECT_EQ(writer.position(), 0);
}

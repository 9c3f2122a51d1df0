#include <gtest/gtest.h>

#include <filesystem>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/ArchiveStorage.hpp"
#include "cox/archive/ArchiveVerifier.hpp"

using namespace cox::archive;
using cox::archive::test::StreamBuilder;
using cox::archive::test::TempDirectory;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t SEGMENT_LENGTH = 128 * 1024;

/// An archive with three stopped recordings spanning several segments, one of them checksummed.
class ArchiveVerifierTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ArchiveStorage::Context ctx;
        ctx.archiveDir = m_dir.path();
        ctx.segmentFileLength = SEGMENT_LENGTH;
        ctx.catalogCapacity = Catalog::MIN_CAPACITY;
        ctx.recordChecksum = true;
        ArchiveStorage storage(ctx, 0);
        for (int i = 0; i < 3; ++i)
        {
            const std::int64_t start = i * TERM_LENGTH + 1024;
            StreamBuilder builder(start, TERM_LENGTH, 1, 20, 30);
            for (int m = 0; m < 200; ++m)
            {
                builder.append(500 + (m % 7) * 333);
            }
            const auto id = storage.addNewRecording(start, 0, 1, TERM_LENGTH, 1408, 30, 20, "aeron:ipc", "aeron:ipc", "x");
            auto writer = storage.newRecordingWriter(id, start);
            for (const auto& block : builder.blocks(8192))
            {
                ASSERT_GT(writer->onBlock(block.bytes.data(), static_cast<std::int32_t>(block.bytes.size()), block.position), 0);
            }
            storage.recordingStopped(id, writer->position(), 1);
            m_frames.push_back(builder.frames());
        }
    }

    std::vector<ArchiveVerifier::Result> verify(bool all, bool checksums)
    {
        Catalog::Options options;
        options.readOnly = true;
        Catalog catalog(m_dir.path(), options);
        return ArchiveVerifier::verify(m_dir.path(), catalog, {all, checksums});
    }

    std::string segment(std::int64_t id, std::int64_t base) const
    {
        return m_dir.file(SegmentFile::fileName(id, base));
    }

    TempDirectory m_dir;
    std::vector<std::vector<cox::archive::test::TestFrame>> m_frames;
};
} // namespace

TEST_F(ArchiveVerifierTest, shouldPassAGoodArchive)
{
    for (const bool all : {false, true})
    {
        for (const bool checksums : {false, true})
        {
            const auto results = verify(all, checksums);
            ASSERT_EQ(results.size(), 3u);
            for (const auto& r : results)
            {
                EXPECT_TRUE(r.ok) << r.recordingId << ": " << r.reason;
                EXPECT_EQ(r.reason, "OK");
            }
        }
    }
}

TEST_F(ArchiveVerifierTest, shouldFindACorruptFrameHeaderInAnEarlierSegmentOnlyWithAll)
{
    // Recording 1's third frame, in its first segment (not the last one): break its term id.
    const auto& frame = m_frames[1][2];
    const std::int64_t base = SegmentFile::basePosition(TERM_LENGTH + 1024, frame.position, TERM_LENGTH, SEGMENT_LENGTH);
    const std::int32_t badTermId = 9999;
    cox::archive::test::writeBytesAt(segment(1, base), frame.position - base + 20,
        reinterpret_cast<const std::uint8_t*>(&badTermId), 4);

    EXPECT_TRUE(verify(false, false)[1].ok);
    const auto results = verify(true, false);
    EXPECT_TRUE(results[0].ok);
    EXPECT_FALSE(results[1].ok);
    EXPECT_NE(results[1].reason.find("inconsistent"), std::string::npos) << results[1].reason;
    EXPECT_TRUE(results[2].ok);
}

TEST_F(ArchiveVerifierTest, shouldFindAFlippedPayloadBitOnlyWithChecksums)
{
    const auto& frame = m_frames[2].back();
    ASSERT_FALSE(frame.padding);
    const std::int64_t base = SegmentFile::basePosition(2 * TERM_LENGTH + 1024, frame.position, TERM_LENGTH, SEGMENT_LENGTH);
    const std::uint8_t junk = 0x00;
    cox::archive::test::writeBytesAt(segment(2, base), frame.position - base + 40, &junk, 1);

    EXPECT_TRUE(verify(false, false)[2].ok);
    const auto results = verify(false, true);
    EXPECT_FALSE(results[2].ok);
    EXPECT_NE(results[2].reason.find("CRC"), std::string::npos) << results[2].reason;
}

TEST_F(ArchiveVerifierTest, shouldFindAMissingSegmentFile)
{
    const auto bases = SegmentFile::listBases(m_dir.path(), 0);
    ASSERT_GE(bases.size(), 2u);
    std::filesystem::remove(segment(0, bases[0]));
    const auto results = verify(false, false);
    EXPECT_FALSE(results[0].ok);
    EXPECT_NE(results[0].reason.find("missing segment file"), std::string::npos) << results[0].reason;
}

TEST_F(ArchiveVerifierTest, shouldFindAStopBeyondTheRecordedFrames)
{
    {
        Catalog catalog(m_dir.path(), Catalog::Options{});
        const auto stop = catalog.recording(0).stopPosition;
        catalog.stopPosition(0, stop + 4096);
    }
    const auto results = verify(false, false);
    EXPECT_FALSE(results[0].ok);
    EXPECT_NE(results[0].reason.find("no frame"), std::string::npos) << results[0].reason;
}

TEST_F(ArchiveVerifierTest, shouldReportInvalidRecordingsWithoutFailing)
{
    {
        Catalog catalog(m_dir.path(), Catalog::Options{});
        catalog.changeState(1, RecordingState::INVALID);
    }
    const auto results = verify(false, false);
    EXPECT_TRUE(results[1].ok);
    EXPECT_EQ(results[1].state, RecordingState::INVALID);
    EXPECT_NE(results[1].reason.find("INVALID"), std::string::npos);
}

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include <unistd.h>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;
using namespace cox::transport::LogBufferDescriptor;
using cox::util::AtomicBuffer;

TEST(LogBufferDescriptorTest, shouldComputePositionsAcrossTermBoundaries)
{
    constexpr std::int32_t termLength = 64 * 1024;
    const std::int32_t bits = positionBitsToShift(termLength);
    EXPECT_EQ(16, bits);
    const std::int32_t initialTermId = 7;

    EXPECT_EQ(0, computePosition(7, 0, bits, initialTermId));
    EXPECT_EQ(65536 + 96, computePosition(8, 96, bits, initialTermId));
    EXPECT_EQ(3 * 65536L, computeTermBeginPosition(10, bits, initialTermId));

    const std::int64_t position = 5 * 65536L + 4096;
    EXPECT_EQ(12, computeTermIdFromPosition(position, bits, initialTermId));
    EXPECT_EQ(4096, computeTermOffsetFromPosition(position, bits));
    EXPECT_EQ(2, indexByPosition(position, bits));
    EXPECT_EQ(2, indexByTerm(initialTermId, 12));
    EXPECT_EQ(0, indexByTerm(initialTermId, 7));
}

TEST(LogBufferDescriptorTest, shouldWrapTermIdsPastInt32Max)
{
    constexpr std::int32_t bits = 16;
    const std::int32_t initialTermId = INT32_MAX - 1;
    const std::int32_t wrappedTermId = INT32_MIN + 1; // three terms after initial
    EXPECT_EQ(3, computeTermCount(wrappedTermId, initialTermId));
    EXPECT_EQ(3 * 65536L + 32, computePosition(wrappedTermId, 32, bits, initialTermId));
    EXPECT_EQ(wrappedTermId, computeTermIdFromPosition(3 * 65536L + 32, bits, initialTermId));
    EXPECT_EQ(0, indexByTerm(initialTermId, wrappedTermId));
}

TEST(LogBufferDescriptorTest, shouldPackAndClampRawTail)
{
    const std::int64_t raw = packTail(-3, 1024);
    EXPECT_EQ(-3, termId(raw));
    EXPECT_EQ(1024, termOffset(raw, 65536));
    EXPECT_EQ(65536, termOffset(packTail(5, 70000), 65536)) << "overshoot clamps to term length";
}

TEST(LogBufferDescriptorTest, shouldComputeLengthsAndLimits)
{
    EXPECT_EQ(3 * 65536 + 4096, computeLogLength(65536, 4096));
    EXPECT_EQ(3 * 65536 + 65536, computeLogLength(65536, 65536)) << "aligned up to the page size";
    EXPECT_EQ(8192, computeMaxMessageLength(65536));
    EXPECT_EQ(16 * 1024 * 1024, computeMaxMessageLength(1024 * 1024 * 1024));
    EXPECT_EQ(65536L << 31, maxPossiblePosition(65536));
    // 3000 bytes at 1376 per frame: two full frames of 1408 plus align(248 + 32) = 288.
    EXPECT_EQ(2 * 1408 + 288, computeFragmentedFrameLength(3000, 1376));
    EXPECT_EQ(2 * 1408, computeFragmentedFrameLength(2752, 1376));
}

TEST(LogBufferDescriptorTest, shouldRejectBadTermLengthAndPageSize)
{
    EXPECT_NO_THROW(checkTermLength(64 * 1024));
    EXPECT_NO_THROW(checkTermLength(1024 * 1024 * 1024));
    EXPECT_THROW(checkTermLength(32 * 1024), cox::util::IllegalArgumentException);
    EXPECT_THROW(checkTermLength(2048L * 1024 * 1024), cox::util::IllegalArgumentException);
    EXPECT_THROW(checkTermLength(96 * 1024), cox::util::IllegalArgumentException);
    EXPECT_THROW(checkPageSize(2048), cox::util::IllegalArgumentException);
    EXPECT_THROW(checkPageSize(12 * 1024), cox::util::IllegalArgumentException);
    EXPECT_NO_THROW(checkPageSize(4096));
}

class LogMetaDataTest : public ::testing::Test
{
protected:
    alignas(64) std::uint8_t m_memory[LOG_META_DATA_LENGTH]{};
    AtomicBuffer m_metaData{m_memory, sizeof(m_memory)};
};

TEST_F(LogMetaDataTest, shouldInitialiseTailsForFreshStream)
{
    initialiseTails(m_metaData, 100, 100, 0);
    EXPECT_EQ(0, activeTermCount(m_metaData));
    EXPECT_EQ(packTail(100, 0), rawTailVolatile(m_metaData, 0));
    EXPECT_EQ(packTail(98, 0), rawTailVolatile(m_metaData, 1));
    EXPECT_EQ(packTail(99, 0), rawTailVolatile(m_metaData, 2));
    EXPECT_EQ(packTail(100, 0), rawTailVolatile(m_metaData));
}

TEST_F(LogMetaDataTest, shouldInitialiseTailsForExplicitStartPosition)
{
    initialiseTails(m_metaData, 100, 104, 512);
    EXPECT_EQ(4, activeTermCount(m_metaData));
    EXPECT_EQ(packTail(104, 512), rawTailVolatile(m_metaData, 1));
    EXPECT_EQ(packTail(102, 0), rawTailVolatile(m_metaData, 2));
    EXPECT_EQ(packTail(103, 0), rawTailVolatile(m_metaData, 0));
}

TEST_F(LogMetaDataTest, shouldRotateLogIdempotently)
{
    initialiseTails(m_metaData, 100, 100, 0);
    EXPECT_TRUE(rotateLog(m_metaData, 0, 100));
    EXPECT_EQ(1, activeTermCount(m_metaData));
    EXPECT_EQ(packTail(101, 0), rawTailVolatile(m_metaData, 1));

    EXPECT_FALSE(rotateLog(m_metaData, 0, 100)) << "a racing second rotation changes nothing";
    EXPECT_EQ(1, activeTermCount(m_metaData));
    EXPECT_EQ(packTail(101, 0), rawTailVolatile(m_metaData, 1));

    EXPECT_TRUE(rotateLog(m_metaData, 1, 101));
    EXPECT_TRUE(rotateLog(m_metaData, 2, 102));
    EXPECT_EQ(3, activeTermCount(m_metaData));
    EXPECT_EQ(packTail(103, 0), rawTailVolatile(m_metaData, 0)) << "partition 0 reused for the fourth term";
}

TEST_F(LogMetaDataTest, shouldStoreDefaultHeaderAndFieldsAtAeronOffsets)
{
    storeDefaultFrameHeader(m_metaData, 0x1234, 10, 100);
    const AtomicBuffer header = defaultFrameHeader(m_metaData);
    EXPECT_EQ(32U, header.capacity());
    EXPECT_EQ(0xC0, m_memory[320 + 5]);
    EXPECT_EQ(0x01, m_memory[320 + 6]);
    EXPECT_EQ(0x1234, header.getInt32(12));
    EXPECT_EQ(10, header.getInt32(16));
    EXPECT_EQ(100, header.getInt32(20));
    EXPECT_EQ(32, m_metaData.getInt32(268));

    initialTermId(m_metaData, 77);
    mtuLength(m_metaData, 1408);
    correlationId(m_metaData, 42);
    isConnected(m_metaData, true);
    endOfStreamPosition(m_metaData, 4096);
    EXPECT_EQ(77, m_metaData.getInt32(264));
    EXPECT_EQ(1408, m_metaData.getInt32(272));
    EXPECT_EQ(42, m_metaData.getInt64(256));
    EXPECT_EQ(1, m_metaData.getInt32(136));
    EXPECT_EQ(4096, m_metaData.getInt64(128));
    EXPECT_TRUE(isConnected(m_metaData));
}

TEST(LogBuffersTest, shouldCreateAndReopenFile)
{
    const auto path = (std::filesystem::temp_directory_path() / ("cox-logbuffers-" + std::to_string(::getpid()))).string();
    {
        auto log = LogBuffers::create(path, 64 * 1024);
        EXPECT_EQ(64 * 1024, log->termLength());
        EXPECT_EQ(static_cast<std::uintmax_t>(3 * 65536 + 4096), std::filesystem::file_size(path));
        log->termBuffer(2).putInt32(0, 99);
        initialTermId(log->metaDataBuffer(), 5);
        EXPECT_EQ(log->termBuffer(0).buffer() + 3 * 65536, log->metaDataBuffer().buffer());
    }
    {
        auto log = LogBuffers::open(path);
        EXPECT_EQ(64 * 1024, log->termLength());
        EXPECT_EQ(99, log->termBuffer(2).getInt32(0));
        EXPECT_EQ(5, initialTermId(log->metaDataBuffer()));
        EXPECT_EQ(4096, pageSize(log->metaDataBuffer()));
    }
    std::filesystem::resize_file(path, 3 * 65536 + 8192);
    EXPECT_THROW(LogBuffers::open(path), cox::util::IllegalArgumentException);
    std::filesystem::remove(path);
}

TEST(LogBuffersTest, shouldRejectBadLengths)
{
    EXPECT_THROW(LogBuffers::create("/tmp/never-created", 100000), cox::util::IllegalArgumentException);
    std::vector<std::uint64_t> memory(1000);
    EXPECT_THROW(LogBuffers(reinterpret_cast<std::uint8_t*>(memory.data()), 8000, 65536), cox::util::IllegalArgumentException);
}

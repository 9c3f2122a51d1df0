#include <gtest/gtest.h>

#include <vector>

#include "LogTestSupport.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/TermGapScanner.hpp"
#include "cox/transport/TermRebuilder.hpp"

using namespace cox::transport;
using cox::transport::test::InMemoryLog;
using DHF = cox::codecs::frames::DataHeaderFlyweight;

namespace
{
class TermRebuilderTest : public ::testing::Test
{
protected:
    InMemoryLog m_log;
    static constexpr std::int32_t TERM_ID = InMemoryLog::INITIAL_TERM_ID;

    /// A one-frame datagram of payloadLength bytes filled with fill.
    static std::vector<std::uint8_t> packet(std::int32_t termOffset, std::int32_t payloadLength, std::uint8_t fill)
    {
        const std::int32_t frameLength = payloadLength + 32;
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(FrameDescriptor::alignedLength(frameLength)), 0);
        DHF(bytes.data(), bytes.size())
            .writeDataHeader(frameLength, DHF::BEGIN_AND_END_FLAGS, DHF::HDR_TYPE_DATA, termOffset, 1, 2, TERM_ID, 9);
        std::fill(bytes.begin() + 32, bytes.begin() + frameLength, fill);
        return bytes;
    }

    TermRebuilder::InsertResult insert(std::int32_t termOffset, std::int32_t payloadLength, std::uint8_t fill)
    {
        const auto bytes = packet(termOffset, payloadLength, fill);
        return TermRebuilder::insert(m_log.term(0), termOffset, bytes.data(), static_cast<std::int32_t>(bytes.size()));
    }

    TermGapScanner::ScanResult scan(std::int32_t from, std::int32_t limit)
    {
        return TermGapScanner::scanForGap(m_log.term(0), TERM_ID, from, limit);
    }
};
} // namespace

TEST_F(TermRebuilderTest, shouldInsertFrameByteForByte)
{
    const auto bytes = packet(0, 20, 0x5A);
    EXPECT_EQ(TermRebuilder::InsertResult::INSERTED, TermRebuilder::insert(m_log.term(0), 0, bytes.data(), 64));
    EXPECT_EQ(0, std::memcmp(bytes.data(), m_log.term(0).buffer(), 64));
    EXPECT_EQ(9, DHF(m_log.term(0), 0).reservedValue());
}

TEST_F(TermRebuilderTest, shouldInsertOutOfOrderAndIgnoreDuplicates)
{
    EXPECT_EQ(TermRebuilder::InsertResult::INSERTED, insert(64, 20, 2));
    EXPECT_EQ(TermRebuilder::InsertResult::INSERTED, insert(0, 20, 1));
    EXPECT_EQ(TermRebuilder::InsertResult::DUPLICATE, insert(64, 20, 7));
    EXPECT_EQ(2, m_log.term(0).getUInt8(64 + 32)) << "a duplicate never overwrites";
    EXPECT_EQ(1, m_log.term(0).getUInt8(32));
}

TEST_F(TermRebuilderTest, shouldRejectInsertOutsideTerm)
{
    const auto bytes = packet(0, 20, 1);
    EXPECT_EQ(TermRebuilder::InsertResult::OUT_OF_RANGE,
        TermRebuilder::insert(m_log.term(0), InMemoryLog::TERM_LENGTH - 32, bytes.data(), 64));
    EXPECT_EQ(TermRebuilder::InsertResult::OUT_OF_RANGE, TermRebuilder::insert(m_log.term(0), 16, bytes.data(), 64));
    EXPECT_EQ(TermRebuilder::InsertResult::OUT_OF_RANGE, TermRebuilder::insert(m_log.term(0), -64, bytes.data(), 64));
    EXPECT_EQ(TermRebuilder::InsertResult::OUT_OF_RANGE, TermRebuilder::insert(m_log.term(0), 0, bytes.data(), 16));
    EXPECT_EQ(TermRebuilder::InsertResult::INSERTED,
        TermRebuilder::insert(m_log.term(0), InMemoryLog::TERM_LENGTH - 64, bytes.data(), 64));
}

TEST_F(TermRebuilderTest, shouldReportNoGapWhenCompleteToLimit)
{
    insert(0, 20, 1);
    insert(64, 20, 2);
    const auto result = scan(0, 128);
    EXPECT_FALSE(result.hasGap());
    EXPECT_EQ(128, result.completeOffset);
}

TEST_F(TermRebuilderTest, shouldReportSingleGapBetweenFrames)
{
    insert(0, 20, 1);
    insert(192, 20, 2);
    const auto result = scan(0, 256);
    ASSERT_TRUE(result.hasGap());
    EXPECT_EQ(TERM_ID, result.termId);
    EXPECT_EQ(64, result.gapOffset);
    EXPECT_EQ(128, result.gapLength);
    EXPECT_EQ(64, result.completeOffset);
}

TEST_F(TermRebuilderTest, shouldReportOnlyFirstOfSeveralGapsThenTheNextOnceFilled)
{
    insert(64, 20, 1);
    insert(256, 20, 2);
    auto result = scan(0, 512);
    EXPECT_EQ(0, result.gapOffset);
    EXPECT_EQ(64, result.gapLength);

    insert(0, 20, 3);
    result = scan(0, 512);
    EXPECT_EQ(128, result.gapOffset);
    EXPECT_EQ(128, result.gapLength);

    insert(128, 96, 4); // 128 bytes: exactly fills 128..256
    insert(320, 20, 5);
    result = scan(0, 512);
    EXPECT_EQ(384, result.gapOffset);
    EXPECT_EQ(128, result.gapLength) << "a trailing gap runs to the limit";
}

TEST_F(TermRebuilderTest, shouldScanFromRebuildOffset)
{
    insert(0, 20, 1);
    insert(128, 20, 2);
    const auto result = scan(128, 256);
    EXPECT_EQ(192, result.gapOffset);
    EXPECT_EQ(64, result.gapLength);
}

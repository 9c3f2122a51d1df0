#include <gtest/gtest.h>

#include <vector>

#include "LogTestSupport.hpp"
#include "cox/transport/TermAppender.hpp"
#include "cox/transport/TermReader.hpp"
#include "cox/transport/TermScanner.hpp"

using namespace cox::transport;
using cox::transport::test::InMemoryLog;

namespace
{
struct Fragment
{
    std::int32_t offset;
    std::int32_t length;
    std::uint8_t firstByte;
    std::int64_t position;
    std::int32_t sessionId;
};

class TermReaderTest : public ::testing::Test
{
protected:
    InMemoryLog m_log;
    HeaderWriter m_header{InMemoryLog::SESSION_ID, InMemoryLog::STREAM_ID};
    TermAppender m_appender{m_log.term(0), m_log.meta(), 0};
    Header m_readHeader{InMemoryLog::INITIAL_TERM_ID, LogBufferDescriptor::positionBitsToShift(InMemoryLog::TERM_LENGTH)};
    std::vector<Fragment> m_fragments;

    void append(std::int32_t length, std::uint8_t fill)
    {
        const std::vector<std::uint8_t> message(static_cast<std::size_t>(length), fill);
        ASSERT_GT(m_appender.appendUnfragmentedMessage(m_header, message.data(), length, {}, InMemoryLog::INITIAL_TERM_ID), 0);
    }

    TermReader::ReadOutcome read(std::int32_t offset, std::int32_t limit)
    {
        return TermReader::read(
            m_log.term(0),
            offset,
            [this](const cox::util::AtomicBuffer& buffer, std::int32_t at, std::int32_t length, const Header& header)
            {
                m_fragments.push_back(
                    {at, length, buffer.getUInt8(static_cast<std::size_t>(at)), header.position(), header.sessionId()});
            },
            limit,
            m_readHeader);
    }
};
} // namespace

TEST_F(TermReaderTest, shouldReadNothingFromEmptyTerm)
{
    const auto outcome = read(0, 10);
    EXPECT_EQ(0, outcome.offset);
    EXPECT_EQ(0, outcome.fragmentsRead);
    EXPECT_TRUE(m_fragments.empty());
}

TEST_F(TermReaderTest, shouldReadUpToFragmentLimitAndResume)
{
    append(10, 0xA);
    append(40, 0xB);
    append(1, 0xC);
    auto outcome = read(0, 2);
    EXPECT_EQ(2, outcome.fragmentsRead);
    EXPECT_EQ(64 + 96, outcome.offset);
    ASSERT_EQ(2U, m_fragments.size());
    EXPECT_EQ(32, m_fragments[0].offset);
    EXPECT_EQ(10, m_fragments[0].length);
    EXPECT_EQ(0xA, m_fragments[0].firstByte);
    EXPECT_EQ(64, m_fragments[0].position);
    EXPECT_EQ(InMemoryLog::SESSION_ID, m_fragments[0].sessionId);
    EXPECT_EQ(160, m_fragments[1].position);

    outcome = read(outcome.offset, 10);
    EXPECT_EQ(1, outcome.fragmentsRead);
    EXPECT_EQ(224, outcome.offset);
    EXPECT_EQ(0xC, m_fragments[2].firstByte);
}

TEST_F(TermReaderTest, shouldStopAtInProgressClaim)
{
    append(10, 1);
    BufferClaim claim;
    ASSERT_GT(m_appender.claim(m_header, 10, claim, InMemoryLog::INITIAL_TERM_ID), 0);
    append(10, 3);
    auto outcome = read(0, 10);
    EXPECT_EQ(1, outcome.fragmentsRead);
    EXPECT_EQ(64, outcome.offset);
    claim.commit();
    outcome = read(outcome.offset, 10);
    EXPECT_EQ(2, outcome.fragmentsRead);
}

TEST_F(TermReaderTest, shouldSkipPaddingWithoutCountingIt)
{
    append(10, 1);
    ASSERT_GT(m_appender.appendPadding(m_header, 100, InMemoryLog::INITIAL_TERM_ID), 0);
    append(10, 2);
    const auto outcome = read(0, 2);
    EXPECT_EQ(2, outcome.fragmentsRead);
    EXPECT_EQ(64 + 160 + 64, outcome.offset);
    EXPECT_EQ(2, m_fragments[1].firstByte);
}

TEST_F(TermReaderTest, shouldReadToTermEndIncludingTrailingPadding)
{
    LogBufferDescriptor::rawTailOrdered(
        m_log.meta(), 0, LogBufferDescriptor::packTail(InMemoryLog::INITIAL_TERM_ID, InMemoryLog::TERM_LENGTH - 128));
    append(10, 1);
    const std::vector<std::uint8_t> big(100);
    EXPECT_EQ(TermAppender::TRIPPED, m_appender.appendUnfragmentedMessage(m_header, big.data(), 100, {}, InMemoryLog::INITIAL_TERM_ID));
    const auto outcome = read(InMemoryLog::TERM_LENGTH - 128, 10);
    EXPECT_EQ(1, outcome.fragmentsRead);
    EXPECT_EQ(InMemoryLog::TERM_LENGTH, outcome.offset);
    EXPECT_EQ(InMemoryLog::TERM_LENGTH - 64, m_fragments[0].position);
}

TEST_F(TermReaderTest, shouldScanAvailableWholeFramesUpToLimit)
{
    append(100, 1); // 160 aligned
    append(10, 2);  // 64
    append(10, 3);  // 64
    auto scan = TermScanner::scanForAvailability(m_log.term(0), 0, 1408);
    EXPECT_EQ(288, scan.available);
    EXPECT_EQ(0, scan.padding);

    scan = TermScanner::scanForAvailability(m_log.term(0), 0, 200);
    EXPECT_EQ(160, scan.available) << "a frame that does not fit the limit is left whole for next time";

    scan = TermScanner::scanForAvailability(m_log.term(0), 0, 100);
    EXPECT_EQ(0, scan.available);
}

TEST_F(TermReaderTest, shouldScanPaddingAsHeaderOnlyAndReportRest)
{
    append(10, 1);
    ASSERT_GT(m_appender.appendPadding(m_header, 200, InMemoryLog::INITIAL_TERM_ID), 0); // 232 -> 256 aligned
    append(10, 2);
    const auto scan = TermScanner::scanForAvailability(m_log.term(0), 0, 4096);
    EXPECT_EQ(64 + 32, scan.available);
    EXPECT_EQ(256 - 32, scan.padding);
}

TEST_F(TermReaderTest, shouldStallAtFrameShorterThanItsHeaderInsteadOfDeliveringNegativeLength)
{
    // What overlapping frames from a hostile sender can leave behind: a frame length of 1 where a frame
    // should start (found by the receive-path fuzzer).
    append(64, 7);
    m_log.term(0).putInt32Ordered(96, 1);
    const auto outcome = read(0, 10);
    ASSERT_EQ(1u, m_fragments.size());
    EXPECT_EQ(96, outcome.offset) << "the reader stops at the corrupt frame";
    for (const auto& fragment : m_fragments)
    {
        EXPECT_GE(fragment.length, 0);
    }
}

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "LogTestSupport.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/TermAppender.hpp"
#include "cox/transport/TermReader.hpp"

using namespace cox::transport;
using cox::transport::test::InMemoryLog;
using cox::util::AtomicBuffer;

namespace
{
struct Message
{
    std::vector<std::uint8_t> bytes;
    std::int32_t sessionId;
    std::int64_t position;
};

struct Collector
{
    std::vector<Message>* messages;
    void operator()(const AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header) const
    {
        const std::uint8_t* begin = buffer.buffer() + offset;
        messages->push_back({{begin, begin + length}, header.sessionId(), header.position()});
    }
};

std::vector<std::uint8_t> pattern(std::size_t length, std::uint8_t seed)
{
    std::vector<std::uint8_t> bytes(length);
    for (std::size_t i = 0; i < length; ++i)
    {
        bytes[i] = static_cast<std::uint8_t>(seed + i * 13);
    }
    return bytes;
}

class FragmentAssemblerTest : public ::testing::Test
{
protected:
    static constexpr std::int32_t MAX_PAYLOAD = 1376;
    InMemoryLog m_log;
    TermAppender m_appender{m_log.term(0), m_log.meta(), 0};
    Header m_header{InMemoryLog::INITIAL_TERM_ID, LogBufferDescriptor::positionBitsToShift(InMemoryLog::TERM_LENGTH)};
    std::vector<Message> m_messages;
    FragmentAssembler<Collector> m_assembler{Collector{&m_messages}, 1024};

    void append(std::int32_t sessionId, const std::vector<std::uint8_t>& message)
    {
        const HeaderWriter writer(sessionId, InMemoryLog::STREAM_ID);
        const auto length = static_cast<std::int32_t>(message.size());
        const std::int32_t result = length <= MAX_PAYLOAD
            ? m_appender.appendUnfragmentedMessage(writer, message.data(), length, {}, InMemoryLog::INITIAL_TERM_ID)
            : m_appender.appendFragmentedMessage(writer, message.data(), length, MAX_PAYLOAD, {}, InMemoryLog::INITIAL_TERM_ID);
        ASSERT_GT(result, 0);
    }

    /// Feeds frames to the assembler in the given order of frame offsets.
    void deliver(const std::vector<std::int32_t>& frameOffsets)
    {
        auto handler = m_assembler.handler();
        for (const std::int32_t offset : frameOffsets)
        {
            const std::int32_t frameLength = FrameDescriptor::frameLengthVolatile(m_log.term(0), offset);
            m_header.wrap(m_log.term(0), offset);
            handler(m_log.term(0), offset + 32, frameLength - 32, m_header);
        }
    }

    std::int32_t pollAll()
    {
        return TermReader::read(m_log.term(0), 0, m_assembler.handler(), 1000, m_header).fragmentsRead;
    }
};
} // namespace

TEST_F(FragmentAssemblerTest, shouldPassUnfragmentedMessageStraightThrough)
{
    const auto message = pattern(100, 1);
    append(7, message);
    EXPECT_EQ(1, pollAll());
    ASSERT_EQ(1U, m_messages.size());
    EXPECT_EQ(message, m_messages[0].bytes);
    EXPECT_EQ(0, m_assembler.bufferCapacity(7)) << "no buffer is made for whole messages";
}

TEST_F(FragmentAssemblerTest, shouldReassembleLargeMessage)
{
    const auto message = pattern(5000, 2);
    append(7, message);
    EXPECT_EQ(4, pollAll());
    ASSERT_EQ(1U, m_messages.size());
    EXPECT_EQ(message, m_messages[0].bytes);
    EXPECT_EQ(7, m_messages[0].sessionId);
    EXPECT_EQ(LogBufferDescriptor::computeFragmentedFrameLength(5000, MAX_PAYLOAD), m_messages[0].position)
        << "the delegate's header gives the position after the whole message";
}

TEST_F(FragmentAssemblerTest, shouldReassembleInterleavedSessions)
{
    const auto first = pattern(2000, 3);
    const auto second = pattern(3000, 4);
    append(1, first);  // frames at 0 (1408) and 1408 (align(624+32)=672) -> ends 2080
    append(2, second); // frames at 2080, 3488, 4896
    deliver({0, 2080, 3488, 1408, 4896});
    ASSERT_EQ(2U, m_messages.size());
    EXPECT_EQ(1, m_messages[0].sessionId);
    EXPECT_EQ(first, m_messages[0].bytes);
    EXPECT_EQ(2, m_messages[1].sessionId);
    EXPECT_EQ(second, m_messages[1].bytes);
}

TEST_F(FragmentAssemblerTest, shouldGrowBufferOnlyForLargerMessages)
{
    append(9, pattern(3000, 5));
    pollAll();
    const std::int32_t capacity = m_assembler.bufferCapacity(9);
    EXPECT_EQ(4096, capacity) << "doubled from 1024 until 3000 fits";
    m_messages.clear();

    InMemoryLog other;
    TermAppender appender(other.term(0), other.meta(), 0);
    const HeaderWriter writer(9, InMemoryLog::STREAM_ID);
    const auto smaller = pattern(2000, 6);
    ASSERT_GT(appender.appendFragmentedMessage(writer, smaller.data(), 2000, MAX_PAYLOAD, {}, InMemoryLog::INITIAL_TERM_ID), 0);
    TermReader::read(other.term(0), 0, m_assembler.handler(), 10, m_header);
    ASSERT_EQ(1U, m_messages.size());
    EXPECT_EQ(smaller, m_messages[0].bytes);
    EXPECT_EQ(capacity, m_assembler.bufferCapacity(9));
}

TEST_F(FragmentAssemblerTest, shouldDropMessageWithMissingMiddleFragment)
{
    const auto message = pattern(5000, 7);
    append(3, message); // frames at 0, 1408, 2816, 4224
    deliver({0, 2816, 4224});
    EXPECT_TRUE(m_messages.empty());

    deliver({0, 1408, 2816, 4224});
    ASSERT_EQ(1U, m_messages.size());
    EXPECT_EQ(message, m_messages[0].bytes);
}

TEST_F(FragmentAssemblerTest, shouldIgnoreFragmentsWithoutBegin)
{
    append(3, pattern(3000, 8));
    deliver({1408, 2816});
    EXPECT_TRUE(m_messages.empty());
}

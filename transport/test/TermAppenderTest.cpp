#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "LogTestSupport.hpp"
#include "cox/transport/TermAppender.hpp"

using namespace cox::transport;
using cox::transport::test::InMemoryLog;
using DHF = cox::codecs::frames::DataHeaderFlyweight;

namespace
{
std::vector<std::uint8_t> pattern(std::size_t length, std::uint8_t seed = 0)
{
    std::vector<std::uint8_t> bytes(length);
    for (std::size_t i = 0; i < length; ++i)
    {
        bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
    return bytes;
}

class TermAppenderTest : public ::testing::Test
{
protected:
    InMemoryLog m_log;
    HeaderWriter m_header{InMemoryLog::SESSION_ID, InMemoryLog::STREAM_ID};
    TermAppender m_appender{m_log.term(0), m_log.meta(), 0};
    ReservedValueSupplier m_noReserved{};

    DHF frameAt(std::int32_t offset) { return {m_log.term(0), static_cast<std::size_t>(offset)}; }
};
} // namespace

TEST_F(TermAppenderTest, shouldAppendUnfragmentedFrameWithHeaderAndAlignment)
{
    const auto message = pattern(100);
    const std::int32_t result =
        m_appender.appendUnfragmentedMessage(m_header, message.data(), 100, m_noReserved, InMemoryLog::INITIAL_TERM_ID);
    EXPECT_EQ(160, result) << "align(100 + 32, 32)";
    const DHF frame = frameAt(0);
    EXPECT_EQ(132, frame.frameLength());
    EXPECT_EQ(0, frame.version());
    EXPECT_EQ(DHF::BEGIN_AND_END_FLAGS, frame.flags());
    EXPECT_EQ(DHF::HDR_TYPE_DATA, frame.type());
    EXPECT_EQ(0, frame.termOffset());
    EXPECT_EQ(InMemoryLog::SESSION_ID, frame.sessionId());
    EXPECT_EQ(InMemoryLog::STREAM_ID, frame.streamId());
    EXPECT_EQ(InMemoryLog::INITIAL_TERM_ID, frame.termId());
    EXPECT_EQ(0, frame.reservedValue());
    EXPECT_EQ(0, std::memcmp(message.data(), m_log.term(0).buffer() + 32, 100));
    EXPECT_EQ(LogBufferDescriptor::packTail(InMemoryLog::INITIAL_TERM_ID, 160), m_appender.rawTailVolatile());

    const std::int32_t second =
        m_appender.appendUnfragmentedMessage(m_header, message.data(), 10, m_noReserved, InMemoryLog::INITIAL_TERM_ID);
    EXPECT_EQ(224, second);
    EXPECT_EQ(160, frameAt(160).termOffset());
}

TEST_F(TermAppenderTest, shouldGatherVectorsIntoOneFrame)
{
    const std::uint8_t a[] = {1, 2, 3};
    const std::uint8_t b[] = {4, 5};
    const BufferVector vectors[] = {{a, 3}, {b, 2}};
    EXPECT_EQ(64, m_appender.appendUnfragmentedMessage(m_header, vectors, 5, m_noReserved, InMemoryLog::INITIAL_TERM_ID));
    const std::uint8_t* payload = m_log.term(0).buffer() + 32;
    EXPECT_EQ((std::vector<std::uint8_t>{1, 2, 3, 4, 5}), std::vector<std::uint8_t>(payload, payload + 5));
    EXPECT_EQ(37, frameAt(0).frameLength());
}

TEST_F(TermAppenderTest, shouldCallReservedValueSupplierWithFrame)
{
    struct Context
    {
        std::int32_t calls = 0;
        std::int32_t lastLength = 0;
    } context;
    const ReservedValueSupplier supplier{
        [](void* clientd, const cox::util::AtomicBuffer& term, std::int32_t offset, std::int32_t length) -> std::int64_t
        {
            auto* ctx = static_cast<Context*>(clientd);
            ++ctx->calls;
            ctx->lastLength = length;
            return 1000 + term.getUInt8(static_cast<std::size_t>(offset + 32));
        },
        &context};
    const auto message = pattern(8, 5);
    static_cast<void>(m_appender.appendUnfragmentedMessage(m_header, message.data(), 8, supplier, InMemoryLog::INITIAL_TERM_ID));
    EXPECT_EQ(1, context.calls);
    EXPECT_EQ(40, context.lastLength);
    EXPECT_EQ(1005, frameAt(0).reservedValue());
}

TEST_F(TermAppenderTest, shouldFragmentAtMaxPayloadWithBeginAndEndFlags)
{
    constexpr std::int32_t maxPayload = 1376;
    const auto message = pattern(3000);
    const std::int32_t result = m_appender.appendFragmentedMessage(
        m_header, message.data(), 3000, maxPayload, m_noReserved, InMemoryLog::INITIAL_TERM_ID);
    EXPECT_EQ(1408 + 1408 + 288, result);

    EXPECT_EQ(1408, frameAt(0).frameLength());
    EXPECT_EQ(DHF::BEGIN_FLAG, frameAt(0).flags());
    EXPECT_EQ(1408, frameAt(1408).frameLength());
    EXPECT_EQ(0, frameAt(1408).flags());
    EXPECT_EQ(1408, frameAt(1408).termOffset());
    EXPECT_EQ(248 + 32, frameAt(2816).frameLength());
    EXPECT_EQ(DHF::END_FLAG, frameAt(2816).flags());

    std::vector<std::uint8_t> reassembled;
    for (std::int32_t offset : {0, 1408, 2816})
    {
        const std::uint8_t* payload = m_log.term(0).buffer() + offset + 32;
        reassembled.insert(reassembled.end(), payload, payload + frameAt(offset).frameLength() - 32);
    }
    EXPECT_EQ(message, reassembled);
}

TEST_F(TermAppenderTest, shouldFragmentGatheredVectorsAcrossFrameBoundaries)
{
    const auto first = pattern(50, 1);
    const auto second = pattern(70, 2);
    const BufferVector vectors[] = {{first.data(), 50}, {second.data(), 70}};
    const std::int32_t result =
        m_appender.appendFragmentedMessage(m_header, vectors, 120, 32, m_noReserved, InMemoryLog::INITIAL_TERM_ID);
    EXPECT_EQ(4 * 64, result) << "payloads 32+32+32+24, each frame aligned to 64";
    std::vector<std::uint8_t> expected(first);
    expected.insert(expected.end(), second.begin(), second.end());
    std::vector<std::uint8_t> actual;
    for (std::int32_t offset = 0; offset < result; offset += 64)
    {
        const std::uint8_t* payload = m_log.term(0).buffer() + offset + 32;
        actual.insert(actual.end(), payload, payload + frameAt(offset).frameLength() - 32);
    }
    EXPECT_EQ(expected, actual);
    EXPECT_EQ(DHF::END_FLAG, frameAt(192).flags());
}

TEST_F(TermAppenderTest, shouldPadToTermEndAndTripWhenMessageDoesNotFit)
{
    const std::int32_t nearEnd = InMemoryLog::TERM_LENGTH - 96;
    LogBufferDescriptor::rawTailOrdered(m_log.meta(), 0, LogBufferDescriptor::packTail(InMemoryLog::INITIAL_TERM_ID, nearEnd));
    const auto message = pattern(100);
    EXPECT_EQ(
        TermAppender::TRIPPED,
        m_appender.appendUnfragmentedMessage(m_header, message.data(), 100, m_noReserved, InMemoryLog::INITIAL_TERM_ID));
    const DHF pad = frameAt(nearEnd);
    EXPECT_EQ(DHF::HDR_TYPE_PAD, pad.type());
    EXPECT_EQ(96, pad.frameLength());
    EXPECT_EQ(nearEnd, pad.termOffset());

    EXPECT_EQ(
        TermAppender::FAILED,
        m_appender.appendUnfragmentedMessage(m_header, message.data(), 8, m_noReserved, InMemoryLog::INITIAL_TERM_ID))
        << "later claims find the term already tripped";
    EXPECT_EQ(96, pad.frameLength()) << "and write nothing";
}

TEST_F(TermAppenderTest, shouldTripWithoutPaddingWhenTermExactlyFull)
{
    LogBufferDescriptor::rawTailOrdered(
        m_log.meta(), 0, LogBufferDescriptor::packTail(InMemoryLog::INITIAL_TERM_ID, InMemoryLog::TERM_LENGTH));
    EXPECT_EQ(TermAppender::TRIPPED, m_appender.appendPadding(m_header, 0, InMemoryLog::INITIAL_TERM_ID));
}

TEST_F(TermAppenderTest, shouldTripFragmentedMessageThatDoesNotFit)
{
    LogBufferDescriptor::rawTailOrdered(
        m_log.meta(), 0, LogBufferDescriptor::packTail(InMemoryLog::INITIAL_TERM_ID, InMemoryLog::TERM_LENGTH - 1024));
    const auto message = pattern(3000);
    EXPECT_EQ(
        TermAppender::TRIPPED,
        m_appender.appendFragmentedMessage(m_header, message.data(), 3000, 1376, m_noReserved, InMemoryLog::INITIAL_TERM_ID));
    EXPECT_EQ(1024, frameAt(InMemoryLog::TERM_LENGTH - 1024).frameLength());
    EXPECT_EQ(DHF::HDR_TYPE_PAD, frameAt(InMemoryLog::TERM_LENGTH - 1024).type());
}

TEST_F(TermAppenderTest, shouldClaimThenCommitOrAbort)
{
    BufferClaim claim;
    EXPECT_EQ(64, m_appender.claim(m_header, 20, claim, InMemoryLog::INITIAL_TERM_ID));
    EXPECT_EQ(-52, frameAt(0).frameLength()) << "in progress until committed";
    EXPECT_EQ(32, claim.offset());
    EXPECT_EQ(20, claim.length());
    const auto payload = pattern(20);
    claim.putBytes(payload.data(), 20);
    claim.reservedValue(77);
    claim.commit();
    EXPECT_EQ(52, frameAt(0).frameLength());
    EXPECT_EQ(77, frameAt(0).reservedValue());
    EXPECT_EQ(DHF::HDR_TYPE_DATA, frameAt(0).type());

    EXPECT_EQ(128, m_appender.claim(m_header, 20, claim, InMemoryLog::INITIAL_TERM_ID));
    claim.abort();
    EXPECT_EQ(52, frameAt(64).frameLength());
    EXPECT_EQ(DHF::HDR_TYPE_PAD, frameAt(64).type());
}

TEST_F(TermAppenderTest, shouldThrowWhenTailTermIsNotActiveTerm)
{
    const std::uint8_t byte = 1;
    EXPECT_THROW(
        static_cast<void>(m_appender.appendUnfragmentedMessage(m_header, &byte, 1, m_noReserved, InMemoryLog::INITIAL_TERM_ID + 1)),
        cox::util::IllegalStateException);
}

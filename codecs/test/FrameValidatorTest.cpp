#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cox/codecs/frames/FrameValidator.hpp"

using namespace cox::codecs::frames;

namespace
{
class FrameValidatorTest : public ::testing::Test
{
protected:
    std::vector<std::uint8_t> m_datagram = std::vector<std::uint8_t>(256, 0);

    FrameCheck check(std::size_t length) { return FrameValidator::validate(m_datagram.data(), length); }

    DataHeaderFlyweight dataAt(std::size_t offset) { return {m_datagram.data() + offset, m_datagram.size() - offset}; }

    void writeData(std::size_t at, std::int32_t frameLength, std::int32_t termOffset, std::uint16_t type = HeaderFlyweight::HDR_TYPE_DATA)
    {
        dataAt(at).writeDataHeader(frameLength, DataHeaderFlyweight::BEGIN_AND_END_FLAGS, type, termOffset, 5, 6, 7);
    }

    void writeControl(std::uint16_t type, std::int32_t frameLength)
    {
        HeaderFlyweight(m_datagram.data(), m_datagram.size()).writeHeader(frameLength, 0, type);
    }
};
} // namespace

TEST_F(FrameValidatorTest, shouldAcceptEveryControlFrameOfItsOwnLength)
{
    const std::pair<std::uint16_t, std::int32_t> frames[] = {
        {HeaderFlyweight::HDR_TYPE_NAK, 28},  {HeaderFlyweight::HDR_TYPE_SM, 36},
        {HeaderFlyweight::HDR_TYPE_SM, 44},   {HeaderFlyweight::HDR_TYPE_SETUP, 40},
        {HeaderFlyweight::HDR_TYPE_RTTM, 40}, {HeaderFlyweight::HDR_TYPE_RSP_SETUP, 20},
        {HeaderFlyweight::HDR_TYPE_ERR, 40},  {HeaderFlyweight::HDR_TYPE_RES, 8},
    };
    for (const auto& [type, length] : frames)
    {
        writeControl(type, length);
        EXPECT_EQ(FrameCheck::OK, check(static_cast<std::size_t>(length))) << "type " << type;
    }
}

TEST_F(FrameValidatorTest, shouldRejectDatagramShorterThanCommonHeader)
{
    writeControl(HeaderFlyweight::HDR_TYPE_NAK, 28);
    EXPECT_EQ(FrameCheck::TOO_SHORT, check(7));
    EXPECT_EQ(FrameCheck::TOO_SHORT, check(0));
}

TEST_F(FrameValidatorTest, shouldRejectWrongVersion)
{
    writeControl(HeaderFlyweight::HDR_TYPE_NAK, 28);
    m_datagram[4] = 1;
    EXPECT_EQ(FrameCheck::UNSUPPORTED_VERSION, check(28));
}

TEST_F(FrameValidatorTest, shouldRejectUnknownType)
{
    writeControl(0x0C, 28);
    EXPECT_EQ(FrameCheck::UNKNOWN_TYPE, check(28));
    writeControl(0x7FFF, 28);
    EXPECT_EQ(FrameCheck::UNKNOWN_TYPE, check(28));
    writeControl(HeaderFlyweight::HDR_TYPE_EXT, 28);
    EXPECT_EQ(FrameCheck::OK, check(28)) << "EXT is reserved, not unknown";
}

TEST_F(FrameValidatorTest, shouldRejectDatagramShorterThanTypeHeader)
{
    writeControl(HeaderFlyweight::HDR_TYPE_NAK, 28);
    EXPECT_EQ(FrameCheck::HEADER_TRUNCATED, check(27));
    writeControl(HeaderFlyweight::HDR_TYPE_SM, 36);
    EXPECT_EQ(FrameCheck::HEADER_TRUNCATED, check(35));
    writeData(0, 64, 0);
    EXPECT_EQ(FrameCheck::HEADER_TRUNCATED, check(31));
}

TEST_F(FrameValidatorTest, shouldRejectControlFrameLengthOutsideHeaderAndDatagram)
{
    writeControl(HeaderFlyweight::HDR_TYPE_SM, 100);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(36)) << "claims more than was received";
    writeControl(HeaderFlyweight::HDR_TYPE_SM, 20);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(36)) << "shorter than its own header";
    writeControl(HeaderFlyweight::HDR_TYPE_SETUP, -1);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(40));
}

TEST_F(FrameValidatorTest, shouldRejectErrorTextLengthOutOfRange)
{
    writeControl(HeaderFlyweight::HDR_TYPE_ERR, 50);
    ErrorFlyweight error(m_datagram.data(), m_datagram.size());
    m_datagram[36] = 10;
    EXPECT_EQ(FrameCheck::OK, check(50));
    m_datagram[36] = 11;
    EXPECT_EQ(FrameCheck::BAD_ERROR_LENGTH, check(50)) << "text runs past frame_length";
    m_datagram[36] = 0xFF;
    m_datagram[37] = 0xFF;
    m_datagram[38] = 0xFF;
    m_datagram[39] = 0xFF;
    EXPECT_EQ(FrameCheck::BAD_ERROR_LENGTH, check(50)) << "negative";
    EXPECT_EQ(-1, error.errorMessageLength());
}

TEST_F(FrameValidatorTest, shouldAcceptHeartbeatOnlyAsLone32ByteDatagram)
{
    writeData(0, 0, 64);
    EXPECT_EQ(FrameCheck::OK, check(32));
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(64));
    writeData(0, 0, 64, HeaderFlyweight::HDR_TYPE_PAD);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(32));
}

TEST_F(FrameValidatorTest, shouldAcceptSeveralConsecutiveFramesEndingWithPad)
{
    writeData(0, 40, 128);
    writeData(64, 32, 192);
    writeData(96, 1000, 224, HeaderFlyweight::HDR_TYPE_PAD);
    EXPECT_EQ(FrameCheck::OK, check(128));
    EXPECT_EQ(FrameCheck::OK, check(96));
}

TEST_F(FrameValidatorTest, shouldRejectPadFrameThatIsNotLast)
{
    writeData(0, 1000, 0, HeaderFlyweight::HDR_TYPE_PAD);
    writeData(32, 32, 32);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(64));
}

TEST_F(FrameValidatorTest, shouldRejectDataFrameLengthBeyondDatagramOrBelowHeader)
{
    writeData(0, 100, 0);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(96));
    writeData(0, 16, 0);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(32));
    writeData(0, 40, 0);
    writeData(64, 0, 64);
    EXPECT_EQ(FrameCheck::BAD_FRAME_LENGTH, check(96)) << "an empty frame inside a datagram";
}

TEST_F(FrameValidatorTest, shouldRejectMisalignedOrNegativeTermOffset)
{
    writeData(0, 32, 48);
    EXPECT_EQ(FrameCheck::BAD_TERM_OFFSET, check(32));
    writeData(0, 32, -32);
    EXPECT_EQ(FrameCheck::BAD_TERM_OFFSET, check(32));
}

TEST_F(FrameValidatorTest, shouldRejectFramesThatDoNotFollowOnInOneStream)
{
    writeData(0, 32, 0);
    writeData(32, 32, 64);
    EXPECT_EQ(FrameCheck::INCONSISTENT_FRAMES, check(64)) << "term offset does not follow on";

    writeData(32, 32, 32);
    dataAt(32).sessionId(99);
    EXPECT_EQ(FrameCheck::INCONSISTENT_FRAMES, check(64)) << "another session";

    writeData(32, 32, 32);
    dataAt(32).termId(8);
    EXPECT_EQ(FrameCheck::INCONSISTENT_FRAMES, check(64)) << "another term";

    writeData(32, 32, 32, HeaderFlyweight::HDR_TYPE_SM);
    EXPECT_EQ(FrameCheck::INCONSISTENT_FRAMES, check(64)) << "a control frame packed after data";

    writeData(32, 32, 32);
    m_datagram[32 + 4] = 2;
    EXPECT_EQ(FrameCheck::UNSUPPORTED_VERSION, check(64));

    writeData(32, 32, 32);
    EXPECT_EQ(FrameCheck::OK, check(64));
    EXPECT_EQ(FrameCheck::HEADER_TRUNCATED, check(48)) << "trailing partial header";
}

TEST_F(FrameValidatorTest, shouldNameEveryCheck)
{
    EXPECT_STREQ("OK", frameCheckName(FrameCheck::OK));
    EXPECT_STREQ("BAD_ERROR_LENGTH", frameCheckName(FrameCheck::BAD_ERROR_LENGTH));
    EXPECT_STREQ("INCONSISTENT_FRAMES", frameCheckName(FrameCheck::INCONSISTENT_FRAMES));
}

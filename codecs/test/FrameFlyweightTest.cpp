#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/codecs/frames/ErrorFlyweight.hpp"
#include "cox/codecs/frames/NakFlyweight.hpp"
#include "cox/codecs/frames/ResponseSetupFlyweight.hpp"
#include "cox/codecs/frames/RttMeasurementFlyweight.hpp"
#include "cox/codecs/frames/SetupFlyweight.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"

using namespace cox::codecs::frames;
using Bytes = std::vector<std::uint8_t>;

namespace
{
Bytes bytesOf(const std::uint8_t* data, std::size_t length)
{
    return {data, data + length};
}
} // namespace

TEST(FrameFlyweightTest, shouldEncodeDataHeaderAtAeronOffsets)
{
    std::array<std::uint8_t, 40> frame{};
    DataHeaderFlyweight header(frame.data(), frame.size());
    header.writeDataHeader(
        40, DataHeaderFlyweight::BEGIN_AND_END_FLAGS, HeaderFlyweight::HDR_TYPE_DATA, 0x100, 7, 1001, -2,
        0x0102030405060708LL);

    const Bytes expected{
        0x28, 0x00, 0x00, 0x00, // frame_length 40
        0x00, 0xC0, 0x01, 0x00, // version 0, flags B|E, type DATA
        0x00, 0x01, 0x00, 0x00, // term_offset 256
        0x07, 0x00, 0x00, 0x00, // session_id 7
        0xE9, 0x03, 0x00, 0x00, // stream_id 1001
        0xFE, 0xFF, 0xFF, 0xFF, // term_id -2
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // reserved_value
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), 32));
    EXPECT_EQ(40, header.frameLength());
    EXPECT_EQ(0x100, header.termOffset());
    EXPECT_EQ(7, header.sessionId());
    EXPECT_EQ(1001, header.streamId());
    EXPECT_EQ(-2, header.termId());
    EXPECT_EQ(0x0102030405060708LL, header.reservedValue());
    EXPECT_TRUE(header.isBegin());
    EXPECT_TRUE(header.isEnd());
    EXPECT_FALSE(header.isEndOfStream());
}

TEST(FrameFlyweightTest, shouldEncodePadAndEosHeartbeatFlags)
{
    std::array<std::uint8_t, 32> frame{};
    DataHeaderFlyweight header(frame.data(), frame.size());
    header.writeDataHeader(0, 0xE0, HeaderFlyweight::HDR_TYPE_DATA, 64, 1, 2, 3);
    EXPECT_EQ(0xE0, frame[5]);
    EXPECT_TRUE(header.isEndOfStream());
    EXPECT_TRUE(DataHeaderFlyweight::isHeartbeat(header.frameLength(), 32));
    EXPECT_FALSE(DataHeaderFlyweight::isHeartbeat(header.frameLength(), 64));

    header.writeDataHeader(4096, 0, HeaderFlyweight::HDR_TYPE_PAD, 64, 1, 2, 3);
    EXPECT_EQ(0x00, frame[6]);
    EXPECT_EQ(0x00, frame[7]);
    EXPECT_EQ(0x00, frame[0]);
    EXPECT_EQ(0x10, frame[1]);
}

TEST(FrameFlyweightTest, shouldWrapFrameAtOffsetInLargerBuffer)
{
    std::array<std::uint8_t, 96> memory{};
    cox::util::AtomicBuffer buffer(memory.data(), memory.size());
    DataHeaderFlyweight header(buffer, 64);
    header.sessionId(0x11223344);
    EXPECT_EQ(0x44, memory[64 + 12]);
    EXPECT_EQ(0x11, memory[64 + 15]);
    EXPECT_EQ(32U, header.buffer().capacity());
}

TEST(FrameFlyweightTest, shouldEncodeSetup)
{
    std::array<std::uint8_t, SetupFlyweight::HEADER_LENGTH> frame{};
    SetupFlyweight setup(frame.data(), frame.size());
    setup.writeHeader(SetupFlyweight::HEADER_LENGTH, SetupFlyweight::GROUP_FLAG, HeaderFlyweight::HDR_TYPE_SETUP);
    setup.termOffset(1024);
    setup.sessionId(-5);
    setup.streamId(10);
    setup.initialTermId(100);
    setup.activeTermId(102);
    setup.termLength(65536);
    setup.mtu(1408);
    setup.ttl(8);

    const Bytes expected{
        0x28, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x00, //
        0x00, 0x04, 0x00, 0x00, // term_offset 1024
        0xFB, 0xFF, 0xFF, 0xFF, // session -5
        0x0A, 0x00, 0x00, 0x00, // stream 10
        0x64, 0x00, 0x00, 0x00, // initial term 100
        0x66, 0x00, 0x00, 0x00, // active term 102
        0x00, 0x00, 0x01, 0x00, // term length 65536
        0x80, 0x05, 0x00, 0x00, // mtu 1408
        0x08, 0x00, 0x00, 0x00, // ttl 8
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), frame.size()));
    EXPECT_EQ(102, setup.activeTermId());
    EXPECT_EQ(65536, setup.termLength());
    EXPECT_EQ(1408, setup.mtu());
    EXPECT_EQ(8, setup.ttl());
}

TEST(FrameFlyweightTest, shouldEncodeStatusMessageWithUnalignedReceiverIdAndGroupTag)
{
    std::array<std::uint8_t, StatusMessageFlyweight::HEADER_LENGTH_WITH_GROUP_TAG> frame{};
    StatusMessageFlyweight sm(frame.data(), frame.size());
    sm.writeHeader(StatusMessageFlyweight::HEADER_LENGTH, StatusMessageFlyweight::SEND_SETUP_FLAG, HeaderFlyweight::HDR_TYPE_SM);
    sm.sessionId(1);
    sm.streamId(2);
    sm.consumptionTermId(3);
    sm.consumptionTermOffset(0x40);
    sm.receiverWindow(131072);
    sm.receiverId(0x1122334455667788LL);

    const Bytes expected{
        0x24, 0x00, 0x00, 0x00, 0x00, 0x80, 0x03, 0x00, //
        0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, //
        0x03, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, //
        0x00, 0x00, 0x02, 0x00,                         // window 128 KiB
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // receiver id at 28
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), StatusMessageFlyweight::HEADER_LENGTH));
    EXPECT_FALSE(sm.hasGroupTag());
    EXPECT_EQ(0x1122334455667788LL, sm.receiverId());

    sm.frameLength(StatusMessageFlyweight::HEADER_LENGTH_WITH_GROUP_TAG);
    sm.groupTag(-7);
    EXPECT_TRUE(sm.hasGroupTag());
    EXPECT_EQ(-7, sm.groupTag());
    EXPECT_EQ(0xF9, frame[36]);
    EXPECT_EQ(0xFF, frame[43]);

    sm.frameLength(40);
    EXPECT_FALSE(sm.hasGroupTag()) << "only exactly 44 bytes carries a tag";
}

TEST(FrameFlyweightTest, shouldEncodeNak)
{
    std::array<std::uint8_t, NakFlyweight::HEADER_LENGTH> frame{};
    NakFlyweight nak(frame.data(), frame.size());
    nak.writeHeader(NakFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_NAK);
    nak.sessionId(9);
    nak.streamId(8);
    nak.termId(7);
    nak.termOffset(4096);
    nak.length(1408);
    const Bytes expected{
        0x1C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, //
        0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, //
        0x07, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, //
        0x80, 0x05, 0x00, 0x00,
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), frame.size()));
    EXPECT_EQ(4096, nak.termOffset());
    EXPECT_EQ(1408, nak.length());
}

TEST(FrameFlyweightTest, shouldEncodeRttMeasurement)
{
    std::array<std::uint8_t, RttMeasurementFlyweight::HEADER_LENGTH> frame{};
    RttMeasurementFlyweight rttm(frame.data(), frame.size());
    rttm.writeHeader(RttMeasurementFlyweight::HEADER_LENGTH, RttMeasurementFlyweight::REPLY_FLAG, HeaderFlyweight::HDR_TYPE_RTTM);
    rttm.sessionId(1);
    rttm.streamId(2);
    rttm.echoTimestampNs(1000);
    rttm.receptionDeltaNs(20);
    rttm.receiverId(-1);
    const Bytes expected{
        0x28, 0x00, 0x00, 0x00, 0x00, 0x80, 0x06, 0x00, //
        0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, //
        0xE8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), frame.size()));
    EXPECT_EQ(1000, rttm.echoTimestampNs());
    EXPECT_EQ(20, rttm.receptionDeltaNs());
}

TEST(FrameFlyweightTest, shouldEncodeErrorWithText)
{
    std::array<std::uint8_t, 64> frame{};
    ErrorFlyweight error(frame.data(), frame.size());
    error.writeHeader(0, ErrorFlyweight::HAS_GROUP_ID_FLAG, HeaderFlyweight::HDR_TYPE_ERR);
    error.sessionId(3);
    error.streamId(4);
    error.receiverId(5);
    error.groupTag(6);
    error.errorCode(13);
    EXPECT_EQ(43, error.errorMessage("bad"));

    const Bytes expected{
        0x2B, 0x00, 0x00, 0x00, 0x00, 0x08, 0x04, 0x00, //
        0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, //
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x0D, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, //
        'b', 'a', 'd',
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), 43));
    EXPECT_EQ("bad", error.errorMessage());
    EXPECT_EQ(13, error.errorCode());
}

TEST(FrameFlyweightTest, shouldTruncateErrorTextToLimit)
{
    std::vector<std::uint8_t> frame(ErrorFlyweight::MAX_ERROR_FRAME_LENGTH + 100);
    ErrorFlyweight error(frame.data(), frame.size());
    const std::string text(2000, 'x');
    EXPECT_EQ(ErrorFlyweight::MAX_ERROR_FRAME_LENGTH, error.errorMessage(text));
    EXPECT_EQ(1023, error.errorMessageLength());
}

TEST(FrameFlyweightTest, shouldEncodeResponseSetup)
{
    std::array<std::uint8_t, ResponseSetupFlyweight::HEADER_LENGTH> frame{};
    ResponseSetupFlyweight rsp(frame.data(), frame.size());
    rsp.writeHeader(ResponseSetupFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_RSP_SETUP);
    rsp.sessionId(1);
    rsp.streamId(2);
    rsp.responseSessionId(0x0A0B0C0D);
    const Bytes expected{
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B, 0x00, //
        0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, //
        0x0D, 0x0C, 0x0B, 0x0A,
    };
    EXPECT_EQ(expected, bytesOf(frame.data(), frame.size()));
    EXPECT_EQ(0x0A0B0C0D, rsp.responseSessionId());
}

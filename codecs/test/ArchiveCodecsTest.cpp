// Golden-byte, versioning and robustness tests of the generated Aeron Archive control codecs (schema 101
// v10). Expected bytes are written by hand from the SBE layout and the offsets in the archive facts §1.2.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "cox/codecs/archive/ArchiveCodecs.hpp"

using namespace cox::codecs::archive;
using cox::codecs::sbe::DecodeError;

namespace
{
class Bytes
{
public:
    Bytes& i8(std::int8_t v) { return le(static_cast<std::uint8_t>(v), 1); }
    Bytes& u16(std::uint16_t v) { return le(v, 2); }
    Bytes& i32(std::int32_t v) { return le(static_cast<std::uint32_t>(v), 4); }
    Bytes& u32(std::uint32_t v) { return le(v, 4); }
    Bytes& i64(std::int64_t v) { return le(static_cast<std::uint64_t>(v), 8); }
    Bytes& zeros(std::size_t n)
    {
        m_bytes.insert(m_bytes.end(), n, 0);
        return *this;
    }
    Bytes& var(std::string_view s)
    {
        u32(static_cast<std::uint32_t>(s.size()));
        m_bytes.insert(m_bytes.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& header(std::uint16_t blockLength, std::uint16_t templateId, std::uint16_t version = 10)
    {
        return u16(blockLength).u16(templateId).u16(101).u16(version);
    }

    [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return m_bytes; }
    [[nodiscard]] std::size_t size() const { return m_bytes.size(); }
    [[nodiscard]] const std::uint8_t* data() const { return m_bytes.data(); }

private:
    Bytes& le(std::uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i)
        {
            m_bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
        return *this;
    }

    std::vector<std::uint8_t> m_bytes;
};

constexpr std::uint8_t FILL = 0x5A;

std::vector<std::uint8_t> filled()
{
    return std::vector<std::uint8_t>(512, FILL);
}

void expectEncoded(const std::vector<std::uint8_t>& buffer, std::size_t length, const Bytes& expected)
{
    ASSERT_EQ(length, expected.size());
    EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(length)), expected.bytes());
    EXPECT_EQ(buffer[length], FILL) << "wrote past the end of the message";
}

template <typename Decoder>
void expectEveryTruncationRefused(const Bytes& message)
{
    for (std::size_t length = 0; length < message.size(); ++length)
    {
        std::vector<std::uint8_t> prefix(message.bytes().begin(), message.bytes().begin() + static_cast<long>(length));
        Decoder decoder;
        EXPECT_NE(decoder.wrapWithHeader(prefix.data(), 0, prefix.size()), DecodeError::NONE)
            << "prefix of " << length << " bytes accepted";
    }
}

Bytes recordingDescriptorBytes()
{
    Bytes b;
    b.header(80, 22)
        .i64(3).i64(4).i64(5).i64(1700000000000LL).i64(-1).i64(0).i64(-1)
        .i32(7).i32(128 * 1024 * 1024).i32(64 * 1024).i32(1408).i32(-99).i32(1001)
        .var("aeron:udp?endpoint=localhost:40123").var("aeron:udp?endpoint=localhost:40123|alias=log")
        .var("127.0.0.1:54321");
    return b;
}
} // namespace

TEST(ArchiveCodecsTest, shouldExposeSchemaIdentityAndBlockLengths)
{
    EXPECT_EQ(SCHEMA_ID, 101);
    EXPECT_EQ(SCHEMA_VERSION, 10);
    EXPECT_EQ(TemplateId::REPLICATE_REQUEST2, 66);
    EXPECT_EQ(ReplayRequestEncoder::BLOCK_LENGTH, 56);
    EXPECT_EQ(BoundedReplayRequestEncoder::BLOCK_LENGTH, 60);
    EXPECT_EQ(ReplicateRequest2Encoder::BLOCK_LENGTH, 68);
    EXPECT_EQ(RecordingSignalEventEncoder::BLOCK_LENGTH, 44);
    EXPECT_EQ(CatalogHeaderEncoder::BLOCK_LENGTH, 32);
    EXPECT_EQ(CatalogHeaderEncoder::reservedEncodingOffset(), 31u);
    EXPECT_EQ(ReplicateRequest2Encoder::SINCE_VERSION, 6);
    EXPECT_EQ(ReplayTokenRequestEncoder::SINCE_VERSION, 10);
    EXPECT_TRUE(isRecordingStateValid(2));
    EXPECT_FALSE(isRecordingStateValid(3));
}

TEST(ArchiveCodecsTest, shouldEncodeConnectRequest)
{
    Bytes expected;
    expected.header(16, 2).i64(-77).i32(20).i32((1 << 16) | (11 << 8)).var("aeron:udp?endpoint=localhost:0");
    auto buffer = filled();
    MessageHeaderEncoder header;
    ConnectRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .correlationId(-77)
        .responseStreamId(20)
        .version((1 << 16) | (11 << 8))
        .putResponseChannel("aeron:udp?endpoint=localhost:0");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    ConnectRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.correlationId(), -77);
    EXPECT_EQ(decoder.responseStreamId(), 20);
    EXPECT_EQ(decoder.version(), (1 << 16) | (11 << 8));
    EXPECT_EQ(decoder.responseChannel(), "aeron:udp?endpoint=localhost:0");
}

TEST(ArchiveCodecsTest, shouldEncodeStartRecordingRequest)
{
    Bytes expected;
    expected.header(24, 4).i64(1234).i64(5678).i32(100).i32(1).var("aeron:ipc");
    auto buffer = filled();
    MessageHeaderEncoder header;
    StartRecordingRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(1234)
        .correlationId(5678)
        .streamId(100)
        .sourceLocation(SourceLocation::REMOTE)
        .putChannel("aeron:ipc");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    StartRecordingRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.controlSessionId(), 1234);
    EXPECT_EQ(decoder.correlationId(), 5678);
    EXPECT_EQ(decoder.streamId(), 100);
    EXPECT_EQ(decoder.sourceLocation(), SourceLocation::REMOTE);
    EXPECT_EQ(decoder.channel(), "aeron:ipc");
}

TEST(ArchiveCodecsTest, shouldEncodeReplayRequest)
{
    Bytes expected;
    expected.header(56, 6).i64(1).i64(2).i64(3).i64(4096).i64(-1).i32(30).i32(1 << 20).i64(-1).var("aeron:ipc");
    auto buffer = filled();
    MessageHeaderEncoder header;
    ReplayRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(1)
        .correlationId(2)
        .recordingId(3)
        .position(4096)
        .length(-1)
        .replayStreamId(30)
        .fileIoMaxLength(1 << 20)
        .replayToken(-1)
        .putReplayChannel("aeron:ipc");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    ReplayRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.controlSessionId(), 1);
    EXPECT_EQ(decoder.correlationId(), 2);
    EXPECT_EQ(decoder.recordingId(), 3);
    EXPECT_EQ(decoder.position(), 4096);
    EXPECT_EQ(decoder.length(), -1);
    EXPECT_EQ(decoder.replayStreamId(), 30);
    EXPECT_EQ(decoder.fileIoMaxLength(), 1 << 20);
    EXPECT_EQ(decoder.replayToken(), -1);
    EXPECT_EQ(decoder.replayChannel(), "aeron:ipc");
}

TEST(ArchiveCodecsTest, shouldDecodeReplayRequestFromOlderClients)
{
    // v6: block ends after replayStreamId (44 bytes).
    Bytes v6;
    v6.header(44, 6, 6).i64(1).i64(2).i64(3).i64(0).i64(100).i32(30).var("aeron:ipc");
    ReplayRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(v6.data(), 0, v6.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.replayStreamId(), 30);
    EXPECT_FALSE(decoder.fileIoMaxLengthInActingVersion());
    EXPECT_EQ(decoder.fileIoMaxLength(), std::numeric_limits<std::int32_t>::min());
    EXPECT_EQ(decoder.replayToken(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(decoder.replayChannel(), "aeron:ipc");

    // v7 to v9: fileIoMaxLength present, replayToken not.
    Bytes v9;
    v9.header(48, 6, 9).i64(1).i64(2).i64(3).i64(0).i64(100).i32(30).i32(65536).var("aeron:ipc");
    ASSERT_EQ(decoder.wrapWithHeader(v9.data(), 0, v9.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.fileIoMaxLength(), 65536);
    EXPECT_FALSE(decoder.replayTokenInActingVersion());
    EXPECT_EQ(decoder.replayToken(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(decoder.replayChannel(), "aeron:ipc");

    // A v9 header that claims the v6 block length is refused: fileIoMaxLength would lie outside it.
    Bytes lying;
    lying.header(44, 6, 9).i64(1).i64(2).i64(3).i64(0).i64(100).i32(30).var("aeron:ipc");
    EXPECT_EQ(decoder.wrapWithHeader(lying.data(), 0, lying.size()), DecodeError::INVALID_BLOCK_LENGTH);
}

TEST(ArchiveCodecsTest, shouldDecodeReplicateRequest2WithoutVarDataNewerThanSender)
{
    // A v8 sender writes encodedCredentials (v8) but not srcResponseChannel (v10).
    Bytes v8;
    v8.header(68, 66, 8).i64(1).i64(2).i64(3).i64(-1).i64(-1).i64(-1).i64(-1).i32(10).i32(4096).i32(77)
        .var("src").var("").var("repl").var("cred");
    ReplicateRequest2Decoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(v8.data(), 0, v8.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.replicationSessionId(), 77);
    EXPECT_EQ(decoder.srcControlChannel(), "src");
    EXPECT_EQ(decoder.liveDestination(), "");
    EXPECT_EQ(decoder.replicationChannel(), "repl");
    EXPECT_EQ(decoder.encodedCredentials(), "cred");
    EXPECT_EQ(decoder.srcResponseChannel(), "");
    EXPECT_EQ(decoder.decodedLength(), v8.size() - 8);
}

TEST(ArchiveCodecsTest, shouldEncodeControlResponse)
{
    Bytes expected;
    expected.header(32, 1).i64(9).i64(10).i64(5).i32(1).i32((1 << 16) | (11 << 8)).var("unknown recording id: 5");
    auto buffer = filled();
    MessageHeaderEncoder header;
    ControlResponseEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(9)
        .correlationId(10)
        .relevantId(5)
        .code(ControlResponseCode::ERROR)
        .version((1 << 16) | (11 << 8))
        .putErrorMessage("unknown recording id: 5");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    ControlResponseDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.controlSessionId(), 9);
    EXPECT_EQ(decoder.correlationId(), 10);
    EXPECT_EQ(decoder.relevantId(), 5);
    EXPECT_EQ(decoder.code(), ControlResponseCode::ERROR);
    EXPECT_EQ(decoder.version(), (1 << 16) | (11 << 8));
    EXPECT_EQ(decoder.errorMessage(), "unknown recording id: 5");

    // A v3 server has no version field; its block is 28 bytes.
    Bytes v3;
    v3.header(28, 1, 3).i64(9).i64(10).i64(5).i32(0).var("");
    ASSERT_EQ(decoder.wrapWithHeader(v3.data(), 0, v3.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.code(), ControlResponseCode::OK);
    EXPECT_EQ(decoder.version(), 0);
    EXPECT_EQ(decoder.errorMessage(), "");
}

TEST(ArchiveCodecsTest, shouldEncodeRecordingDescriptor)
{
    const Bytes expected = recordingDescriptorBytes();
    auto buffer = filled();
    MessageHeaderEncoder header;
    RecordingDescriptorEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(3)
        .correlationId(4)
        .recordingId(5)
        .startTimestamp(1700000000000LL)
        .stopTimestamp(-1)
        .startPosition(0)
        .stopPosition(-1)
        .initialTermId(7)
        .segmentFileLength(128 * 1024 * 1024)
        .termBufferLength(64 * 1024)
        .mtuLength(1408)
        .sessionId(-99)
        .streamId(1001)
        .putStrippedChannel("aeron:udp?endpoint=localhost:40123")
        .putOriginalChannel("aeron:udp?endpoint=localhost:40123|alias=log")
        .putSourceIdentity("127.0.0.1:54321");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    RecordingDescriptorDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.controlSessionId(), 3);
    EXPECT_EQ(decoder.correlationId(), 4);
    EXPECT_EQ(decoder.recordingId(), 5);
    EXPECT_EQ(decoder.startTimestamp(), 1700000000000LL);
    EXPECT_EQ(decoder.stopTimestamp(), -1);
    EXPECT_EQ(decoder.startPosition(), 0);
    EXPECT_EQ(decoder.stopPosition(), -1);
    EXPECT_EQ(decoder.initialTermId(), 7);
    EXPECT_EQ(decoder.segmentFileLength(), 128 * 1024 * 1024);
    EXPECT_EQ(decoder.termBufferLength(), 64 * 1024);
    EXPECT_EQ(decoder.mtuLength(), 1408);
    EXPECT_EQ(decoder.sessionId(), -99);
    EXPECT_EQ(decoder.streamId(), 1001);
    EXPECT_EQ(decoder.strippedChannel(), "aeron:udp?endpoint=localhost:40123");
    EXPECT_EQ(decoder.originalChannel(), "aeron:udp?endpoint=localhost:40123|alias=log");
    EXPECT_EQ(decoder.sourceIdentity(), "127.0.0.1:54321");
}

TEST(ArchiveCodecsTest, shouldDecodeRecordingDescriptorFollowedByCatalogPadding)
{
    // Listed descriptors are catalog frames, which may end in zero padding after the last var data.
    Bytes padded = recordingDescriptorBytes();
    const std::size_t unpadded = padded.size();
    padded.zeros(24);
    RecordingDescriptorDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(padded.data(), 0, padded.size()), DecodeError::NONE);
    EXPECT_EQ(8 + decoder.decodedLength(), unpadded);
}

TEST(ArchiveCodecsTest, shouldEncodeCatalogHeaderWithReservedByteAtOffset31)
{
    Bytes expected;
    expected.i32((3 << 16) | (1 << 8)).i32(32).i64(42).i32(64).zeros(11).i8(0);
    auto buffer = filled();
    CatalogHeaderEncoder encoder;
    encoder.wrapForEncode(buffer.data(), 0, buffer.size())
        .version((3 << 16) | (1 << 8))
        .length(32)
        .nextRecordingId(42)
        .alignment(64)
        .reserved(0);
    expectEncoded(buffer, encoder.encodedLength(), expected);

    CatalogHeaderDecoder decoder;
    ASSERT_EQ(decoder.wrapForDecode(expected.data(), 0, 32, SCHEMA_VERSION, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.nextRecordingId(), 42);
    EXPECT_EQ(decoder.alignment(), 64);
}

TEST(ArchiveCodecsTest, shouldEncodeRecordingSignalEvent)
{
    Bytes expected;
    expected.header(44, 24).i64(1).i64(2).i64(3).i64(4).i64(4096).i32(7);
    auto buffer = filled();
    MessageHeaderEncoder header;
    RecordingSignalEventEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(1)
        .correlationId(2)
        .recordingId(3)
        .subscriptionId(4)
        .position(4096)
        .signal(RecordingSignal::REPLICATE_END);
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);
    RecordingSignalEventDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.signal(), RecordingSignal::REPLICATE_END);
    EXPECT_STREQ(toString(decoder.signal()), "REPLICATE_END");
}

TEST(ArchiveCodecsTest, shouldRefuseEveryTruncationAndCorruptLength)
{
    expectEveryTruncationRefused<RecordingDescriptorDecoder>(recordingDescriptorBytes());
    Bytes replicate;
    replicate.header(68, 66).i64(1).i64(2).i64(3).i64(-1).i64(-1).i64(-1).i64(-1).i32(10).i32(4096).i32(77)
        .var("src").var("live").var("repl").var("cred").var("resp");
    expectEveryTruncationRefused<ReplicateRequest2Decoder>(replicate);

    Bytes hugeLength;
    hugeLength.header(16, 2).i64(1).i32(2).i32(3).u32(0x80000000u);
    ConnectRequestDecoder decoder;
    EXPECT_EQ(decoder.wrapWithHeader(hugeLength.data(), 0, hugeLength.size()), DecodeError::VAR_DATA_TOO_LONG);
    EXPECT_EQ(decoder.responseChannel(), "");
}

// Golden-byte, versioning and robustness tests of the generated Aeron Cluster codecs (schema 111 v12).
// Expected bytes are written by hand from the SBE 1.0 layout: 8-byte header (blockLength, templateId,
// schemaId, version as little-endian uint16), the fixed block at the offsets the schema gives, then each
// group header (uint16 blockLength, uint16 numInGroup) with its entries, then var data (uint32 length +
// bytes). The byte builder below shifts values out byte by byte, so it does not share code with the codecs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cox/codecs/cluster/ClusterCodecs.hpp"

using namespace cox::codecs::cluster;
using cox::codecs::sbe::DecodeError;

namespace
{
class Bytes
{
public:
    Bytes& u8(std::uint8_t v) { return le(v, 1); }
    Bytes& u16(std::uint16_t v) { return le(v, 2); }
    Bytes& i32(std::int32_t v) { return le(static_cast<std::uint32_t>(v), 4); }
    Bytes& u32(std::uint32_t v) { return le(v, 4); }
    Bytes& i64(std::int64_t v) { return le(static_cast<std::uint64_t>(v), 8); }
    Bytes& raw(std::string_view s)
    {
        m_bytes.insert(m_bytes.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& var(std::string_view s) { return u32(static_cast<std::uint32_t>(s.size())).raw(s); }
    Bytes& header(std::uint16_t blockLength, std::uint16_t templateId, std::uint16_t version = 12)
    {
        return u16(blockLength).u16(templateId).u16(111).u16(version);
    }
    Bytes& group(std::uint16_t blockLength, std::uint16_t count) { return u16(blockLength).u16(count); }

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

constexpr std::uint8_t FILL = 0xA5;

/// A scratch buffer pre-filled with a pattern, so a write past the message end would show.
struct Buffer
{
    Buffer() { data.assign(512, FILL); }
    std::vector<std::uint8_t> data;
    std::uint8_t* ptr() { return data.data(); }
};

void expectEncoded(const Buffer& buffer, std::size_t length, const Bytes& expected)
{
    ASSERT_EQ(length, expected.size());
    const std::vector<std::uint8_t> actual(buffer.data.begin(), buffer.data.begin() + static_cast<long>(length));
    EXPECT_EQ(actual, expected.bytes());
    EXPECT_EQ(buffer.data[length], FILL) << "wrote past the end of the message";
}

/// Every strict prefix of a valid message must be refused without reading past it. Each prefix is
/// copied into an exactly-sized heap block so ASan flags any read beyond it.
template <typename Decoder>
void expectEveryTruncationRefused(const Bytes& message)
{
    for (std::size_t length = 0; length < message.size(); ++length)
    {
        std::vector<std::uint8_t> prefix(message.bytes().begin(), message.bytes().begin() + static_cast<long>(length));
        Decoder decoder;
        const DecodeError error = decoder.wrapWithHeader(prefix.data(), 0, prefix.size());
        EXPECT_NE(error, DecodeError::NONE) << "prefix of " << length << " bytes accepted";
    }
    std::vector<std::uint8_t> whole(message.bytes());
    Decoder decoder;
    EXPECT_EQ(decoder.wrapWithHeader(whole.data(), 0, whole.size()), DecodeError::NONE);
}
} // namespace

TEST(ClusterCodecsTest, shouldExposeSchemaIdentity)
{
    EXPECT_EQ(SCHEMA_ID, 111);
    EXPECT_EQ(SCHEMA_VERSION, 12);
    EXPECT_EQ(TemplateId::SESSION_MESSAGE_HEADER, 1);
    EXPECT_EQ(TemplateId::NEW_LEADERSHIP_TERM, 53);
    EXPECT_EQ(TemplateId::REQUEST_SERVICE_ACK, 108);
    EXPECT_EQ(SessionMessageHeaderEncoder::BLOCK_LENGTH, 24);
    EXPECT_EQ(MessageHeaderEncoder::ENCODED_LENGTH + SessionMessageHeaderEncoder::BLOCK_LENGTH, 32u);
    EXPECT_LT(AppendPositionEncoder::BLOCK_LENGTH, 24);
    EXPECT_LT(CommitPositionEncoder::BLOCK_LENGTH, 24);
    EXPECT_TRUE(isKnownTemplateId(105));
    EXPECT_FALSE(isKnownTemplateId(9));
    EXPECT_EQ(StandbySnapshotEncoder::SINCE_VERSION, 11);
}

TEST(ClusterCodecsTest, shouldEncodeSessionMessageHeaderToGoldenBytes)
{
    const std::vector<std::uint8_t> expected = {
        24, 0, 1, 0, 111, 0, 12, 0,                     // header
        0x07, 0, 0, 0, 0, 0, 0, 0,                      // leadershipTermId 7
        0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // clusterSessionId -2
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // timestamp 0x1122334455667788
    };
    Buffer buffer;
    MessageHeaderEncoder header;
    SessionMessageHeaderEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .leadershipTermId(7)
        .clusterSessionId(-2)
        .timestamp(0x1122334455667788LL);
    ASSERT_EQ(MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength(), expected.size());
    EXPECT_EQ(std::vector<std::uint8_t>(buffer.data.begin(), buffer.data.begin() + 32), expected);

    SessionMessageHeaderDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.leadershipTermId(), 7);
    EXPECT_EQ(decoder.clusterSessionId(), -2);
    EXPECT_EQ(decoder.timestamp(), 0x1122334455667788LL);
    EXPECT_EQ(decoder.decodedLength(), 24u);
}

TEST(ClusterCodecsTest, shouldEncodeSessionConnectRequestWithVarData)
{
    Bytes expected;
    expected.header(16, 3).i64(0x0102030405060708LL).i32(102).i32((0 << 16) | (3 << 8) | 0)
        .var("aeron:udp?endpoint=localhost:9020").var(std::string_view("\x01\x00\x02", 3));

    Buffer buffer;
    MessageHeaderEncoder header;
    SessionConnectRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .correlationId(0x0102030405060708LL)
        .responseStreamId(102)
        .version(3 << 8)
        .putResponseChannel("aeron:udp?endpoint=localhost:9020")
        .putEncodedCredentials(std::string_view("\x01\x00\x02", 3));
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    SessionConnectRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.correlationId(), 0x0102030405060708LL);
    EXPECT_EQ(decoder.responseStreamId(), 102);
    EXPECT_EQ(decoder.version(), 3 << 8);
    EXPECT_EQ(decoder.responseChannelLength(), 33u);
    EXPECT_EQ(decoder.responseChannel(), "aeron:udp?endpoint=localhost:9020");
    EXPECT_EQ(decoder.encodedCredentials(), std::string_view("\x01\x00\x02", 3));
    EXPECT_EQ(decoder.decodedLength(), 16u + 4 + 33 + 4 + 3);
}

TEST(ClusterCodecsTest, shouldEncodeSessionEventAndDecodeEveryField)
{
    Bytes expected;
    expected.header(36, 2).i64(42).i64(-1).i64(3).i32(1).i32(2).i32(0x000300).var("0=host0:9010,1=host1:9010");

    Buffer buffer;
    MessageHeaderEncoder header;
    SessionEventEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .clusterSessionId(42)
        .correlationId(-1)
        .leadershipTermId(3)
        .leaderMemberId(1)
        .code(EventCode::REDIRECT)
        .version(0x000300)
        .putDetail("0=host0:9010,1=host1:9010");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    SessionEventDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.clusterSessionId(), 42);
    EXPECT_EQ(decoder.correlationId(), -1);
    EXPECT_EQ(decoder.leadershipTermId(), 3);
    EXPECT_EQ(decoder.leaderMemberId(), 1);
    EXPECT_EQ(decoder.code(), EventCode::REDIRECT);
    EXPECT_STREQ(toString(decoder.code()), "REDIRECT");
    EXPECT_EQ(decoder.version(), 0x000300);
    EXPECT_TRUE(decoder.versionInActingVersion());
    EXPECT_EQ(decoder.detail(), "0=host0:9010,1=host1:9010");
}

TEST(ClusterCodecsTest, shouldEncodeCanvassPositionAndRequestVote)
{
    Bytes canvass;
    canvass.header(32, 50).i64(4).i64(1024).i64(5).i32(2).i32(1 << 16);
    Buffer buffer;
    MessageHeaderEncoder header;
    CanvassPositionEncoder canvassEncoder;
    canvassEncoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .logLeadershipTermId(4)
        .logPosition(1024)
        .leadershipTermId(5)
        .followerMemberId(2)
        .protocolVersion(1 << 16);
    expectEncoded(buffer, 8 + canvassEncoder.encodedLength(), canvass);
    CanvassPositionDecoder canvassDecoder;
    ASSERT_EQ(canvassDecoder.wrapWithHeader(canvass.data(), 0, canvass.size()), DecodeError::NONE);
    EXPECT_EQ(canvassDecoder.logLeadershipTermId(), 4);
    EXPECT_EQ(canvassDecoder.logPosition(), 1024);
    EXPECT_EQ(canvassDecoder.leadershipTermId(), 5);
    EXPECT_EQ(canvassDecoder.followerMemberId(), 2);
    EXPECT_EQ(canvassDecoder.protocolVersion(), 1 << 16);

    Bytes vote;
    vote.header(32, 51).i64(4).i64(2048).i64(6).i32(0).i32(1 << 16);
    Buffer voteBuffer;
    RequestVoteEncoder voteEncoder;
    voteEncoder.wrapAndApplyHeader(voteBuffer.ptr(), 0, voteBuffer.data.size(), header)
        .logLeadershipTermId(4)
        .logPosition(2048)
        .candidateTermId(6)
        .candidateMemberId(0)
        .protocolVersion(1 << 16);
    expectEncoded(voteBuffer, 8 + voteEncoder.encodedLength(), vote);
    RequestVoteDecoder voteDecoder;
    ASSERT_EQ(voteDecoder.wrapWithHeader(vote.data(), 0, vote.size()), DecodeError::NONE);
    EXPECT_EQ(voteDecoder.logLeadershipTermId(), 4);
    EXPECT_EQ(voteDecoder.logPosition(), 2048);
    EXPECT_EQ(voteDecoder.candidateTermId(), 6);
    EXPECT_EQ(voteDecoder.candidateMemberId(), 0);
    EXPECT_EQ(voteDecoder.protocolVersion(), 1 << 16);
}

TEST(ClusterCodecsTest, shouldEncodeAppendPositionAndCommitPosition)
{
    Bytes append;
    append.header(21, 54).i64(9).i64(4096).i32(3).u8(1);
    Buffer buffer;
    MessageHeaderEncoder header;
    AppendPositionEncoder appendEncoder;
    appendEncoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .leadershipTermId(9)
        .logPosition(4096)
        .followerMemberId(3)
        .flags(1);
    expectEncoded(buffer, 8 + appendEncoder.encodedLength(), append);
    AppendPositionDecoder appendDecoder;
    ASSERT_EQ(appendDecoder.wrapWithHeader(append.data(), 0, append.size()), DecodeError::NONE);
    EXPECT_EQ(appendDecoder.leadershipTermId(), 9);
    EXPECT_EQ(appendDecoder.logPosition(), 4096);
    EXPECT_EQ(appendDecoder.followerMemberId(), 3);
    EXPECT_EQ(appendDecoder.flags(), 1);

    Bytes commit;
    commit.header(20, 55).i64(9).i64(8192).i32(0);
    Buffer commitBuffer;
    CommitPositionEncoder commitEncoder;
    commitEncoder.wrapAndApplyHeader(commitBuffer.ptr(), 0, commitBuffer.data.size(), header)
        .leadershipTermId(9)
        .logPosition(8192)
        .leaderMemberId(0);
    expectEncoded(commitBuffer, 8 + commitEncoder.encodedLength(), commit);
    CommitPositionDecoder commitDecoder;
    ASSERT_EQ(commitDecoder.wrapWithHeader(commit.data(), 0, commit.size()), DecodeError::NONE);
    EXPECT_EQ(commitDecoder.leadershipTermId(), 9);
    EXPECT_EQ(commitDecoder.logPosition(), 8192);
    EXPECT_EQ(commitDecoder.leaderMemberId(), 0);
}

TEST(ClusterCodecsTest, shouldEncodeNewLeadershipTerm)
{
    Bytes expected;
    expected.header(88, 53)
        .i64(1).i64(2).i64(100).i64(200).i64(2).i64(100).i64(150).i64(77).i64(1700000000000LL)
        .i32(1).i32(-5).i32(0x010000).i32(1);

    Buffer buffer;
    MessageHeaderEncoder header;
    NewLeadershipTermEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .logLeadershipTermId(1)
        .nextLeadershipTermId(2)
        .nextTermBaseLogPosition(100)
        .nextLogPosition(200)
        .leadershipTermId(2)
        .termBaseLogPosition(100)
        .logPosition(150)
        .leaderRecordingId(77)
        .timestamp(1700000000000LL)
        .leaderMemberId(1)
        .logSessionId(-5)
        .appVersion(0x010000)
        .isStartup(BooleanType::TRUE);
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    NewLeadershipTermDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.logLeadershipTermId(), 1);
    EXPECT_EQ(decoder.nextLeadershipTermId(), 2);
    EXPECT_EQ(decoder.nextTermBaseLogPosition(), 100);
    EXPECT_EQ(decoder.nextLogPosition(), 200);
    EXPECT_EQ(decoder.leadershipTermId(), 2);
    EXPECT_EQ(decoder.termBaseLogPosition(), 100);
    EXPECT_EQ(decoder.logPosition(), 150);
    EXPECT_EQ(decoder.leaderRecordingId(), 77);
    EXPECT_EQ(decoder.timestamp(), 1700000000000LL);
    EXPECT_EQ(decoder.leaderMemberId(), 1);
    EXPECT_EQ(decoder.logSessionId(), -5);
    EXPECT_EQ(decoder.appVersion(), 0x010000);
    EXPECT_EQ(decoder.isStartup(), BooleanType::TRUE);
}

TEST(ClusterCodecsTest, shouldEncodeConsensusModuleSnapshotWithTimersAndSessions)
{
    // A consensus module snapshot section: ConsensusModule, then a Timer and a ClusterSession, back to back.
    Bytes expected;
    expected.header(28, 105).i64(1000).i64(-9000).i64(-8999).i32(4096);
    expected.header(16, 104).i64(55).i64(123456);
    expected.header(40, 103).i64(1000).i64(7).i64(640).i64(std::numeric_limits<std::int64_t>::min()).i32(2).i32(102)
        .var("aeron:ipc");

    Buffer buffer;
    MessageHeaderEncoder header;
    ConsensusModuleEncoder module;
    module.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .nextSessionId(1000)
        .nextServiceSessionId(-9000)
        .logServiceSessionId(-8999)
        .pendingMessageCapacity(4096);
    std::size_t offset = 8 + module.encodedLength();
    TimerEncoder timer;
    timer.wrapAndApplyHeader(buffer.ptr(), offset, buffer.data.size(), header).correlationId(55).deadline(123456);
    offset += 8 + timer.encodedLength();
    ClusterSessionEncoder session;
    session.wrapAndApplyHeader(buffer.ptr(), offset, buffer.data.size(), header)
        .clusterSessionId(1000)
        .correlationId(7)
        .openedLogPosition(640)
        .timeOfLastActivity(ClusterSessionEncoder::timeOfLastActivityNullValue())
        .closeReason(CloseReason::TIMEOUT)
        .responseStreamId(102)
        .putResponseChannel("aeron:ipc");
    offset += 8 + session.encodedLength();
    expectEncoded(buffer, offset, expected);

    // Walk the section the way a snapshot loader does: header, dispatch on template id, skip decodedLength.
    std::size_t position = 0;
    MessageHeaderDecoder headerDecoder;
    ASSERT_EQ(checkHeader(expected.data(), position, expected.size(), headerDecoder), DecodeError::NONE);
    ASSERT_EQ(headerDecoder.templateId(), TemplateId::CONSENSUS_MODULE);
    ConsensusModuleDecoder moduleDecoder;
    ASSERT_EQ(moduleDecoder.wrapForDecode(expected.data(), position + 8, headerDecoder.blockLength(),
        headerDecoder.version(), expected.size()), DecodeError::NONE);
    EXPECT_EQ(moduleDecoder.nextSessionId(), 1000);
    EXPECT_EQ(moduleDecoder.nextServiceSessionId(), -9000);
    EXPECT_EQ(moduleDecoder.logServiceSessionId(), -8999);
    EXPECT_EQ(moduleDecoder.pendingMessageCapacity(), 4096);
    position += 8 + moduleDecoder.decodedLength();

    ASSERT_EQ(checkHeader(expected.data(), position, expected.size(), headerDecoder), DecodeError::NONE);
    ASSERT_EQ(headerDecoder.templateId(), TemplateId::TIMER);
    TimerDecoder timerDecoder;
    ASSERT_EQ(timerDecoder.wrapWithHeader(expected.data(), position, expected.size()), DecodeError::NONE);
    EXPECT_EQ(timerDecoder.correlationId(), 55);
    EXPECT_EQ(timerDecoder.deadline(), 123456);
    position += 8 + timerDecoder.decodedLength();

    ClusterSessionDecoder sessionDecoder;
    ASSERT_EQ(sessionDecoder.wrapWithHeader(expected.data(), position, expected.size()), DecodeError::NONE);
    EXPECT_EQ(sessionDecoder.clusterSessionId(), 1000);
    EXPECT_EQ(sessionDecoder.correlationId(), 7);
    EXPECT_EQ(sessionDecoder.openedLogPosition(), 640);
    EXPECT_EQ(sessionDecoder.timeOfLastActivity(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(sessionDecoder.closeReason(), CloseReason::TIMEOUT);
    EXPECT_EQ(sessionDecoder.responseStreamId(), 102);
    EXPECT_EQ(sessionDecoder.responseChannel(), "aeron:ipc");
    EXPECT_EQ(position + 8 + sessionDecoder.decodedLength(), expected.size());
}

namespace
{
Bytes backupResponseBytes()
{
    Bytes b;
    b.header(60, 78).i64(11).i64(12).i64(13).i64(14).i64(15).i64(16).i32(17).i32(18).i32(19);
    b.group(44, 2);
    b.i64(100).i64(1).i64(0).i64(4096).i64(999).i32(-1);
    b.i64(101).i64(1).i64(0).i64(4096).i64(999).i32(0);
    b.var("0,a:1,b:2|1,c:1,d:2");
    return b;
}
} // namespace

TEST(ClusterCodecsTest, shouldEncodeBackupResponseWithSnapshotsGroup)
{
    const Bytes expected = backupResponseBytes();
    Buffer buffer;
    MessageHeaderEncoder header;
    BackupResponseEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .correlationId(11)
        .logRecordingId(12)
        .logLeadershipTermId(13)
        .logTermBaseLogPosition(14)
        .lastLeadershipTermId(15)
        .lastTermBaseLogPosition(16)
        .commitPositionCounterId(17)
        .leaderMemberId(18)
        .memberId(19);
    auto& snapshots = encoder.snapshotsCount(2);
    snapshots.next().recordingId(100).leadershipTermId(1).termBaseLogPosition(0).logPosition(4096).timestamp(999)
        .serviceId(-1);
    snapshots.next().recordingId(101).leadershipTermId(1).termBaseLogPosition(0).logPosition(4096).timestamp(999)
        .serviceId(0);
    encoder.putClusterMembers("0,a:1,b:2|1,c:1,d:2");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    BackupResponseDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.correlationId(), 11);
    EXPECT_EQ(decoder.logRecordingId(), 12);
    EXPECT_EQ(decoder.logLeadershipTermId(), 13);
    EXPECT_EQ(decoder.logTermBaseLogPosition(), 14);
    EXPECT_EQ(decoder.lastLeadershipTermId(), 15);
    EXPECT_EQ(decoder.lastTermBaseLogPosition(), 16);
    EXPECT_EQ(decoder.commitPositionCounterId(), 17);
    EXPECT_EQ(decoder.leaderMemberId(), 18);
    EXPECT_EQ(decoder.memberId(), 19);
    auto& group = decoder.snapshots();
    ASSERT_EQ(group.count(), 2u);
    std::vector<std::int64_t> recordingIds;
    std::vector<std::int32_t> serviceIds;
    while (group.hasNext())
    {
        group.next();
        recordingIds.push_back(group.recordingId());
        serviceIds.push_back(group.serviceId());
        EXPECT_EQ(group.leadershipTermId(), 1);
        EXPECT_EQ(group.termBaseLogPosition(), 0);
        EXPECT_EQ(group.logPosition(), 4096);
        EXPECT_EQ(group.timestamp(), 999);
    }
    EXPECT_EQ(recordingIds, (std::vector<std::int64_t>{100, 101}));
    EXPECT_EQ(serviceIds, (std::vector<std::int32_t>{-1, 0}));
    EXPECT_EQ(decoder.clusterMembers(), "0,a:1,b:2|1,c:1,d:2");
}

namespace
{
Bytes extendedMembersBytes()
{
    Bytes b;
    b.header(24, 43).i64(5).i64(123456789).i32(0).i32(1);
    b.group(28, 2);
    b.i64(3).i64(640).i64(1111).i32(0).var("i0").var("c0").var("l0").var("u0").var("a0");
    b.i64(3).i64(600).i64(2222).i32(1).var("i1").var("c1").var("").var("u1").var("a1");
    b.group(28, 1);
    b.i64(3).i64(500).i64(3333).i32(7).var("i7").var("c7").var("l7").var("u7").var("a7");
    return b;
}
} // namespace

TEST(ClusterCodecsTest, shouldEncodeClusterMembersExtendedResponseWithTwoGroupsOfVarData)
{
    const Bytes expected = extendedMembersBytes();
    Buffer buffer;
    MessageHeaderEncoder header;
    ClusterMembersExtendedResponseEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header)
        .correlationId(5)
        .currentTimeNs(123456789)
        .leaderMemberId(0)
        .memberId(1);
    auto& active = encoder.activeMembersCount(2);
    active.next().leadershipTermId(3).logPosition(640).timeOfLastAppendNs(1111).memberId(0);
    active.putIngressEndpoint("i0").putConsensusEndpoint("c0").putLogEndpoint("l0").putCatchupEndpoint("u0")
        .putArchiveEndpoint("a0");
    active.next().leadershipTermId(3).logPosition(600).timeOfLastAppendNs(2222).memberId(1);
    active.putIngressEndpoint("i1").putConsensusEndpoint("c1").putLogEndpoint("").putCatchupEndpoint("u1")
        .putArchiveEndpoint("a1");
    auto& passive = encoder.passiveMembersCount(1);
    passive.next().leadershipTermId(3).logPosition(500).timeOfLastAppendNs(3333).memberId(7);
    passive.putIngressEndpoint("i7").putConsensusEndpoint("c7").putLogEndpoint("l7").putCatchupEndpoint("u7")
        .putArchiveEndpoint("a7");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);

    ClusterMembersExtendedResponseDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(expected.data(), 0, expected.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.correlationId(), 5);
    EXPECT_EQ(decoder.currentTimeNs(), 123456789);
    EXPECT_EQ(decoder.leaderMemberId(), 0);
    EXPECT_EQ(decoder.memberId(), 1);
    std::string seen;
    auto& activeDecoder = decoder.activeMembers();
    ASSERT_EQ(activeDecoder.count(), 2u);
    while (activeDecoder.hasNext())
    {
        activeDecoder.next();
        seen += std::to_string(activeDecoder.memberId()) + "@" + std::to_string(activeDecoder.logPosition()) + ":";
        // Var data is positional, so each is read in its own statement, in schema order.
        seen += activeDecoder.ingressEndpoint();
        seen += ",";
        seen += activeDecoder.consensusEndpoint();
        seen += ",";
        seen += activeDecoder.logEndpoint();
        seen += ",";
        seen += activeDecoder.catchupEndpoint();
        seen += ",";
        seen += activeDecoder.archiveEndpoint();
        seen += ";";
    }
    auto& passiveDecoder = decoder.passiveMembers();
    ASSERT_EQ(passiveDecoder.count(), 1u);
    passiveDecoder.next();
    EXPECT_EQ(passiveDecoder.memberId(), 7);
    EXPECT_EQ(passiveDecoder.timeOfLastAppendNs(), 3333);
    EXPECT_EQ(passiveDecoder.ingressEndpoint(), "i7");
    passiveDecoder.skipConsensusEndpoint();
    EXPECT_EQ(passiveDecoder.logEndpoint(), "l7");
    EXPECT_EQ(seen, "0@640:i0,c0,l0,u0,a0;1@600:i1,c1,,u1,a1;");
}

TEST(ClusterCodecsTest, shouldEncodeStandbySnapshotWithVarDataInsideGroupEntries)
{
    Bytes expected;
    expected.header(16, 81).i64(9).i32(1).i32(20);
    expected.group(44, 1).i64(5).i64(2).i64(0).i64(1024).i64(77).i32(0).var("node1:8010");
    expected.var("aeron:udp?endpoint=node0:0").var("");
    Buffer buffer;
    MessageHeaderEncoder header;
    StandbySnapshotEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.ptr(), 0, buffer.data.size(), header).correlationId(9).version(1)
        .responseStreamId(20);
    encoder.snapshotsCount(1).next().recordingId(5).leadershipTermId(2).termBaseLogPosition(0).logPosition(1024)
        .timestamp(77).serviceId(0).putArchiveEndpoint("node1:8010");
    encoder.putResponseChannel("aeron:udp?endpoint=node0:0").putEncodedCredentials("");
    expectEncoded(buffer, 8 + encoder.encodedLength(), expected);
    expectEveryTruncationRefused<StandbySnapshotDecoder>(expected);
}

TEST(ClusterCodecsTest, shouldDecodeOlderVersionWithNullForNewerFields)
{
    // SessionEvent from a v5 sender: no version field, so the block is 32 bytes and detail follows it.
    Bytes v5;
    v5.header(32, 2, 5).i64(42).i64(8).i64(3).i32(1).i32(0).var("ok");
    SessionEventDecoder event;
    ASSERT_EQ(event.wrapWithHeader(v5.data(), 0, v5.size()), DecodeError::NONE);
    EXPECT_FALSE(event.versionInActingVersion());
    EXPECT_EQ(event.version(), 0) << "version_t null is 0";
    EXPECT_EQ(event.code(), EventCode::OK);
    EXPECT_EQ(event.detail(), "ok");

    // NewLeadershipTermEvent from a v3 sender: no timeUnit or appVersion.
    Bytes v3;
    v3.header(40, 24, 3).i64(1).i64(2).i64(3).i64(4).i32(5).i32(6);
    NewLeadershipTermEventDecoder term;
    ASSERT_EQ(term.wrapWithHeader(v3.data(), 0, v3.size()), DecodeError::NONE);
    EXPECT_EQ(term.leaderMemberId(), 5);
    EXPECT_EQ(term.logSessionId(), 6);
    EXPECT_EQ(term.timeUnit(), ClusterTimeUnit::NULL_VALUE);
    EXPECT_EQ(term.appVersion(), 0);

    // ConsensusModule from a v2 sender: only nextSessionId.
    Bytes v2;
    v2.header(8, 105, 2).i64(77);
    ConsensusModuleDecoder module;
    ASSERT_EQ(module.wrapWithHeader(v2.data(), 0, v2.size()), DecodeError::NONE);
    EXPECT_EQ(module.nextSessionId(), 77);
    EXPECT_EQ(module.nextServiceSessionId(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(module.pendingMessageCapacity(), 0);

    // AppendPosition from a v7 sender: flags absent, reads as uint8 null.
    Bytes v7;
    v7.header(20, 54, 7).i64(1).i64(2).i32(3);
    AppendPositionDecoder append;
    ASSERT_EQ(append.wrapWithHeader(v7.data(), 0, v7.size()), DecodeError::NONE);
    EXPECT_FALSE(append.flagsInActingVersion());
    EXPECT_EQ(append.flags(), AppendPositionDecoder::flagsNullValue());
    EXPECT_EQ(append.followerMemberId(), 3);

    // ClusterActionRequest from a v10 sender: flags is optional int32, null INT32_MIN.
    Bytes v10;
    v10.header(28, 23, 10).i64(1).i64(2).i64(3).i32(2);
    ClusterActionRequestDecoder action;
    ASSERT_EQ(action.wrapWithHeader(v10.data(), 0, v10.size()), DecodeError::NONE);
    EXPECT_EQ(action.action(), ClusterAction::SNAPSHOT);
    EXPECT_EQ(action.flags(), std::numeric_limits<std::int32_t>::min());
}

TEST(ClusterCodecsTest, shouldSkipLargerBlockFromNewerSender)
{
    // A v13 sender appends leaderHeartbeatTimeoutNs (int64) to SessionEvent's block: 44 bytes.
    Bytes v13;
    v13.header(44, 2, 13).i64(42).i64(8).i64(3).i32(1).i32(4).i32(0x000300).i64(10'000'000'000LL).var("closed");
    SessionEventDecoder event;
    ASSERT_EQ(event.wrapWithHeader(v13.data(), 0, v13.size()), DecodeError::NONE);
    EXPECT_EQ(event.actingBlockLength(), 44);
    EXPECT_EQ(event.code(), EventCode::CLOSED);
    EXPECT_EQ(event.version(), 0x000300);
    EXPECT_EQ(event.detail(), "closed");

    // Groups honour their own blockLength the same way: each snapshot entry carries 4 extra bytes here.
    Bytes wide;
    wide.header(64, 78, 13).i64(11).i64(12).i64(13).i64(14).i64(15).i64(16).i32(17).i32(18).i32(19).i32(-7);
    wide.group(48, 2);
    wide.i64(100).i64(1).i64(0).i64(4096).i64(999).i32(-1).i32(0x5A5A5A5A);
    wide.i64(101).i64(1).i64(0).i64(4096).i64(999).i32(0).i32(0x5A5A5A5A);
    wide.var("members");
    BackupResponseDecoder backup;
    ASSERT_EQ(backup.wrapWithHeader(wide.data(), 0, wide.size()), DecodeError::NONE);
    EXPECT_EQ(backup.memberId(), 19);
    auto& snapshots = backup.snapshots();
    ASSERT_EQ(snapshots.count(), 2u);
    EXPECT_EQ(snapshots.actingBlockLength(), 48u);
    EXPECT_EQ(snapshots.next().recordingId(), 100);
    EXPECT_EQ(snapshots.serviceId(), -1);
    EXPECT_EQ(snapshots.next().recordingId(), 101);
    EXPECT_EQ(snapshots.serviceId(), 0);
    EXPECT_EQ(backup.clusterMembers(), "members");
}

TEST(ClusterCodecsTest, shouldRefuseEveryTruncation)
{
    expectEveryTruncationRefused<BackupResponseDecoder>(backupResponseBytes());
    expectEveryTruncationRefused<ClusterMembersExtendedResponseDecoder>(extendedMembersBytes());
    Bytes connect;
    connect.header(16, 3).i64(1).i32(2).i32(3).var("chan").var("cred");
    expectEveryTruncationRefused<SessionConnectRequestDecoder>(connect);
    Bytes header;
    header.header(24, 1).i64(1).i64(2).i64(3);
    expectEveryTruncationRefused<SessionMessageHeaderDecoder>(header);
}

TEST(ClusterCodecsTest, shouldReportCorruptLengthsAndCounts)
{
    const auto decode = [](const Bytes& bytes)
    {
        std::vector<std::uint8_t> copy(bytes.bytes());
        BackupResponseDecoder decoder;
        return decoder.wrapWithHeader(copy.data(), 0, copy.size());
    };
    const auto body = [](Bytes& b) { b.i64(11).i64(12).i64(13).i64(14).i64(15).i64(16).i32(17).i32(18).i32(19); };

    Bytes hugeVar;
    hugeVar.header(60, 78);
    body(hugeVar);
    hugeVar.group(44, 0).u32(0xFFFFFFFFu).raw("abc");
    EXPECT_EQ(decode(hugeVar), DecodeError::VAR_DATA_TOO_LONG);

    Bytes longVar;
    longVar.header(60, 78);
    body(longVar);
    longVar.group(44, 0).u32(1u << 30).raw("abc");
    EXPECT_EQ(decode(longVar), DecodeError::TRUNCATED_VAR_DATA);

    Bytes hugeCount;
    hugeCount.header(60, 78);
    body(hugeCount);
    hugeCount.group(44, 0xFFFF).i64(1).var("");
    EXPECT_EQ(decode(hugeCount), DecodeError::TRUNCATED_GROUP);

    Bytes shortGroupBlock;
    shortGroupBlock.header(60, 78);
    body(shortGroupBlock);
    shortGroupBlock.group(8, 1).i64(1).var("");
    EXPECT_EQ(decode(shortGroupBlock), DecodeError::INVALID_GROUP_BLOCK_LENGTH);

    Bytes blockPastEnd;
    blockPastEnd.header(60000, 78);
    body(blockPastEnd);
    EXPECT_EQ(decode(blockPastEnd), DecodeError::TRUNCATED_BLOCK);

    Bytes shortBlock;
    shortBlock.header(20, 78);
    body(shortBlock);
    EXPECT_EQ(decode(shortBlock), DecodeError::INVALID_BLOCK_LENGTH);

    Bytes wrongSchema;
    wrongSchema.u16(60).u16(78).u16(101).u16(12);
    body(wrongSchema);
    EXPECT_EQ(decode(wrongSchema), DecodeError::WRONG_SCHEMA_ID);

    Bytes wrongTemplate;
    wrongTemplate.header(60, 77);
    body(wrongTemplate);
    EXPECT_EQ(decode(wrongTemplate), DecodeError::WRONG_TEMPLATE_ID);

    MessageHeaderDecoder header;
    Bytes unknown;
    unknown.header(0, 999);
    EXPECT_EQ(checkHeader(unknown.data(), 0, unknown.size(), header), DecodeError::UNKNOWN_TEMPLATE);
    EXPECT_EQ(checkHeader(unknown.data(), 0, 7, header), DecodeError::TRUNCATED_HEADER);
    EXPECT_EQ(checkHeader(unknown.data(), 9, unknown.size(), header), DecodeError::TRUNCATED_HEADER);
}

TEST(ClusterCodecsTest, shouldReadZeroesAfterFailedWrapEvenIfErrorIgnored)
{
    Bytes bytes = backupResponseBytes();
    std::vector<std::uint8_t> prefix(bytes.bytes().begin(), bytes.bytes().begin() + 70);
    BackupResponseDecoder decoder;
    ASSERT_NE(decoder.wrapWithHeader(prefix.data(), 0, prefix.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.correlationId(), 0);
    EXPECT_EQ(decoder.snapshots().count(), 0u);
    EXPECT_EQ(decoder.clusterMembers(), "");
}

TEST(ClusterCodecsTest, shouldNeverReadOutOfBoundsOnRandomCorruption)
{
    // Random byte flips over valid messages: whatever wrap returns, reading every accessor in schema
    // order must stay inside the exactly-sized heap copy (ASan is the judge in the sanitizer build).
    std::mt19937 random(20240611);
    const Bytes originals[] = {backupResponseBytes(), extendedMembersBytes()};
    int accepted = 0;
    for (int round = 0; round < 4000; ++round)
    {
        const Bytes& original = originals[round % 2];
        std::vector<std::uint8_t> bytes(original.bytes());
        const int flips = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < flips; ++i)
        {
            bytes[random() % bytes.size()] = static_cast<std::uint8_t>(random());
        }
        bytes.resize(bytes.size() - (random() % 3 == 0 ? random() % bytes.size() : 0));
        std::uint64_t sink = 0;  // unsigned: corrupt values may overflow a signed sum
        if (round % 2 == 0)
        {
            BackupResponseDecoder decoder;
            accepted += decoder.wrapWithHeader(bytes.data(), 0, bytes.size()) == DecodeError::NONE ? 1 : 0;
            sink += static_cast<std::uint64_t>(decoder.correlationId());
            sink += static_cast<std::uint64_t>(decoder.memberId());
            auto& group = decoder.snapshots();
            while (group.hasNext())
            {
                sink += static_cast<std::uint64_t>(group.next().recordingId());
                sink += static_cast<std::uint64_t>(group.serviceId());
            }
            sink += static_cast<std::uint64_t>(decoder.clusterMembers().size());
        }
        else
        {
            ClusterMembersExtendedResponseDecoder decoder;
            accepted += decoder.wrapWithHeader(bytes.data(), 0, bytes.size()) == DecodeError::NONE ? 1 : 0;
            const auto readAll = [&sink](auto& group)
            {
                while (group.hasNext())
                {
                    sink += static_cast<std::uint64_t>(group.next().memberId());
                    sink += static_cast<std::uint64_t>(group.ingressEndpoint().size());
                    sink += static_cast<std::uint64_t>(group.consensusEndpoint().size());
                    sink += static_cast<std::uint64_t>(group.logEndpoint().size());
                    sink += static_cast<std::uint64_t>(group.catchupEndpoint().size());
                    sink += static_cast<std::uint64_t>(group.archiveEndpoint().size());
                }
            };
            // Groups are positional: the passive group is wrapped only after the active one was read to the end.
            readAll(decoder.activeMembers());
            readAll(decoder.passiveMembers());
        }
        static_cast<void>(sink);
    }
    EXPECT_GT(accepted, 0) << "some flips land in values and must still decode";
}

TEST(ClusterCodecsTest, shouldRefuseToEncodePastTheEndOfTheBuffer)
{
    std::vector<std::uint8_t> backing(128, FILL);
    MessageHeaderEncoder header;
    SessionConnectRequestEncoder encoder;
    // Header and block fit in 24 bytes, the var data does not.
    encoder.wrapAndApplyHeader(backing.data(), 0, 30, header).correlationId(1);
    EXPECT_THROW(encoder.putResponseChannel("a channel that is far too long"), cox::codecs::sbe::EncodeOverflowException);
    EXPECT_TRUE(std::all_of(backing.begin() + 30, backing.end(), [](std::uint8_t b) { return b == FILL; }));

    SessionMessageHeaderEncoder small;
    EXPECT_THROW(small.wrapAndApplyHeader(backing.data(), 0, 31, header), cox::codecs::sbe::EncodeOverflowException);

    BackupResponseEncoder backup;
    backup.wrapAndApplyHeader(backing.data(), 0, 8 + 60 + 4 + 44, header);
    auto& snapshots = backup.snapshotsCount(2);
    snapshots.next();
    EXPECT_THROW(snapshots.next(), cox::codecs::sbe::EncodeOverflowException);
    EXPECT_TRUE(std::all_of(backing.begin() + 116, backing.end(), [](std::uint8_t b) { return b == FILL; }));
}

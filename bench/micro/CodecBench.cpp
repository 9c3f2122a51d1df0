// Encode and decode cost of the generated SBE codecs: the session message header that prefixes every
// ingress, egress and log message (with a 32-byte payload), and BackupResponse, which has a group and var
// data. Run: build/bin/cox-bench micro --benchmark_filter=Codec
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "cox/codecs/cluster/ClusterCodecs.hpp"

namespace
{
using namespace cox::codecs::cluster;
using cox::codecs::sbe::DecodeError;

constexpr std::size_t PAYLOAD_LENGTH = 32;

void BM_CodecEncodeSessionMessageHeader(benchmark::State& state)
{
    alignas(64) std::array<std::uint8_t, 128> buffer{};
    std::array<std::uint8_t, PAYLOAD_LENGTH> payload{};
    payload.fill(7);
    MessageHeaderEncoder header;
    SessionMessageHeaderEncoder encoder;
    std::int64_t timestamp = 0;
    for (auto _ : state)
    {
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .leadershipTermId(3)
            .clusterSessionId(42)
            .timestamp(++timestamp);
        std::memcpy(buffer.data() + 32, payload.data(), PAYLOAD_LENGTH);
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodecEncodeSessionMessageHeader);

void BM_CodecDecodeSessionMessageHeader(benchmark::State& state)
{
    alignas(64) std::array<std::uint8_t, 64> buffer{};
    MessageHeaderEncoder header;
    SessionMessageHeaderEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).leadershipTermId(3).clusterSessionId(42)
        .timestamp(99);
    const std::size_t length = 32 + PAYLOAD_LENGTH;
    SessionMessageHeaderDecoder decoder;
    MessageHeaderDecoder headerDecoder;
    for (auto _ : state)
    {
        benchmark::DoNotOptimize(buffer.data());
        // The path an ingress adapter takes: check the header, dispatch, wrap and validate, read fields.
        if (checkHeader(buffer.data(), 0, length, headerDecoder) != DecodeError::NONE ||
            headerDecoder.templateId() != TemplateId::SESSION_MESSAGE_HEADER ||
            decoder.wrapForDecode(buffer.data(), 8, headerDecoder.blockLength(), headerDecoder.version(), length) !=
                DecodeError::NONE)
        {
            state.SkipWithError("decode failed");
            break;
        }
        std::int64_t sum = decoder.leadershipTermId() + decoder.clusterSessionId() + decoder.timestamp();
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodecDecodeSessionMessageHeader);

std::size_t encodeBackupResponse(std::uint8_t* buffer, std::size_t capacity, std::int64_t correlationId)
{
    MessageHeaderEncoder header;
    BackupResponseEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, capacity, header)
        .correlationId(correlationId)
        .logRecordingId(12)
        .logLeadershipTermId(13)
        .logTermBaseLogPosition(14)
        .lastLeadershipTermId(15)
        .lastTermBaseLogPosition(16)
        .commitPositionCounterId(17)
        .leaderMemberId(0)
        .memberId(1);
    auto& snapshots = encoder.snapshotsCount(3);
    for (std::int32_t serviceId = -1; serviceId < 2; ++serviceId)
    {
        snapshots.next().recordingId(100 + serviceId).leadershipTermId(4).termBaseLogPosition(0).logPosition(65536)
            .timestamp(1700000000000LL).serviceId(serviceId);
    }
    encoder.putClusterMembers("0,node0:9010,node0:9020,node0:9030,node0:9040,node0:8010|"
                              "1,node1:9010,node1:9020,node1:9030,node1:9040,node1:8010|"
                              "2,node2:9010,node2:9020,node2:9030,node2:9040,node2:8010");
    return MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength();
}

void BM_CodecEncodeBackupResponse(benchmark::State& state)
{
    alignas(64) std::array<std::uint8_t, 512> buffer{};
    std::int64_t correlationId = 0;
    std::size_t length = 0;
    for (auto _ : state)
    {
        length = encodeBackupResponse(buffer.data(), buffer.size(), ++correlationId);
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.counters["bytes"] = static_cast<double>(length);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodecEncodeBackupResponse);

void BM_CodecDecodeBackupResponse(benchmark::State& state)
{
    alignas(64) std::array<std::uint8_t, 512> buffer{};
    const std::size_t length = encodeBackupResponse(buffer.data(), buffer.size(), 1);
    BackupResponseDecoder decoder;
    for (auto _ : state)
    {
        benchmark::DoNotOptimize(buffer.data());
        if (decoder.wrapWithHeader(buffer.data(), 0, length) != DecodeError::NONE)
        {
            state.SkipWithError("decode failed");
            break;
        }
        std::int64_t sum = decoder.correlationId() + decoder.memberId();
        auto& snapshots = decoder.snapshots();
        while (snapshots.hasNext())
        {
            snapshots.next();
            sum += snapshots.recordingId();
            sum += snapshots.logPosition();
        }
        sum += static_cast<std::int64_t>(decoder.clusterMembers().size());
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodecDecodeBackupResponse);
} // namespace

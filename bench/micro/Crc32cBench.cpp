// CRC32C throughput of the SSE4.2 and the portable slicing-by-8 implementations, at a typical
// frame-batch size (1 KiB) and an archive-chunk size (64 KiB). Reports bytes/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "cox/util/Crc32c.hpp"

namespace
{
std::vector<std::uint8_t> payload(std::size_t length)
{
    std::vector<std::uint8_t> data(length);
    for (std::size_t i = 0; i < length; ++i)
    {
        data[i] = static_cast<std::uint8_t>(i * 31 + 7);
    }
    return data;
}

template <std::uint32_t (*Crc)(std::uint32_t, const std::uint8_t*, std::size_t) noexcept>
void crc32cThroughput(benchmark::State& state)
{
    const auto length = static_cast<std::size_t>(state.range(0));
    const std::vector<std::uint8_t> data = payload(length);
    std::uint32_t crc = 0;
    for (auto _ : state)
    {
        crc = Crc(crc, data.data(), data.size());
        benchmark::DoNotOptimize(crc);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(length));
}

void crc32cHardwareThroughput(benchmark::State& state)
{
    if (!cox::util::crc32cHardwareAvailable())
    {
        state.SkipWithError("no SSE4.2 on this CPU");
        return;
    }
    crc32cThroughput<&cox::util::crc32cHardware>(state);
}
} // namespace

BENCHMARK(crc32cHardwareThroughput)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(crc32cThroughput<&cox::util::crc32cPortable>)->Name("crc32cPortableThroughput")->Arg(1024)->Arg(64 * 1024);

// Ring-buffer throughput with 32-byte messages: producer threads write as fast as the ring accepts
// while the benchmark thread consumes; msgs_per_sec counts messages consumed per second of wall time.
// Plus the single-threaded cost of one write and one read, without contention.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/OneToOneRingBuffer.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace
{
using cox::util::AtomicBuffer;

constexpr std::size_t RING_CAPACITY = 128 * 1024;
constexpr std::size_t MESSAGE_LENGTH = 32;
constexpr std::int32_t MSG_TYPE_ID = 1;
constexpr int READ_LIMIT = 256;

struct RingMemory
{
    RingMemory()
        : words((RING_CAPACITY + cox::util::RingBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t), 0)
    {
    }
    AtomicBuffer buffer() { return {words.data(), words.size() * sizeof(std::uint64_t)}; }
    std::vector<std::uint64_t> words;
};

template <typename RingBuffer>
void produceUntilStopped(RingBuffer& ring, const std::atomic<bool>& stop)
{
    std::uint64_t payload[MESSAGE_LENGTH / sizeof(std::uint64_t)] = {};
    AtomicBuffer src(payload, sizeof(payload));
    std::int64_t sequence = 0;
    while (!stop.load(std::memory_order_relaxed))
    {
        src.putInt64(0, sequence);
        if (ring.write(MSG_TYPE_ID, src, 0, MESSAGE_LENGTH))
        {
            ++sequence;
        }
        else
        {
            // With more threads than cores, a producer spinning on a full ring starves the consumer.
            std::this_thread::yield();
        }
    }
}

template <typename RingBuffer>
void ringBufferThroughput(benchmark::State& state)
{
    RingMemory memory;
    RingBuffer ring(memory.buffer());
    std::atomic<bool> stop{false};
    std::vector<std::thread> producers;
    for (std::int64_t i = 0; i < state.range(0); ++i)
    {
        producers.emplace_back([&ring, &stop] { produceUntilStopped(ring, stop); });
    }

    std::int64_t messages = 0;
    std::int64_t checksum = 0;
    auto handler = [&checksum](std::int32_t, AtomicBuffer& buffer, std::size_t index, std::size_t)
    { checksum += buffer.getInt64(index); };
    for (auto _ : state)
    {
        const int read = ring.read(handler, READ_LIMIT);
        if (read == 0)
        {
            std::this_thread::yield();
        }
        messages += read;
    }

    stop = true;
    for (auto& producer : producers)
    {
        producer.join();
    }
    benchmark::DoNotOptimize(checksum);
    state.counters["msgs_per_sec"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}

/// One write and one read per iteration on one thread: the uncontended cost of the code paths.
template <typename RingBuffer>
void ringBufferWriteReadSingleThread(benchmark::State& state)
{
    RingMemory memory;
    RingBuffer ring(memory.buffer());
    std::uint64_t payload[MESSAGE_LENGTH / sizeof(std::uint64_t)] = {};
    AtomicBuffer src(payload, sizeof(payload));
    std::int64_t checksum = 0;
    auto handler = [&checksum](std::int32_t, AtomicBuffer& buffer, std::size_t index, std::size_t)
    { checksum += buffer.getInt64(index); };
    std::int64_t messages = 0;
    for (auto _ : state)
    {
        src.putInt64(0, messages);
        if (!ring.write(MSG_TYPE_ID, src, 0, MESSAGE_LENGTH))
        {
            state.SkipWithError("ring unexpectedly full");
            break;
        }
        messages += ring.read(handler, READ_LIMIT);
    }
    benchmark::DoNotOptimize(checksum);
    state.counters["msgs_per_sec"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}
} // namespace

BENCHMARK_TEMPLATE(ringBufferThroughput, cox::util::OneToOneRingBuffer)
    ->Name("RingBuffer/OneToOne")
    ->ArgName("producers")
    ->Arg(1)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_TEMPLATE(ringBufferThroughput, cox::util::ManyToOneRingBuffer)
    ->Name("RingBuffer/ManyToOne")
    ->ArgName("producers")
    ->Arg(1)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_TEMPLATE(ringBufferThroughput, cox::util::ManyToOneRingBuffer)
    ->Name("RingBuffer/ManyToOne")
    ->ArgName("producers")
    ->Arg(2)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_TEMPLATE(ringBufferWriteReadSingleThread, cox::util::OneToOneRingBuffer)
    ->Name("RingBuffer/OneToOne/writeReadSingleThread");
BENCHMARK_TEMPLATE(ringBufferWriteReadSingleThread, cox::util::ManyToOneRingBuffer)
    ->Name("RingBuffer/ManyToOne/writeReadSingleThread");

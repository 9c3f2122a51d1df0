// Producers and a consumer on real threads. Each message carries its producer id and sequence
// number plus bytes derived from them, so loss, duplication, reordering or tearing all show up.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/OneToOneRingBuffer.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

using namespace cox::util;

namespace
{
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::int64_t SCALE = 4; // sanitizers are 5-20x slower; keeps each test to a few seconds
#else
constexpr std::int64_t SCALE = 1;
#endif

constexpr std::size_t RING_CAPACITY = 16 * 1024; // small, so producers wrap and fill it constantly
constexpr auto DEADLINE = std::chrono::seconds(60);

/// producer id (int32), sequence (int64), then filler bytes that depend on both.
std::size_t messageLength(std::int64_t sequence)
{
    return 12 + static_cast<std::size_t>(sequence % 4) * 7;
}

std::uint8_t fillerByte(std::int32_t producerId, std::int64_t sequence, std::size_t i)
{
    return static_cast<std::uint8_t>(sequence * 31 + producerId * 7 + static_cast<std::int64_t>(i));
}

void encode(AtomicBuffer& buffer, std::size_t index, std::int32_t producerId, std::int64_t sequence)
{
    buffer.putInt32(index, producerId);
    buffer.putInt64(index + 4, sequence);
    for (std::size_t i = 12; i < messageLength(sequence); ++i)
    {
        buffer.putUInt8(index + i, fillerByte(producerId, sequence, i));
    }
}

/// Checks one received message against what its producer must have sent next; returns the
/// producer id, or -1 after recording a failure.
class OrderChecker
{
public:
    explicit OrderChecker(std::size_t producers) : m_nextSequence(producers, 0) {}

    void onMessage(std::int32_t msgTypeId, const AtomicBuffer& buffer, std::size_t index, std::size_t length)
    {
        const std::int32_t producerId = buffer.getInt32(index);
        const std::int64_t sequence = buffer.getInt64(index + 4);
        if (producerId < 0 || static_cast<std::size_t>(producerId) >= m_nextSequence.size() ||
            msgTypeId != producerId + 1)
        {
            ADD_FAILURE() << "bad producer id " << producerId << " type " << msgTypeId;
            ++m_failures;
            return;
        }
        auto& expected = m_nextSequence[static_cast<std::size_t>(producerId)];
        if (sequence != expected || length != messageLength(sequence))
        {
            if (m_failures++ < 5)
            {
                ADD_FAILURE() << "producer " << producerId << " expected sequence " << expected << " got " << sequence
                              << " length " << length;
            }
        }
        for (std::size_t i = 12; i < length; ++i)
        {
            if (buffer.getUInt8(index + i) != fillerByte(producerId, sequence, i))
            {
                if (m_failures++ < 5)
                {
                    ADD_FAILURE() << "torn message from producer " << producerId << " sequence " << sequence;
                }
                break;
            }
        }
        expected = sequence + 1;
        ++m_received;
    }

    [[nodiscard]] std::int64_t received() const { return m_received; }
    [[nodiscard]] int failures() const { return m_failures; }
    [[nodiscard]] std::int64_t nextSequence(std::size_t producer) const { return m_nextSequence[producer]; }

private:
    std::vector<std::int64_t> m_nextSequence;
    std::int64_t m_received = 0;
    int m_failures = 0;
};

/// Writes count messages, mixing write, tryClaim/commit and tryClaim/abort (the aborted claim is
/// retried as a new message with the same sequence), yielding while the ring is full.
template <typename RingBuffer>
void produce(RingBuffer& ring, std::int32_t producerId, std::int64_t count, const std::atomic<bool>& stop)
{
    std::vector<std::uint64_t> srcMemory(8, 0);
    AtomicBuffer src(srcMemory.data(), srcMemory.size() * sizeof(std::uint64_t));
    const std::int32_t msgTypeId = producerId + 1;
    for (std::int64_t sequence = 0; sequence < count && !stop.load(std::memory_order_relaxed);)
    {
        const std::size_t length = messageLength(sequence);
        bool published = false;
        if (sequence % 3 == 0)
        {
            const std::int32_t index = ring.tryClaim(msgTypeId, length);
            if (index > 0)
            {
                if (sequence % 9 == 0)
                {
                    ring.abort(index);
                    // The aborted claim must be invisible; publish this sequence again by write.
                    encode(src, 0, producerId, sequence);
                    while (!ring.write(msgTypeId, src, 0, length) && !stop.load(std::memory_order_relaxed))
                    {
                        std::this_thread::yield();
                    }
                    published = true;
                }
                else
                {
                    encode(ring.buffer(), static_cast<std::size_t>(index), producerId, sequence);
                    ring.commit(index);
                    published = true;
                }
            }
        }
        else
        {
            encode(src, 0, producerId, sequence);
            published = ring.write(msgTypeId, src, 0, length);
        }

        if (published)
        {
            ++sequence;
        }
        else
        {
            std::this_thread::yield();
        }
    }
}

struct RingMemory
{
    RingMemory() : words((RING_CAPACITY + RingBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t), 0) {}
    AtomicBuffer buffer() { return {words.data(), words.size() * sizeof(std::uint64_t)}; }
    std::vector<std::uint64_t> words;
};

void runManyToOne(std::size_t producers, std::int64_t perProducer)
{
    RingMemory memory;
    ManyToOneRingBuffer ring(memory.buffer());
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (std::size_t p = 0; p < producers; ++p)
    {
        threads.emplace_back([&ring, &stop, p, perProducer]
                             { produce(ring, static_cast<std::int32_t>(p), perProducer, stop); });
    }

    OrderChecker checker(producers);
    const std::int64_t total = perProducer * static_cast<std::int64_t>(producers);
    const auto deadline = std::chrono::steady_clock::now() + DEADLINE;
    while (checker.received() < total && checker.failures() == 0)
    {
        const int read = ring.read(
            [&checker](std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)
            { checker.onMessage(msgTypeId, buffer, index, length); });
        if (read == 0)
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                ADD_FAILURE() << "timed out with " << checker.received() << " of " << total;
                break;
            }
            std::this_thread::yield();
        }
    }
    stop = true;
    for (auto& thread : threads)
    {
        thread.join();
    }

    EXPECT_EQ(0, checker.failures());
    EXPECT_EQ(total, checker.received());
    for (std::size_t p = 0; p < producers; ++p)
    {
        EXPECT_EQ(perProducer, checker.nextSequence(p)) << "producer " << p;
    }
    EXPECT_EQ(0, ring.read([](std::int32_t, AtomicBuffer&, std::size_t, std::size_t) {})) << "nothing extra";
    EXPECT_EQ(0u, ring.size());
}
} // namespace

TEST(RingBufferConcurrentTest, shouldDeliverEveryMessageInProducerOrderWithTwoProducers)
{
    runManyToOne(2, 600'000 / SCALE);
}

TEST(RingBufferConcurrentTest, shouldDeliverEveryMessageInProducerOrderWithFourProducers)
{
    runManyToOne(4, 300'000 / SCALE);
}

TEST(RingBufferConcurrentTest, shouldDeliverEveryMessageInOrderFromOneToOneWithControlledReadAborts)
{
    const std::int64_t count = 1'000'000 / SCALE;
    RingMemory memory;
    OneToOneRingBuffer ring(memory.buffer());
    std::atomic<bool> stop{false};
    std::thread producer([&] { produce(ring, 0, count, stop); });

    OrderChecker checker(1);
    std::int64_t aborts = 0;
    std::int64_t seen = 0;
    const auto deadline = std::chrono::steady_clock::now() + DEADLINE;
    while (checker.received() < count && checker.failures() == 0)
    {
        const int read = ring.controlledRead(
            [&](std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)
            {
                // Abort every 101st delivery: that message must come again, in the same place.
                if (++seen % 101 == 0)
                {
                    ++aborts;
                    return ControlledReadAction::ABORT;
                }
                checker.onMessage(msgTypeId, buffer, index, length);
                return seen % 7 == 0 ? ControlledReadAction::COMMIT : ControlledReadAction::CONTINUE;
            });
        if (read == 0)
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                ADD_FAILURE() << "timed out with " << checker.received() << " of " << count;
                break;
            }
            std::this_thread::yield();
        }
    }
    stop = true;
    producer.join();

    EXPECT_EQ(0, checker.failures());
    EXPECT_EQ(count, checker.received());
    EXPECT_GT(aborts, 0);
}

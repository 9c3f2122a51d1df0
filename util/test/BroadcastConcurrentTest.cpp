// A transmitter thread and a receiving thread over a broadcast buffer: lossless when the
// transmitter is held back, and, when it is not, every delivered message intact and in order with
// gaps only where the receiver was told it was lapped.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BroadcastBufferDescriptor.hpp"
#include "cox/util/BroadcastReceiver.hpp"
#include "cox/util/BroadcastTransmitter.hpp"
#include "cox/util/CopyBroadcastReceiver.hpp"

using namespace cox::util;

namespace
{
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::int64_t SCALE = 4;
#else
constexpr std::int64_t SCALE = 1;
#endif

constexpr std::int32_t MSG_TYPE_ID = 3;
constexpr auto DEADLINE = std::chrono::seconds(60);

/// Sequence (int64) then bytes derived from it; lengths vary so records pad at the wrap.
std::size_t messageLength(std::int64_t sequence)
{
    return 8 + static_cast<std::size_t>(sequence % 6) * 5;
}

std::uint8_t fillerByte(std::int64_t sequence, std::size_t i)
{
    return static_cast<std::uint8_t>(sequence * 13 + static_cast<std::int64_t>(i) * 3);
}

struct BroadcastMemory
{
    explicit BroadcastMemory(std::size_t capacity)
        : words((capacity + BroadcastBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t), 0)
    {
    }
    AtomicBuffer buffer() { return {words.data(), words.size() * sizeof(std::uint64_t)}; }
    std::vector<std::uint64_t> words;
};

/// Transmits count messages; when a window is given, waits while more than window messages are
/// ahead of acknowledged, so the receiver is never lapped.
void transmitAll(BroadcastTransmitter& transmitter, std::int64_t count, const std::atomic<std::int64_t>& acknowledged,
                 std::int64_t window)
{
    std::vector<std::uint64_t> srcMemory(8, 0);
    AtomicBuffer src(srcMemory.data(), srcMemory.size() * sizeof(std::uint64_t));
    for (std::int64_t sequence = 0; sequence < count; ++sequence)
    {
        while (window > 0 && sequence - acknowledged.load(std::memory_order_acquire) > window)
        {
            std::this_thread::yield();
        }
        const std::size_t length = messageLength(sequence);
        src.putInt64(0, sequence);
        for (std::size_t i = 8; i < length; ++i)
        {
            src.putUInt8(i, fillerByte(sequence, i));
        }
        transmitter.transmit(MSG_TYPE_ID, src, 0, length);
    }
}

struct ReceiveResult
{
    std::int64_t delivered = 0;
    std::int64_t lappedReports = 0;
    std::int64_t lastSequence = -1;
    int failures = 0;
};

ReceiveResult receiveUntil(CopyBroadcastReceiver& receiver, std::int64_t lastSequence,
                           std::atomic<std::int64_t>& acknowledged)
{
    ReceiveResult result;
    bool lappedSinceLast = false;
    const auto deadline = std::chrono::steady_clock::now() + DEADLINE;
    while (result.lastSequence < lastSequence && result.failures == 0)
    {
        const int received = receiver.receive(
            [&](std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)
            {
                const std::int64_t sequence = buffer.getInt64(index);
                bool ok = msgTypeId == MSG_TYPE_ID && length == messageLength(sequence) &&
                    sequence > result.lastSequence && (lappedSinceLast || sequence == result.lastSequence + 1);
                for (std::size_t i = 8; ok && i < length; ++i)
                {
                    ok = buffer.getUInt8(index + i) == fillerByte(sequence, i);
                }
                if (!ok)
                {
                    ADD_FAILURE() << "bad message: sequence " << sequence << " after " << result.lastSequence
                                  << " length " << length << " lapped " << lappedSinceLast;
                    ++result.failures;
                }
                result.lastSequence = sequence;
                ++result.delivered;
                lappedSinceLast = false;
                acknowledged.store(sequence, std::memory_order_release);
            });
        if (received == CopyBroadcastReceiver::LAPPED)
        {
            lappedSinceLast = true;
            ++result.lappedReports;
        }
        if (received != 1)
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                ADD_FAILURE() << "timed out at sequence " << result.lastSequence;
                break;
            }
            std::this_thread::yield();
        }
    }
    return result;
}
} // namespace

TEST(BroadcastConcurrentTest, shouldDeliverEveryMessageInOrderWhenReceiverKeepsUp)
{
    const std::int64_t count = 1'000'000 / SCALE;
    BroadcastMemory memory(64 * 1024);
    BroadcastTransmitter transmitter(memory.buffer());
    BroadcastReceiver receiver(memory.buffer());
    CopyBroadcastReceiver copyReceiver(receiver);
    std::atomic<std::int64_t> acknowledged{-1};

    // 1000 messages of at most 40 bytes stay well inside 64 KiB: never lapped.
    std::thread transmitterThread([&] { transmitAll(transmitter, count, acknowledged, 1000); });
    const ReceiveResult result = receiveUntil(copyReceiver, count - 1, acknowledged);
    transmitterThread.join();

    EXPECT_EQ(0, result.failures);
    EXPECT_EQ(count, result.delivered);
    EXPECT_EQ(0, result.lappedReports);
    EXPECT_EQ(0, copyReceiver.lappedCount());
    EXPECT_EQ(count - 1, result.lastSequence);
}

TEST(BroadcastConcurrentTest, shouldDeliverOnlyIntactMessagesWhenLappedByFastTransmitter)
{
    const std::int64_t count = 1'000'000 / SCALE;
    BroadcastMemory memory(1024);
    BroadcastTransmitter transmitter(memory.buffer());
    BroadcastReceiver receiver(memory.buffer());
    CopyBroadcastReceiver copyReceiver(receiver);
    std::atomic<std::int64_t> acknowledged{-1};

    std::thread transmitterThread([&] { transmitAll(transmitter, count, acknowledged, 0); });
    const ReceiveResult result = receiveUntil(copyReceiver, count - 1, acknowledged);
    transmitterThread.join();

    EXPECT_EQ(0, result.failures);
    EXPECT_EQ(count - 1, result.lastSequence) << "the last message always survives";
    EXPECT_GT(result.delivered, 0);
    // Whether laps happen depends on scheduling; when they do they must have been reported.
    EXPECT_EQ(result.delivered == count, result.lappedReports == 0);
    RecordProperty("lappedReports", std::to_string(result.lappedReports));
    RecordProperty("delivered", std::to_string(result.delivered));
}

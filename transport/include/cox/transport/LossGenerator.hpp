#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cox::transport
{
/// Seeded random frame loss for the receive path in tests (facts: loss generators "(rate, seed)").
///
/// Each call draws one number from a splitmix64 stream, so the same seed drops the same frames in the same
/// order regardless of their content: a failing run replays exactly. The datagram is not inspected; the
/// parameters are there so the receive path can call it with what it has, and for future content filters.
///
/// One thread (the receiver's). No allocation.
class LossGenerator
{
public:
    /// dropRate in [0, 1]. Throws IllegalArgumentException otherwise.
    LossGenerator(double dropRate, std::uint64_t seed);

    /// True when this datagram should be discarded as if the network lost it.
    [[nodiscard]] bool shouldDropFrame(const std::uint8_t* datagram, std::size_t length) noexcept;

    [[nodiscard]] double dropRate() const noexcept { return m_dropRate; }
    [[nodiscard]] std::int64_t framesSeen() const noexcept { return m_framesSeen; }
    [[nodiscard]] std::int64_t framesDropped() const noexcept { return m_framesDropped; }

private:
    [[nodiscard]] std::uint64_t next() noexcept;

    double m_dropRate;
    // A draw below this threshold drops the frame; a threshold avoids floating point on each call.
    std::uint64_t m_threshold;
    bool m_dropAll;
    std::uint64_t m_state;
    std::int64_t m_framesSeen = 0;
    std::int64_t m_framesDropped = 0;
};

/// Holds datagrams for a fixed delay before delivering them, in arrival order (a delay line for tests).
///
/// Capacity and the largest datagram are fixed at construction and the slots allocated then; offer() and
/// poll() never allocate. Because every datagram waits the same time, arrival order is also due order.
/// One thread.
class DelayGenerator
{
public:
    /// delayNs >= 0, capacity >= 1, maxDatagramLength >= 1. Throws IllegalArgumentException otherwise.
    DelayGenerator(std::int64_t delayNs, std::size_t capacity, std::size_t maxDatagramLength);

    /// Copies the datagram in, due at nowNs + delay. False (and counted) when full or too long.
    [[nodiscard]] bool offer(const std::uint8_t* datagram, std::size_t length, std::int64_t nowNs) noexcept;

    /// Delivers every datagram due by nowNs to consumer(const std::uint8_t*, std::size_t), oldest first.
    /// Returns how many were delivered.
    template <typename Consumer> int poll(std::int64_t nowNs, Consumer&& consumer)
    {
        int delivered = 0;
        while (m_size > 0 && m_dueNs[m_head] <= nowNs)
        {
            consumer(slot(m_head), m_lengths[m_head]);
            m_head = (m_head + 1) % m_capacity;
            --m_size;
            ++delivered;
        }
        return delivered;
    }

    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] std::int64_t rejectedCount() const noexcept { return m_rejectedCount; }

private:
    [[nodiscard]] std::uint8_t* slot(std::size_t index) noexcept
    {
        return m_storage.data() + index * m_maxDatagramLength;
    }

    std::int64_t m_delayNs;
    std::size_t m_capacity;
    std::size_t m_maxDatagramLength;
    std::vector<std::uint8_t> m_storage;
    std::vector<std::size_t> m_lengths;
    std::vector<std::int64_t> m_dueNs;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
    std::int64_t m_rejectedCount = 0;
};
} // namespace cox::transport

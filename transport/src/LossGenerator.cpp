#include "cox/transport/LossGenerator.hpp"

#include <cmath>
#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
LossGenerator::LossGenerator(double dropRate, std::uint64_t seed)
    : m_dropRate(dropRate), m_threshold(0), m_dropAll(dropRate >= 1.0), m_state(seed)
{
    if (!(dropRate >= 0.0 && dropRate <= 1.0))
    {
        throw util::IllegalArgumentException("loss rate must be in [0, 1], got " + std::to_string(dropRate));
    }
    // rate x 2^64, computed as rate x 2^63 x 2 so the double fits before the shift.
    m_threshold = m_dropAll ? 0 : static_cast<std::uint64_t>(std::ldexp(dropRate, 63)) << 1U;
}

bool LossGenerator::shouldDropFrame(const std::uint8_t* /*datagram*/, std::size_t /*length*/) noexcept
{
    ++m_framesSeen;
    const bool drop = m_dropAll || next() < m_threshold;
    if (drop)
    {
        ++m_framesDropped;
    }
    return drop;
}

std::uint64_t LossGenerator::next() noexcept
{
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

DelayGenerator::DelayGenerator(std::int64_t delayNs, std::size_t capacity, std::size_t maxDatagramLength)
    : m_delayNs(delayNs), m_capacity(capacity), m_maxDatagramLength(maxDatagramLength)
{
    if (delayNs < 0 || capacity == 0 || maxDatagramLength == 0)
    {
        throw util::IllegalArgumentException(
            "delay generator needs delay >= 0, capacity >= 1 and max datagram length >= 1, got " +
            std::to_string(delayNs) + " ns, " + std::to_string(capacity) + ", " + std::to_string(maxDatagramLength));
    }
    m_storage.resize(capacity * maxDatagramLength);
    m_lengths.resize(capacity);
    m_dueNs.resize(capacity);
}

bool DelayGenerator::offer(const std::uint8_t* datagram, std::size_t length, std::int64_t nowNs) noexcept
{
    if (m_size == m_capacity || length > m_maxDatagramLength)
    {
        ++m_rejectedCount;
        return false;
    }
    const std::size_t tail = (m_head + m_size) % m_capacity;
    if (length > 0)
    {
        std::memcpy(slot(tail), datagram, length);
    }
    m_lengths[tail] = length;
    m_dueNs[tail] = nowNs + m_delayNs;
    ++m_size;
    return true;
}
} // namespace cox::transport

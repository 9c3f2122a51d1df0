#pragma once

#include <cstddef>
#include <cstdint>

namespace cox::sim
{
/// SplitMix64: every random choice of a simulation comes from one of these, seeded from the run's seed, so a
/// seed replays the same run on any platform (std:: distributions are not portable across standard libraries).
class SimRandom
{
public:
    explicit SimRandom(std::uint64_t seed) noexcept : m_state(seed) {}

    std::uint64_t next() noexcept
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// Uniform in [0, bound); 0 when bound <= 0. The modulo bias is irrelevant at simulation bounds.
    std::int64_t nextInt(std::int64_t bound) noexcept
    {
        return bound <= 0 ? 0 : static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(bound));
    }

    /// Uniform in [low, high].
    std::int64_t nextInt(std::int64_t low, std::int64_t high) noexcept { return low + nextInt(high - low + 1); }

    /// Uniform in [0, 1).
    double nextDouble() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    bool chance(double probability) noexcept { return nextDouble() < probability; }

    /// A seed for another generator, so that components drawing different amounts do not shift each other.
    std::uint64_t fork() noexcept { return next() | 1U; }

private:
    std::uint64_t m_state;
};

/// FNV-1a, folded over everything a run observes to give its trace hash.
class TraceHash
{
public:
    void add(const void* data, std::size_t length) noexcept
    {
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        for (std::size_t i = 0; i < length; ++i)
        {
            m_hash = (m_hash ^ bytes[i]) * 0x100000001B3ULL;
        }
    }

    void add(std::int64_t value) noexcept { add(&value, sizeof(value)); }

    [[nodiscard]] std::uint64_t value() const noexcept { return m_hash; }

private:
    std::uint64_t m_hash = 0xCBF29CE484222325ULL;
};
} // namespace cox::sim

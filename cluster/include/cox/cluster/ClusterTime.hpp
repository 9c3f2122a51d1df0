#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cox::cluster
{
/// The unit of cluster time: the timestamps the leader stamps on log entries and the deadlines of timers
/// (Aeron's ClusterClock.timeUnit(); MillisecondClusterClock is the default there and here).
enum class ClusterTimeUnit : std::int8_t
{
    MILLISECONDS,
    MICROSECONDS,
    NANOSECONDS,
};

/// Nanoseconds per unit.
[[nodiscard]] constexpr std::int64_t nanosPerUnit(ClusterTimeUnit unit) noexcept
{
    switch (unit)
    {
    case ClusterTimeUnit::MILLISECONDS:
        return 1'000'000;
    case ClusterTimeUnit::MICROSECONDS:
        return 1'000;
    case ClusterTimeUnit::NANOSECONDS:
        return 1;
    }
    return 1;
}

/// Cluster time to nanoseconds, e.g. to compare a timer deadline with the agent's nanosecond clock.
[[nodiscard]] constexpr std::int64_t toNanos(ClusterTimeUnit unit, std::int64_t time) noexcept
{
    return time * nanosPerUnit(unit);
}

/// Nanoseconds to cluster time, truncating: what the leader stamps on an entry appended at nowNs.
[[nodiscard]] constexpr std::int64_t fromNanos(ClusterTimeUnit unit, std::int64_t nanos) noexcept
{
    return nanos / nanosPerUnit(unit);
}

/// "ms", "us", "ns": the spelling in configuration files.
[[nodiscard]] constexpr std::string_view toString(ClusterTimeUnit unit) noexcept
{
    switch (unit)
    {
    case ClusterTimeUnit::MILLISECONDS:
        return "ms";
    case ClusterTimeUnit::MICROSECONDS:
        return "us";
    case ClusterTimeUnit::NANOSECONDS:
        return "ns";
    }
    return "?";
}

[[nodiscard]] constexpr std::optional<ClusterTimeUnit> parseClusterTimeUnit(std::string_view text) noexcept
{
    if (text == "ms")
    {
        return ClusterTimeUnit::MILLISECONDS;
    }
    if (text == "us")
    {
        return ClusterTimeUnit::MICROSECONDS;
    }
    if (text == "ns")
    {
        return ClusterTimeUnit::NANOSECONDS;
    }
    return std::nullopt;
}
} // namespace cox::cluster

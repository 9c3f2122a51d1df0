#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "CountersView.hpp"

// Small helpers the acts share for timing and printing.
namespace cox::apps::demo::act
{
using Clock = std::chrono::steady_clock;

inline double secondsBetween(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

inline std::int64_t perSecond(std::int64_t count, double seconds)
{
    return seconds > 0.0 ? static_cast<std::int64_t>(static_cast<double>(count) / seconds) : 0;
}

/// Decimal megabytes per second, one decimal place.
inline std::string megabytesPerSecond(std::int64_t bytes, double seconds)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f MB/s", seconds > 0.0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0);
    return text;
}

inline std::string fixed(double value, const char* format = "%.2f")
{
    char text[32];
    std::snprintf(text, sizeof(text), format, value);
    return text;
}

/// "[   1.0 s]", as act 1's progress lines start.
inline std::string elapsedPrefix(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof(text), "[%6.1f s]", seconds);
    return text;
}

/// Power-of-two sizes as "64 KiB" / "4 MiB", anything else in bytes.
inline std::string binarySize(std::int64_t bytes)
{
    if (bytes >= (1 << 20) && bytes % (1 << 20) == 0)
    {
        return std::to_string(bytes >> 20) + " MiB";
    }
    if (bytes >= (1 << 10) && bytes % (1 << 10) == 0)
    {
        return std::to_string(bytes >> 10) + " KiB";
    }
    return formatThousands(bytes) + " bytes";
}
} // namespace cox::apps::demo::act

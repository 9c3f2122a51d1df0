#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace cox::util
{
/// Cache line length assumed for padding shared counters and ring-buffer trailers.
inline constexpr std::size_t CACHE_LINE_LENGTH = 64;

/// Round value up to the next multiple of alignment, which must be a power of two.
template <typename T>
[[nodiscard]] constexpr T align(T value, T alignment) noexcept
{
    static_assert(std::is_integral_v<T>);
    return (value + (alignment - 1)) & ~(alignment - 1);
}

template <typename T>
[[nodiscard]] constexpr bool isPowerOfTwo(T value) noexcept
{
    static_assert(std::is_integral_v<T>);
    return value > 0 && (value & (value - 1)) == 0;
}

[[nodiscard]] constexpr std::uint64_t findNextPowerOfTwo(std::uint64_t value) noexcept
{
    if (value <= 1)
    {
        return 1;
    }
    --value;
    value |= value >> 1;
    value |= value >> 2;
    value |= value >> 4;
    value |= value >> 8;
    value |= value >> 16;
    value |= value >> 32;
    return value + 1;
}

/// Number of trailing zero bits; the log2 of a power of two.
[[nodiscard]] constexpr int numberOfTrailingZeroes(std::uint64_t value) noexcept
{
    return value == 0 ? 64 : __builtin_ctzll(value);
}
} // namespace cox::util

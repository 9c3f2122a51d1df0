#include "cox/util/Crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cox::util
{
namespace
{
constexpr std::uint32_t CASTAGNOLI_REFLECTED = 0x82F63B78u;
constexpr std::size_t SLICES = 8;

using Crc32cTables = std::array<std::array<std::uint32_t, 256>, SLICES>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets eight input bytes be folded with eight independent look-ups.
constexpr Crc32cTables makeTables() noexcept
{
    Crc32cTables tables{};
    for (std::uint32_t b = 0; b < 256; ++b)
    {
        std::uint32_t crc = b;
        for (int bit = 0; bit < 8; ++bit)
        {
            crc = (crc >> 1) ^ ((crc & 1u) != 0 ? CASTAGNOLI_REFLECTED : 0u);
        }
        tables[0][b] = crc;
    }
    for (std::size_t k = 1; k < SLICES; ++k)
    {
        for (std::uint32_t b = 0; b < 256; ++b)
        {
            const std::uint32_t previous = tables[k - 1][b];
            tables[k][b] = (previous >> 8) ^ tables[0][previous & 0xFFu];
        }
    }
    return tables;
}

constexpr Crc32cTables TABLES = makeTables();

inline std::uint64_t loadLittleEndian64(const std::uint8_t* data) noexcept
{
    std::uint64_t value;
    std::memcpy(&value, data, sizeof(value));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

using Crc32cFunction = std::uint32_t (*)(std::uint32_t, const std::uint8_t*, std::size_t) noexcept;

Crc32cFunction selectImplementation() noexcept
{
    return crc32cHardwareAvailable() ? &crc32cHardware : &crc32cPortable;
}
} // namespace

std::uint32_t crc32cPortable(std::uint32_t crc, const std::uint8_t* data, std::size_t length) noexcept
{
    std::uint32_t state = ~crc;
    while (length >= SLICES)
    {
        const std::uint64_t word = loadLittleEndian64(data) ^ state;
        state = TABLES[7][word & 0xFFu] ^ TABLES[6][(word >> 8) & 0xFFu] ^ TABLES[5][(word >> 16) & 0xFFu] ^
                TABLES[4][(word >> 24) & 0xFFu] ^ TABLES[3][(word >> 32) & 0xFFu] ^ TABLES[2][(word >> 40) & 0xFFu] ^
                TABLES[1][(word >> 48) & 0xFFu] ^ TABLES[0][word >> 56];
        data += SLICES;
        length -= SLICES;
    }
    while (length-- > 0)
    {
        state = (state >> 8) ^ TABLES[0][(state ^ *data++) & 0xFFu];
    }
    return ~state;
}

#if defined(__x86_64__)
// The target attribute lets this one function use SSE4.2 while the rest of the build stays
// baseline x86-64; crc32c() only calls it after checking the CPU.
__attribute__((target("sse4.2"))) std::uint32_t crc32cHardware(std::uint32_t crc, const std::uint8_t* data,
                                                               std::size_t length) noexcept
{
    std::uint64_t state = ~crc;
    // Byte steps up to 8-byte alignment so the main loop's loads never split a cache line.
    while (length > 0 && (reinterpret_cast<std::uintptr_t>(data) & 7u) != 0)
    {
        state = _mm_crc32_u8(static_cast<std::uint32_t>(state), *data++);
        --length;
    }
    while (length >= 8)
    {
        std::uint64_t word;
        std::memcpy(&word, data, sizeof(word));
        state = _mm_crc32_u64(state, word);
        data += 8;
        length -= 8;
    }
    while (length-- > 0)
    {
        state = _mm_crc32_u8(static_cast<std::uint32_t>(state), *data++);
    }
    return ~static_cast<std::uint32_t>(state);
}

bool crc32cHardwareAvailable() noexcept
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
}
#else
std::uint32_t crc32cHardware(std::uint32_t crc, const std::uint8_t* data, std::size_t length) noexcept
{
    return crc32cPortable(crc, data, length);
}

bool crc32cHardwareAvailable() noexcept
{
    return false;
}
#endif

std::uint32_t crc32c(std::uint32_t crc, const std::uint8_t* data, std::size_t length) noexcept
{
    static const Crc32cFunction implementation = selectImplementation();
    return implementation(crc, data, length);
}
} // namespace cox::util

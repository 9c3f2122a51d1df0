#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "cox/util/Crc32c.hpp"

using namespace cox::util;

namespace
{
using Crc32cFn = std::uint32_t (*)(std::uint32_t, const std::uint8_t*, std::size_t) noexcept;

struct Implementation
{
    const char* name;
    Crc32cFn fn;
};

std::vector<Implementation> implementations()
{
    std::vector<Implementation> result{{"portable", &crc32cPortable}, {"dispatch", &crc32c}};
    if (crc32cHardwareAvailable())
    {
        result.push_back({"hardware", &crc32cHardware});
    }
    return result;
}

std::array<std::uint8_t, 32> filled(std::uint8_t value)
{
    std::array<std::uint8_t, 32> bytes{};
    bytes.fill(value);
    return bytes;
}
} // namespace

// RFC 3720 (iSCSI) appendix B.4 test vectors, plus the common "123456789" check value.
TEST(Crc32cTest, shouldMatchPublishedVectorsForEveryImplementation)
{
    std::array<std::uint8_t, 32> ascending{};
    std::array<std::uint8_t, 32> descending{};
    for (std::size_t i = 0; i < 32; ++i)
    {
        ascending[i] = static_cast<std::uint8_t>(i);
        descending[i] = static_cast<std::uint8_t>(31 - i);
    }
    const auto zeros = filled(0x00);
    const auto ones = filled(0xFF);
    const char* check = "123456789";

    for (const auto& impl : implementations())
    {
        SCOPED_TRACE(impl.name);
        EXPECT_EQ(0x8A9136AAu, impl.fn(0, zeros.data(), zeros.size()));
        EXPECT_EQ(0x62A8AB43u, impl.fn(0, ones.data(), ones.size()));
        EXPECT_EQ(0x46DD794Eu, impl.fn(0, ascending.data(), ascending.size()));
        EXPECT_EQ(0x113FDB5Cu, impl.fn(0, descending.data(), descending.size()));
        EXPECT_EQ(0xE3069283u, impl.fn(0, reinterpret_cast<const std::uint8_t*>(check), std::strlen(check)));
    }
}

TEST(Crc32cTest, shouldReturnInitialValueForEmptyInput)
{
    for (const auto& impl : implementations())
    {
        SCOPED_TRACE(impl.name);
        EXPECT_EQ(0u, impl.fn(0, nullptr, 0));
        EXPECT_EQ(0xDEADBEEFu, impl.fn(0xDEADBEEF, nullptr, 0));
    }
}

TEST(Crc32cTest, shouldUseHardwareWhenCpuHasSse42)
{
#if defined(__x86_64__)
    EXPECT_EQ(__builtin_cpu_supports("sse4.2") != 0, crc32cHardwareAvailable());
#else
    EXPECT_FALSE(crc32cHardwareAvailable());
#endif
}

/// CRC-32C bit by bit (reflected polynomial 0x82F63B78): slow, obviously right, independent of both
/// implementations under test.
std::uint32_t crc32cBitwise(std::uint32_t crc, const std::uint8_t* data, std::size_t length)
{
    crc = ~crc;
    for (std::size_t i = 0; i < length; ++i)
    {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit)
        {
            crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1U)));
        }
    }
    return ~crc;
}

TEST(Crc32cTest, shouldAgreeWithABitwiseReferenceOnRandomLengthsAndAlignments)
{
    // Every implementation this CPU can run, and the dispatcher, against the reference; on a CPU
    // without SSE4.2 the hardware one is simply not in the list.
    std::mt19937_64 random(20261127);
    std::vector<std::uint8_t> memory(4096 + 16);
    for (auto& b : memory)
    {
        b = static_cast<std::uint8_t>(random());
    }
    for (int trial = 0; trial < 2000; ++trial)
    {
        const std::size_t offset = random() % 16;
        const std::size_t length = random() % 4097;
        const auto seed = static_cast<std::uint32_t>(random());
        const std::uint8_t* data = memory.data() + offset;
        const std::uint32_t expected = crc32cBitwise(seed, data, length);
        ASSERT_EQ(crc32cPortable(seed, data, length), expected)
            << "portable offset=" << offset << " length=" << length << " seed=" << seed;
        ASSERT_EQ(crc32c(seed, data, length), expected) << "dispatched offset=" << offset << " length=" << length;
        if (crc32cHardwareAvailable())
        {
            ASSERT_EQ(crc32cHardware(seed, data, length), expected)
                << "hardware offset=" << offset << " length=" << length << " seed=" << seed;
        }
    }
}

TEST(Crc32cTest, shouldGiveSameResultIncrementallyAsOneShot)
{
    std::mt19937 random(7);
    std::vector<std::uint8_t> data(1000);
    for (auto& b : data)
    {
        b = static_cast<std::uint8_t>(random());
    }
    for (const auto& impl : implementations())
    {
        SCOPED_TRACE(impl.name);
        const std::uint32_t oneShot = impl.fn(0, data.data(), data.size());
        for (std::size_t split : {0u, 1u, 7u, 8u, 9u, 500u, 999u, 1000u})
        {
            const std::uint32_t first = impl.fn(0, data.data(), split);
            EXPECT_EQ(oneShot, impl.fn(first, data.data() + split, data.size() - split)) << "split=" << split;
        }
        std::uint32_t running = 0;
        std::size_t position = 0;
        while (position < data.size())
        {
            const std::size_t chunk = std::min<std::size_t>(1 + random() % 37, data.size() - position);
            running = impl.fn(running, data.data() + position, chunk);
            position += chunk;
        }
        EXPECT_EQ(oneShot, running);
    }
}

TEST(Crc32cTest, shouldDetectSingleBitFlip)
{
    std::vector<std::uint8_t> data(256, 0x5A);
    const std::uint32_t original = crc32c(0, data.data(), data.size());
    data[100] ^= 0x04;
    EXPECT_NE(original, crc32c(0, data.data(), data.size()));
}

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"

using namespace cox::util;

TEST(AtomicBufferTest, shouldRoundTripPlainValuesAtAnyAlignment)
{
    std::array<std::uint8_t, 64> memory{};
    AtomicBuffer buffer(memory.data(), memory.size());
    buffer.putInt64(3, 0x0102030405060708LL);
    buffer.putInt32(17, -42);
    buffer.putUInt16(30, 0xBEEF);
    EXPECT_EQ(0x0102030405060708LL, buffer.getInt64(3));
    EXPECT_EQ(-42, buffer.getInt32(17));
    EXPECT_EQ(0xBEEF, buffer.getUInt16(30));
    EXPECT_EQ(0x08, memory[3]) << "values are stored little-endian";
}

TEST(AtomicBufferTest, shouldDoAtomicOperations)
{
    alignas(8) std::array<std::uint8_t, 64> memory{};
    AtomicBuffer buffer(memory.data(), memory.size());
    buffer.putInt64Ordered(8, 10);
    EXPECT_EQ(10, buffer.getInt64Volatile(8));
    EXPECT_TRUE(buffer.compareAndSetInt64(8, 10, 20));
    EXPECT_FALSE(buffer.compareAndSetInt64(8, 10, 30));
    EXPECT_EQ(20, buffer.getAndAddInt64(8, 5));
    EXPECT_EQ(25, buffer.getInt64(8));
    buffer.addInt64Ordered(8, 5);
    EXPECT_EQ(30, buffer.getInt64Volatile(8));
    buffer.putInt32Ordered(16, 7);
    EXPECT_EQ(7, buffer.getAndAddInt32(16, 1));
    EXPECT_EQ(8, buffer.getInt32Volatile(16));
}

TEST(AtomicBufferTest, shouldCopyBytesAndStrings)
{
    std::array<std::uint8_t, 64> memory{};
    AtomicBuffer buffer(memory.data(), memory.size());
    EXPECT_EQ(9u, buffer.putStringAscii(0, "hello"));
    EXPECT_EQ("hello", buffer.getStringAscii(0));
    buffer.setMemory(20, 4, 0xAB);
    std::array<std::uint8_t, 4> out{};
    buffer.getBytes(20, out.data(), out.size());
    EXPECT_EQ(0xAB, out[3]);
}

TEST(AtomicBufferTest, shouldReportBoundsForUntrustedLengths)
{
    // Heap memory: with a stack array GCC proves the deliberate out-of-bounds read and warns.
    std::vector<std::uint8_t> memory(16);
    AtomicBuffer buffer(memory.data(), memory.size());
    EXPECT_TRUE(buffer.inBounds(0, 16));
    EXPECT_TRUE(buffer.inBounds(16, 0));
    EXPECT_FALSE(buffer.inBounds(8, 9));
    EXPECT_FALSE(buffer.inBounds(17, 0));
    EXPECT_FALSE(buffer.inBounds(8, SIZE_MAX)) << "no overflow in the check";
#if defined(COX_BOUNDS_CHECK)
    EXPECT_THROW((void)buffer.getInt64(12), IndexOutOfBoundsException);
#endif
}

TEST(BitUtilTest, shouldAlignAndFindPowersOfTwo)
{
    EXPECT_EQ(32u, align<std::size_t>(17, 32));
    EXPECT_EQ(32u, align<std::size_t>(32, 32));
    EXPECT_TRUE(isPowerOfTwo(65536));
    EXPECT_FALSE(isPowerOfTwo(0));
    EXPECT_FALSE(isPowerOfTwo(96));
    EXPECT_EQ(128u, findNextPowerOfTwo(65));
    EXPECT_EQ(16, numberOfTrailingZeroes(65536));
}

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cox/transport/LossGenerator.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;

namespace
{
constexpr std::array<std::uint8_t, 64> DATAGRAM{};

double observedRate(double rate, std::uint64_t seed, int frames)
{
    LossGenerator generator(rate, seed);
    for (int i = 0; i < frames; ++i)
    {
        (void)generator.shouldDropFrame(DATAGRAM.data(), DATAGRAM.size());
    }
    EXPECT_EQ(frames, generator.framesSeen());
    return static_cast<double>(generator.framesDropped()) / frames;
}
} // namespace

TEST(LossGeneratorTest, shouldDropCloseToRateOverMillionFrames)
{
    // Within 0.5% of the rate where that is several standard deviations of a 1M-frame binomial (rate >= 0.2);
    // for small rates 0.5% of the rate is below one deviation, so the bound there is 0.05 percentage points.
    for (const double rate : {0.2, 0.5, 0.9})
    {
        const double observed = observedRate(rate, 0xC0FFEE, 1'000'000);
        EXPECT_LT(std::abs(observed - rate), 0.005 * rate) << "rate " << rate << " observed " << observed;
    }
    const double observed = observedRate(0.01, 0xC0FFEE, 1'000'000);
    EXPECT_LT(std::abs(observed - 0.01), 0.0005) << "observed " << observed;
}

TEST(LossGeneratorTest, shouldNeverDropAtZeroAndAlwaysDropAtOne)
{
    EXPECT_EQ(0.0, observedRate(0.0, 1, 100'000));
    EXPECT_EQ(1.0, observedRate(1.0, 1, 100'000));
}

TEST(LossGeneratorTest, shouldRepeatDropSequenceForSameSeed)
{
    LossGenerator a(0.3, 12345);
    LossGenerator b(0.3, 12345);
    LossGenerator c(0.3, 54321);
    int differences = 0;
    for (int i = 0; i < 10'000; ++i)
    {
        const bool dropA = a.shouldDropFrame(DATAGRAM.data(), DATAGRAM.size());
        ASSERT_EQ(dropA, b.shouldDropFrame(DATAGRAM.data(), DATAGRAM.size())) << "frame " << i;
        differences += dropA != c.shouldDropFrame(DATAGRAM.data(), DATAGRAM.size()) ? 1 : 0;
    }
    EXPECT_GT(differences, 1'000);
}

TEST(LossGeneratorTest, shouldRejectRateOutsideUnitInterval)
{
    EXPECT_THROW(LossGenerator(-0.1, 1), cox::util::IllegalArgumentException);
    EXPECT_THROW(LossGenerator(1.01, 1), cox::util::IllegalArgumentException);
    EXPECT_THROW(LossGenerator(std::nan(""), 1), cox::util::IllegalArgumentException);
}

TEST(DelayGeneratorTest, shouldHoldDatagramsUntilDueAndDeliverInOrder)
{
    DelayGenerator delay(1'000, 4, 16);
    std::uint8_t first[] = {1, 2, 3};
    const std::uint8_t second[] = {4, 5};
    ASSERT_TRUE(delay.offer(first, sizeof(first), 100));
    ASSERT_TRUE(delay.offer(second, sizeof(second), 600));
    first[0] = 99; // the delay line owns a copy

    std::vector<std::vector<std::uint8_t>> delivered;
    const auto consumer = [&](const std::uint8_t* data, std::size_t length)
    { delivered.emplace_back(data, data + length); };

    EXPECT_EQ(0, delay.poll(1'099, consumer));
    EXPECT_EQ(1, delay.poll(1'100, consumer));
    EXPECT_EQ(0, delay.poll(1'599, consumer));
    EXPECT_EQ(1, delay.poll(5'000, consumer));
    ASSERT_EQ(2U, delivered.size());
    EXPECT_EQ((std::vector<std::uint8_t>{1, 2, 3}), delivered[0]);
    EXPECT_EQ((std::vector<std::uint8_t>{4, 5}), delivered[1]);
    EXPECT_EQ(0U, delay.size());
}

TEST(DelayGeneratorTest, shouldRejectWhenFullOrTooLongAndWrapAround)
{
    DelayGenerator delay(10, 2, 8);
    const std::uint8_t bytes[9] = {};
    EXPECT_FALSE(delay.offer(bytes, 9, 0));
    EXPECT_TRUE(delay.offer(bytes, 8, 0));
    EXPECT_TRUE(delay.offer(bytes, 4, 0));
    EXPECT_FALSE(delay.offer(bytes, 4, 0));
    EXPECT_EQ(2, delay.rejectedCount());

    std::vector<std::size_t> lengths;
    const auto consumer = [&](const std::uint8_t*, std::size_t length) { lengths.push_back(length); };
    EXPECT_EQ(2, delay.poll(10, consumer));
    for (std::size_t i = 1; i <= 5; ++i)
    {
        ASSERT_TRUE(delay.offer(bytes, i, 20));
        EXPECT_EQ(1, delay.poll(30, consumer));
    }
    EXPECT_EQ((std::vector<std::size_t>{8, 4, 1, 2, 3, 4, 5}), lengths);
}

TEST(DelayGeneratorTest, shouldRejectBadSettings)
{
    EXPECT_THROW(DelayGenerator(-1, 1, 1), cox::util::IllegalArgumentException);
    EXPECT_THROW(DelayGenerator(0, 0, 1), cox::util::IllegalArgumentException);
    EXPECT_THROW(DelayGenerator(0, 1, 0), cox::util::IllegalArgumentException);
}

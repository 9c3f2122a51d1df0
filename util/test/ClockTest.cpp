#include <gtest/gtest.h>

#include <ctime>
#include <thread>

#include "cox/util/Clock.hpp"

using namespace cox::util;

TEST(ClockTest, shouldAdvanceSystemNanoClockMonotonically)
{
    SystemNanoClock clock;
    const std::int64_t before = clock.nanoTime();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::int64_t after = clock.nanoTime();
    EXPECT_GE(after - before, 2'000'000);
}

TEST(ClockTest, shouldReturnEpochMillisecondsFromSystemEpochClock)
{
    SystemEpochClock clock;
    const std::int64_t expectedMs = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
    EXPECT_NEAR(static_cast<double>(expectedMs), static_cast<double>(clock.time()), 2000.0);
}

TEST(ClockTest, shouldReadWhatTheOwnerWroteToCachedClocks)
{
    CachedNanoClock nanoClock(5);
    CachedEpochClock epochClock(7);
    EXPECT_EQ(5, nanoClock.nanoTime());
    EXPECT_EQ(7, epochClock.time());

    nanoClock.update(1'000);
    nanoClock.advance(24);
    epochClock.update(2'000);
    epochClock.advance(-1);
    EXPECT_EQ(1'024, nanoClock.nanoTime());
    EXPECT_EQ(1'999, epochClock.time());
}

TEST(ClockTest, shouldKeepCachedClocksAloneOnACacheLine)
{
    EXPECT_EQ(CACHE_LINE_LENGTH, alignof(CachedNanoClock));
    // The vtable pointer takes the first line, the value the second.
    EXPECT_EQ(2 * CACHE_LINE_LENGTH, sizeof(CachedNanoClock));
    EXPECT_EQ(CACHE_LINE_LENGTH, alignof(CachedEpochClock));
    EXPECT_EQ(2 * CACHE_LINE_LENGTH, sizeof(CachedEpochClock));
}

TEST(ClockTest, shouldMoveManualClocksOnlyWhenTold)
{
    ManualNanoClock nanoClock;
    ManualEpochClock epochClock(100);
    const NanoClock& nanoView = nanoClock;
    const EpochClock& epochView = epochClock;
    EXPECT_EQ(0, nanoView.nanoTime());
    EXPECT_EQ(100, epochView.time());

    nanoClock.advance(50);
    nanoClock.advance(50);
    epochClock.set(42);
    EXPECT_EQ(100, nanoView.nanoTime());
    EXPECT_EQ(42, epochView.time());
    EXPECT_EQ(100, nanoView.nanoTime());
}

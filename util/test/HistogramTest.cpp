#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cox/util/Exceptions.hpp"
#include "cox/util/Histogram.hpp"

using namespace cox::util;

TEST(HistogramTest, shouldUseHdrHistogramLayoutForThreeDigits)
{
    const Histogram histogram(Histogram::ONE_HOUR_NS, 3);
    EXPECT_EQ(2048, histogram.subBucketCount());
    // 2048 * 2^(n-1) must exceed 3.6e12: 2^41 * 1024 ~ 2.25e15 > 3.6e12 > 2^31 * 1024 ~ 2.2e12.
    EXPECT_EQ(32, histogram.bucketCount());
    EXPECT_EQ(Histogram::ONE_HOUR_NS, histogram.highestTrackableValue());
}

TEST(HistogramTest, shouldRejectBadConfiguration)
{
    EXPECT_THROW(Histogram(1, 3), IllegalArgumentException);
    EXPECT_THROW(Histogram(1000, 0), IllegalArgumentException);
    EXPECT_THROW(Histogram(1000, 6), IllegalArgumentException);
}

TEST(HistogramTest, shouldReturnZerosWhenEmpty)
{
    const Histogram histogram;
    EXPECT_EQ(0, histogram.totalCount());
    EXPECT_EQ(0, histogram.min());
    EXPECT_EQ(0, histogram.max());
    EXPECT_EQ(0, histogram.valueAtPercentile(99.0));
    EXPECT_EQ(0.0, histogram.mean());
}

TEST(HistogramTest, shouldRecordExactValuesInLinearRange)
{
    Histogram histogram;
    for (std::int64_t value = 0; value < 2048; ++value)
    {
        histogram.record(value);
        EXPECT_EQ(value, histogram.lowestEquivalentValue(value));
        EXPECT_EQ(value, histogram.highestEquivalentValue(value));
        EXPECT_EQ(1, histogram.countAtValue(value));
    }
    EXPECT_EQ(2048, histogram.totalCount());
    EXPECT_EQ(0, histogram.min());
    EXPECT_EQ(2047, histogram.max());
    EXPECT_DOUBLE_EQ(1023.5, histogram.mean());
    EXPECT_EQ(1023, histogram.valueAtPercentile(50.0));
    EXPECT_EQ(2047, histogram.valueAtPercentile(100.0));
    EXPECT_EQ(0, histogram.valueAtPercentile(0.0));
}

TEST(HistogramTest, shouldKeepRelativeErrorWithinOneTenthPercentForLargeValues)
{
    Histogram histogram;
    std::mt19937_64 random(42);
    for (int i = 0; i < 100000; ++i)
    {
        const auto value = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(Histogram::ONE_HOUR_NS)) + 1;
        const std::int64_t lowest = histogram.lowestEquivalentValue(value);
        const std::int64_t highest = histogram.highestEquivalentValue(value);
        ASSERT_LE(lowest, value);
        ASSERT_GE(highest, value);
        ASSERT_LE(static_cast<double>(highest - lowest) / static_cast<double>(value), 0.001) << "value=" << value;
    }

    const std::int64_t value = 123456789;
    histogram.record(value);
    const std::int64_t reported = histogram.valueAtPercentile(50.0);
    EXPECT_EQ(value, reported) << "single value: percentile clamps to the exact min and max";
    histogram.record(value + 1000000);
    const std::int64_t median = histogram.valueAtPercentile(50.0);
    EXPECT_NEAR(static_cast<double>(value), static_cast<double>(median), value * 0.001);
    EXPECT_NE(value, median) << "median reports the bucket's highest equivalent value";
}

TEST(HistogramTest, shouldReportPercentilesOfUniformDistribution)
{
    Histogram histogram;
    for (std::int64_t value = 1; value <= 100000; ++value)
    {
        histogram.record(value);
    }
    EXPECT_EQ(100000, histogram.totalCount());
    EXPECT_EQ(1, histogram.min());
    EXPECT_EQ(100000, histogram.max());
    for (const double percentile : {10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99})
    {
        const double expected = percentile * 1000.0;
        const auto actual = static_cast<double>(histogram.valueAtPercentile(percentile));
        EXPECT_GE(actual, expected) << "p" << percentile;
        EXPECT_LE(actual, expected * 1.001 + 1) << "p" << percentile;
    }
    EXPECT_EQ(100000, histogram.valueAtPercentile(100.0));
    EXPECT_NEAR(50000.5, histogram.mean(), 50000.5 * 0.001);
    EXPECT_NEAR(28867.5, histogram.stdDeviation(), 28867.5 * 0.002);
}

TEST(HistogramTest, shouldMergeToTheSameResultAsRecordingIntoOne)
{
    Histogram a;
    Histogram b;
    Histogram all;
    std::mt19937_64 random(9);
    for (int i = 0; i < 50000; ++i)
    {
        const auto value = static_cast<std::int64_t>(random() % 10000000);
        ((i % 3 == 0) ? a : b).record(value);
        all.record(value);
    }
    a.add(b);
    EXPECT_EQ(all.totalCount(), a.totalCount());
    EXPECT_EQ(all.min(), a.min());
    EXPECT_EQ(all.max(), a.max());
    EXPECT_DOUBLE_EQ(all.mean(), a.mean());
    for (const double percentile : {0.0, 1.0, 50.0, 90.0, 99.0, 99.99, 100.0})
    {
        EXPECT_EQ(all.valueAtPercentile(percentile), a.valueAtPercentile(percentile)) << "p" << percentile;
    }
    EXPECT_EQ(all.percentileDistribution(), a.percentileDistribution());
}

TEST(HistogramTest, shouldRefuseToMergeDifferentConfigurations)
{
    Histogram a(1000000, 3);
    const Histogram b(2000000, 3);
    const Histogram c(1000000, 2);
    EXPECT_THROW(a.add(b), IllegalArgumentException);
    EXPECT_THROW(a.add(c), IllegalArgumentException);
}

TEST(HistogramTest, shouldClampValuesAboveHighestTrackable)
{
    Histogram histogram(1000000, 3);
    histogram.record(5);
    histogram.record(999999999);
    histogram.record(1000001);
    histogram.record(-7);
    EXPECT_EQ(4, histogram.totalCount());
    EXPECT_EQ(2, histogram.clampedCount());
    EXPECT_EQ(1000000, histogram.max());
    EXPECT_EQ(0, histogram.min());
    EXPECT_EQ(2, histogram.countAtValue(1000000));
    EXPECT_EQ(1000000, histogram.valueAtPercentile(100.0));
    EXPECT_EQ(1, histogram.countAtValue(0));
}

TEST(HistogramTest, shouldTrackHighestTrackableValueOfInt64Max)
{
    Histogram histogram(std::numeric_limits<std::int64_t>::max(), 3);
    histogram.record(std::numeric_limits<std::int64_t>::max());
    histogram.record(1);
    EXPECT_EQ(0, histogram.clampedCount());
    EXPECT_EQ(std::numeric_limits<std::int64_t>::max(), histogram.max());
    EXPECT_EQ(std::numeric_limits<std::int64_t>::max(), histogram.valueAtPercentile(100.0));
}

TEST(HistogramTest, shouldCorrectForCoordinatedOmission)
{
    Histogram corrected;
    for (int i = 0; i < 10000; ++i)
    {
        corrected.recordCorrectedValue(1000, 10000);
    }
    // One stall of 100 ms while samples were due every 10 us: the stall hides 9999 more samples
    // of 99.99 ms, 99.98 ms, ... 10 us.
    corrected.recordCorrectedValue(100000000, 10000);
    EXPECT_EQ(20000, corrected.totalCount());
    EXPECT_EQ(1000, corrected.min());
    EXPECT_NEAR(50000000.0, static_cast<double>(corrected.valueAtPercentile(75.0)), 50000000.0 * 0.001);
    EXPECT_EQ(1000, corrected.valueAtPercentile(50.0));

    Histogram raw;
    raw.recordCorrectedValue(5000, 10000);
    raw.recordCorrectedValue(5000, 0);
    EXPECT_EQ(2, raw.totalCount()) << "no correction at or below the interval, or with no interval";
}

TEST(HistogramTest, shouldResetToEmpty)
{
    Histogram histogram;
    histogram.record(100);
    histogram.record(Histogram::ONE_HOUR_NS * 2);
    histogram.reset();
    EXPECT_EQ(0, histogram.totalCount());
    EXPECT_EQ(0, histogram.clampedCount());
    EXPECT_EQ(0, histogram.max());
    EXPECT_EQ(0, histogram.countAtValue(100));
    histogram.record(7);
    EXPECT_EQ(7, histogram.min());
    EXPECT_EQ(7, histogram.max());
}

TEST(HistogramTest, shouldWritePercentileDistributionInHgrmLayout)
{
    Histogram histogram;
    for (std::int64_t value = 1; value <= 1000; ++value)
    {
        histogram.record(value * 1000);
    }
    const std::string text = histogram.percentileDistribution(1000.0);
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ("       Value     Percentile TotalCount 1/(1-Percentile)", line);
    std::getline(in, line);
    EXPECT_EQ("", line);

    std::vector<double> values;
    std::vector<double> percentiles;
    std::vector<long long> counts;
    std::string lastDataLine;
    while (std::getline(in, line) && line.rfind("#[", 0) != 0)
    {
        std::istringstream fields(line);
        double value = 0;
        double percentile = 0;
        long long count = 0;
        ASSERT_TRUE(static_cast<bool>(fields >> value >> percentile >> count)) << line;
        values.push_back(value);
        percentiles.push_back(percentile);
        counts.push_back(count);
        lastDataLine = line;
    }
    ASSERT_GT(values.size(), 20u);
    EXPECT_DOUBLE_EQ(1.0, values.front());
    EXPECT_DOUBLE_EQ(0.0, percentiles.front());
    EXPECT_DOUBLE_EQ(1000.0, values.back());
    EXPECT_DOUBLE_EQ(1.0, percentiles.back());
    EXPECT_EQ(1000, counts.back());
    for (std::size_t i = 1; i < values.size(); ++i)
    {
        EXPECT_GE(values[i], values[i - 1]);
        EXPECT_GE(percentiles[i], percentiles[i - 1]);
        EXPECT_GE(counts[i], counts[i - 1]);
    }
    std::istringstream lastFields(lastDataLine);
    std::string dummy;
    int fieldCount = 0;
    while (lastFields >> dummy)
    {
        ++fieldCount;
    }
    EXPECT_EQ(3, fieldCount) << "the closing 100% line has no 1/(1-p) column";

    // A 50% line must carry 1/(1-0.5) = 2.00 and a value near 500 us.
    EXPECT_NE(std::string::npos, text.find("0.500000000000        500           2.00"));
    EXPECT_NE(std::string::npos, line.find("#[Mean    =      500.5")) << line;
    EXPECT_NE(std::string::npos, text.find("#[Max     =     1000.000, Total count    =         1000]"));
    EXPECT_NE(std::string::npos, text.find("#[Buckets =           32, SubBuckets     =         2048]"));
}

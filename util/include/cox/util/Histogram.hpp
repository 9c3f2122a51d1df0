#pragma once

#include <algorithm>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>
#include <vector>

namespace cox::util
{
/// A latency histogram with HdrHistogram's log-linear bucketing: values are kept to a fixed number
/// of significant decimal digits (3 by default, i.e. 2048 sub-buckets and at most 0.1% relative
/// error) from 1 up to a configurable highest trackable value, in whatever unit the caller records
/// (Coxswain records nanoseconds).
///
/// All memory is allocated in the constructor. record() allocates nothing, never throws, and has
/// no branches beyond clamping: values above highestTrackableValue() are recorded as that value and
/// counted by clampedCount(); negative values are recorded as 0.
///
/// Single writer: one thread records, and reads (percentiles, add, output) happen on that thread or
/// after it has stopped. Merge per-thread histograms with add().
class Histogram
{
public:
    static constexpr int DEFAULT_SIGNIFICANT_DIGITS = 3;
    /// One hour in nanoseconds, a common ceiling for latency recording.
    static constexpr std::int64_t ONE_HOUR_NS = 3600LL * 1000 * 1000 * 1000;

    /// highestTrackableValue must be at least 2; significantDigits 1..5. Throws IllegalArgumentException.
    explicit Histogram(std::int64_t highestTrackableValue = ONE_HOUR_NS,
                       int significantDigits = DEFAULT_SIGNIFICANT_DIGITS);

    /// Records one occurrence of value.
    void record(std::int64_t value) noexcept { recordWithCount(value, 1); }

    /// Records count occurrences of value.
    void recordWithCount(std::int64_t value, std::int64_t count) noexcept
    {
        const std::int64_t clamped = std::clamp<std::int64_t>(value, 0, m_highestTrackableValue);
        m_counts[countsIndex(clamped)] += count;
        m_totalCount += count;
        m_clampedCount += static_cast<std::int64_t>(value > m_highestTrackableValue) * count;
        m_minValue = std::min(m_minValue, clamped);
        m_maxValue = std::max(m_maxValue, clamped);
    }

    /// Records value and, as HdrHistogram does to correct for coordinated omission, the samples a
    /// stalled sender failed to take: value - interval, value - 2*interval, ... while they are at
    /// least expectedInterval. No correction when expectedInterval <= 0. The correction is applied to
    /// the clamped value, so it loops at most highestTrackableValue() / expectedInterval times.
    void recordCorrectedValue(std::int64_t value, std::int64_t expectedInterval) noexcept;

    /// The value at or below which percentile (0..100) of recorded values fall, reported as the
    /// highest value equivalent to the bucket that reaches it and kept within [min(), max()].
    /// 0 when empty.
    [[nodiscard]] std::int64_t valueAtPercentile(double percentile) const noexcept;

    /// Exact smallest and largest recorded (clamped) values; 0 when empty.
    [[nodiscard]] std::int64_t min() const noexcept { return m_totalCount == 0 ? 0 : m_minValue; }
    [[nodiscard]] std::int64_t max() const noexcept { return m_maxValue; }

    /// Mean and standard deviation over bucket mid-points (exact for values below the sub-bucket
    /// count, where buckets are one unit wide); 0 when empty.
    [[nodiscard]] double mean() const noexcept;
    [[nodiscard]] double stdDeviation() const noexcept;

    [[nodiscard]] std::int64_t totalCount() const noexcept { return m_totalCount; }
    /// Records whose value was above highestTrackableValue() and so were recorded as it.
    [[nodiscard]] std::int64_t clampedCount() const noexcept { return m_clampedCount; }

    [[nodiscard]] std::int64_t highestTrackableValue() const noexcept { return m_highestTrackableValue; }
    [[nodiscard]] int significantDigits() const noexcept { return m_significantDigits; }
    [[nodiscard]] std::int32_t subBucketCount() const noexcept { return m_subBucketCount; }
    [[nodiscard]] std::int32_t bucketCount() const noexcept { return m_bucketCount; }

    /// Forgets every recorded value; allocates nothing.
    void reset() noexcept;

    /// Adds every count of other into this histogram. Throws IllegalArgumentException unless both
    /// have the same highest trackable value and significant digits.
    void add(const Histogram& other);

    /// The smallest and largest values recorded in the same bucket as value, and the bucket width.
    [[nodiscard]] std::int64_t lowestEquivalentValue(std::int64_t value) const noexcept;
    [[nodiscard]] std::int64_t highestEquivalentValue(std::int64_t value) const noexcept;
    [[nodiscard]] std::int64_t sizeOfEquivalentValueRange(std::int64_t value) const noexcept;

    /// Count recorded in the bucket holding value.
    [[nodiscard]] std::int64_t countAtValue(std::int64_t value) const noexcept;

    /// Writes the percentile distribution in HdrHistogram's .hgrm text layout (value, percentile,
    /// total count, 1/(1-percentile), then a '#[...]' summary), which HdrHistogram's plotters read.
    /// Values are divided by valueScale (1000.0 prints microseconds from nanoseconds). Percentile
    /// steps halve each time the remaining distance to 100% halves, ticksPerHalfDistance per half.
    void outputPercentileDistribution(std::ostream& out, double valueScale = 1.0, int ticksPerHalfDistance = 5) const;

    /// outputPercentileDistribution() into a string.
    [[nodiscard]] std::string percentileDistribution(double valueScale = 1.0, int ticksPerHalfDistance = 5) const;

private:
    [[nodiscard]] std::int32_t bucketIndex(std::int64_t value) const noexcept
    {
        return m_leadingZeroCountBase - __builtin_clzll(static_cast<std::uint64_t>(value) | m_subBucketMask);
    }

    [[nodiscard]] std::int32_t subBucketIndex(std::int64_t value, std::int32_t bucket) const noexcept
    {
        return static_cast<std::int32_t>(value >> bucket);
    }

    [[nodiscard]] std::size_t countsIndex(std::int64_t value) const noexcept
    {
        const std::int32_t bucket = bucketIndex(value);
        const std::int32_t subBucket = subBucketIndex(value, bucket);
        return static_cast<std::size_t>(((bucket + 1) << m_subBucketHalfCountMagnitude) +
                                        (subBucket - m_subBucketHalfCount));
    }

    [[nodiscard]] std::int64_t valueFromIndex(std::size_t index) const noexcept;

    std::int64_t m_highestTrackableValue;
    int m_significantDigits;
    std::int32_t m_subBucketCount = 0;
    std::int32_t m_subBucketHalfCount = 0;
    std::int32_t m_subBucketHalfCountMagnitude = 0;
    std::uint64_t m_subBucketMask = 0;
    std::int32_t m_leadingZeroCountBase = 0;
    std::int32_t m_bucketCount = 0;
    std::vector<std::int64_t> m_counts;
    std::int64_t m_totalCount = 0;
    std::int64_t m_clampedCount = 0;
    std::int64_t m_minValue = std::numeric_limits<std::int64_t>::max();
    std::int64_t m_maxValue = 0;
};
} // namespace cox::util

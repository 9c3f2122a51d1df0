#include "cox/util/Histogram.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
Histogram::Histogram(std::int64_t highestTrackableValue, int significantDigits)
    : m_highestTrackableValue(highestTrackableValue), m_significantDigits(significantDigits)
{
    if (significantDigits < 1 || significantDigits > 5)
    {
        throw IllegalArgumentException("histogram significant digits must be 1..5, got " +
                                       std::to_string(significantDigits));
    }
    if (highestTrackableValue < 2)
    {
        throw IllegalArgumentException("histogram highest trackable value must be at least 2, got " +
                                       std::to_string(highestTrackableValue));
    }

    // Enough sub-buckets that two adjacent values 10^digits apart stay distinguishable; the upper
    // half of each bucket then has a resolution of 1 part in 10^digits or better.
    std::int64_t singleUnitResolutionLimit = 2;
    for (int i = 0; i < significantDigits; ++i)
    {
        singleUnitResolutionLimit *= 10;
    }
    const int subBucketCountMagnitude = 64 - __builtin_clzll(static_cast<std::uint64_t>(singleUnitResolutionLimit - 1));
    m_subBucketHalfCountMagnitude = std::max(subBucketCountMagnitude, 1) - 1;
    m_subBucketCount = 1 << (m_subBucketHalfCountMagnitude + 1);
    m_subBucketHalfCount = m_subBucketCount / 2;
    m_subBucketMask = static_cast<std::uint64_t>(m_subBucketCount - 1);
    m_leadingZeroCountBase = 64 - m_subBucketHalfCountMagnitude - 1;

    // Each further bucket doubles the range; stop once highestTrackableValue is covered.
    std::int64_t smallestUntrackableValue = m_subBucketCount;
    std::int32_t bucketsNeeded = 1;
    while (smallestUntrackableValue <= highestTrackableValue)
    {
        if (smallestUntrackableValue > std::numeric_limits<std::int64_t>::max() / 2)
        {
            ++bucketsNeeded;
            break;
        }
        smallestUntrackableValue <<= 1;
        ++bucketsNeeded;
    }
    m_bucketCount = bucketsNeeded;
    m_counts.assign(static_cast<std::size_t>(m_bucketCount + 1) * static_cast<std::size_t>(m_subBucketHalfCount), 0);
}

void Histogram::recordCorrectedValue(std::int64_t value, std::int64_t expectedInterval) noexcept
{
    record(value);
    const std::int64_t clamped = std::min(value, m_highestTrackableValue);
    if (expectedInterval <= 0 || clamped <= expectedInterval)
    {
        return;
    }
    for (std::int64_t missing = clamped - expectedInterval; missing >= expectedInterval; missing -= expectedInterval)
    {
        record(missing);
    }
}

std::int64_t Histogram::valueFromIndex(std::size_t index) const noexcept
{
    std::int32_t bucket = static_cast<std::int32_t>(index >> m_subBucketHalfCountMagnitude) - 1;
    std::int32_t subBucket =
        static_cast<std::int32_t>(index & static_cast<std::size_t>(m_subBucketHalfCount - 1)) + m_subBucketHalfCount;
    if (bucket < 0)
    {
        subBucket -= m_subBucketHalfCount;
        bucket = 0;
    }
    return static_cast<std::int64_t>(subBucket) << bucket;
}

std::int64_t Histogram::lowestEquivalentValue(std::int64_t value) const noexcept
{
    const std::int32_t bucket = bucketIndex(value);
    return static_cast<std::int64_t>(subBucketIndex(value, bucket)) << bucket;
}

std::int64_t Histogram::sizeOfEquivalentValueRange(std::int64_t value) const noexcept
{
    const std::int32_t bucket = bucketIndex(value);
    return std::int64_t{1} << bucket;
}

std::int64_t Histogram::highestEquivalentValue(std::int64_t value) const noexcept
{
    // Subtract first: for the top bucket of an INT64_MAX histogram, lowest + size overflows.
    return lowestEquivalentValue(value) + (sizeOfEquivalentValueRange(value) - 1);
}

std::int64_t Histogram::countAtValue(std::int64_t value) const noexcept
{
    const std::int64_t clamped = std::clamp<std::int64_t>(value, 0, m_highestTrackableValue);
    return m_counts[countsIndex(clamped)];
}

std::int64_t Histogram::valueAtPercentile(double percentile) const noexcept
{
    if (m_totalCount == 0)
    {
        return 0;
    }
    const double bounded = std::clamp(percentile, 0.0, 100.0);
    const auto target = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::llround((bounded / 100.0) * static_cast<double>(m_totalCount))));
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
    {
        cumulative += m_counts[i];
        if (cumulative >= target)
        {
            return std::clamp(highestEquivalentValue(valueFromIndex(i)), m_minValue, m_maxValue);
        }
    }
    return m_maxValue;
}

double Histogram::mean() const noexcept
{
    if (m_totalCount == 0)
    {
        return 0.0;
    }
    double total = 0.0;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
    {
        if (m_counts[i] != 0)
        {
            const std::int64_t value = valueFromIndex(i);
            const double median = static_cast<double>(value + (sizeOfEquivalentValueRange(value) >> 1));
            total += median * static_cast<double>(m_counts[i]);
        }
    }
    return total / static_cast<double>(m_totalCount);
}

double Histogram::stdDeviation() const noexcept
{
    if (m_totalCount == 0)
    {
        return 0.0;
    }
    const double average = mean();
    double squares = 0.0;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
    {
        if (m_counts[i] != 0)
        {
            const std::int64_t value = valueFromIndex(i);
            const double deviation = static_cast<double>(value + (sizeOfEquivalentValueRange(value) >> 1)) - average;
            squares += deviation * deviation * static_cast<double>(m_counts[i]);
        }
    }
    return std::sqrt(squares / static_cast<double>(m_totalCount));
}

void Histogram::reset() noexcept
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_totalCount = 0;
    m_clampedCount = 0;
    m_minValue = std::numeric_limits<std::int64_t>::max();
    m_maxValue = 0;
}

void Histogram::add(const Histogram& other)
{
    if (other.m_highestTrackableValue != m_highestTrackableValue || other.m_significantDigits != m_significantDigits)
    {
        throw IllegalArgumentException(
            "cannot add a histogram of (highest=" + std::to_string(other.m_highestTrackableValue) +
            ", digits=" + std::to_string(other.m_significantDigits) + ") to one of (highest=" +
            std::to_string(m_highestTrackableValue) + ", digits=" + std::to_string(m_significantDigits) + ")");
    }
    for (std::size_t i = 0; i < m_counts.size(); ++i)
    {
        m_counts[i] += other.m_counts[i];
    }
    m_totalCount += other.m_totalCount;
    m_clampedCount += other.m_clampedCount;
    m_minValue = std::min(m_minValue, other.m_minValue);
    m_maxValue = std::max(m_maxValue, other.m_maxValue);
}

namespace
{
void printLine(std::ostream& out, const char* format, double a, double b, long long c, double d)
{
    char line[128];
    std::snprintf(line, sizeof(line), format, a, b, c, d);
    out << line;
}

// The next reporting percentile: HdrHistogram's scheme, where the step shrinks by half every time
// the remaining distance to 100% halves, so the tail gets as many lines as the body.
double nextPercentile(double percentile, int ticksPerHalfDistance)
{
    const double halvings = std::floor(std::log2(100.0 / (100.0 - percentile))) + 1.0;
    const double ticks = static_cast<double>(ticksPerHalfDistance) * std::pow(2.0, halvings);
    return percentile + 100.0 / ticks;
}
} // namespace

void Histogram::outputPercentileDistribution(std::ostream& out, double valueScale, int ticksPerHalfDistance) const
{
    if (valueScale <= 0.0 || ticksPerHalfDistance < 1)
    {
        throw IllegalArgumentException("percentile distribution needs valueScale > 0 and ticksPerHalfDistance >= 1");
    }
    out << "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";

    double percentileTo = 0.0;
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < m_counts.size() && cumulative < m_totalCount; ++i)
    {
        if (m_counts[i] == 0)
        {
            continue;
        }
        cumulative += m_counts[i];
        const double value =
            static_cast<double>(std::min(highestEquivalentValue(valueFromIndex(i)), m_maxValue)) / valueScale;
        const double reached = 100.0 * static_cast<double>(cumulative) / static_cast<double>(m_totalCount);
        if (cumulative == m_totalCount)
        {
            // The last bucket: one line at the level reached so far, then the closing 100% line
            // (which has no 1/(1-p) column), rather than ticking ever closer to 100%.
            printLine(out, "%12.3f %1.12f %10lld %14.2f\n", value, percentileTo / 100.0, cumulative,
                      1.0 / (1.0 - percentileTo / 100.0));
            char last[96];
            std::snprintf(last, sizeof(last), "%12.3f %1.12f %10lld\n", value, 1.0, static_cast<long long>(cumulative));
            out << last;
            break;
        }
        while (reached >= percentileTo)
        {
            printLine(out, "%12.3f %1.12f %10lld %14.2f\n", value, percentileTo / 100.0, cumulative,
                      1.0 / (1.0 - percentileTo / 100.0));
            percentileTo = nextPercentile(percentileTo, ticksPerHalfDistance);
        }
    }

    char footer[256];
    std::snprintf(footer, sizeof(footer),
                  "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n"
                  "#[Max     = %12.3f, Total count    = %12lld]\n"
                  "#[Buckets = %12d, SubBuckets     = %12d]\n",
                  mean() / valueScale, stdDeviation() / valueScale, static_cast<double>(max()) / valueScale,
                  static_cast<long long>(m_totalCount), m_bucketCount, m_subBucketCount);
    out << footer;
}

std::string Histogram::percentileDistribution(double valueScale, int ticksPerHalfDistance) const
{
    std::ostringstream out;
    outputPercentileDistribution(out, valueScale, ticksPerHalfDistance);
    return out.str();
}
} // namespace cox::util

#include "cox/transport/LossDetector.hpp"

#include <cmath>
#include <string>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/TermGapScanner.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
FeedbackDelayGenerator FeedbackDelayGenerator::staticDelay(std::int64_t initialDelayNs, std::int64_t retryRatio)
{
    if (initialDelayNs < 0 || retryRatio < 1)
    {
        throw util::IllegalArgumentException("NAK delay must be >= 0 and retry ratio >= 1, got delay " +
                                             std::to_string(initialDelayNs) + " ns, ratio " +
                                             std::to_string(retryRatio));
    }
    FeedbackDelayGenerator generator;
    generator.m_initialDelayNs = initialDelayNs;
    generator.m_retryDelayNs = initialDelayNs * retryRatio;
    return generator;
}

FeedbackDelayGenerator FeedbackDelayGenerator::optimalMulticast(std::uint64_t seed, std::int64_t maxBackoffNs,
                                                                std::int32_t groupSize)
{
    if (maxBackoffNs <= 0 || groupSize < 1)
    {
        throw util::IllegalArgumentException("NAK multicast max backoff must be > 0 and group size >= 1, got " +
                                             std::to_string(maxBackoffNs) + " ns, " + std::to_string(groupSize));
    }
    FeedbackDelayGenerator generator;
    generator.m_randomized = true;
    generator.m_maxBackoffNs = static_cast<double>(maxBackoffNs);
    generator.m_lambda = std::log(static_cast<double>(groupSize)) + 1.0;
    const double expLambdaMinusOne = std::exp(generator.m_lambda) - 1.0;
    const double t = generator.m_maxBackoffNs;
    generator.m_rangeStart = generator.m_lambda / (t * expLambdaMinusOne);
    generator.m_rangeWidth = generator.m_lambda / t;
    generator.m_scale = expLambdaMinusOne * t / generator.m_lambda;
    generator.m_rngState = seed;
    return generator;
}

std::int64_t FeedbackDelayGenerator::initialDelayNs() noexcept
{
    return m_randomized ? randomDelayNs() : m_initialDelayNs;
}

std::int64_t FeedbackDelayGenerator::retryDelayNs() noexcept
{
    return m_randomized ? randomDelayNs() : m_retryDelayNs;
}

std::int64_t FeedbackDelayGenerator::randomDelayNs() noexcept
{
    // x spans [start, start + width], which maps x * scale onto [1, e^lambda] and the delay onto [0, T].
    const double x = m_rangeStart + nextUniform() * m_rangeWidth;
    const double delayNs = (m_maxBackoffNs / m_lambda) * std::log(x * m_scale);
    if (delayNs <= 0.0)
    {
        return 0;
    }
    return delayNs >= m_maxBackoffNs ? static_cast<std::int64_t>(m_maxBackoffNs) : static_cast<std::int64_t>(delayNs);
}

double FeedbackDelayGenerator::nextUniform() noexcept
{
    // splitmix64: tiny, full-period and good enough for spreading NAKs; the top 53 bits make a double in [0, 1).
    std::uint64_t z = (m_rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
}

LossDetector::ScanOutcome LossDetector::scan(const util::AtomicBuffer& termBuffer, std::int64_t rebuildPosition,
                                             std::int64_t hwmPosition, std::int64_t nowNs, std::int32_t termLengthMask,
                                             std::int32_t positionBitsToShift, std::int32_t initialTermId) noexcept
{
    ScanOutcome outcome{rebuildPosition, false, false, {}};
    if (rebuildPosition >= hwmPosition)
    {
        m_hasActiveGap = false;
        return outcome;
    }

    const auto rebuildTermOffset = static_cast<std::int32_t>(rebuildPosition & termLengthMask);
    const std::int32_t rebuildTermId =
        LogBufferDescriptor::computeTermIdFromPosition(rebuildPosition, positionBitsToShift, initialTermId);
    const std::int32_t hwmTermId =
        LogBufferDescriptor::computeTermIdFromPosition(hwmPosition, positionBitsToShift, initialTermId);
    const std::int32_t limitOffset =
        rebuildTermId == hwmTermId ? static_cast<std::int32_t>(hwmPosition & termLengthMask) : termLengthMask + 1;

    const TermGapScanner::ScanResult scanned =
        TermGapScanner::scanForGap(termBuffer, rebuildTermId, rebuildTermOffset, limitOffset);
    outcome.rebuildPosition = rebuildPosition - rebuildTermOffset + scanned.completeOffset;
    if (!scanned.hasGap())
    {
        m_hasActiveGap = false;
        return outcome;
    }

    const Gap gap{scanned.termId, scanned.gapOffset, scanned.gapLength};
    if (!m_hasActiveGap || gap.termId != m_activeGap.termId || gap.termOffset != m_activeGap.termOffset ||
        gap.length != m_activeGap.length)
    {
        m_activeGap = gap;
        m_hasActiveGap = true;
        m_expiryNs = nowNs + m_delayGenerator.initialDelayNs();
        outcome.lossFound = true;
    }

    if (nowNs >= m_expiryNs)
    {
        outcome.shouldNak = true;
        outcome.gap = m_activeGap;
        m_expiryNs = nowNs + m_delayGenerator.retryDelayNs();
    }
    return outcome;
}
} // namespace cox::transport

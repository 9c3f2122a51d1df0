#pragma once

#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// How long a receiver waits before NAKing a gap, and between repeated NAKs of the same gap (facts §4.4).
///
/// Two kinds, chosen when the image is created and fixed for its life, so this is a small tagged value
/// rather than a virtual interface:
/// - static (unicast): initial = `nak-delay` (100 us default), retry = initial x ratio (100 default), so a
///   lost frame is NAKed after 100 us and again every 10 ms until it arrives;
/// - optimal multicast: a randomized backoff over [0, T] whose shape makes it likely that exactly one
///   receiver of a group of N NAKs first (the others are expected to see the retransmission and stay quiet).
///   Every delay, initial or retry, is a fresh draw. The RNG is a seeded splitmix64 so runs are repeatable.
class FeedbackDelayGenerator
{
public:
    static constexpr std::int64_t DEFAULT_NAK_UNICAST_DELAY_NS = 100'000;
    static constexpr std::int64_t DEFAULT_NAK_UNICAST_RETRY_DELAY_RATIO = 100;
    static constexpr std::int64_t DEFAULT_NAK_MULTICAST_MAX_BACKOFF_NS = 10'000'000;
    static constexpr std::int32_t DEFAULT_NAK_MULTICAST_GROUP_SIZE = 10;

    /// Unicast: initialDelayNs >= 0, retryRatio >= 1. Throws IllegalArgumentException otherwise.
    static FeedbackDelayGenerator staticDelay(std::int64_t initialDelayNs = DEFAULT_NAK_UNICAST_DELAY_NS,
                                              std::int64_t retryRatio = DEFAULT_NAK_UNICAST_RETRY_DELAY_RATIO);

    /// Multicast: maxBackoffNs > 0, groupSize >= 1. Throws IllegalArgumentException otherwise.
    static FeedbackDelayGenerator optimalMulticast(std::uint64_t seed,
                                                   std::int64_t maxBackoffNs = DEFAULT_NAK_MULTICAST_MAX_BACKOFF_NS,
                                                   std::int32_t groupSize = DEFAULT_NAK_MULTICAST_GROUP_SIZE);

    [[nodiscard]] std::int64_t initialDelayNs() noexcept;
    [[nodiscard]] std::int64_t retryDelayNs() noexcept;
    [[nodiscard]] bool isRandomized() const noexcept { return m_randomized; }

private:
    FeedbackDelayGenerator() = default;

    [[nodiscard]] std::int64_t randomDelayNs() noexcept;
    [[nodiscard]] double nextUniform() noexcept;

    bool m_randomized = false;
    std::int64_t m_initialDelayNs = 0;
    std::int64_t m_retryDelayNs = 0;
    // Randomized backoff, precomputed from T and N: lambda = ln(N) + 1, and x is drawn uniformly from
    // [m_rangeStart, m_rangeStart + m_rangeWidth] before delay = (T / lambda) * ln(x * m_scale).
    double m_maxBackoffNs = 0.0;
    double m_lambda = 0.0;
    double m_rangeStart = 0.0;
    double m_rangeWidth = 0.0;
    double m_scale = 0.0;
    std::uint64_t m_rngState = 0;
};

/// Receiver-side gap tracking and NAK timing for one image (Aeron's `aeron_loss_detector`, facts §4.3-4.4).
///
/// Each conductor cycle the image calls scan() from its rebuild position. Only the first gap after that
/// position is tracked (facts §10.4). A gap that differs from the active one in term id, offset or length
/// becomes active with expiry = now + initial delay; whenever a scan still sees the active gap and
/// now >= expiry, the gap is reported for a NAK and expiry moves to now + retry delay. A filled gap is never
/// reported because the scan no longer finds it.
///
/// Conductor thread only. No allocation; the caller passes `nowNs` read at the top of its duty cycle.
class LossDetector
{
public:
    struct Gap
    {
        std::int32_t termId = 0;
        std::int32_t termOffset = 0;
        std::int32_t length = 0;
    };

    struct ScanOutcome
    {
        /// The new rcv-pos to propose (proposeMax): the start of the first gap, or the scan limit when the
        /// scanned range is complete. Never less than the rebuild position passed in.
        std::int64_t rebuildPosition;
        /// A new gap became active in this scan (congestion control's "loss found").
        bool lossFound;
        /// The active gap is due for a NAK now; `gap` says which.
        bool shouldNak;
        Gap gap;
    };

    explicit LossDetector(FeedbackDelayGenerator delayGenerator) noexcept : m_delayGenerator(delayGenerator) {}

    /// Scans termBuffer (the partition holding rebuildPosition) up to hwmPosition, or to the end of the term
    /// when the high-water mark is in a later term.
    [[nodiscard]] ScanOutcome scan(const util::AtomicBuffer& termBuffer, std::int64_t rebuildPosition,
                                   std::int64_t hwmPosition, std::int64_t nowNs, std::int32_t termLengthMask,
                                   std::int32_t positionBitsToShift, std::int32_t initialTermId) noexcept;

    /// As scan(), calling onGapDetected(termId, termOffset, length) when a NAK is due.
    template <typename GapHandler>
    ScanOutcome scan(const util::AtomicBuffer& termBuffer, std::int64_t rebuildPosition, std::int64_t hwmPosition,
                     std::int64_t nowNs, std::int32_t termLengthMask, std::int32_t positionBitsToShift,
                     std::int32_t initialTermId, GapHandler&& onGapDetected)
    {
        const ScanOutcome outcome =
            scan(termBuffer, rebuildPosition, hwmPosition, nowNs, termLengthMask, positionBitsToShift, initialTermId);
        if (outcome.shouldNak)
        {
            onGapDetected(outcome.gap.termId, outcome.gap.termOffset, outcome.gap.length);
        }
        return outcome;
    }

    [[nodiscard]] bool hasActiveGap() const noexcept { return m_hasActiveGap; }
    [[nodiscard]] const Gap& activeGap() const noexcept { return m_activeGap; }
    /// When the active gap is next due for a NAK; meaningless without an active gap.
    [[nodiscard]] std::int64_t expiryNs() const noexcept { return m_expiryNs; }

private:
    FeedbackDelayGenerator m_delayGenerator;
    Gap m_activeGap;
    bool m_hasActiveGap = false;
    std::int64_t m_expiryNs = 0;
};
} // namespace cox::transport

#pragma once

#include <cstdint>

namespace cox::util
{
/// Notices that the agent calling it did not run for a while: the whole process was stopped (SIGSTOP, a VM
/// pause) or starved. Liveness checks of peers in the same process subtract such a stall: those peers were stopped
/// too and had no chance to send a keepalive, so timing them out the moment the process resumes would turn a pause
/// into the loss of every session (the driver would time out the process's own clients, the archive its control
/// sessions).
class StallDetector
{
public:
    /// Gaps between duty cycles up to this long are ordinary (idle parking, scheduling).
    static constexpr std::int64_t DEFAULT_THRESHOLD_NS = 100'000'000;

    explicit StallDetector(std::int64_t thresholdNs = DEFAULT_THRESHOLD_NS) noexcept : m_thresholdNs(thresholdNs) {}

    /// Call at the top of every duty cycle; returns how long the agent was stalled since the previous one (0 for an
    /// ordinary gap and on the first call).
    std::int64_t onDutyCycle(std::int64_t nowNs) noexcept
    {
        const std::int64_t previousNs = m_lastDutyCycleNs;
        m_lastDutyCycleNs = nowNs;
        if (previousNs == NOT_STARTED)
        {
            return 0;
        }
        const std::int64_t gapNs = nowNs - previousNs;
        if (gapNs <= m_thresholdNs)
        {
            return 0;
        }
        ++m_stallCount;
        return gapNs;
    }

    [[nodiscard]] std::int64_t stallCount() const noexcept { return m_stallCount; }

private:
    static constexpr std::int64_t NOT_STARTED = INT64_MIN;
    std::int64_t m_thresholdNs;
    std::int64_t m_lastDutyCycleNs = NOT_STARTED;
    std::int64_t m_stallCount = 0;
};
} // namespace cox::util

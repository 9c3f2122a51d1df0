#pragma once

#include <cstdint>

namespace cox::transport
{
/// Decides when a receiver sends a Status Message for one image (facts §4.5, §4.1.7).
///
/// Two steps, as in Aeron:
/// - schedule() runs in the conductor's track-rebuild step with the minimum non-resting subscriber position
///   and the current receiver window. It schedules a new SM when the position has moved more than a quarter
///   window past the last scheduled one, when the window changed, or when congestion control forces it.
///   Reporting in quarter windows keeps SM traffic low while the sender never stalls on a full window.
/// - isSendDue() / onStatusMessageSent() run where the SM is sent: due when a scheduled SM has not been sent
///   yet, or when the SM timeout (200 ms default) has passed since the last one, as a keepalive repeating the
///   last position. The first SM is due at once, so a new image gives its sender a limit immediately.
///
/// The class keeps no clock and does not synchronise: the driver calls both steps on one thread, or publishes
/// the scheduled (position, window) to the sending thread itself.
class StatusMessageScheduler
{
public:
    static constexpr std::int64_t DEFAULT_STATUS_MESSAGE_TIMEOUT_NS = 200'000'000;

    /// joinPosition and initialWindowLength are what the first SM reports. Throws IllegalArgumentException for a
    /// non-positive timeout or window.
    StatusMessageScheduler(std::int64_t joinPosition, std::int32_t initialWindowLength,
                           std::int64_t statusMessageTimeoutNs = DEFAULT_STATUS_MESSAGE_TIMEOUT_NS);

    /// Returns true when a new SM was scheduled for (minSubscriberPosition, windowLength).
    bool schedule(std::int64_t minSubscriberPosition, std::int32_t windowLength,
                  bool forceByCongestionControl = false) noexcept;

    /// True when an SM should go out now.
    [[nodiscard]] bool isSendDue(std::int64_t nowNs) const noexcept { return m_isPending || nowNs >= m_sendDeadlineNs; }

    /// Records that an SM carrying scheduledPosition() and scheduledWindowLength() was sent at nowNs.
    void onStatusMessageSent(std::int64_t nowNs) noexcept;

    /// The position and window the next SM carries.
    [[nodiscard]] std::int64_t scheduledPosition() const noexcept { return m_scheduledPosition; }
    [[nodiscard]] std::int32_t scheduledWindowLength() const noexcept { return m_scheduledWindowLength; }
    /// The position of the last SM sent (the image's overrun check is last SM position + term_length / 2).
    [[nodiscard]] std::int64_t lastSentPosition() const noexcept { return m_lastSentPosition; }
    [[nodiscard]] std::int64_t sendDeadlineNs() const noexcept { return m_sendDeadlineNs; }

private:
    std::int64_t m_statusMessageTimeoutNs;
    std::int64_t m_scheduledPosition;
    std::int32_t m_scheduledWindowLength;
    std::int64_t m_lastSentPosition;
    std::int64_t m_sendDeadlineNs = 0;
    bool m_isPending = true;
};
} // namespace cox::transport

#include "cox/transport/StatusMessageScheduler.hpp"

#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
StatusMessageScheduler::StatusMessageScheduler(std::int64_t joinPosition, std::int32_t initialWindowLength,
                                               std::int64_t statusMessageTimeoutNs)
    : m_statusMessageTimeoutNs(statusMessageTimeoutNs), m_scheduledPosition(joinPosition),
      m_scheduledWindowLength(initialWindowLength), m_lastSentPosition(joinPosition)
{
    if (statusMessageTimeoutNs <= 0 || initialWindowLength <= 0)
    {
        throw util::IllegalArgumentException("status message timeout and window must be > 0, got " +
                                             std::to_string(statusMessageTimeoutNs) + " ns, " +
                                             std::to_string(initialWindowLength));
    }
}

bool StatusMessageScheduler::schedule(std::int64_t minSubscriberPosition, std::int32_t windowLength,
                                      bool forceByCongestionControl) noexcept
{
    const std::int64_t threshold = m_scheduledPosition + (m_scheduledWindowLength / 4);
    if (forceByCongestionControl || minSubscriberPosition > threshold || windowLength != m_scheduledWindowLength)
    {
        // A forced or window-only SM must never report a position behind what the sender was already told.
        if (minSubscriberPosition > m_scheduledPosition)
        {
            m_scheduledPosition = minSubscriberPosition;
        }
        m_scheduledWindowLength = windowLength;
        m_isPending = true;
        return true;
    }
    return false;
}

void StatusMessageScheduler::onStatusMessageSent(std::int64_t nowNs) noexcept
{
    m_lastSentPosition = m_scheduledPosition;
    m_sendDeadlineNs = nowNs + m_statusMessageTimeoutNs;
    m_isPending = false;
}
} // namespace cox::transport

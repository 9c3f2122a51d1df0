#include "consensus/PendingServiceMessageTracker.hpp"

#include <limits>

#include "consensus/LogPublisher.hpp"

namespace cox::cluster
{
namespace
{
constexpr std::int64_t NOT_APPENDED = std::numeric_limits<std::int64_t>::max();

std::int64_t firstSessionId(std::int32_t serviceId) noexcept
{
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(serviceId) << 56) |
                                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::min()));
}
} // namespace

PendingServiceMessageTracker::PendingServiceMessageTracker(std::int32_t serviceId)
    : m_serviceId(serviceId), m_nextServiceSessionId(firstSessionId(serviceId)),
      m_nextLogServiceSessionId(firstSessionId(serviceId))
{
}

std::int64_t PendingServiceMessageTracker::serviceIdOf(std::int64_t serviceSessionId) noexcept
{
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(serviceSessionId) >> 56) & 0x7F);
}

void PendingServiceMessageTracker::enqueue(const std::uint8_t* payload, std::int32_t length)
{
    const std::int64_t id = m_nextServiceSessionId++;
    if (id < m_nextLogServiceSessionId)
    {
        return; // Already in the log: a service replaying its log sends the same messages again.
    }
    m_messages.push_back(Message{id, NOT_APPENDED, std::vector<std::uint8_t>(payload, payload + length)});
}

int PendingServiceMessageTracker::appendMessages(LogPublisher& logPublisher, std::int64_t leadershipTermId,
                                                 std::int64_t timestamp)
{
    int appended = 0;
    for (auto& message : m_messages)
    {
        if (appended >= APPEND_LIMIT)
        {
            break;
        }
        if (message.appendPosition != NOT_APPENDED)
        {
            continue;
        }
        const std::int64_t position =
            logPublisher.appendMessage(leadershipTermId, message.serviceSessionId, timestamp, message.payload.data(),
                                       static_cast<std::int32_t>(message.payload.size()));
        if (position < 0)
        {
            break;
        }
        message.appendPosition = position;
        m_nextLogServiceSessionId = message.serviceSessionId + 1;
        ++appended;
    }
    return appended;
}

void PendingServiceMessageTracker::sweepFollowerMessages(std::int64_t serviceSessionId)
{
    if (serviceSessionId >= m_nextLogServiceSessionId)
    {
        m_nextLogServiceSessionId = serviceSessionId + 1;
    }
    while (!m_messages.empty() && m_messages.front().serviceSessionId <= serviceSessionId)
    {
        m_messages.pop_front();
    }
}

void PendingServiceMessageTracker::sweepLeaderMessages(std::int64_t commitPosition)
{
    while (!m_messages.empty() && m_messages.front().appendPosition != NOT_APPENDED &&
           m_messages.front().appendPosition <= commitPosition)
    {
        m_messages.pop_front();
    }
}

void PendingServiceMessageTracker::restoreState(std::int64_t nextServiceSessionId,
                                                std::int64_t nextLogServiceSessionId)
{
    m_messages.clear();
    m_nextServiceSessionId = nextServiceSessionId;
    m_nextLogServiceSessionId = nextLogServiceSessionId;
}

void PendingServiceMessageTracker::restoreMessage(std::int64_t serviceSessionId, const std::uint8_t* payload,
                                                  std::int32_t length)
{
    m_messages.push_back(Message{serviceSessionId, NOT_APPENDED, std::vector<std::uint8_t>(payload, payload + length)});
}

void PendingServiceMessageTracker::restoreUncommittedMessages()
{
    for (auto& message : m_messages)
    {
        if (message.appendPosition != NOT_APPENDED)
        {
            message.appendPosition = NOT_APPENDED;
        }
    }
    if (!m_messages.empty())
    {
        m_nextLogServiceSessionId = m_messages.front().serviceSessionId;
    }
}
} // namespace cox::cluster

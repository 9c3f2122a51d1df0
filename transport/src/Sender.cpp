#include "Sender.hpp"

#include <algorithm>

#include "NetworkPublication.hpp"
#include "SendChannelEndpoint.hpp"

namespace cox::transport
{
namespace
{
/// Control frames are read every few cycles while data flows, and on every idle cycle (Aeron's
/// send-to-status-message poll ratio).
constexpr int CONTROL_POLL_RATIO = 4;
} // namespace

Sender::Sender(util::CommandQueue& commands, const util::NanoClock& nanoClock,
               std::unique_ptr<UdpTransportPoller> poller)
    : m_commands(commands), m_nanoClock(nanoClock), m_poller(std::move(poller))
{
}

int Sender::doWork()
{
    const std::int64_t nowNs = m_nanoClock.nanoTime();
    int workCount = m_commands.drain();
    int bytesSent = 0;
    const std::size_t count = m_publications.size();
    if (count > 0)
    {
        // Rotate the starting publication so none is always last.
        if (++m_roundRobinIndex >= count)
        {
            m_roundRobinIndex = 0;
        }
        for (std::size_t i = 0; i < count; ++i)
        {
            bytesSent += m_publications[(m_roundRobinIndex + i) % count]->send(nowNs);
        }
    }
    if (bytesSent == 0 || ++m_dutyCycleCount >= CONTROL_POLL_RATIO)
    {
        m_dutyCycleCount = 0;
        static_cast<void>(m_poller->poll()); // an error leaves the flags as they were: the next cycle tries again
        for (SendChannelEndpoint* endpoint : m_endpoints)
        {
            workCount += endpoint->pollForControl(nowNs);
            endpoint->onIdle(nowNs);
        }
    }
    return workCount + bytesSent;
}

void Sender::onAddPublication(NetworkPublication* publication)
{
    m_publications.push_back(publication);
    publication->endpoint().registerForSend(publication);
}

void Sender::onRemovePublication(NetworkPublication* publication)
{
    publication->endpoint().unregisterForSend(publication);
    std::erase(m_publications, publication);
}

void Sender::onAddEndpoint(SendChannelEndpoint* endpoint)
{
    m_poller->add(endpoint->transport());
    m_endpoints.push_back(endpoint);
}

void Sender::onRemoveEndpoint(SendChannelEndpoint* endpoint)
{
    m_poller->remove(endpoint->transport());
    std::erase(m_endpoints, endpoint);
}
} // namespace cox::transport

#include <algorithm>

#include "cox/transport/UdpMedia.hpp"

namespace cox::transport
{
void IteratingUdpTransportPoller::add(UdpTransport& transport)
{
    m_transports.push_back(&transport);
}

void IteratingUdpTransportPoller::remove(UdpTransport& transport) noexcept
{
    std::erase(m_transports, &transport);
}

int IteratingUdpTransportPoller::poll() noexcept
{
    for (UdpTransport* transport : m_transports)
    {
        transport->markReadable();
    }
    return static_cast<int>(m_transports.size());
}
} // namespace cox::transport

#include "cox/sim/SimNetwork.hpp"

#include <algorithm>
#include <cstring>
#include <netinet/in.h>

#include "cox/util/Exceptions.hpp"

namespace cox::sim
{
class SimNetwork::Transport final : public transport::UdpTransport
{
public:
    Transport(SimNetwork& network, std::int32_t hostId, const transport::InetAddress& bindAddress)
        : m_network(network), m_hostId(hostId), m_localAddress(bindAddress)
    {
        m_port = m_network.bind(this, hostId, bindAddress.port());
        if (m_port != bindAddress.port())
        {
            // Port 0 resolves to an ephemeral port, as getsockname reports after a real bind.
            m_localAddress = withPort(bindAddress, m_port);
        }
    }

    ~Transport() override { m_network.unbind(this, m_port); }

    std::int64_t sendTo(const std::uint8_t* data, std::size_t length, const transport::InetAddress& to) noexcept override
    {
        return m_network.send(m_hostId, m_localAddress, data, length, to);
    }

    std::int64_t receive(std::uint8_t* buffer, std::size_t capacity, transport::InetAddress& from) noexcept override
    {
        return m_network.receive(this, m_port, buffer, capacity, from);
    }

    [[nodiscard]] const transport::InetAddress& localAddress() const noexcept override { return m_localAddress; }

private:
    static transport::InetAddress withPort(const transport::InetAddress& address, std::uint16_t port)
    {
        sockaddr_storage storage{};
        std::memcpy(&storage, address.sockaddrPtr(), address.length());
        if (address.family() == AF_INET6)
        {
            reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
        }
        else
        {
            reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
        }
        return transport::InetAddress::from(storage, address.length());
    }

    SimNetwork& m_network;
    std::int32_t m_hostId;
    transport::InetAddress m_localAddress;
    std::uint16_t m_port = 0;
};

class SimNetwork::Media final : public transport::UdpMedia
{
public:
    Media(SimNetwork& network, std::int32_t hostId) : m_network(network), m_hostId(hostId) {}

    std::unique_ptr<transport::UdpTransport> open(const transport::InetAddress& bindAddress, int, int) override
    {
        return std::make_unique<Transport>(m_network, m_hostId, bindAddress);
    }

private:
    SimNetwork& m_network;
    std::int32_t m_hostId;
};

SimNetwork::SimNetwork(const SimulatedTime& time, std::uint64_t seed, NetworkOptions options)
    : m_time(time), m_random(seed), m_options(options)
{
}

SimNetwork::~SimNetwork()
{
    for (auto& [number, port] : m_ports)
    {
        clear(port);
    }
}

std::shared_ptr<transport::UdpMedia> SimNetwork::media(std::int32_t hostId)
{
    return std::make_shared<Media>(*this, hostId);
}

void SimNetwork::block(std::int32_t fromHost, std::int32_t toHost)
{
    m_blocked.emplace(fromHost, toHost);
}

void SimNetwork::unblock(std::int32_t fromHost, std::int32_t toHost)
{
    m_blocked.erase({fromHost, toHost});
}

void SimNetwork::isolate(std::int32_t host, const std::vector<std::int32_t>& hosts)
{
    for (const std::int32_t other : hosts)
    {
        if (other != host)
        {
            block(host, other);
            block(other, host);
        }
    }
}

bool SimNetwork::isBlocked(std::int32_t fromHost, std::int32_t toHost) const
{
    return fromHost != toHost && m_blocked.count({fromHost, toHost}) != 0;
}

std::uint16_t SimNetwork::bind(Transport* transport, std::int32_t hostId, std::uint16_t requestedPort)
{
    std::uint16_t port = requestedPort;
    if (port == 0)
    {
        for (int tries = 0; tries < 16384; ++tries)
        {
            const std::uint16_t candidate = m_nextEphemeralPort;
            m_nextEphemeralPort = m_nextEphemeralPort == 65535 ? FIRST_EPHEMERAL_PORT : m_nextEphemeralPort + 1;
            const auto it = m_ports.find(candidate);
            if (it == m_ports.end() || it->second.owner == nullptr)
            {
                port = candidate;
                break;
            }
        }
        if (port == 0)
        {
            throw util::IoException("simulated network: no ephemeral port left");
        }
    }
    Port& entry = m_ports[port];
    // Like SO_REUSEADDR on Linux UDP, a second bind takes the port over; what was in flight to the old socket
    // is lost with it.
    clear(entry);
    entry.owner = transport;
    entry.hostId = hostId;
    return port;
}

void SimNetwork::unbind(Transport* transport, std::uint16_t port)
{
    const auto it = m_ports.find(port);
    if (it != m_ports.end() && it->second.owner == transport)
    {
        clear(it->second);
        it->second.owner = nullptr;
    }
}

void SimNetwork::clear(Port& port)
{
    while (!port.inFlight.empty())
    {
        delete port.inFlight.top();
        port.inFlight.pop();
        ++m_stats.unreachable;
    }
}

std::int64_t SimNetwork::send(std::int32_t fromHost, const transport::InetAddress& from, const std::uint8_t* data,
                              std::size_t length, const transport::InetAddress& to)
{
    ++m_stats.sent;
    const auto it = m_ports.find(to.port());
    if (it == m_ports.end() || it->second.owner == nullptr)
    {
        ++m_stats.unreachable;
        return static_cast<std::int64_t>(length);
    }
    Port& port = it->second;
    if (isBlocked(fromHost, port.hostId))
    {
        ++m_stats.blocked;
        return static_cast<std::int64_t>(length);
    }
    // Draw every random number whether or not it is used, so one choice does not shift the rest.
    const bool lose = m_random.chance(m_options.lossRate);
    const bool duplicate = m_random.chance(m_options.duplicateRate);
    const bool holdBack = m_random.chance(m_options.reorderRate);
    const std::int64_t delay = m_random.nextInt(m_options.minDelayNs, std::max(m_options.minDelayNs, m_options.maxDelayNs));
    const std::int64_t extra = m_random.nextInt(m_options.reorderDelayNs + 1);
    const std::int64_t duplicateDelay =
        m_random.nextInt(m_options.minDelayNs, std::max(m_options.minDelayNs, m_options.maxDelayNs));
    if (lose)
    {
        ++m_stats.lost;
        return static_cast<std::int64_t>(length);
    }
    enqueue(port, fromHost, from, data, length, delay + (holdBack ? extra : 0));
    if (duplicate)
    {
        ++m_stats.duplicated;
        enqueue(port, fromHost, from, data, length, duplicateDelay);
    }
    return static_cast<std::int64_t>(length);
}

void SimNetwork::enqueue(Port& port, std::int32_t fromHost, const transport::InetAddress& from,
                         const std::uint8_t* data, std::size_t length, std::int64_t delayNs)
{
    auto* datagram = new Datagram{m_time.nowNs() + delayNs, m_nextSequence++, fromHost, from,
                                  std::vector<std::uint8_t>(data, data + length)};
    port.inFlight.push(datagram);
}

std::int64_t SimNetwork::receive(Transport* transport, std::uint16_t portNumber, std::uint8_t* buffer,
                                 std::size_t capacity, transport::InetAddress& from)
{
    const auto it = m_ports.find(portNumber);
    if (it == m_ports.end() || it->second.owner != transport)
    {
        return 0;
    }
    Port& port = it->second;
    while (!port.inFlight.empty() && port.inFlight.top()->deliverAtNs <= m_time.nowNs())
    {
        std::unique_ptr<Datagram> datagram(port.inFlight.top());
        port.inFlight.pop();
        if (isBlocked(datagram->fromHost, port.hostId))
        {
            // A partition that began while the datagram was in flight.
            ++m_stats.blocked;
            continue;
        }
        // A datagram longer than the buffer is truncated, as recvfrom does.
        const std::size_t length = std::min(capacity, datagram->bytes.size());
        std::memcpy(buffer, datagram->bytes.data(), length);
        from = datagram->from;
        ++m_stats.delivered;
        m_trace.add(m_time.nowNs());
        m_trace.add(static_cast<std::int64_t>(datagram->from.port()) << 16 | portNumber);
        m_trace.add(static_cast<std::int64_t>(datagram->bytes.size()));
        m_trace.add(datagram->bytes.data(), datagram->bytes.size());
        return static_cast<std::int64_t>(length);
    }
    return 0;
}
} // namespace cox::sim

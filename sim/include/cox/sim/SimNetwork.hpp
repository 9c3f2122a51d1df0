#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "cox/sim/SimClock.hpp"
#include "cox/sim/SimRandom.hpp"
#include "cox/transport/UdpMedia.hpp"

namespace cox::sim
{
/// How the simulated network treats each datagram. Delays are drawn uniformly; reordering comes from the spread
/// of delays and from the occasional extra delay.
struct NetworkOptions
{
    std::int64_t minDelayNs = 50'000;
    std::int64_t maxDelayNs = 500'000;
    double lossRate = 0.0;
    double duplicateRate = 0.0;
    /// Fraction of datagrams held back by up to reorderDelayNs more, so later ones overtake them.
    double reorderRate = 0.0;
    std::int64_t reorderDelayNs = 2'000'000;
};

/// Counts of what the network did, for reports and tests.
struct NetworkStats
{
    std::int64_t sent = 0;
    std::int64_t delivered = 0;
    std::int64_t lost = 0;
    std::int64_t duplicated = 0;
    /// Dropped by a partition, at send or on arrival.
    std::int64_t blocked = 0;
    /// Sent to a port nobody had bound (a stopped member), or lost when its socket closed.
    std::int64_t unreachable = 0;
};

/// An in-memory datagram network shared by every member and client of one simulation, beneath the transport's
/// UdpMedia: the drivers run unchanged over it. Single-threaded, like the simulation that steps it.
///
/// Every endpoint is on loopback and named by its port alone. Each host (a member, or a client's driver) gets its
/// own media(hostId), so partitions can be set per directed pair of hosts. A datagram gets its delivery time when
/// sent (delay, loss, duplication, reordering drawn from the seed) and receive() hands out, in delivery-time
/// order, only what is due at the simulated time.
class SimNetwork
{
public:
    static constexpr std::uint16_t FIRST_EPHEMERAL_PORT = 49152;

    SimNetwork(const SimulatedTime& time, std::uint64_t seed, NetworkOptions options = {});
    ~SimNetwork();

    SimNetwork(const SimNetwork&) = delete;
    SimNetwork& operator=(const SimNetwork&) = delete;

    /// The media of one host. Transports it opens stay valid only while this network lives.
    [[nodiscard]] std::shared_ptr<transport::UdpMedia> media(std::int32_t hostId);

    /// Datagrams from one host to another are dropped (a one-way partition) until unblocked.
    void block(std::int32_t fromHost, std::int32_t toHost);
    void unblock(std::int32_t fromHost, std::int32_t toHost);
    /// Blocks both directions between host and every other host in hosts.
    void isolate(std::int32_t host, const std::vector<std::int32_t>& hosts);
    void healAll() noexcept { m_blocked.clear(); }
    [[nodiscard]] bool isBlocked(std::int32_t fromHost, std::int32_t toHost) const;

    void options(const NetworkOptions& options) noexcept { m_options = options; }
    [[nodiscard]] const NetworkOptions& options() const noexcept { return m_options; }
    [[nodiscard]] const NetworkStats& stats() const noexcept { return m_stats; }
    /// A hash of every datagram delivered: time, ports, length and bytes. Equal for two runs of one seed if,
    /// and only if, their network traffic was identical.
    [[nodiscard]] std::uint64_t traceHash() const noexcept { return m_trace.value(); }

private:
    class Media;
    class Transport;

    struct Datagram
    {
        std::int64_t deliverAtNs = 0;
        std::int64_t sequence = 0;
        std::int32_t fromHost = 0;
        transport::InetAddress from;
        std::vector<std::uint8_t> bytes;
    };

    struct Later
    {
        bool operator()(const Datagram* a, const Datagram* b) const noexcept
        {
            return a->deliverAtNs != b->deliverAtNs ? a->deliverAtNs > b->deliverAtNs : a->sequence > b->sequence;
        }
    };

    /// What a bound port holds: its owner and the datagrams in flight to it.
    struct Port
    {
        Transport* owner = nullptr;
        std::int32_t hostId = 0;
        std::priority_queue<Datagram*, std::vector<Datagram*>, Later> inFlight;
    };

    std::uint16_t bind(Transport* transport, std::int32_t hostId, std::uint16_t requestedPort);
    void unbind(Transport* transport, std::uint16_t port);
    std::int64_t send(std::int32_t fromHost, const transport::InetAddress& from, const std::uint8_t* data,
                      std::size_t length, const transport::InetAddress& to);
    std::int64_t receive(Transport* transport, std::uint16_t port, std::uint8_t* buffer, std::size_t capacity,
                         transport::InetAddress& from);
    void enqueue(Port& port, std::int32_t fromHost, const transport::InetAddress& from, const std::uint8_t* data,
                 std::size_t length, std::int64_t delayNs);
    void clear(Port& port);

    const SimulatedTime& m_time;
    SimRandom m_random;
    NetworkOptions m_options;
    NetworkStats m_stats;
    TraceHash m_trace;
    std::map<std::uint16_t, Port> m_ports;
    std::set<std::pair<std::int32_t, std::int32_t>> m_blocked;
    std::uint16_t m_nextEphemeralPort = FIRST_EPHEMERAL_PORT;
    std::int64_t m_nextSequence = 0;
};
} // namespace cox::sim

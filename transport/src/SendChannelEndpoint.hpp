#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/DestinationTracker.hpp"
#include "cox/transport/InetAddress.hpp"
#include "cox/transport/LossGenerator.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/UdpMedia.hpp"

namespace cox::transport
{
struct SystemCounters;
class NetworkPublication;

/// The socket a group of network publications send from, and on which their status messages and
/// NAKs arrive (Aeron's send channel endpoint). Plain unicast sends to the channel's endpoint;
/// multi-destination cast sends each datagram to every destination: in dynamic mode those are the
/// receivers whose SMs reached the `control` address; in manual mode the ones added by the client.
/// Created and destroyed by the conductor; used only by the sender thread in between.
class SendChannelEndpoint
{
public:
    SendChannelEndpoint(const ChannelUri& uri, std::string key, UdpMedia& media, const MediaDriverContext& context);

    [[nodiscard]] const std::string& key() const noexcept { return m_key; }
    [[nodiscard]] bool isMultiDestination() const noexcept { return m_isMultiDestination; }
    [[nodiscard]] bool isDynamic() const noexcept { return m_isDynamic; }
    [[nodiscard]] const InetAddress& localAddress() const noexcept { return m_transport->localAddress(); }
    [[nodiscard]] std::size_t destinationCount() const noexcept;

    /// Sends one datagram to the destination(s); returns bytes sent to the last one, or a negative errno.
    std::int64_t send(const std::uint8_t* data, std::size_t length) noexcept;
    /// Sends one datagram to one address (replies such as RTTM echoes).
    std::int64_t sendTo(const std::uint8_t* data, std::size_t length, const InetAddress& to) noexcept;

    /// Sender thread: reads waiting control datagrams (SM, NAK, RTTM, ERR) and hands each valid one
    /// to the publication with its session and stream id; returns datagrams read.
    int pollForControl(std::int64_t nowNs);
    /// Sender thread: the sender's poller watches this endpoint's transport until remove.
    [[nodiscard]] UdpTransport& transport() noexcept { return *m_transport; }

    /// Sender thread: expires silent dynamic destinations.
    void onIdle(std::int64_t nowNs);

    void registerForSend(NetworkPublication* publication);
    void unregisterForSend(NetworkPublication* publication);

    /// Manual MDC destinations, by client command.
    void addDestination(const InetAddress& address, std::int64_t registrationId, std::int64_t nowNs);
    void removeDestination(const InetAddress& address);

    void incRef() noexcept { ++m_refCount; }
    int decRef() noexcept { return --m_refCount; }

    [[nodiscard]] std::int64_t invalidPackets() const noexcept { return m_invalidPackets; }
    void systemCounters(SystemCounters* counters) noexcept { m_systemCounters = counters; }


private:
    NetworkPublication* findPublication(std::int32_t sessionId, std::int32_t streamId) const noexcept;

    std::string m_key;
    std::unique_ptr<UdpTransport> m_transport;
    InetAddress m_unicastDestination;
    bool m_isMultiDestination;
    bool m_isDynamic;
    std::unique_ptr<DestinationTracker> m_destinations;
    std::vector<NetworkPublication*> m_publications;
    std::vector<std::uint8_t> m_receiveBuffer;
    std::unique_ptr<LossGenerator> m_sendLoss;
    std::int64_t m_invalidPackets = 0;
    int m_refCount = 0;
    SystemCounters* m_systemCounters = nullptr;
};
} // namespace cox::transport

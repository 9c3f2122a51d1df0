#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cox/transport/InetAddress.hpp"

namespace cox::transport
{
/// One datagram endpoint: the only way the driver touches a network. The real binding is a
/// non-blocking UDP socket; the simulator supplies its own, so everything above runs unchanged.
/// Hot-path calls return counts or negative errno values and never throw.
class UdpTransport
{
public:
    virtual ~UdpTransport() = default;

    /// Sends one datagram; returns bytes sent, 0 if the socket would block, or -errno.
    virtual std::int64_t sendTo(const std::uint8_t* data, std::size_t length, const InetAddress& to) noexcept = 0;

    /// Receives one datagram if one is waiting; returns its length, 0 if none, or -errno.
    virtual std::int64_t receive(std::uint8_t* buffer, std::size_t capacity, InetAddress& from) noexcept = 0;

    /// The address actually bound (with the ephemeral port filled in).
    [[nodiscard]] virtual const InetAddress& localAddress() const noexcept = 0;

    /// Whether datagrams may be waiting. A UdpTransportPoller sets it; the reader clears it when receive finds
    /// none, and skips the transport while it is clear, so an idle transport costs no system call.
    [[nodiscard]] bool isReadable() const noexcept { return m_readable; }
    void markReadable() noexcept { m_readable = true; }
    void markDrained() noexcept { m_readable = false; }

private:
    bool m_readable = true;
};

/// Finds which of an agent's transports have datagrams waiting, so a duty cycle over many endpoints (a leader
/// with a session per client) costs one system call rather than one per transport (Aeron's transport poller).
/// Single-threaded: the agent that reads the transports owns it, and adds and removes them on its own thread.
class UdpTransportPoller
{
public:
    virtual ~UdpTransportPoller() = default;

    /// Set-up: watch this transport until remove. Throws IoException if the system refuses.
    virtual void add(UdpTransport& transport) = 0;
    virtual void remove(UdpTransport& transport) noexcept = 0;

    /// Marks readable every transport that may have datagrams waiting; returns how many it marked, or -errno.
    virtual int poll() noexcept = 0;
};

/// The poller for transports with no readiness signal of their own: every transport is readable on every poll.
class IteratingUdpTransportPoller final : public UdpTransportPoller
{
public:
    void add(UdpTransport& transport) override;
    void remove(UdpTransport& transport) noexcept override;
    int poll() noexcept override;

private:
    std::vector<UdpTransport*> m_transports;
};

/// Opens datagram endpoints. Set-up only: throws IoException naming the address on failure.
class UdpMedia
{
public:
    virtual ~UdpMedia() = default;

    /// Binds to bindAddress (port 0 = ephemeral) with the given socket buffer sizes (0 = OS default).
    virtual std::unique_ptr<UdpTransport> open(const InetAddress& bindAddress, int soRcvBuf, int soSndBuf) = 0;

    /// A poller for this media's transports; by default one that reads every transport on every poll.
    virtual std::unique_ptr<UdpTransportPoller> newPoller() { return std::make_unique<IteratingUdpTransportPoller>(); }
};

/// Real non-blocking UDP sockets.
std::shared_ptr<UdpMedia> socketUdpMedia();
} // namespace cox::transport

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

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
};

/// Opens datagram endpoints. Set-up only: throws IoException naming the address on failure.
class UdpMedia
{
public:
    virtual ~UdpMedia() = default;

    /// Binds to bindAddress (port 0 = ephemeral) with the given socket buffer sizes (0 = OS default).
    virtual std::unique_ptr<UdpTransport> open(const InetAddress& bindAddress, int soRcvBuf, int soSndBuf) = 0;
};

/// Real non-blocking UDP sockets.
std::shared_ptr<UdpMedia> socketUdpMedia();
} // namespace cox::transport

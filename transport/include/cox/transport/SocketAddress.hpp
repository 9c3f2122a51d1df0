#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace cox::transport
{
/// A `host:port` or `[ipv6]:port` from a channel URI, split and checked but not resolved.
class SocketAddress
{
public:
    /// Throws IllegalArgumentException naming what is wrong (no port, bad port, empty host, unclosed '[').
    /// With portOptional, a bare host is accepted and port() is 0.
    static SocketAddress parse(std::string_view text, bool portOptional = false);

    [[nodiscard]] const std::string& host() const noexcept { return m_host; }
    [[nodiscard]] std::uint16_t port() const noexcept { return m_port; }
    [[nodiscard]] bool isIpv6() const noexcept { return m_isIpv6; }
    /// In URI form again: host:port, [v6]:port.
    [[nodiscard]] std::string toString() const;

    /// Resolves with getaddrinfo (set-up path only: it may block on DNS). Throws IoException when the host
    /// does not resolve. Returns the address length.
    socklen_t resolve(sockaddr_storage& address) const;

private:
    SocketAddress(std::string host, std::uint16_t port, bool isIpv6) : m_host(std::move(host)), m_port(port), m_isIpv6(isIpv6) {}

    std::string m_host;
    std::uint16_t m_port;
    bool m_isIpv6;
};
} // namespace cox::transport

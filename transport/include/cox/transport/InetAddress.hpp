#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <netinet/in.h>
#include <sys/socket.h>

namespace cox::transport
{
/// An IPv4 or IPv6 socket address parsed from Aeron's endpoint syntax: "host:port" or
/// "[ipv6]:port". Host names are resolved at set-up (getaddrinfo), never on a hot path.
class InetAddress
{
public:
    InetAddress() noexcept = default;

    /// Parses (SocketAddress syntax) and resolves an endpoint; throws cox::util::IllegalArgumentException
    /// naming the endpoint and what is wrong (missing port, port out of range, unknown host).
    static InetAddress parse(std::string_view endpoint);

    static InetAddress fromSockaddr(const sockaddr* address, socklen_t length) noexcept;
    static InetAddress from(const sockaddr_storage& address, socklen_t length) noexcept
    {
        return fromSockaddr(reinterpret_cast<const sockaddr*>(&address), length);
    }
    /// From a numeric IPv4 or IPv6 host and a port, without DNS; throws IllegalArgumentException
    /// when host is not numeric.
    static InetAddress fromNumeric(const char* host, std::uint16_t port);

    [[nodiscard]] const sockaddr* sockaddrPtr() const noexcept { return reinterpret_cast<const sockaddr*>(&m_storage); }
    [[nodiscard]] socklen_t length() const noexcept { return m_length; }
    [[nodiscard]] int family() const noexcept { return m_storage.ss_family; }
    [[nodiscard]] std::uint16_t port() const noexcept;
    [[nodiscard]] bool isResolved() const noexcept { return m_length != 0; }
    [[nodiscard]] const sockaddr* sockAddr() const noexcept { return sockaddrPtr(); }
    /// Same family, address and port; unresolved addresses equal nothing.
    [[nodiscard]] bool sameAs(const InetAddress& other) const noexcept { return isResolved() && *this == other; }
    [[nodiscard]] std::string toString() const;

    friend bool operator==(const InetAddress& a, const InetAddress& b) noexcept;

private:
    sockaddr_storage m_storage{};
    socklen_t m_length = 0;
};
} // namespace cox::transport

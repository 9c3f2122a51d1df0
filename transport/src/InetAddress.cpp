#include "cox/transport/InetAddress.hpp"

#include <arpa/inet.h>
#include <algorithm>
#include <cstring>

#include "cox/transport/SocketAddress.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{

InetAddress InetAddress::parse(std::string_view endpoint)
{
    const SocketAddress address = SocketAddress::parse(endpoint);
    sockaddr_storage storage{};
    const socklen_t length = address.resolve(storage);
    return fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
}

InetAddress InetAddress::fromSockaddr(const sockaddr* address, socklen_t length) noexcept
{
    InetAddress result;
    const auto copyLength = std::min<socklen_t>(length, sizeof(result.m_storage));
    std::memcpy(&result.m_storage, address, copyLength);
    result.m_length = copyLength;
    return result;
}

InetAddress InetAddress::fromNumeric(const char* host, std::uint16_t port)
{
    InetAddress result;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&result.m_storage);
    if (::inet_pton(AF_INET, host, &v4->sin_addr) == 1)
    {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        result.m_length = sizeof(sockaddr_in);
        return result;
    }
    result.m_storage = {};
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.m_storage);
    if (::inet_pton(AF_INET6, host, &v6->sin6_addr) == 1)
    {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        result.m_length = sizeof(sockaddr_in6);
        return result;
    }
    throw util::IllegalArgumentException(std::string("not a numeric IP address: '") + host + "'");
}

std::uint16_t InetAddress::port() const noexcept
{
    if (m_storage.ss_family == AF_INET)
    {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&m_storage)->sin_port);
    }
    if (m_storage.ss_family == AF_INET6)
    {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&m_storage)->sin6_port);
    }
    return 0;
}

std::string InetAddress::toString() const
{
    char text[INET6_ADDRSTRLEN] = {};
    if (m_storage.ss_family == AF_INET)
    {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&m_storage)->sin_addr, text, sizeof(text));
        return std::string(text) + ":" + std::to_string(port());
    }
    if (m_storage.ss_family == AF_INET6)
    {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&m_storage)->sin6_addr, text, sizeof(text));
        return "[" + std::string(text) + "]:" + std::to_string(port());
    }
    return "<unset>";
}

bool operator==(const InetAddress& a, const InetAddress& b) noexcept
{
    if (a.m_storage.ss_family != b.m_storage.ss_family)
    {
        return false;
    }
    if (a.m_storage.ss_family == AF_INET)
    {
        const auto* x = reinterpret_cast<const sockaddr_in*>(&a.m_storage);
        const auto* y = reinterpret_cast<const sockaddr_in*>(&b.m_storage);
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a.m_storage.ss_family == AF_INET6)
    {
        const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.m_storage);
        const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.m_storage);
        return x->sin6_port == y->sin6_port && std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(in6_addr)) == 0;
    }
    return a.m_length == 0 && b.m_length == 0;
}
} // namespace cox::transport

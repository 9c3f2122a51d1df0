#include "cox/transport/SocketAddress.hpp"

#include <charconv>
#include <cstring>

#include <netdb.h>

#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
namespace
{
std::uint16_t parsePort(std::string_view text, std::string_view whole)
{
    unsigned value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value > 65535)
    {
        throw util::IllegalArgumentException(
            "bad port '" + std::string(text) + "' in address '" + std::string(whole) + "'");
    }
    return static_cast<std::uint16_t>(value);
}
} // namespace

SocketAddress SocketAddress::parse(std::string_view text, bool portOptional)
{
    std::string_view host;
    std::string_view rest;
    bool ipv6 = false;
    if (!text.empty() && text.front() == '[')
    {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos)
        {
            throw util::IllegalArgumentException("unclosed '[' in address '" + std::string(text) + "'");
        }
        host = text.substr(1, close - 1);
        rest = text.substr(close + 1);
        ipv6 = true;
        if (!rest.empty() && rest.front() != ':')
        {
            throw util::IllegalArgumentException("unexpected text after ']' in address '" + std::string(text) + "'");
        }
    }
    else
    {
        const std::size_t colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon)
        {
            throw util::IllegalArgumentException(
                "IPv6 address '" + std::string(text) + "' must be in brackets: [addr]:port");
        }
        host = colon == std::string_view::npos ? text : text.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    }
    if (host.empty())
    {
        throw util::IllegalArgumentException("no host in address '" + std::string(text) + "'");
    }
    if (rest.empty())
    {
        if (!portOptional)
        {
            throw util::IllegalArgumentException("no port in address '" + std::string(text) + "'");
        }
        return {std::string(host), 0, ipv6};
    }
    return {std::string(host), parsePort(rest.substr(1), text), ipv6};
}

std::string SocketAddress::toString() const
{
    return (m_isIpv6 ? "[" + m_host + "]" : m_host) + ":" + std::to_string(m_port);
}

socklen_t SocketAddress::resolve(sockaddr_storage& address) const
{
    addrinfo hints{};
    hints.ai_family = m_isIpv6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* result = nullptr;
    const std::string service = std::to_string(m_port);
    const int rc = ::getaddrinfo(m_host.c_str(), service.c_str(), &hints, &result);
    if (rc != 0 || result == nullptr)
    {
        throw util::IoException("cannot resolve '" + toString() + "': " + ::gai_strerror(rc));
    }
    // Prefer IPv4 when a name has both, as Aeron's resolver does by default.
    const addrinfo* chosen = result;
    for (const addrinfo* info = result; info != nullptr; info = info->ai_next)
    {
        if (info->ai_family == AF_INET)
        {
            chosen = info;
            break;
        }
    }
    std::memset(&address, 0, sizeof(address));
    std::memcpy(&address, chosen->ai_addr, chosen->ai_addrlen);
    const auto length = static_cast<socklen_t>(chosen->ai_addrlen);
    ::freeaddrinfo(result);
    return length;
}
} // namespace cox::transport

#include "EtcdClient.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "cox/util/Exceptions.hpp"

namespace cox::bench
{
namespace
{
constexpr char BASE64_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t RECEIVE_CHUNK = 64 * 1024;
constexpr int CONNECT_TIMEOUT_MS = 5000;

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) {
                                                  return std::tolower(static_cast<unsigned char>(x)) ==
                                                         std::tolower(static_cast<unsigned char>(y));
                                              });
}

std::string_view trim(std::string_view text) noexcept
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    {
        text.remove_suffix(1);
    }
    return text;
}

/// A decimal (base 10) or hex (base 16) count, at most max; false if text is not one.
bool parseCount(std::string_view text, int base, std::size_t max, std::size_t& value) noexcept
{
    if (text.empty() || text.size() > 16)
    {
        return false;
    }
    std::size_t result = 0;
    for (const char c : text)
    {
        int digit = -1;
        if (c >= '0' && c <= '9')
        {
            digit = c - '0';
        }
        else if (base == 16 && c >= 'a' && c <= 'f')
        {
            digit = c - 'a' + 10;
        }
        else if (base == 16 && c >= 'A' && c <= 'F')
        {
            digit = c - 'A' + 10;
        }
        if (digit < 0)
        {
            return false;
        }
        result = result * static_cast<std::size_t>(base) + static_cast<std::size_t>(digit);
        if (result > max)
        {
            return false;
        }
    }
    value = result;
    return true;
}

std::string errnoText()
{
    return std::strerror(errno);
}
} // namespace

std::size_t base64Encode(const std::uint8_t* data, std::size_t length, char* out) noexcept
{
    std::size_t o = 0;
    std::size_t i = 0;
    for (; i + 3 <= length; i += 3)
    {
        const std::uint32_t triple = (static_cast<std::uint32_t>(data[i]) << 16) |
                                     (static_cast<std::uint32_t>(data[i + 1]) << 8) |
                                     static_cast<std::uint32_t>(data[i + 2]);
        out[o++] = BASE64_ALPHABET[(triple >> 18) & 0x3F];
        out[o++] = BASE64_ALPHABET[(triple >> 12) & 0x3F];
        out[o++] = BASE64_ALPHABET[(triple >> 6) & 0x3F];
        out[o++] = BASE64_ALPHABET[triple & 0x3F];
    }
    const std::size_t rest = length - i;
    if (rest > 0)
    {
        std::uint32_t triple = static_cast<std::uint32_t>(data[i]) << 16;
        if (rest == 2)
        {
            triple |= static_cast<std::uint32_t>(data[i + 1]) << 8;
        }
        out[o++] = BASE64_ALPHABET[(triple >> 18) & 0x3F];
        out[o++] = BASE64_ALPHABET[(triple >> 12) & 0x3F];
        out[o++] = rest == 2 ? BASE64_ALPHABET[(triple >> 6) & 0x3F] : '=';
        out[o++] = '=';
    }
    return o;
}

std::string_view jsonQuotedValue(std::string_view json, std::string_view name) noexcept
{
    // Searches for "name":" without building a string: the name, then a quote before it and quote-colon-quote after.
    std::size_t from = 0;
    while (true)
    {
        const std::size_t at = json.find(name, from);
        if (at == std::string_view::npos)
        {
            return {};
        }
        from = at + 1;
        const std::size_t valueStart = at + name.size() + 3;
        if (at == 0 || json[at - 1] != '"' || valueStart > json.size() || json.substr(at + name.size(), 3) != "\":\"")
        {
            continue;
        }
        const std::size_t valueEnd = json.find('"', valueStart);
        if (valueEnd == std::string_view::npos)
        {
            return {};
        }
        return json.substr(valueStart, valueEnd - valueStart);
    }
}

std::int64_t jsonQuotedInteger(std::string_view json, std::string_view name) noexcept
{
    std::size_t value = 0;
    if (!parseCount(jsonQuotedValue(json, name), 10, static_cast<std::size_t>(INT64_MAX), value))
    {
        return -1;
    }
    return static_cast<std::int64_t>(value);
}

HttpResponseParser::Result HttpResponseParser::malformed(std::string reason)
{
    m_error = std::move(reason);
    return Result::MALFORMED;
}

HttpResponseParser::Result HttpResponseParser::parse(const char* data, std::size_t length, HttpResponse& response,
                                                     std::size_t& consumed)
{
    const std::string_view text(data, length);
    const std::size_t headerEnd = text.find("\r\n\r\n");
    if (headerEnd == std::string_view::npos)
    {
        return length > MAX_HEADER_LENGTH ? malformed("response header longer than 16 KiB") : Result::NEED_MORE;
    }
    if (headerEnd > MAX_HEADER_LENGTH)
    {
        return malformed("response header longer than 16 KiB");
    }
    const std::string_view head = text.substr(0, headerEnd);
    std::size_t lineEnd = head.find("\r\n");
    const std::string_view statusLine = head.substr(0, lineEnd);
    std::size_t status = 0;
    if (statusLine.size() < 12 || statusLine.substr(0, 7) != "HTTP/1." || statusLine[8] != ' ' ||
        !parseCount(statusLine.substr(9, 3), 10, 999, status))
    {
        return malformed("bad status line '" + std::string(statusLine.substr(0, 64)) + "'");
    }

    bool chunked = false;
    bool hasLength = false;
    std::size_t contentLength = 0;
    while (lineEnd != std::string_view::npos)
    {
        const std::size_t lineStart = lineEnd + 2;
        lineEnd = head.find("\r\n", lineStart);
        const std::string_view line =
            head.substr(lineStart, lineEnd == std::string_view::npos ? std::string_view::npos : lineEnd - lineStart);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
        {
            return malformed("header line without a colon");
        }
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (equalsIgnoreCase(name, "content-length"))
        {
            if (!parseCount(value, 10, MAX_BODY_LENGTH, contentLength))
            {
                return malformed("bad or too large Content-Length '" + std::string(value.substr(0, 32)) + "'");
            }
            hasLength = true;
        }
        else if (equalsIgnoreCase(name, "transfer-encoding"))
        {
            chunked = value.find("chunked") != std::string_view::npos;
        }
    }

    const std::size_t bodyStart = headerEnd + 4;
    response.status = static_cast<int>(status);
    if (chunked)
    {
        m_body.clear();
        std::size_t at = bodyStart;
        while (true)
        {
            const std::size_t sizeEnd = text.find("\r\n", at);
            if (sizeEnd == std::string_view::npos)
            {
                return length - at > 32 ? malformed("chunk size line too long") : Result::NEED_MORE;
            }
            std::string_view sizeText = text.substr(at, sizeEnd - at);
            sizeText = sizeText.substr(0, sizeText.find(';'));
            std::size_t chunkLength = 0;
            if (!parseCount(trim(sizeText), 16, MAX_BODY_LENGTH - m_body.size(), chunkLength))
            {
                return malformed("bad or too large chunk size");
            }
            const std::size_t chunkStart = sizeEnd + 2;
            if (chunkLength == 0)
            {
                // Trailers, if any, end with an empty line.
                const std::size_t end = text.find("\r\n\r\n", sizeEnd);
                if (text.substr(chunkStart, 2) == "\r\n")
                {
                    consumed = chunkStart + 2;
                }
                else if (end != std::string_view::npos)
                {
                    consumed = end + 4;
                }
                else
                {
                    return Result::NEED_MORE;
                }
                response.body = m_body;
                return Result::COMPLETE;
            }
            if (length < chunkStart + chunkLength + 2)
            {
                return Result::NEED_MORE;
            }
            if (text.substr(chunkStart + chunkLength, 2) != "\r\n")
            {
                return malformed("chunk not followed by CRLF");
            }
            m_body.append(text.substr(chunkStart, chunkLength));
            at = chunkStart + chunkLength + 2;
        }
    }
    if (!hasLength)
    {
        if (status == 204 || status == 304 || (status >= 100 && status < 200))
        {
            response.body = {};
            consumed = bodyStart;
            return Result::COMPLETE;
        }
        return malformed("response without Content-Length or chunked encoding on a keep-alive connection");
    }
    if (length - bodyStart < contentLength)
    {
        return Result::NEED_MORE;
    }
    response.body = text.substr(bodyStart, contentLength);
    consumed = bodyStart + contentLength;
    return Result::COMPLETE;
}

EtcdConnection::EtcdConnection(std::string host, int port)
    : m_host(std::move(host)), m_endpoint(m_host + ":" + std::to_string(port)), m_in(RECEIVE_CHUNK * 2)
{
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* resolved = nullptr;
    const int rc = ::getaddrinfo(m_host.c_str(), std::to_string(port).c_str(), &hints, &resolved);
    if (rc != 0 || resolved == nullptr)
    {
        throw util::IoException("cannot resolve " + m_endpoint + ": " + ::gai_strerror(rc));
    }
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_fd < 0)
    {
        ::freeaddrinfo(resolved);
        throw util::IoException("socket: " + errnoText());
    }
    const int connected = ::connect(m_fd, resolved->ai_addr, resolved->ai_addrlen);
    ::freeaddrinfo(resolved);
    if (connected != 0 && errno != EINPROGRESS)
    {
        const std::string reason = errnoText();
        ::close(m_fd);
        throw util::IoException("cannot connect to " + m_endpoint + ": " + reason);
    }
    pollfd pfd{m_fd, POLLOUT, 0};
    int error = 0;
    socklen_t errorLength = sizeof(error);
    if (::poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1 ||
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &errorLength) != 0 || error != 0)
    {
        ::close(m_fd);
        throw util::IoException("cannot connect to " + m_endpoint + ": " +
                                (error != 0 ? std::string(std::strerror(error)) : std::string("timed out")));
    }
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    m_out.reserve(8 * 1024);
}

EtcdConnection::~EtcdConnection()
{
    if (m_fd >= 0)
    {
        ::close(m_fd);
    }
}

void EtcdConnection::post(std::string_view path, std::string_view body)
{
    if (m_outOffset == m_out.size())
    {
        m_out.clear();
        m_outOffset = 0;
    }
    char lengthText[24];
    const int lengthDigits = std::snprintf(lengthText, sizeof(lengthText), "%zu", body.size());
    m_out.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(m_endpoint);
    m_out.append("\r\nContent-Type: application/json\r\nContent-Length: ");
    m_out.append(lengthText, static_cast<std::size_t>(lengthDigits)).append("\r\n\r\n").append(body);
    flush();
}

std::size_t EtcdConnection::flush()
{
    std::size_t written = 0;
    while (m_outOffset < m_out.size())
    {
        const ssize_t n = ::send(m_fd, m_out.data() + m_outOffset, m_out.size() - m_outOffset, MSG_NOSIGNAL);
        if (n > 0)
        {
            m_outOffset += static_cast<std::size_t>(n);
            written += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
            break;
        }
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        throw util::IoException("send to " + m_endpoint + " failed: " + errnoText());
    }
    return written;
}

std::size_t EtcdConnection::readAvailable()
{
    if (m_inStart > 0)
    {
        std::memmove(m_in.data(), m_in.data() + m_inStart, m_inEnd - m_inStart);
        m_inEnd -= m_inStart;
        m_inStart = 0;
    }
    std::size_t total = 0;
    while (true)
    {
        if (m_in.size() - m_inEnd < RECEIVE_CHUNK)
        {
            if (m_in.size() >= HttpResponseParser::MAX_BODY_LENGTH * 2)
            {
                throw util::IoException("more than 32 MiB unparsed from " + m_endpoint);
            }
            m_in.resize(m_in.size() * 2);
        }
        const ssize_t n = ::recv(m_fd, m_in.data() + m_inEnd, m_in.size() - m_inEnd, MSG_DONTWAIT);
        if (n > 0)
        {
            m_inEnd += static_cast<std::size_t>(n);
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0)
        {
            throw util::IoException(m_endpoint + " closed the connection");
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
        {
            return total;
        }
        if (errno != EINTR)
        {
            throw util::IoException("receive from " + m_endpoint + " failed: " + errnoText());
        }
    }
}

bool EtcdConnection::nextResponse(HttpResponse& response)
{
    std::size_t consumed = 0;
    switch (m_parser.parse(m_in.data() + m_inStart, m_inEnd - m_inStart, response, consumed))
    {
    case HttpResponseParser::Result::NEED_MORE:
        return false;
    case HttpResponseParser::Result::COMPLETE:
        m_inStart += consumed;
        return true;
    case HttpResponseParser::Result::MALFORMED:
        break;
    }
    throw util::IoException("malformed response from " + m_endpoint + ": " + m_parser.error());
}

HttpResponse EtcdConnection::call(std::string_view path, std::string_view body, int timeoutMs)
{
    post(path, body);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline)
    {
        flush();
        pollfd pfd{m_fd, static_cast<short>(POLLIN | (hasPendingOutput() ? POLLOUT : 0)), 0};
        ::poll(&pfd, 1, 10);
        readAvailable();
        HttpResponse response;
        if (nextResponse(response))
        {
            m_callBody.assign(response.body);
            response.body = m_callBody;
            return response;
        }
    }
    throw util::IoException("no response from " + m_endpoint + " to " + std::string(path) + " within " +
                            std::to_string(timeoutMs) + " ms");
}
} // namespace cox::bench

#pragma once

// A minimal client of etcd's v3 HTTP/JSON gateway (grpc-gateway: POST /v3/kv/put and friends) for the etcd
// benchmark: plain sockets, HTTP/1.1 keep-alive, one TCP connection per session, requests written and responses
// parsed without allocating once the buffers have grown to a request's size. Only what the benchmark needs: no
// TLS, no redirects, responses with Content-Length or chunked bodies.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cox::bench
{
/// Bytes the base64 (standard alphabet, padded) encoding of length bytes takes.
[[nodiscard]] constexpr std::size_t base64EncodedLength(std::size_t length) noexcept
{
    return (length + 2) / 3 * 4;
}

/// Writes the base64 encoding of data[0, length) to out, which must hold base64EncodedLength(length) bytes;
/// returns the bytes written.
std::size_t base64Encode(const std::uint8_t* data, std::size_t length, char* out) noexcept;

/// The string after the first `"name":"` in a JSON text, up to its closing quote (empty when absent). Enough for
/// the flat fields of etcd's responses, which grpc-gateway writes as strings even when they are 64-bit integers.
[[nodiscard]] std::string_view jsonQuotedValue(std::string_view json, std::string_view name) noexcept;

/// jsonQuotedValue as a non-negative decimal number up to INT64_MAX, or -1 when absent or not one (member ids,
/// unsigned 64-bit, need jsonQuotedValue).
[[nodiscard]] std::int64_t jsonQuotedInteger(std::string_view json, std::string_view name) noexcept;

/// One complete HTTP response: its status code and body (valid until the next receive()).
struct HttpResponse
{
    int status = 0;
    std::string_view body;
};

/// Incremental parser of a stream of HTTP/1.1 responses, as they arrive on a keep-alive connection.
class HttpResponseParser
{
public:
    enum class Result
    {
        NEED_MORE,
        COMPLETE,
        MALFORMED,
    };

    /// Parses the response at the start of data[0, length). COMPLETE sets response (viewing data) and consumed;
    /// MALFORMED sets error. Lengths read from the response are checked against limits.
    Result parse(const char* data, std::size_t length, HttpResponse& response, std::size_t& consumed);

    [[nodiscard]] const std::string& error() const noexcept { return m_error; }

    /// Largest header block and body accepted.
    static constexpr std::size_t MAX_HEADER_LENGTH = 16 * 1024;
    static constexpr std::size_t MAX_BODY_LENGTH = 16 * 1024 * 1024;

private:
    Result malformed(std::string reason);

    std::string m_error;
    /// A chunked body is reassembled here.
    std::string m_body;
};

/// One keep-alive connection to an etcd member's client URL.
class EtcdConnection
{
public:
    /// Connects (blocking, with a timeout) to host:port, then turns the socket non-blocking with TCP_NODELAY.
    /// Throws IoException naming the endpoint.
    EtcdConnection(std::string host, int port);
    ~EtcdConnection();

    EtcdConnection(const EtcdConnection&) = delete;
    EtcdConnection& operator=(const EtcdConnection&) = delete;

    /// Queues a POST of a JSON body to path and writes what the socket takes now; flush() writes the rest.
    /// Throws IoException if the connection failed.
    void post(std::string_view path, std::string_view body);
    /// Writes queued bytes; returns how many were written.
    std::size_t flush();
    [[nodiscard]] bool hasPendingOutput() const noexcept { return m_outOffset < m_out.size(); }

    /// Reads what has arrived (compacting away the responses already taken); returns the bytes read. Throws
    /// IoException when the peer closed or failed.
    std::size_t readAvailable();
    /// The next complete response, in order, if one has arrived; it views the receive buffer and stays valid
    /// until the next readAvailable(). Throws IoException when the stream is malformed.
    bool nextResponse(HttpResponse& response);

    /// Set-up only: posts and blocks until the response comes, up to timeoutMs. Throws IoException.
    HttpResponse call(std::string_view path, std::string_view body, int timeoutMs);

    [[nodiscard]] int fd() const noexcept { return m_fd; }
    [[nodiscard]] const std::string& endpoint() const noexcept { return m_endpoint; }

private:
    int m_fd = -1;
    std::string m_host;
    std::string m_endpoint;
    std::string m_out;
    std::size_t m_outOffset = 0;
    std::vector<char> m_in;
    /// m_in[m_inStart, m_inEnd) is received and not yet taken by nextResponse().
    std::size_t m_inStart = 0;
    std::size_t m_inEnd = 0;
    HttpResponseParser m_parser;
    /// call() copies its response body here, since the receive buffer is compacted after the callback.
    std::string m_callBody;
};
} // namespace cox::bench

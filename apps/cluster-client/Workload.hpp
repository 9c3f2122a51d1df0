#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ClientOptions.hpp"

namespace cox::apps::client
{
/// Generates one session's requests and checks each response against what it must be.
///
/// One session's requests are sequenced into the log in the order they were sent and its responses come back
/// on one egress stream in that order, so the response to every request is known when it is sent: the
/// workload keeps a model of the service's state, applies each request to it at send time, and queues the
/// expected response. A response that does not match the oldest expectation is a mismatch (wrong value,
/// wrong code, or a response out of order or missing).
///
/// Single-threaded. Apart from the error text of a mismatch, nextRequest and checkResponse allocate nothing.
class Workload
{
public:
    explicit Workload(std::size_t window) : m_window(window) {}
    virtual ~Workload() = default;
    Workload(const Workload&) = delete;
    Workload& operator=(const Workload&) = delete;

    /// The most bytes a request may take; size the send buffer with it.
    [[nodiscard]] virtual std::size_t maxRequestLength() const noexcept = 0;

    /// Encodes the next request into buffer (at least maxRequestLength() bytes) and queues its expected
    /// response. Returns the length. Throws util::IllegalStateException if window() requests are in flight.
    [[nodiscard]] virtual std::int32_t nextRequest(std::int64_t correlationId, std::uint8_t* buffer) = 0;

    /// Checks a response payload against the oldest expectation and retires it. false on any mismatch, with
    /// what was wrong in lastError(); a response when nothing is in flight is a mismatch too.
    [[nodiscard]] virtual bool checkResponse(const std::uint8_t* payload, std::size_t length) = 0;

    [[nodiscard]] virtual std::size_t inFlight() const noexcept = 0;
    [[nodiscard]] std::size_t window() const noexcept { return m_window; }
    [[nodiscard]] const std::string& lastError() const noexcept { return m_lastError; }

protected:
    bool fail(std::string error)
    {
        m_lastError = std::move(error);
        return false;
    }

private:
    std::size_t m_window;
    std::string m_lastError;
};

/// A bounded FIFO of expectations, allocated once.
template <typename T>
class ExpectationQueue
{
public:
    explicit ExpectationQueue(std::size_t capacity) : m_entries(capacity) {}

    [[nodiscard]] bool full() const noexcept { return m_size == m_entries.size(); }
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }

    /// Requires !full().
    void push(const T& entry) noexcept
    {
        m_entries[(m_head + m_size) % m_entries.size()] = entry;
        ++m_size;
    }

    /// Requires !empty().
    T pop() noexcept
    {
        const T entry = m_entries[m_head];
        m_head = (m_head + 1) % m_entries.size();
        --m_size;
        return entry;
    }

private:
    std::vector<T> m_entries;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

/// The workload the options name. keyPrefix makes this run's kv keys its own (e.g. the cluster session id), so
/// they start absent whatever earlier runs left in the store.
[[nodiscard]] std::unique_ptr<Workload> newWorkload(const ClientOptions& options, const std::string& keyPrefix);
} // namespace cox::apps::client

#pragma once

#include <atomic>
#include <cstdint>

#include "cox/util/Position.hpp"

namespace cox::transport
{
class ClientConductor;

/// A counter the driver allocated for this client in its counters file (Aeron's Counter), so tools
/// and other processes can watch it: e.g. the archive's recording positions. This client is its
/// single writer. close() (or Aeron::close()) hands the id back to the driver.
class Counter
{
public:
    Counter(ClientConductor& conductor, std::int64_t registrationId, util::Position value) noexcept
        : m_conductor(conductor), m_registrationId(registrationId), m_value(value)
    {
    }

    Counter(const Counter&) = delete;
    Counter& operator=(const Counter&) = delete;

    [[nodiscard]] std::int32_t id() const noexcept { return m_value.id(); }
    [[nodiscard]] std::int64_t registrationId() const noexcept { return m_registrationId; }
    [[nodiscard]] std::int64_t get() const noexcept { return m_value.getVolatile(); }
    void setOrdered(std::int64_t value) noexcept { m_value.setOrdered(value); }
    void set(std::int64_t value) noexcept { m_value.set(value); }
    bool proposeMaxOrdered(std::int64_t value) noexcept { return m_value.proposeMaxOrdered(value); }
    /// The one write another process may also make (a control toggle): atomic against it.
    bool compareAndSet(std::int64_t expected, std::int64_t desired) noexcept
    {
        return m_value.compareAndSet(expected, desired);
    }
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed.load(std::memory_order_acquire); }

    /// Sends RemoveCounter; the value stays readable until the driver reuses the slot.
    void close();
    void markClosed() noexcept { m_isClosed.store(true, std::memory_order_release); }

private:
    ClientConductor& m_conductor;
    std::int64_t m_registrationId;
    util::Position m_value;
    std::atomic<bool> m_isClosed{false};
};
} // namespace cox::transport

#pragma once

#include <atomic>
#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/CountersDescriptor.hpp"

namespace cox::util
{
/// A stream position kept in a counter: written by exactly one agent, read by others (and by tools in
/// other processes) with getVolatile(). Agrona's UnsafeBufferPosition. Copyable, non-owning.
class Position
{
public:
    Position() noexcept = default;

    Position(const AtomicBuffer& valuesBuffer, std::int32_t counterId)
        : m_value(valuesBuffer.ptr<std::int64_t>(CountersDescriptor::counterOffset(counterId))), m_id(counterId)
    {
    }

    [[nodiscard]] std::int32_t id() const noexcept { return m_id; }

    /// The writer reading its own position.
    [[nodiscard]] std::int64_t get() const noexcept { return ref().load(std::memory_order_relaxed); }
    /// Any other reader: acquire, so data published before the position is visible.
    [[nodiscard]] std::int64_t getVolatile() const noexcept { return ref().load(std::memory_order_acquire); }

    void set(std::int64_t value) noexcept { ref().store(value, std::memory_order_relaxed); }
    /// Release store: what the writer did before is visible to whoever sees this position.
    void setOrdered(std::int64_t value) noexcept { ref().store(value, std::memory_order_release); }

    /// Raises the position to proposed if greater; true if it did.
    bool proposeMax(std::int64_t proposed) noexcept
    {
        if (get() < proposed)
        {
            set(proposed);
            return true;
        }
        return false;
    }

    /// As proposeMax, with a release store.
    bool proposeMaxOrdered(std::int64_t proposed) noexcept
    {
        if (get() < proposed)
        {
            setOrdered(proposed);
            return true;
        }
        return false;
    }

    /// For a counter with more than one writer (a control toggle set by a tool and reset by its owner).
    bool compareAndSet(std::int64_t expected, std::int64_t desired) noexcept
    {
        return ref().compare_exchange_strong(expected, desired, std::memory_order_acq_rel);
    }

private:
    [[nodiscard]] std::atomic_ref<std::int64_t> ref() const noexcept { return std::atomic_ref<std::int64_t>(*m_value); }

    std::int64_t* m_value = nullptr;
    std::int32_t m_id = CountersDescriptor::NULL_COUNTER_ID;
};
} // namespace cox::util

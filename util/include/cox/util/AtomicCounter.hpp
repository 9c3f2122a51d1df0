#pragma once

#include <atomic>
#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/CountersDescriptor.hpp"

namespace cox::util
{
/// A handle on one counter's value slot, for counts (errors, bytes, back-pressure events) that any
/// thread may bump: Agrona's AtomicCounter. Copyable and non-owning: the counter stays allocated until
/// CountersManager::free(id), and the handle must not be used after that.
///
/// "Weak" and "ordered" operations are for a counter with a single writer; the read-modify-write ones
/// (increment, add, compareAndSet) are safe with several.
class AtomicCounter
{
public:
    AtomicCounter() noexcept = default;

    /// Handle on counter id in a values buffer laid out by CountersDescriptor.
    AtomicCounter(const AtomicBuffer& valuesBuffer, std::int32_t counterId)
        : m_value(valuesBuffer.ptr<std::int64_t>(CountersDescriptor::counterOffset(counterId))), m_id(counterId)
    {
    }

    [[nodiscard]] std::int32_t id() const noexcept { return m_id; }

    /// Acquire load.
    [[nodiscard]] std::int64_t get() const noexcept { return ref().load(std::memory_order_acquire); }
    /// Relaxed load: the writer reading its own value.
    [[nodiscard]] std::int64_t getWeak() const noexcept { return ref().load(std::memory_order_relaxed); }

    void set(std::int64_t value) noexcept { ref().store(value, std::memory_order_seq_cst); }
    /// Release store.
    void setOrdered(std::int64_t value) noexcept { ref().store(value, std::memory_order_release); }
    void setWeak(std::int64_t value) noexcept { ref().store(value, std::memory_order_relaxed); }

    /// Atomic increment; returns the previous value.
    std::int64_t increment() noexcept { return ref().fetch_add(1, std::memory_order_seq_cst); }
    /// Single-writer increment with a release store, no locked instruction; returns the previous value.
    std::int64_t incrementOrdered() noexcept { return addOrdered(1); }

    /// Atomic add; returns the previous value.
    std::int64_t add(std::int64_t delta) noexcept { return ref().fetch_add(delta, std::memory_order_seq_cst); }
    /// Single-writer add with a release store; returns the previous value.
    std::int64_t addOrdered(std::int64_t delta) noexcept
    {
        const std::int64_t previous = ref().load(std::memory_order_relaxed);
        ref().store(previous + delta, std::memory_order_release);
        return previous;
    }

    bool compareAndSet(std::int64_t expected, std::int64_t desired) noexcept
    {
        return ref().compare_exchange_strong(expected, desired, std::memory_order_seq_cst);
    }

    /// Single writer: raises the value to proposed if greater, with a release store; true if it did.
    bool proposeMaxOrdered(std::int64_t proposed) noexcept
    {
        if (ref().load(std::memory_order_relaxed) < proposed)
        {
            ref().store(proposed, std::memory_order_release);
            return true;
        }
        return false;
    }

private:
    [[nodiscard]] std::atomic_ref<std::int64_t> ref() const noexcept { return std::atomic_ref<std::int64_t>(*m_value); }

    std::int64_t* m_value = nullptr;
    std::int32_t m_id = CountersDescriptor::NULL_COUNTER_ID;
};
} // namespace cox::util

#pragma once

#include <cstdint>
#include <vector>

namespace cox::cluster
{
namespace detail
{
/// Open-addressing map from correlation id to a slot index, with linear probing and backward-shift
/// deletion so no tombstones build up. Only ever looked up, never iterated, so hashing cannot leak into any
/// order the cluster sees. Grows by doubling; never shrinks, so after warm-up it does not allocate.
class CorrelationIdIndex
{
public:
    static constexpr std::int32_t MISSING = -1;

    explicit CorrelationIdIndex(std::int32_t initialCapacity);

    [[nodiscard]] std::int32_t get(std::int64_t correlationId) const noexcept;
    /// Adds a mapping for an id that must not be present.
    void insert(std::int64_t correlationId, std::int32_t slot);
    /// Removes the mapping and returns its slot, or MISSING.
    std::int32_t remove(std::int64_t correlationId) noexcept;
    void clear() noexcept;

    [[nodiscard]] std::int32_t size() const noexcept { return m_size; }

private:
    [[nodiscard]] std::size_t home(std::int64_t correlationId) const noexcept;
    void grow();

    std::vector<std::int64_t> m_keys;
    std::vector<std::int32_t> m_values;
    std::size_t m_mask = 0;
    std::int32_t m_size = 0;
};
} // namespace detail

/// Deterministic timers keyed by correlation id, with deadlines in cluster time: a port of Aeron's
/// PriorityHeapTimerService with a total order.
///
/// Timers fire in deadline order; timers with equal deadlines fire in the order they were (last) scheduled,
/// so every member that applies the same log fires the same timers in the same order. Aeron's heap leaves
/// ties unordered; we break them with a schedule sequence number.
///
/// Layout: a binary min-heap of slot indices over a pool of entries, plus a correlation id → slot index.
/// Storage grows geometrically and is reused, so schedule/cancel/poll allocate nothing after warm-up.
///
/// Single-threaded: owned by the consensus module agent.
class TimerService
{
public:
    /// Aeron's TimerService.POLL_LIMIT: at most this many timers fire per poll by default, so a burst of
    /// expiries cannot starve the rest of the duty cycle.
    static constexpr std::int32_t POLL_LIMIT = 20;
    static constexpr std::int64_t NULL_DEADLINE = INT64_MAX;

    /// Room for initialCapacity timers before the first growth.
    explicit TimerService(std::int32_t initialCapacity = 64);

    /// Schedules a timer, or moves an existing one with the same correlation id to the new deadline (it then
    /// ranks after timers already scheduled for that deadline). A deadline at or before the current time fires
    /// on the next poll.
    void scheduleTimer(std::int64_t correlationId, std::int64_t deadline);

    /// Removes the timer; false if no timer with that id is scheduled.
    bool cancelTimer(std::int64_t correlationId) noexcept;

    /// Fires, in order, timers with deadline <= now, at most limit of them. handler(correlationId) returns true
    /// when it has dealt with the timer (e.g. appended a TimerEvent to the log), which removes the timer; false
    /// (e.g. the log is back-pressured) keeps it scheduled and ends the poll, as in Aeron. The handler may
    /// schedule or cancel timers, including the one firing: a timer it reschedules stays at its new deadline.
    /// Returns the number of timers fired.
    template <typename Handler> std::int32_t poll(std::int64_t now, Handler&& handler, std::int32_t limit = POLL_LIMIT)
    {
        std::int32_t fired = 0;
        while (fired < limit && !m_heap.empty())
        {
            const std::int32_t slot = m_heap.front();
            const Entry& top = m_entries[static_cast<std::size_t>(slot)];
            if (top.deadline > now)
            {
                break;
            }
            const std::int64_t correlationId = top.correlationId;
            const std::uint64_t sequence = top.sequence;
            if (!handler(correlationId))
            {
                break;
            }
            ++fired;
            removeFiredTimer(slot, sequence);
        }
        return fired;
    }

    /// Calls consumer(correlationId, deadline) for every timer in firing order. Scheduling them again in
    /// that order (restore from a snapshot) rebuilds the same firing order. Set-up path: it sorts a copy.
    template <typename Consumer> void snapshot(Consumer&& consumer) const
    {
        sortedSlots(m_snapshotScratch);
        for (const std::int32_t slot : m_snapshotScratch)
        {
            const Entry& entry = m_entries[static_cast<std::size_t>(slot)];
            consumer(entry.correlationId, entry.deadline);
        }
    }

    /// Restores one timer from a snapshot; the same as scheduleTimer, named for the call site.
    void restoreTimer(std::int64_t correlationId, std::int64_t deadline) { scheduleTimer(correlationId, deadline); }

    /// Removes every timer; keeps the storage.
    void clear() noexcept;

    [[nodiscard]] std::int32_t size() const noexcept { return static_cast<std::int32_t>(m_heap.size()); }
    [[nodiscard]] bool isEmpty() const noexcept { return m_heap.empty(); }
    [[nodiscard]] bool isScheduled(std::int64_t correlationId) const noexcept;
    /// The deadline of a scheduled timer, else NULL_DEADLINE.
    [[nodiscard]] std::int64_t deadline(std::int64_t correlationId) const noexcept;
    /// The earliest deadline, else NULL_DEADLINE; lets an idle agent know when work is next due.
    [[nodiscard]] std::int64_t nextDeadline() const noexcept;

private:
    struct Entry
    {
        std::int64_t correlationId;
        std::int64_t deadline;
        // Orders timers with equal deadlines; unique per schedule, so it also tells a poll whether the handler
        // replaced the timer it was firing.
        std::uint64_t sequence;
        std::int32_t heapIndex;
    };

    [[nodiscard]] bool before(std::int32_t lhsSlot, std::int32_t rhsSlot) const noexcept;
    void place(std::size_t heapIndex, std::int32_t slot) noexcept;
    void siftUp(std::size_t heapIndex) noexcept;
    void siftDown(std::size_t heapIndex) noexcept;
    void removeAt(std::int32_t slot) noexcept;
    void removeFiredTimer(std::int32_t slot, std::uint64_t sequence) noexcept;
    void sortedSlots(std::vector<std::int32_t>& slots) const;

    std::vector<Entry> m_entries;
    std::vector<std::int32_t> m_freeSlots;
    std::vector<std::int32_t> m_heap;
    detail::CorrelationIdIndex m_index;
    std::uint64_t m_nextSequence = 0;
    mutable std::vector<std::int32_t> m_snapshotScratch;
};
} // namespace cox::cluster

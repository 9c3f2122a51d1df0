#include "cox/cluster/TimerService.hpp"

#include <algorithm>

#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace detail
{
namespace
{
std::size_t capacityFor(std::int32_t expectedEntries)
{
    // Keep the load factor at or below one half so probe runs stay short.
    std::size_t capacity = 8;
    while (capacity < static_cast<std::size_t>(std::max(expectedEntries, 1)) * 2)
    {
        capacity <<= 1;
    }
    return capacity;
}
} // namespace

CorrelationIdIndex::CorrelationIdIndex(std::int32_t initialCapacity)
{
    const std::size_t capacity = capacityFor(initialCapacity);
    m_keys.assign(capacity, 0);
    m_values.assign(capacity, MISSING);
    m_mask = capacity - 1;
}

std::size_t CorrelationIdIndex::home(std::int64_t correlationId) const noexcept
{
    // Correlation ids are often sequential; a multiplicative mix spreads them over the whole table.
    auto hash = static_cast<std::uint64_t>(correlationId);
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    return static_cast<std::size_t>(hash) & m_mask;
}

std::int32_t CorrelationIdIndex::get(std::int64_t correlationId) const noexcept
{
    for (std::size_t i = home(correlationId);; i = (i + 1) & m_mask)
    {
        if (m_values[i] == MISSING)
        {
            return MISSING;
        }
        if (m_keys[i] == correlationId)
        {
            return m_values[i];
        }
    }
}

void CorrelationIdIndex::insert(std::int64_t correlationId, std::int32_t slot)
{
    if (static_cast<std::size_t>(m_size + 1) * 2 > m_keys.size())
    {
        grow();
    }
    std::size_t i = home(correlationId);
    while (m_values[i] != MISSING)
    {
        i = (i + 1) & m_mask;
    }
    m_keys[i] = correlationId;
    m_values[i] = slot;
    ++m_size;
}

std::int32_t CorrelationIdIndex::remove(std::int64_t correlationId) noexcept
{
    std::size_t i = home(correlationId);
    while (m_values[i] != MISSING && m_keys[i] != correlationId)
    {
        i = (i + 1) & m_mask;
    }
    if (m_values[i] == MISSING)
    {
        return MISSING;
    }
    const std::int32_t slot = m_values[i];

    // Backward-shift deletion: pull later members of the probe run into the hole when their home position
    // does not lie (cyclically) between the hole and themselves, so every lookup still finds them.
    std::size_t hole = i;
    for (std::size_t next = (hole + 1) & m_mask; m_values[next] != MISSING; next = (next + 1) & m_mask)
    {
        const std::size_t nextHome = home(m_keys[next]);
        const bool homeInGap =
            hole <= next ? (hole < nextHome && nextHome <= next) : (hole < nextHome || nextHome <= next);
        if (!homeInGap)
        {
            m_keys[hole] = m_keys[next];
            m_values[hole] = m_values[next];
            hole = next;
        }
    }
    m_values[hole] = MISSING;
    --m_size;
    return slot;
}

void CorrelationIdIndex::clear() noexcept
{
    std::fill(m_values.begin(), m_values.end(), MISSING);
    m_size = 0;
}

void CorrelationIdIndex::grow()
{
    std::vector<std::int64_t> oldKeys = std::move(m_keys);
    std::vector<std::int32_t> oldValues = std::move(m_values);
    const std::size_t capacity = oldKeys.size() * 2;
    m_keys.assign(capacity, 0);
    m_values.assign(capacity, MISSING);
    m_mask = capacity - 1;
    m_size = 0;
    for (std::size_t i = 0; i < oldKeys.size(); ++i)
    {
        if (oldValues[i] != MISSING)
        {
            insert(oldKeys[i], oldValues[i]);
        }
    }
}
} // namespace detail

TimerService::TimerService(std::int32_t initialCapacity) : m_index(initialCapacity)
{
    if (initialCapacity < 0)
    {
        throw util::IllegalArgumentException("TimerService: initialCapacity must be >= 0, got " +
                                             std::to_string(initialCapacity));
    }
    const auto capacity = static_cast<std::size_t>(initialCapacity);
    m_entries.reserve(capacity);
    m_freeSlots.reserve(capacity);
    m_heap.reserve(capacity);
}

void TimerService::scheduleTimer(std::int64_t correlationId, std::int64_t deadline)
{
    const std::uint64_t sequence = m_nextSequence++;
    const std::int32_t existing = m_index.get(correlationId);
    if (existing != detail::CorrelationIdIndex::MISSING)
    {
        Entry& entry = m_entries[static_cast<std::size_t>(existing)];
        entry.deadline = deadline;
        entry.sequence = sequence;
        const auto heapIndex = static_cast<std::size_t>(entry.heapIndex);
        // The key only ever moves later for equal deadlines (a new sequence), so one of the two sifts is a no-op.
        siftUp(heapIndex);
        siftDown(static_cast<std::size_t>(m_entries[static_cast<std::size_t>(existing)].heapIndex));
        return;
    }

    std::int32_t slot;
    if (m_freeSlots.empty())
    {
        slot = static_cast<std::int32_t>(m_entries.size());
        m_entries.push_back(Entry{correlationId, deadline, sequence, -1});
    }
    else
    {
        slot = m_freeSlots.back();
        m_freeSlots.pop_back();
        m_entries[static_cast<std::size_t>(slot)] = Entry{correlationId, deadline, sequence, -1};
    }
    m_index.insert(correlationId, slot);
    m_heap.push_back(slot);
    m_entries[static_cast<std::size_t>(slot)].heapIndex = static_cast<std::int32_t>(m_heap.size() - 1);
    siftUp(m_heap.size() - 1);
}

bool TimerService::cancelTimer(std::int64_t correlationId) noexcept
{
    const std::int32_t slot = m_index.remove(correlationId);
    if (slot == detail::CorrelationIdIndex::MISSING)
    {
        return false;
    }
    removeAt(slot);
    return true;
}

void TimerService::clear() noexcept
{
    for (const std::int32_t slot : m_heap)
    {
        m_freeSlots.push_back(slot);
    }
    m_heap.clear();
    m_index.clear();
}

bool TimerService::isScheduled(std::int64_t correlationId) const noexcept
{
    return m_index.get(correlationId) != detail::CorrelationIdIndex::MISSING;
}

std::int64_t TimerService::deadline(std::int64_t correlationId) const noexcept
{
    const std::int32_t slot = m_index.get(correlationId);
    return slot == detail::CorrelationIdIndex::MISSING ? NULL_DEADLINE
                                                       : m_entries[static_cast<std::size_t>(slot)].deadline;
}

std::int64_t TimerService::nextDeadline() const noexcept
{
    return m_heap.empty() ? NULL_DEADLINE : m_entries[static_cast<std::size_t>(m_heap.front())].deadline;
}

bool TimerService::before(std::int32_t lhsSlot, std::int32_t rhsSlot) const noexcept
{
    const Entry& lhs = m_entries[static_cast<std::size_t>(lhsSlot)];
    const Entry& rhs = m_entries[static_cast<std::size_t>(rhsSlot)];
    return lhs.deadline < rhs.deadline || (lhs.deadline == rhs.deadline && lhs.sequence < rhs.sequence);
}

void TimerService::place(std::size_t heapIndex, std::int32_t slot) noexcept
{
    m_heap[heapIndex] = slot;
    m_entries[static_cast<std::size_t>(slot)].heapIndex = static_cast<std::int32_t>(heapIndex);
}

void TimerService::siftUp(std::size_t heapIndex) noexcept
{
    const std::int32_t slot = m_heap[heapIndex];
    while (heapIndex > 0)
    {
        const std::size_t parent = (heapIndex - 1) >> 1;
        if (!before(slot, m_heap[parent]))
        {
            break;
        }
        place(heapIndex, m_heap[parent]);
        heapIndex = parent;
    }
    place(heapIndex, slot);
}

void TimerService::siftDown(std::size_t heapIndex) noexcept
{
    const std::size_t size = m_heap.size();
    const std::int32_t slot = m_heap[heapIndex];
    while (true)
    {
        std::size_t child = (heapIndex << 1) + 1;
        if (child >= size)
        {
            break;
        }
        if (child + 1 < size && before(m_heap[child + 1], m_heap[child]))
        {
            ++child;
        }
        if (!before(m_heap[child], slot))
        {
            break;
        }
        place(heapIndex, m_heap[child]);
        heapIndex = child;
    }
    place(heapIndex, slot);
}

void TimerService::removeAt(std::int32_t slot) noexcept
{
    const auto heapIndex = static_cast<std::size_t>(m_entries[static_cast<std::size_t>(slot)].heapIndex);
    const std::int32_t last = m_heap.back();
    m_heap.pop_back();
    m_entries[static_cast<std::size_t>(slot)].heapIndex = -1;
    m_freeSlots.push_back(slot);
    if (last != slot)
    {
        // The last entry takes the hole; it may belong above or below it.
        place(heapIndex, last);
        siftUp(heapIndex);
        siftDown(static_cast<std::size_t>(m_entries[static_cast<std::size_t>(last)].heapIndex));
    }
}

void TimerService::removeFiredTimer(std::int32_t slot, std::uint64_t sequence) noexcept
{
    const Entry& entry = m_entries[static_cast<std::size_t>(slot)];
    // The handler may have cancelled the timer (the slot is free, or reused by another schedule) or rescheduled
    // it (a new sequence): then there is nothing of this firing left to remove.
    if (entry.heapIndex < 0 || entry.sequence != sequence)
    {
        return;
    }
    m_index.remove(entry.correlationId);
    removeAt(slot);
}

void TimerService::sortedSlots(std::vector<std::int32_t>& slots) const
{
    slots.assign(m_heap.begin(), m_heap.end());
    std::sort(slots.begin(), slots.end(), [this](std::int32_t lhs, std::int32_t rhs) { return before(lhs, rhs); });
}
} // namespace cox::cluster

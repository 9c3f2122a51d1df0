#include "KeyValueStore.hpp"

#include <string>

#include "DemoProtocol.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps::demo
{
namespace
{
constexpr std::int64_t MAX_ENTRIES = std::int64_t{1} << 30;

std::size_t tableLength(std::int64_t maxEntries)
{
    if (maxEntries <= 0 || maxEntries > MAX_ENTRIES)
    {
        throw util::IllegalArgumentException("key-value store capacity must be in [1, 2^30]: " +
                                             std::to_string(maxEntries));
    }
    // At most half full keeps linear probes short.
    std::size_t length = 2;
    while (length < static_cast<std::size_t>(maxEntries) * 2)
    {
        length <<= 1;
    }
    return length;
}
} // namespace

KeyValueStore::KeyValueStore(std::int64_t maxEntries)
    : m_maxEntries(maxEntries), m_mask(tableLength(maxEntries) - 1), m_keys(m_mask + 1), m_values(m_mask + 1),
      m_occupied(m_mask + 1)
{
}

std::size_t KeyValueStore::slotFor(std::int64_t key) const noexcept
{
    // The demo's keys are structured (client index in the high half), so hash before masking.
    std::size_t slot = static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(key))) & m_mask;
    while (m_occupied[slot] != 0 && m_keys[slot] != key)
    {
        slot = (slot + 1) & m_mask;
    }
    return slot;
}

KeyValueStore::PutResult KeyValueStore::put(std::int64_t key, std::int64_t value, std::int64_t& previousValue) noexcept
{
    const std::size_t slot = slotFor(key);
    if (m_occupied[slot] != 0)
    {
        previousValue = m_values[slot];
        m_values[slot] = value;
        return PutResult::Replaced;
    }
    if (m_size >= m_maxEntries)
    {
        return PutResult::Full;
    }
    m_occupied[slot] = 1;
    m_keys[slot] = key;
    m_values[slot] = value;
    ++m_size;
    return PutResult::Inserted;
}

std::optional<std::int64_t> KeyValueStore::get(std::int64_t key) const noexcept
{
    const std::size_t slot = slotFor(key);
    if (m_occupied[slot] == 0)
    {
        return std::nullopt;
    }
    return m_values[slot];
}
} // namespace cox::apps::demo

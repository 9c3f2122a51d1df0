#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cox::apps::demo
{
/// The demo service's state: an int64 -> int64 map of fixed capacity with open addressing and linear
/// probing, so that applying a log entry never allocates. All memory is taken in the constructor.
/// Single-threaded: owned by the service agent.
class KeyValueStore
{
public:
    enum class PutResult
    {
        Inserted,
        Replaced,
        /// Every slot is taken by another key; the map is unchanged.
        Full,
    };

    /// Room for at least maxEntries keys (the table is kept at most half full). Throws
    /// IllegalArgumentException unless 0 < maxEntries <= 2^30.
    explicit KeyValueStore(std::int64_t maxEntries);

    /// Sets key to value; previousValue receives the old value when the key was present.
    PutResult put(std::int64_t key, std::int64_t value, std::int64_t& previousValue) noexcept;

    [[nodiscard]] std::optional<std::int64_t> get(std::int64_t key) const noexcept;

    [[nodiscard]] std::int64_t size() const noexcept { return m_size; }
    [[nodiscard]] std::int64_t maxEntries() const noexcept { return m_maxEntries; }

    /// Calls consumer(key, value) for every entry, in table order.
    template <typename Consumer> void forEach(Consumer&& consumer) const
    {
        for (std::size_t i = 0; i < m_keys.size(); ++i)
        {
            if (m_occupied[i] != 0)
            {
                consumer(m_keys[i], m_values[i]);
            }
        }
    }

private:
    [[nodiscard]] std::size_t slotFor(std::int64_t key) const noexcept;

    std::int64_t m_maxEntries;
    std::size_t m_mask;
    std::vector<std::int64_t> m_keys;
    std::vector<std::int64_t> m_values;
    std::vector<std::uint8_t> m_occupied;
    std::int64_t m_size = 0;
};
} // namespace cox::apps::demo

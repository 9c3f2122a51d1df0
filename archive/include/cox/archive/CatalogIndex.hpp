#pragma once

#include <cstdint>
#include <vector>

namespace cox::archive
{
/// In-memory index from recording id to the byte offset of its entry in the catalog file (Aeron's
/// CatalogIndex). Ids are added in strictly increasing order, so the pairs stay sorted and a lookup is
/// a binary search; Aeron interpolates instead, which gains little at catalog sizes and is harder to
/// get right. Owned and used by one thread (the archive conductor).
class CatalogIndex
{
public:
    static constexpr std::int64_t NULL_OFFSET = -1;

    /// Adds a mapping; recordingId must be greater than every id already present (throws
    /// IllegalArgumentException otherwise: ids are never reused, so this is a programmer error).
    void add(std::int64_t recordingId, std::int64_t catalogOffset);

    /// The entry's offset, or NULL_OFFSET if the id is not indexed.
    [[nodiscard]] std::int64_t find(std::int64_t recordingId) const noexcept;

    /// Removes the id; returns its offset, or NULL_OFFSET if it was not present.
    std::int64_t remove(std::int64_t recordingId) noexcept;

    /// The highest id ever added, or -1 if none (kept after removal so ids stay increasing).
    [[nodiscard]] std::int64_t lastRecordingId() const noexcept { return m_lastRecordingId; }

    [[nodiscard]] std::size_t size() const noexcept { return m_entries.size(); }

    struct Entry
    {
        std::int64_t recordingId;
        std::int64_t catalogOffset;
    };

    /// Entries in ascending id order.
    [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return m_entries; }

private:
    [[nodiscard]] std::size_t lowerBound(std::int64_t recordingId) const noexcept;

    std::vector<Entry> m_entries;
    std::int64_t m_lastRecordingId = -1;
};
} // namespace cox::archive

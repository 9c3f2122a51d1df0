#include "cox/archive/CatalogIndex.hpp"

#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::archive
{
void CatalogIndex::add(std::int64_t recordingId, std::int64_t catalogOffset)
{
    if (recordingId <= m_lastRecordingId)
    {
        throw util::IllegalArgumentException(
            "recording id " + std::to_string(recordingId) + " not above last id " + std::to_string(m_lastRecordingId));
    }
    m_entries.push_back({recordingId, catalogOffset});
    m_lastRecordingId = recordingId;
}

std::size_t CatalogIndex::lowerBound(std::int64_t recordingId) const noexcept
{
    std::size_t low = 0;
    std::size_t high = m_entries.size();
    while (low < high)
    {
        const std::size_t mid = low + (high - low) / 2;
        if (m_entries[mid].recordingId < recordingId)
        {
            low = mid + 1;
        }
        else
        {
            high = mid;
        }
    }
    return low;
}

std::int64_t CatalogIndex::find(std::int64_t recordingId) const noexcept
{
    const std::size_t i = lowerBound(recordingId);
    return i < m_entries.size() && m_entries[i].recordingId == recordingId ? m_entries[i].catalogOffset : NULL_OFFSET;
}

std::int64_t CatalogIndex::remove(std::int64_t recordingId) noexcept
{
    const std::size_t i = lowerBound(recordingId);
    if (i >= m_entries.size() || m_entries[i].recordingId != recordingId)
    {
        return NULL_OFFSET;
    }
    const std::int64_t offset = m_entries[i].catalogOffset;
    m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(i));
    return offset;
}
} // namespace cox::archive

#include "cox/util/CountersManager.hpp"

#include <algorithm>
#include <unistd.h>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
using namespace CountersDescriptor;

CountersManager::CountersManager(const AtomicBuffer& metadataBuffer, const AtomicBuffer& valuesBuffer,
                                 const EpochClock& epochClock, std::int64_t freeToReuseTimeoutMs)
    : CountersReader(metadataBuffer, valuesBuffer), m_epochClock(epochClock),
      m_freeToReuseTimeoutMs(freeToReuseTimeoutMs)
{
    if (freeToReuseTimeoutMs < 0)
    {
        throw IllegalArgumentException("free-to-reuse timeout must not be negative: " +
                                       std::to_string(freeToReuseTimeoutMs));
    }
    m_freeList.reserve(static_cast<std::size_t>(m_maxCounters));
}

std::unique_ptr<CountersManager> CountersManager::create(const std::string& path, std::int32_t maxCounters,
                                                         const EpochClock& epochClock,
                                                         std::int64_t freeToReuseTimeoutMs)
{
    // Lengths are stored as int32 in the header.
    constexpr std::int32_t LIMIT = static_cast<std::int32_t>(INT32_MAX / METADATA_LENGTH);
    if (maxCounters <= 0 || maxCounters > LIMIT)
    {
        throw IllegalArgumentException("max counters must be in [1, " + std::to_string(LIMIT) +
                                       "]: " + std::to_string(maxCounters));
    }
    auto file = MemoryMappedFile::create(path, fileLength(maxCounters));
    AtomicBuffer buffer = file->buffer();
    const std::size_t metadataLength = static_cast<std::size_t>(maxCounters) * METADATA_LENGTH;
    const std::size_t valuesLength = static_cast<std::size_t>(maxCounters) * COUNTER_LENGTH;
    const std::int64_t pid = ::getpid();
    const std::int64_t startTimestampMs = epochClock.time();

    buffer.putInt64(MAGIC_OFFSET, MAGIC);
    buffer.putInt32(METADATA_LENGTH_FIELD_OFFSET, static_cast<std::int32_t>(metadataLength));
    buffer.putInt32(VALUES_LENGTH_FIELD_OFFSET, static_cast<std::int32_t>(valuesLength));
    buffer.putInt64(PID_OFFSET, pid);
    buffer.putInt64(START_TIMESTAMP_OFFSET, startTimestampMs);

    auto manager = std::make_unique<CountersManager>(
        AtomicBuffer(buffer.buffer() + HEADER_LENGTH, metadataLength),
        AtomicBuffer(buffer.buffer() + HEADER_LENGTH + metadataLength, valuesLength), epochClock, freeToReuseTimeoutMs);
    manager->m_ownerPid = pid;
    manager->m_startTimestampMs = startTimestampMs;
    // Last, with release: a reader that sees the version sees a complete header.
    buffer.putInt32Ordered(VERSION_OFFSET, VERSION);
    manager->adoptFile(std::move(file));
    return manager;
}

std::int32_t CountersManager::allocate(std::string_view label, std::int32_t typeId, std::span<const std::uint8_t> key)
{
    if (key.size() > MAX_KEY_LENGTH)
    {
        throw IllegalArgumentException("counter key of " + std::to_string(key.size()) + " bytes exceeds " +
                                       std::to_string(MAX_KEY_LENGTH));
    }
    const std::string_view storedLabel = label.substr(0, MAX_LABEL_LENGTH);

    std::lock_guard<std::mutex> guard(m_lock);
    const std::int32_t counterId = nextCounterId();
    const std::size_t offset = metadataOffset(counterId);

    m_metadataBuffer.putInt32(offset + TYPE_ID_OFFSET, typeId);
    m_metadataBuffer.putInt64Ordered(offset + FREE_FOR_REUSE_DEADLINE_OFFSET, NOT_FREE_TO_REUSE);
    m_metadataBuffer.setMemory(offset + KEY_OFFSET, MAX_KEY_LENGTH, 0);
    m_metadataBuffer.putBytes(offset + KEY_OFFSET, key.data(), key.size());
    m_metadataBuffer.setMemory(offset + LABEL_OFFSET, MAX_LABEL_LENGTH, 0);
    m_metadataBuffer.putBytes(offset + LABEL_OFFSET, storedLabel.data(), storedLabel.size());
    m_metadataBuffer.putInt32(offset + LABEL_LENGTH_OFFSET, static_cast<std::int32_t>(storedLabel.size()));
    m_valuesBuffer.putInt64Ordered(counterOffset(counterId) + VALUE_OFFSET, 0);
    // Publish last: readers check the state with acquire before trusting the rest of the record.
    m_metadataBuffer.putInt32Ordered(offset + STATE_OFFSET, RECORD_ALLOCATED);
    return counterId;
}

AtomicCounter CountersManager::newCounter(std::string_view label, std::int32_t typeId,
                                          std::span<const std::uint8_t> key)
{
    return {m_valuesBuffer, allocate(label, typeId, key)};
}

Position CountersManager::newPosition(std::string_view label, std::int32_t typeId, std::span<const std::uint8_t> key)
{
    return {m_valuesBuffer, allocate(label, typeId, key)};
}

void CountersManager::free(std::int32_t counterId)
{
    validateCounterId(counterId);
    std::lock_guard<std::mutex> guard(m_lock);
    const std::size_t offset = metadataOffset(counterId);
    if (stateVolatile(counterId) != RECORD_ALLOCATED)
    {
        throw IllegalArgumentException("counter " + std::to_string(counterId) + " is not allocated");
    }
    m_metadataBuffer.putInt64Ordered(offset + FREE_FOR_REUSE_DEADLINE_OFFSET,
                                     m_epochClock.time() + m_freeToReuseTimeoutMs);
    m_metadataBuffer.putInt32Ordered(offset + STATE_OFFSET, RECORD_RECLAIMED);
    m_freeList.push_back(counterId);
}

void CountersManager::setCounterValue(std::int32_t counterId, std::int64_t value)
{
    validateCounterId(counterId);
    m_valuesBuffer.putInt64Ordered(counterOffset(counterId) + VALUE_OFFSET, value);
}

std::int32_t CountersManager::available() const
{
    std::lock_guard<std::mutex> guard(m_lock);
    const std::int64_t nowMs = m_epochClock.time();
    std::int32_t count = m_maxCounters - (m_highWaterMarkId + 1);
    for (const std::int32_t id : m_freeList)
    {
        if (getFreeForReuseDeadline(id) <= nowMs)
        {
            ++count;
        }
    }
    return count;
}

std::int32_t CountersManager::nextCounterId()
{
    const std::int64_t nowMs = m_epochClock.time();
    for (auto it = m_freeList.begin(); it != m_freeList.end(); ++it)
    {
        if (getFreeForReuseDeadline(*it) <= nowMs)
        {
            const std::int32_t counterId = *it;
            m_freeList.erase(it);
            return counterId;
        }
    }
    if (m_highWaterMarkId + 1 >= m_maxCounters)
    {
        throw IllegalStateException("no counter free: all " + std::to_string(m_maxCounters) +
                                    " in use or cooling down");
    }
    return ++m_highWaterMarkId;
}
} // namespace cox::util

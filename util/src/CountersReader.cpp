#include "cox/util/CountersReader.hpp"

#include <algorithm>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
using namespace CountersDescriptor;

namespace
{
std::string hex(std::int64_t value)
{
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::string text = "0x";
    for (int shift = 60; shift >= 0; shift -= 4)
    {
        text += DIGITS[(static_cast<std::uint64_t>(value) >> shift) & 0xF];
    }
    return text;
}

// The header comes from another process and may be anything: check it all before trusting a length.
void validateHeader(const AtomicBuffer& file, const std::string& path)
{
    if (file.capacity() < HEADER_LENGTH)
    {
        throw IllegalStateException("not a counters file (too short: " + std::to_string(file.capacity()) +
                                    " bytes): " + path);
    }
    const std::int64_t magic = file.getInt64(MAGIC_OFFSET);
    if (magic != MAGIC)
    {
        throw IllegalStateException("not a counters file (magic " + hex(magic) + "): " + path);
    }
    const std::int32_t version = file.getInt32Volatile(VERSION_OFFSET);
    if (version != VERSION)
    {
        throw IllegalStateException("counters file version " + std::to_string(version) + ", expected " +
                                    std::to_string(VERSION) + (version == 0 ? " (still being created?)" : "") + ": " +
                                    path);
    }
    const std::int64_t metadataLength = file.getInt32(METADATA_LENGTH_FIELD_OFFSET);
    const std::int64_t valuesLength = file.getInt32(VALUES_LENGTH_FIELD_OFFSET);
    const bool consistent = metadataLength >= 0 && valuesLength >= 0 &&
                            metadataLength % static_cast<std::int64_t>(METADATA_LENGTH) == 0 &&
                            valuesLength % static_cast<std::int64_t>(COUNTER_LENGTH) == 0 &&
                            metadataLength / static_cast<std::int64_t>(METADATA_LENGTH) ==
                                valuesLength / static_cast<std::int64_t>(COUNTER_LENGTH) &&
                            static_cast<std::size_t>(metadataLength + valuesLength) <= file.capacity() - HEADER_LENGTH;
    if (!consistent)
    {
        throw IllegalStateException("corrupt counters file header (metadata length " + std::to_string(metadataLength) +
                                    ", values length " + std::to_string(valuesLength) + ", file length " +
                                    std::to_string(file.capacity()) + "): " + path);
    }
}
} // namespace

CountersReader::CountersReader(const AtomicBuffer& metadataBuffer, const AtomicBuffer& valuesBuffer)
    : m_metadataBuffer(metadataBuffer), m_valuesBuffer(valuesBuffer),
      m_maxCounters(static_cast<std::int32_t>(valuesBuffer.capacity() / COUNTER_LENGTH))
{
    if (metadataBuffer.capacity() < static_cast<std::size_t>(m_maxCounters) * METADATA_LENGTH)
    {
        throw IllegalArgumentException(
            "counters metadata buffer too short: " + std::to_string(metadataBuffer.capacity()) + " bytes for " +
            std::to_string(m_maxCounters) + " counters");
    }
}

std::unique_ptr<CountersReader> CountersReader::open(const std::string& path)
{
    auto file = MemoryMappedFile::open(path, true);
    const AtomicBuffer buffer = file->buffer();
    validateHeader(buffer, path);
    const auto metadataLength = static_cast<std::size_t>(buffer.getInt32(METADATA_LENGTH_FIELD_OFFSET));
    const auto valuesLength = static_cast<std::size_t>(buffer.getInt32(VALUES_LENGTH_FIELD_OFFSET));
    auto reader =
        std::make_unique<CountersReader>(AtomicBuffer(buffer.buffer() + HEADER_LENGTH, metadataLength),
                                         AtomicBuffer(buffer.buffer() + HEADER_LENGTH + metadataLength, valuesLength));
    reader->m_ownerPid = buffer.getInt64(PID_OFFSET);
    reader->m_startTimestampMs = buffer.getInt64(START_TIMESTAMP_OFFSET);
    reader->adoptFile(std::move(file));
    return reader;
}

void CountersReader::adoptFile(std::unique_ptr<MemoryMappedFile> file) noexcept
{
    m_file = std::move(file);
}

void CountersReader::validateCounterId(std::int32_t counterId) const
{
    if (counterId < 0 || counterId >= m_maxCounters)
    {
        throw IllegalArgumentException("counter id " + std::to_string(counterId) + " out of range [0, " +
                                       std::to_string(m_maxCounters) + ")");
    }
}

std::int64_t CountersReader::getCounterValue(std::int32_t counterId) const
{
    validateCounterId(counterId);
    return m_valuesBuffer.getInt64Volatile(counterOffset(counterId) + VALUE_OFFSET);
}

std::int32_t CountersReader::stateVolatile(std::int32_t counterId) const
{
    return m_metadataBuffer.getInt32Volatile(metadataOffset(counterId) + STATE_OFFSET);
}

std::int32_t CountersReader::getCounterState(std::int32_t counterId) const
{
    validateCounterId(counterId);
    return stateVolatile(counterId);
}

std::int32_t CountersReader::getCounterTypeId(std::int32_t counterId) const
{
    validateCounterId(counterId);
    return m_metadataBuffer.getInt32(metadataOffset(counterId) + TYPE_ID_OFFSET);
}

std::int64_t CountersReader::getFreeForReuseDeadline(std::int32_t counterId) const
{
    validateCounterId(counterId);
    return m_metadataBuffer.getInt64Volatile(metadataOffset(counterId) + FREE_FOR_REUSE_DEADLINE_OFFSET);
}

std::string CountersReader::getCounterLabel(std::int32_t counterId) const
{
    validateCounterId(counterId);
    return std::string(labelView(counterId));
}

std::span<const std::uint8_t> CountersReader::getCounterKey(std::int32_t counterId) const
{
    validateCounterId(counterId);
    return keyView(counterId);
}

std::string_view CountersReader::labelView(std::int32_t counterId) const
{
    const std::size_t offset = metadataOffset(counterId);
    const std::int32_t storedLength = m_metadataBuffer.getInt32(offset + LABEL_LENGTH_OFFSET);
    const auto length = static_cast<std::size_t>(std::clamp<std::int32_t>(storedLength, 0, MAX_LABEL_LENGTH));
    return {reinterpret_cast<const char*>(m_metadataBuffer.buffer() + offset + LABEL_OFFSET), length};
}

std::span<const std::uint8_t> CountersReader::keyView(std::int32_t counterId) const
{
    return {m_metadataBuffer.buffer() + metadataOffset(counterId) + KEY_OFFSET, MAX_KEY_LENGTH};
}
} // namespace cox::util

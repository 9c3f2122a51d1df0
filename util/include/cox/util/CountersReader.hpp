#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::util
{
/// One allocated counter as seen by CountersReader::forEach. The views point into the counters
/// buffers and are valid only during the callback.
struct CounterMetadata
{
    std::int32_t id;
    std::int32_t typeId;
    std::span<const std::uint8_t> key;
    std::string_view label;
    std::int64_t value;
};

/// Reads counters laid out by CountersDescriptor: in process over the manager's buffers, or from
/// another process over a counters file mapped read-only (the counters viewer, the cluster tool).
/// Reads only; safe from any thread concurrently with the manager and the counters' writers.
class CountersReader
{
public:
    /// Over buffers owned elsewhere; the metadata buffer must hold METADATA_LENGTH per value slot.
    /// Throws IllegalArgumentException otherwise.
    CountersReader(const AtomicBuffer& metadataBuffer, const AtomicBuffer& valuesBuffer);

    virtual ~CountersReader() = default;
    CountersReader(const CountersReader&) = delete;
    CountersReader& operator=(const CountersReader&) = delete;

    /// Maps the counters file at path read-only. Throws IoException if it cannot be mapped and
    /// IllegalStateException if it is not a counters file, has another version, or is inconsistent.
    [[nodiscard]] static std::unique_ptr<CountersReader> open(const std::string& path);

    /// Number of counter slots; ids run from 0 to maxCounters() - 1.
    [[nodiscard]] std::int32_t maxCounters() const noexcept { return m_maxCounters; }

    /// Acquire load of the value. Throws IllegalArgumentException for an id out of range.
    [[nodiscard]] std::int64_t getCounterValue(std::int32_t counterId) const;
    [[nodiscard]] std::int32_t getCounterState(std::int32_t counterId) const;
    [[nodiscard]] std::int32_t getCounterTypeId(std::int32_t counterId) const;
    [[nodiscard]] std::int64_t getFreeForReuseDeadline(std::int32_t counterId) const;
    /// A copy of the label; its stored length is clamped to MAX_LABEL_LENGTH as it may come from
    /// another process.
    [[nodiscard]] std::string getCounterLabel(std::int32_t counterId) const;
    /// The whole key area (MAX_KEY_LENGTH bytes; the key's own layout depends on the type id).
    [[nodiscard]] std::span<const std::uint8_t> getCounterKey(std::int32_t counterId) const;

    /// Calls consumer(const CounterMetadata&) for every allocated counter in id order. Stops at the
    /// first never-used record: ids are handed out from the bottom, so none follow.
    template <typename Consumer> void forEach(Consumer&& consumer) const
    {
        for (std::int32_t id = 0; id < m_maxCounters; ++id)
        {
            const std::int32_t state = stateVolatile(id);
            if (state == CountersDescriptor::RECORD_UNUSED)
            {
                break;
            }
            if (state == CountersDescriptor::RECORD_ALLOCATED)
            {
                const std::size_t offset = CountersDescriptor::metadataOffset(id);
                const CounterMetadata metadata{id,
                                               m_metadataBuffer.getInt32(offset + CountersDescriptor::TYPE_ID_OFFSET),
                                               keyView(id), labelView(id), getCounterValue(id)};
                consumer(metadata);
            }
        }
    }

    [[nodiscard]] const AtomicBuffer& metadataBuffer() const noexcept { return m_metadataBuffer; }
    [[nodiscard]] const AtomicBuffer& valuesBuffer() const noexcept { return m_valuesBuffer; }

    /// From the file header: the owner's pid and start time, or -1 when not reading a file.
    [[nodiscard]] std::int64_t ownerPid() const noexcept { return m_ownerPid; }
    [[nodiscard]] std::int64_t startTimestampMs() const noexcept { return m_startTimestampMs; }

protected:
    /// Throws IllegalArgumentException unless 0 <= counterId < maxCounters().
    void validateCounterId(std::int32_t counterId) const;
    [[nodiscard]] std::int32_t stateVolatile(std::int32_t counterId) const;
    [[nodiscard]] std::string_view labelView(std::int32_t counterId) const;
    [[nodiscard]] std::span<const std::uint8_t> keyView(std::int32_t counterId) const;

    /// Adopts the mapping of a counters file whose header has been validated or written.
    void adoptFile(std::unique_ptr<MemoryMappedFile> file) noexcept;

    AtomicBuffer m_metadataBuffer;
    AtomicBuffer m_valuesBuffer;
    std::int32_t m_maxCounters;
    std::int64_t m_ownerPid = -1;
    std::int64_t m_startTimestampMs = -1;

private:
    std::unique_ptr<MemoryMappedFile> m_file;
};
} // namespace cox::util

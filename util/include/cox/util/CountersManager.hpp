#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cox/util/AtomicCounter.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/Position.hpp"

namespace cox::util
{
/// Allocates and frees counters in the buffers CountersDescriptor lays out: Agrona's CountersManager.
///
/// Allocation and freeing are set-up work and take a lock, so any thread may call them; the values
/// themselves are then written through AtomicCounter or Position handles without locks. A freed id is
/// reused only after freeToReuseTimeoutMs on the injected clock, so that a reader still holding the old
/// id (a tool, another process) has time to notice before the slot means something else.
class CountersManager : public CountersReader
{
public:
    static constexpr std::int64_t DEFAULT_FREE_TO_REUSE_TIMEOUT_MS = 1'000;

    /// Over zeroed buffers owned elsewhere. The clock must outlive the manager.
    CountersManager(const AtomicBuffer& metadataBuffer, const AtomicBuffer& valuesBuffer, const EpochClock& epochClock,
                    std::int64_t freeToReuseTimeoutMs = DEFAULT_FREE_TO_REUSE_TIMEOUT_MS);

    /// Creates (replacing any old one) the counters file at path with room for maxCounters counters,
    /// writes its header with this process's pid and the clock's time, and manages it.
    /// Throws IllegalArgumentException for maxCounters out of range, IoException if the file fails.
    [[nodiscard]] static std::unique_ptr<CountersManager>
    create(const std::string& path, std::int32_t maxCounters, const EpochClock& epochClock,
           std::int64_t freeToReuseTimeoutMs = DEFAULT_FREE_TO_REUSE_TIMEOUT_MS);

    /// Allocates a counter with value 0 and returns its id. The label is truncated to
    /// MAX_LABEL_LENGTH bytes. Throws IllegalArgumentException if the key exceeds MAX_KEY_LENGTH and
    /// IllegalStateException when no id is free.
    std::int32_t allocate(std::string_view label, std::int32_t typeId = CountersDescriptor::DEFAULT_TYPE_ID,
                          std::span<const std::uint8_t> key = {});

    /// allocate() and a handle on the new counter.
    AtomicCounter newCounter(std::string_view label, std::int32_t typeId = CountersDescriptor::DEFAULT_TYPE_ID,
                             std::span<const std::uint8_t> key = {});

    /// allocate() and a position handle on the new counter.
    Position newPosition(std::string_view label, std::int32_t typeId = CountersDescriptor::DEFAULT_TYPE_ID,
                         std::span<const std::uint8_t> key = {});

    /// Marks the counter reclaimed, reusable after the cool-down. Throws IllegalArgumentException if
    /// the id is not allocated.
    void free(std::int32_t counterId);

    /// Release store of a value, e.g. to initialise a counter before publishing its id.
    void setCounterValue(std::int32_t counterId, std::int64_t value);

    /// Ids that could be allocated right now (never used, or reclaimed and cooled down).
    [[nodiscard]] std::int32_t available() const;

private:
    std::int32_t nextCounterId();

    const EpochClock& m_epochClock;
    std::int64_t m_freeToReuseTimeoutMs;
    mutable std::mutex m_lock;
    std::int32_t m_highWaterMarkId = -1;
    // Reclaimed ids in the order freed, hence in order of deadline. Reserved to maxCounters up front
    // so free() never allocates.
    std::vector<std::int32_t> m_freeList;
};
} // namespace cox::util

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Exceptions.hpp"

/// Layout of a broadcast buffer (Agrona's BroadcastBufferDescriptor): a power-of-two ring of records
/// (see RecordDescriptor) followed by a trailer holding the transmitter's counters. Receivers only read.
namespace cox::util::BroadcastBufferDescriptor
{
/// Position the transmitter is about to write up to; a receiver's record is intact while its
/// position is within one capacity of this.
inline constexpr std::size_t TAIL_INTENT_COUNTER_OFFSET = 0;
/// Position up to which records are complete.
inline constexpr std::size_t TAIL_COUNTER_OFFSET = TAIL_INTENT_COUNTER_OFFSET + sizeof(std::int64_t);
/// Position of the most recent record, where a lapped receiver resumes.
inline constexpr std::size_t LATEST_COUNTER_OFFSET = TAIL_COUNTER_OFFSET + sizeof(std::int64_t);
inline constexpr std::size_t TRAILER_LENGTH = CACHE_LINE_LENGTH * 2;

/// Largest capacity whose positions and offsets fit the int32 record fields.
inline constexpr std::size_t MAX_CAPACITY = std::size_t{1} << 30;

/// Capacity of the record ring within buffer; throws IllegalArgumentException unless it is a power
/// of two and the buffer is 8-byte aligned (records are read and written as aligned words).
inline std::size_t checkCapacity(const AtomicBuffer& buffer)
{
    if (buffer.capacity() < TRAILER_LENGTH)
    {
        throw IllegalArgumentException("broadcast buffer too short for its trailer, length=" +
                                       std::to_string(buffer.capacity()));
    }
    const std::size_t capacity = buffer.capacity() - TRAILER_LENGTH;
    if (!isPowerOfTwo(capacity) || capacity > MAX_CAPACITY)
    {
        throw IllegalArgumentException("broadcast capacity must be a power of two no greater than 2^30 plus "
                                       "TRAILER_LENGTH, capacity=" + std::to_string(capacity));
    }
    if (reinterpret_cast<std::uintptr_t>(buffer.buffer()) % sizeof(std::int64_t) != 0)
    {
        throw IllegalArgumentException("broadcast buffer must be 8-byte aligned");
    }
    return capacity;
}
} // namespace cox::util::BroadcastBufferDescriptor

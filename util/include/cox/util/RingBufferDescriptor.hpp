#pragma once

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/RecordDescriptor.hpp"

namespace cox::util
{
/// What a controlledRead handler tells the ring buffer to do after seeing a message.
enum class ControlledReadAction
{
    /// Stop without consuming this message; it is delivered again by the next read.
    ABORT,
    /// Consume this message and stop.
    BREAK,
    /// Consume this message and everything before it now (advance the head), then continue.
    COMMIT,
    /// Consume this message and continue; the head advances when the read ends.
    CONTINUE,
};

/// Layout of a ring buffer (Agrona's RingBufferDescriptor): a power-of-two ring of records (see
/// RecordDescriptor) followed by a trailer. Each trailer field sits two cache lines from the next so
/// that producers and the consumer do not false-share, and adjacent-line prefetch does not pair them.
namespace RingBufferDescriptor
{
inline constexpr std::size_t TAIL_POSITION_OFFSET = CACHE_LINE_LENGTH * 2;
inline constexpr std::size_t HEAD_CACHE_POSITION_OFFSET = CACHE_LINE_LENGTH * 4;
inline constexpr std::size_t HEAD_POSITION_OFFSET = CACHE_LINE_LENGTH * 6;
inline constexpr std::size_t CORRELATION_COUNTER_OFFSET = CACHE_LINE_LENGTH * 8;
inline constexpr std::size_t CONSUMER_HEARTBEAT_OFFSET = CACHE_LINE_LENGTH * 10;
inline constexpr std::size_t TRAILER_LENGTH = CACHE_LINE_LENGTH * 12;

/// Returned by tryClaim when the ring has no room for the record.
inline constexpr std::int32_t INSUFFICIENT_CAPACITY = -2;

/// tryClaim returns an int32 index, so the ring must stay within int32 range.
inline constexpr std::size_t MAX_CAPACITY = std::size_t{1} << 30;

/// Capacity of the record ring within buffer; throws IllegalArgumentException unless it is a power
/// of two and the buffer is 8-byte aligned (the trailer holds 64-bit atomics).
inline std::size_t checkCapacity(const AtomicBuffer& buffer)
{
    if (buffer.capacity() < TRAILER_LENGTH)
    {
        throw IllegalArgumentException("ring buffer too short for its trailer, length=" +
                                       std::to_string(buffer.capacity()));
    }
    const std::size_t capacity = buffer.capacity() - TRAILER_LENGTH;
    if (!isPowerOfTwo(capacity) || capacity > MAX_CAPACITY)
    {
        throw IllegalArgumentException("ring buffer capacity must be a power of two no greater than 2^30 plus "
                                       "TRAILER_LENGTH, capacity=" + std::to_string(capacity));
    }
    if (reinterpret_cast<std::uintptr_t>(buffer.buffer()) % sizeof(std::int64_t) != 0)
    {
        throw IllegalArgumentException("ring buffer must be 8-byte aligned");
    }
    return capacity;
}
} // namespace RingBufferDescriptor

namespace detail
{
/// What OneToOneRingBuffer and ManyToOneRingBuffer share: the consumer side (one consumer only),
/// claim commit/abort, and the trailer counters. Only claiming space differs between them.
class RingBufferCore
{
public:
    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }

    /// Longest message write or tryClaim accepts: capacity / 8, as Agrona.
    [[nodiscard]] std::size_t maxMsgLength() const noexcept { return m_maxMsgLength; }

    [[nodiscard]] AtomicBuffer& buffer() noexcept { return m_buffer; }

    /// Unique across every user of this buffer (including other processes mapping it).
    [[nodiscard]] std::int64_t nextCorrelationId()
    {
        return m_buffer.getAndAddInt64(RingBufferDescriptor::CORRELATION_COUNTER_OFFSET + m_capacity, 1);
    }

    /// The consumer's liveness stamp, so producers can tell a stalled consumer from a busy one.
    void consumerHeartbeatTime(std::int64_t time)
    {
        m_buffer.putInt64Ordered(RingBufferDescriptor::CONSUMER_HEARTBEAT_OFFSET + m_capacity, time);
    }

    [[nodiscard]] std::int64_t consumerHeartbeatTime() const
    {
        return m_buffer.getInt64Volatile(RingBufferDescriptor::CONSUMER_HEARTBEAT_OFFSET + m_capacity);
    }

    [[nodiscard]] std::int64_t producerPosition() const { return m_buffer.getInt64Volatile(m_tailPositionIndex); }

    [[nodiscard]] std::int64_t consumerPosition() const { return m_buffer.getInt64Volatile(m_headPositionIndex); }

    /// Bytes claimed and not yet consumed, padding and headers included (records still being
    /// written by producers count too).
    [[nodiscard]] std::size_t size() const
    {
        // Re-read until the head is stable around the tail read so the difference is a real one.
        std::int64_t headAfter = consumerPosition();
        std::int64_t headBefore = 0;
        std::int64_t tail = 0;
        do
        {
            headBefore = headAfter;
            tail = producerPosition();
            headAfter = consumerPosition();
        } while (headAfter != headBefore);
        const std::int64_t size = tail - headAfter;
        return size <= 0 ? 0 : std::min(static_cast<std::size_t>(size), m_capacity);
    }

    /// Delivers up to messageCountLimit messages from the contiguous block at the head, then zeroes
    /// what was consumed and advances the head. Handler is
    /// `void(std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)`.
    /// A message whose handler throws counts as consumed. Throws IllegalStateException if a record's
    /// length is impossible (the buffer is corrupt, which no return code can recover from).
    template <typename Handler>
    int read(Handler&& handler, int messageCountLimit = INT_MAX)
    {
        ConsumedRegion consumed(*this);
        int messagesRead = 0;
        while (messagesRead < messageCountLimit)
        {
            const std::size_t recordIndex = consumed.headIndex + consumed.bytesRead;
            std::int32_t msgTypeId = 0;
            const std::int32_t recordLength = nextRecord(recordIndex, msgTypeId);
            if (recordLength <= 0)
            {
                break;
            }
            consumed.bytesRead += align(static_cast<std::size_t>(recordLength), RecordDescriptor::ALIGNMENT);
            if (msgTypeId == RecordDescriptor::PADDING_MSG_TYPE_ID)
            {
                continue;
            }
            ++messagesRead;
            handler(msgTypeId, m_buffer, RecordDescriptor::encodedMsgOffset(recordIndex),
                    static_cast<std::size_t>(recordLength) - RecordDescriptor::HEADER_LENGTH);
        }
        return messagesRead;
    }

    /// As read, with the handler returning a ControlledReadAction to abort, stop, or commit early.
    template <typename Handler>
    int controlledRead(Handler&& handler, int messageCountLimit = INT_MAX)
    {
        ConsumedRegion consumed(*this);
        int messagesRead = 0;
        while (messagesRead < messageCountLimit)
        {
            const std::size_t recordIndex = consumed.headIndex + consumed.bytesRead;
            std::int32_t msgTypeId = 0;
            const std::int32_t recordLength = nextRecord(recordIndex, msgTypeId);
            if (recordLength <= 0)
            {
                break;
            }
            const std::size_t alignedLength =
                align(static_cast<std::size_t>(recordLength), RecordDescriptor::ALIGNMENT);
            consumed.bytesRead += alignedLength;
            if (msgTypeId == RecordDescriptor::PADDING_MSG_TYPE_ID)
            {
                continue;
            }
            const ControlledReadAction action =
                handler(msgTypeId, m_buffer, RecordDescriptor::encodedMsgOffset(recordIndex),
                        static_cast<std::size_t>(recordLength) - RecordDescriptor::HEADER_LENGTH);
            if (action == ControlledReadAction::ABORT)
            {
                consumed.bytesRead -= alignedLength;
                break;
            }
            ++messagesRead;
            if (action == ControlledReadAction::BREAK)
            {
                break;
            }
            if (action == ControlledReadAction::COMMIT)
            {
                consumed.release();
            }
        }
        return messagesRead;
    }

    /// Publishes a record claimed by tryClaim; index is what tryClaim returned. Throws
    /// IllegalArgumentException for an index tryClaim cannot have returned and IllegalStateException if
    /// the claim was already committed or aborted (both are the caller's bug).
    void commit(std::int32_t index)
    {
        const std::size_t recordIndex = claimedRecordIndex(index);
        const std::int32_t negatedLength = claimedNegatedLength(recordIndex);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(recordIndex), -negatedLength);
    }

    /// Turns a claimed record into padding the consumer skips.
    void abort(std::int32_t index)
    {
        const std::size_t recordIndex = claimedRecordIndex(index);
        const std::int32_t negatedLength = claimedNegatedLength(recordIndex);
        m_buffer.putInt32(RecordDescriptor::typeOffset(recordIndex), RecordDescriptor::PADDING_MSG_TYPE_ID);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(recordIndex), -negatedLength);
    }

protected:
    explicit RingBufferCore(const AtomicBuffer& buffer)
        : m_buffer(buffer),
          m_capacity(RingBufferDescriptor::checkCapacity(buffer)),
          m_mask(m_capacity - 1),
          m_maxMsgLength(m_capacity / 8),
          m_tailPositionIndex(m_capacity + RingBufferDescriptor::TAIL_POSITION_OFFSET),
          m_headCachePositionIndex(m_capacity + RingBufferDescriptor::HEAD_CACHE_POSITION_OFFSET),
          m_headPositionIndex(m_capacity + RingBufferDescriptor::HEAD_POSITION_OFFSET)
    {
    }

    ~RingBufferCore() = default;
    RingBufferCore(const RingBufferCore&) = delete;
    RingBufferCore& operator=(const RingBufferCore&) = delete;

    /// Oversize messages are the caller's bug (it can ask maxMsgLength first), so they throw as in
    /// Agrona rather than returning false, which would read as back pressure and be retried forever.
    void checkMsgLength(std::size_t length) const
    {
        if (length > m_maxMsgLength)
        {
            throw IllegalArgumentException("message length " + std::to_string(length) + " exceeds maxMsgLength " +
                                           std::to_string(m_maxMsgLength));
        }
    }

    AtomicBuffer m_buffer;
    const std::size_t m_capacity;
    const std::size_t m_mask;
    const std::size_t m_maxMsgLength;
    const std::size_t m_tailPositionIndex;
    const std::size_t m_headCachePositionIndex;
    const std::size_t m_headPositionIndex;

private:
    /// The consumer's progress through one read; its destructor zeroes the consumed bytes (so
    /// producers always write into zeroed memory and the consumer stops at a zero length) and then
    /// publishes the head, also when a handler throws.
    struct ConsumedRegion
    {
        explicit ConsumedRegion(RingBufferCore& ring)
            : owner(ring),
              head(ring.m_buffer.getInt64(ring.m_headPositionIndex)),
              headIndex(static_cast<std::size_t>(head) & ring.m_mask)
        {
        }
        ~ConsumedRegion() { release(); }
        ConsumedRegion(const ConsumedRegion&) = delete;
        ConsumedRegion& operator=(const ConsumedRegion&) = delete;

        void release()
        {
            if (bytesRead > 0)
            {
                owner.m_buffer.setMemory(headIndex, bytesRead, 0);
                head += static_cast<std::int64_t>(bytesRead);
                owner.m_buffer.putInt64Ordered(owner.m_headPositionIndex, head);
                headIndex += bytesRead;
                bytesRead = 0;
            }
        }

        RingBufferCore& owner;
        std::int64_t head;
        std::size_t headIndex;
        std::size_t bytesRead = 0;
    };

    /// Length of the record at recordIndex (0 or negative if none is complete there yet), reading
    /// its type into msgTypeId. A read never crosses the end of the buffer; the padding record that
    /// fills the gap is consumed and the next read starts at index 0.
    std::int32_t nextRecord(std::size_t recordIndex, std::int32_t& msgTypeId) const
    {
        if (recordIndex >= m_capacity)
        {
            return 0;
        }
        const std::int32_t recordLength = m_buffer.getInt32Volatile(RecordDescriptor::lengthOffset(recordIndex));
        if (recordLength <= 0)
        {
            return recordLength;
        }
        // The buffer may be shared with other processes: never hand out a length beyond the buffer.
        if (static_cast<std::size_t>(recordLength) < RecordDescriptor::HEADER_LENGTH ||
            static_cast<std::size_t>(recordLength) > m_capacity - recordIndex)
        {
            throw IllegalStateException("ring buffer corrupt: record length " + std::to_string(recordLength) +
                                        " at index " + std::to_string(recordIndex));
        }
        msgTypeId = m_buffer.getInt32(RecordDescriptor::typeOffset(recordIndex));
        return recordLength;
    }

    std::size_t claimedRecordIndex(std::int32_t index) const
    {
        const auto hdr = static_cast<std::int64_t>(RecordDescriptor::HEADER_LENGTH);
        if (index < hdr || index > static_cast<std::int64_t>(m_capacity) ||
            (index - hdr) % static_cast<std::int64_t>(RecordDescriptor::ALIGNMENT) != 0)
        {
            throw IllegalArgumentException("invalid claimed index " + std::to_string(index));
        }
        return static_cast<std::size_t>(index - hdr);
    }

    std::int32_t claimedNegatedLength(std::size_t recordIndex) const
    {
        const std::int32_t length = m_buffer.getInt32Volatile(RecordDescriptor::lengthOffset(recordIndex));
        if (length >= 0)
        {
            throw IllegalStateException("claimed space at index " + std::to_string(recordIndex) +
                                        " was already committed or aborted, length=" + std::to_string(length));
        }
        return length;
    }
};
} // namespace detail
} // namespace cox::util

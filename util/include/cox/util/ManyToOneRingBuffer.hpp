#pragma once

#include <cstddef>
#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/RecordDescriptor.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace cox::util
{
/// A ring buffer for any number of producer threads (or processes) and one consumer (Agrona's
/// ManyToOneRingBuffer), over memory it does not own: capacity (a power of two) plus
/// RingBufferDescriptor::TRAILER_LENGTH, zeroed before first use.
///
/// Producers claim space by compare-and-set on the tail, mark the record in progress with a
/// negative length, and publish it by storing the positive length last with release semantics, so
/// the consumer never sees a partial record. Same API and error rules as OneToOneRingBuffer.
class ManyToOneRingBuffer : public detail::RingBufferCore
{
public:
    explicit ManyToOneRingBuffer(const AtomicBuffer& buffer) : RingBufferCore(buffer) {}

    /// Copies src[index, index + length) into the ring as one message; false if the ring is full.
    [[nodiscard]] bool write(std::int32_t msgTypeId, const AtomicBuffer& src, std::size_t index, std::size_t length)
    {
        RecordDescriptor::checkTypeId(msgTypeId);
        checkMsgLength(length);
        const std::size_t recordLength = length + RecordDescriptor::HEADER_LENGTH;
        const std::int64_t recordIndex = claimCapacity(recordLength);
        if (recordIndex < 0)
        {
            return false;
        }
        const auto at = static_cast<std::size_t>(recordIndex);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(at), -static_cast<std::int32_t>(recordLength));
        m_buffer.putBytes(RecordDescriptor::encodedMsgOffset(at), src, index, length);
        m_buffer.putInt32(RecordDescriptor::typeOffset(at), msgTypeId);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(at), static_cast<std::int32_t>(recordLength));
        return true;
    }

    /// Claims length bytes for the caller to encode in place at the returned index of buffer(), or
    /// returns INSUFFICIENT_CAPACITY. The claim must be followed by commit(index) or abort(index).
    [[nodiscard]] std::int32_t tryClaim(std::int32_t msgTypeId, std::size_t length)
    {
        RecordDescriptor::checkTypeId(msgTypeId);
        checkMsgLength(length);
        const std::size_t recordLength = length + RecordDescriptor::HEADER_LENGTH;
        const std::int64_t recordIndex = claimCapacity(recordLength);
        if (recordIndex < 0)
        {
            return RingBufferDescriptor::INSUFFICIENT_CAPACITY;
        }
        const auto at = static_cast<std::size_t>(recordIndex);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(at), -static_cast<std::int32_t>(recordLength));
        m_buffer.putInt32(RecordDescriptor::typeOffset(at), msgTypeId);
        return static_cast<std::int32_t>(RecordDescriptor::encodedMsgOffset(at));
    }

    /// For the consumer, when a producer died between claiming and publishing (judged by the caller,
    /// e.g. from a stalled consumer position): turns the blocking record at the head into padding so
    /// reading can continue. Returns true if it did. Calling it while a live producer is merely slow
    /// corrupts that producer's message, as in Agrona.
    bool unblock()
    {
        const std::int64_t head = m_buffer.getInt64Volatile(m_headPositionIndex);
        const std::int64_t tail = m_buffer.getInt64Volatile(m_tailPositionIndex);
        if (head == tail)
        {
            return false;
        }
        const std::size_t consumerIndex = static_cast<std::size_t>(head) & m_mask;
        const std::size_t producerIndex = static_cast<std::size_t>(tail) & m_mask;
        const std::int32_t length = m_buffer.getInt32Volatile(RecordDescriptor::lengthOffset(consumerIndex));
        if (length < 0)
        {
            // Claimed and header started: its length is known.
            makePadding(consumerIndex, -length);
            return true;
        }
        if (length > 0)
        {
            return false;
        }
        // Claimed but not even the header written: find where the next record starts.
        const std::size_t limit = producerIndex > consumerIndex ? producerIndex : m_capacity;
        for (std::size_t i = consumerIndex + RecordDescriptor::ALIGNMENT; i < limit; i += RecordDescriptor::ALIGNMENT)
        {
            if (m_buffer.getInt32Volatile(RecordDescriptor::lengthOffset(i)) != 0)
            {
                if (!stillZeroed(consumerIndex, i))
                {
                    return false;
                }
                makePadding(consumerIndex, static_cast<std::int32_t>(i - consumerIndex));
                return true;
            }
        }
        return false;
    }

private:
    /// Reserves an aligned record at the tail by compare-and-set, inserting a padding record when it
    /// would not fit before the end of the buffer; returns its index or INSUFFICIENT_CAPACITY.
    std::int64_t claimCapacity(std::size_t recordLength)
    {
        const std::size_t alignedLength = align(recordLength, RecordDescriptor::ALIGNMENT);
        const auto required = static_cast<std::int64_t>(alignedLength);
        const auto capacity = static_cast<std::int64_t>(m_capacity);
        // A stale head cache only under-reports free space, so it is safe to start from it.
        std::int64_t head = m_buffer.getInt64Volatile(m_headCachePositionIndex);
        std::int64_t tail = 0;
        std::size_t tailIndex = 0;
        std::size_t padding = 0;
        do
        {
            tail = m_buffer.getInt64Volatile(m_tailPositionIndex);
            if (required > capacity - (tail - head))
            {
                head = m_buffer.getInt64Volatile(m_headPositionIndex);
                if (required > capacity - (tail - head))
                {
                    return RingBufferDescriptor::INSUFFICIENT_CAPACITY;
                }
                m_buffer.putInt64Ordered(m_headCachePositionIndex, head);
            }

            padding = 0;
            tailIndex = static_cast<std::size_t>(tail) & m_mask;
            const std::size_t toBufferEnd = m_capacity - tailIndex;
            if (alignedLength > toBufferEnd)
            {
                std::size_t headIndex = static_cast<std::size_t>(head) & m_mask;
                if (alignedLength > headIndex)
                {
                    head = m_buffer.getInt64Volatile(m_headPositionIndex);
                    headIndex = static_cast<std::size_t>(head) & m_mask;
                    if (alignedLength > headIndex)
                    {
                        return RingBufferDescriptor::INSUFFICIENT_CAPACITY;
                    }
                    m_buffer.putInt64Ordered(m_headCachePositionIndex, head);
                }
                padding = toBufferEnd;
            }
        } while (!m_buffer.compareAndSetInt64(m_tailPositionIndex, tail, tail + required +
                                                                           static_cast<std::int64_t>(padding)));

        if (padding != 0)
        {
            const auto paddingLength = static_cast<std::int32_t>(padding);
            m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(tailIndex), -paddingLength);
            m_buffer.putInt32(RecordDescriptor::typeOffset(tailIndex), RecordDescriptor::PADDING_MSG_TYPE_ID);
            m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(tailIndex), paddingLength);
            tailIndex = 0;
        }
        return static_cast<std::int64_t>(tailIndex);
    }

    void makePadding(std::size_t recordIndex, std::int32_t length)
    {
        m_buffer.putInt32(RecordDescriptor::typeOffset(recordIndex), RecordDescriptor::PADDING_MSG_TYPE_ID);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(recordIndex), length);
    }

    /// The gap before a record found by unblock's scan must still be all zero, or a producer is
    /// writing into it after all.
    bool stillZeroed(std::size_t from, std::size_t to) const
    {
        for (std::size_t i = from; i < to; i += RecordDescriptor::ALIGNMENT)
        {
            if (m_buffer.getInt64Volatile(i) != 0)
            {
                return false;
            }
        }
        return true;
    }
};
} // namespace cox::util

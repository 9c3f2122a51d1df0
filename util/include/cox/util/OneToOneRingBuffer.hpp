#pragma once

#include <cstddef>
#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/RecordDescriptor.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace cox::util
{
/// A ring buffer for one producer thread and one consumer thread (Agrona's OneToOneRingBuffer) over
/// memory it does not own: capacity (a power of two) plus RingBufferDescriptor::TRAILER_LENGTH,
/// zeroed before first use. Producers and the consumer may be in different processes.
///
/// Producer calls: write, tryClaim/commit/abort. Consumer calls: read, controlledRead. Neither
/// allocates; a full ring is a return code. Bad type ids and oversize messages throw
/// IllegalArgumentException (the caller's bug).
class OneToOneRingBuffer : public detail::RingBufferCore
{
public:
    explicit OneToOneRingBuffer(const AtomicBuffer& buffer) : RingBufferCore(buffer) {}

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
        // The consumer stops at the zero length it finds here until the release store below.
        const auto at = static_cast<std::size_t>(recordIndex);
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
        // A negative length marks the claim as open, which commit and abort check.
        const auto at = static_cast<std::size_t>(recordIndex);
        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(at), -static_cast<std::int32_t>(recordLength));
        m_buffer.putInt32(RecordDescriptor::typeOffset(at), msgTypeId);
        return static_cast<std::int32_t>(RecordDescriptor::encodedMsgOffset(at));
    }

    /// A single producer cannot leave another producer's record half written, so there is never
    /// anything to unblock.
    [[nodiscard]] bool unblock() noexcept { return false; }

private:
    /// Reserves an aligned record at the tail, inserting a padding record when it would not fit
    /// before the end of the buffer; returns its index or INSUFFICIENT_CAPACITY.
    std::int64_t claimCapacity(std::size_t recordLength)
    {
        const std::size_t alignedLength = align(recordLength, RecordDescriptor::ALIGNMENT);
        const auto required = static_cast<std::int64_t>(alignedLength);
        const auto capacity = static_cast<std::int64_t>(m_capacity);
        // Only this producer writes the tail and the head cache, so plain reads suffice for them.
        const std::int64_t tail = m_buffer.getInt64(m_tailPositionIndex);
        std::int64_t head = m_buffer.getInt64(m_headCachePositionIndex);
        if (required > capacity - (tail - head))
        {
            head = m_buffer.getInt64Volatile(m_headPositionIndex);
            if (required > capacity - (tail - head))
            {
                return RingBufferDescriptor::INSUFFICIENT_CAPACITY;
            }
            m_buffer.putInt64(m_headCachePositionIndex, head);
        }

        std::size_t recordIndex = static_cast<std::size_t>(tail) & m_mask;
        const std::size_t toBufferEnd = m_capacity - recordIndex;
        std::size_t padding = 0;
        if (alignedLength > toBufferEnd)
        {
            // Wrapping: the record goes at index 0, which the consumer must already have left.
            std::size_t headIndex = static_cast<std::size_t>(head) & m_mask;
            if (alignedLength > headIndex)
            {
                head = m_buffer.getInt64Volatile(m_headPositionIndex);
                headIndex = static_cast<std::size_t>(head) & m_mask;
                if (alignedLength > headIndex)
                {
                    return RingBufferDescriptor::INSUFFICIENT_CAPACITY;
                }
                m_buffer.putInt64(m_headCachePositionIndex, head);
            }
            padding = toBufferEnd;
            m_buffer.putInt32(RecordDescriptor::typeOffset(recordIndex), RecordDescriptor::PADDING_MSG_TYPE_ID);
            m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(recordIndex), static_cast<std::int32_t>(padding));
            recordIndex = 0;
        }
        m_buffer.putInt64Ordered(m_tailPositionIndex, tail + required + static_cast<std::int64_t>(padding));
        return static_cast<std::int64_t>(recordIndex);
    }
};
} // namespace cox::util

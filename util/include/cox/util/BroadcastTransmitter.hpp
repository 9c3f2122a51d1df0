#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/BroadcastBufferDescriptor.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/RecordDescriptor.hpp"

namespace cox::util
{
/// Writes messages into a broadcast buffer for any number of BroadcastReceivers (Agrona's
/// BroadcastTransmitter). There is one transmitter and it never waits: receivers that fall more than
/// a capacity behind are lapped and find out when they next receive or validate.
///
/// Records are written as 32-bit and 64-bit release stores rather than memcpy, because receivers read
/// them while a later lap may be overwriting them (a seqlock); atomic accesses keep that race defined
/// and let TSan check the rest.
class BroadcastTransmitter
{
public:
    explicit BroadcastTransmitter(const AtomicBuffer& buffer)
        : m_buffer(buffer),
          m_capacity(BroadcastBufferDescriptor::checkCapacity(buffer)),
          m_maxMsgLength(m_capacity / 8),
          m_tailIntentCounterIndex(m_capacity + BroadcastBufferDescriptor::TAIL_INTENT_COUNTER_OFFSET),
          m_tailCounterIndex(m_capacity + BroadcastBufferDescriptor::TAIL_COUNTER_OFFSET),
          m_latestCounterIndex(m_capacity + BroadcastBufferDescriptor::LATEST_COUNTER_OFFSET)
    {
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
    [[nodiscard]] std::size_t maxMsgLength() const noexcept { return m_maxMsgLength; }
    [[nodiscard]] AtomicBuffer& buffer() noexcept { return m_buffer; }

    /// Broadcasts src[index, index + length). Throws IllegalArgumentException for a type id below 1
    /// or a length above maxMsgLength (the caller's bug).
    void transmit(std::int32_t msgTypeId, const AtomicBuffer& src, std::size_t index, std::size_t length)
    {
        RecordDescriptor::checkTypeId(msgTypeId);
        if (length > m_maxMsgLength)
        {
            throw IllegalArgumentException("message length " + std::to_string(length) + " exceeds maxMsgLength " +
                                           std::to_string(m_maxMsgLength));
        }
        src.boundsCheck(index, length);

        std::int64_t currentTail = m_buffer.getInt64(m_tailCounterIndex);
        std::size_t recordOffset = static_cast<std::size_t>(currentTail) & (m_capacity - 1);
        const std::size_t recordLength = RecordDescriptor::HEADER_LENGTH + length;
        const std::size_t alignedLength = align(recordLength, RecordDescriptor::ALIGNMENT);
        const std::size_t toBufferEnd = m_capacity - recordOffset;

        // The intent goes out before any byte of the old lap is overwritten; every store after it is
        // a release store, so a receiver that reads any new byte also sees the new intent.
        if (toBufferEnd < alignedLength)
        {
            signalTailIntent(currentTail + static_cast<std::int64_t>(toBufferEnd + alignedLength));
            m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(recordOffset),
                                     static_cast<std::int32_t>(toBufferEnd));
            m_buffer.putInt32Ordered(RecordDescriptor::typeOffset(recordOffset), RecordDescriptor::PADDING_MSG_TYPE_ID);
            currentTail += static_cast<std::int64_t>(toBufferEnd);
            recordOffset = 0;
        }
        else
        {
            signalTailIntent(currentTail + static_cast<std::int64_t>(alignedLength));
        }

        m_buffer.putInt32Ordered(RecordDescriptor::lengthOffset(recordOffset), static_cast<std::int32_t>(recordLength));
        m_buffer.putInt32Ordered(RecordDescriptor::typeOffset(recordOffset), msgTypeId);
        copyPayload(RecordDescriptor::encodedMsgOffset(recordOffset), src.buffer() + index, length);

        m_buffer.putInt64Ordered(m_latestCounterIndex, currentTail);
        m_buffer.putInt64Ordered(m_tailCounterIndex, currentTail + static_cast<std::int64_t>(alignedLength));
    }

private:
    void signalTailIntent(std::int64_t newTail) { m_buffer.putInt64Ordered(m_tailIntentCounterIndex, newTail); }

    /// Word by word; the last word's bytes past length are the record's own alignment padding.
    void copyPayload(std::size_t offset, const std::uint8_t* src, std::size_t length)
    {
        std::size_t copied = 0;
        for (; copied + sizeof(std::int64_t) <= length; copied += sizeof(std::int64_t))
        {
            std::int64_t word;
            std::memcpy(&word, src + copied, sizeof(word));
            m_buffer.putInt64Ordered(offset + copied, word);
        }
        if (copied < length)
        {
            std::int64_t word = 0;
            std::memcpy(&word, src + copied, length - copied);
            m_buffer.putInt64Ordered(offset + copied, word);
        }
    }

    AtomicBuffer m_buffer;
    const std::size_t m_capacity;
    const std::size_t m_maxMsgLength;
    const std::size_t m_tailIntentCounterIndex;
    const std::size_t m_tailCounterIndex;
    const std::size_t m_latestCounterIndex;
};
} // namespace cox::util

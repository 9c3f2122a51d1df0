#pragma once

#include <cstddef>
#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/BroadcastBufferDescriptor.hpp"
#include "cox/util/RecordDescriptor.hpp"

namespace cox::util
{
/// Reads the messages of one BroadcastTransmitter (Agrona's BroadcastReceiver); each receiver keeps
/// its own cursor. A new receiver starts at the transmitter's most recent message.
///
/// The transmitter never waits, so the record a receiver is looking at can be overwritten by the
/// next lap at any moment: read it, then call validate(); if validate() is false, discard what was
/// read. A receiver found to be lapped skips to the latest message and counts it in lappedCount().
/// Readers on another thread than the transmitter should prefer CopyBroadcastReceiver, which copies
/// with atomic loads; plain reads of a record being overwritten are a data race in C++ terms.
class BroadcastReceiver
{
public:
    explicit BroadcastReceiver(const AtomicBuffer& buffer)
        : m_buffer(buffer),
          m_capacity(BroadcastBufferDescriptor::checkCapacity(buffer)),
          m_mask(m_capacity - 1),
          m_maxMsgLength(m_capacity / 8),
          m_tailIntentCounterIndex(m_capacity + BroadcastBufferDescriptor::TAIL_INTENT_COUNTER_OFFSET),
          m_tailCounterIndex(m_capacity + BroadcastBufferDescriptor::TAIL_COUNTER_OFFSET),
          m_latestCounterIndex(m_capacity + BroadcastBufferDescriptor::LATEST_COUNTER_OFFSET),
          m_nextRecord(m_buffer.getInt64Volatile(m_latestCounterIndex)),
          m_cursor(m_nextRecord)
    {
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
    [[nodiscard]] std::size_t maxMsgLength() const noexcept { return m_maxMsgLength; }
    [[nodiscard]] AtomicBuffer& buffer() noexcept { return m_buffer; }

    /// Times this receiver was lapped and skipped messages.
    [[nodiscard]] std::int64_t lappedCount() const noexcept { return m_lappedCount; }

    /// Type id of the current message (valid after receiveNext returned true).
    [[nodiscard]] std::int32_t typeId() const noexcept { return m_typeId; }

    /// Index in buffer() of the current message's first byte.
    [[nodiscard]] std::size_t offset() const noexcept { return RecordDescriptor::encodedMsgOffset(m_recordOffset); }

    /// Length of the current message in bytes.
    [[nodiscard]] std::size_t length() const noexcept { return m_length; }

    /// Moves to the next message if there is one. Its header is checked to be intact before this
    /// returns true; its body must be checked with validate() after reading it.
    bool receiveNext()
    {
        const std::int64_t tail = m_buffer.getInt64Volatile(m_tailCounterIndex);
        std::int64_t cursor = m_nextRecord;
        if (tail <= cursor)
        {
            return false;
        }
        if (!isIntact(cursor))
        {
            ++m_lappedCount;
            cursor = m_buffer.getInt64Volatile(m_latestCounterIndex);
        }

        const std::int64_t firstRecord = cursor;
        std::size_t recordOffset = static_cast<std::size_t>(cursor) & m_mask;
        std::int32_t recordLength = m_buffer.getInt32Volatile(RecordDescriptor::lengthOffset(recordOffset));
        std::int32_t typeId = m_buffer.getInt32Volatile(RecordDescriptor::typeOffset(recordOffset));
        if (typeId == RecordDescriptor::PADDING_MSG_TYPE_ID)
        {
            cursor += recordLength;
            recordOffset = 0;
            recordLength = m_buffer.getInt32Volatile(RecordDescriptor::lengthOffset(recordOffset));
            typeId = m_buffer.getInt32Volatile(RecordDescriptor::typeOffset(recordOffset));
        }

        // The headers were read with acquire loads, so this check sees any intent that overwrote them.
        if (!isIntact(firstRecord) || !isPlausible(recordOffset, recordLength))
        {
            ++m_lappedCount;
            m_nextRecord = m_buffer.getInt64Volatile(m_latestCounterIndex);
            return false;
        }

        m_cursor = cursor;
        m_recordOffset = recordOffset;
        m_typeId = typeId;
        m_length = static_cast<std::size_t>(recordLength) - RecordDescriptor::HEADER_LENGTH;
        m_nextRecord = cursor + static_cast<std::int64_t>(
                                    align(static_cast<std::size_t>(recordLength), RecordDescriptor::ALIGNMENT));
        return true;
    }

    /// True if the current message was not overwritten while it was being read; call after reading.
    [[nodiscard]] bool validate() const
    {
#if !defined(__SANITIZE_THREAD__)
        // Keeps the caller's earlier (possibly plain) reads of the message before the intent load.
        // TSan does not model fences; the atomic loads CopyBroadcastReceiver uses need none.
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
        return isIntact(m_cursor);
    }

private:
    /// Writing up to intent overwrites what lay at positions below intent - capacity, so a record
    /// starting at position is intact while position + capacity >= intent (Agrona's > gives up one
    /// record early, when the transmitter has only reached the record's start).
    [[nodiscard]] bool isIntact(std::int64_t position) const
    {
        return position + static_cast<std::int64_t>(m_capacity) >=
            m_buffer.getInt64Volatile(m_tailIntentCounterIndex);
    }

    /// An intact header always passes; this guards against memory corrupted by another process.
    [[nodiscard]] bool isPlausible(std::size_t recordOffset, std::int32_t recordLength) const
    {
        return recordLength >= static_cast<std::int32_t>(RecordDescriptor::HEADER_LENGTH) &&
            static_cast<std::size_t>(recordLength) <= RecordDescriptor::HEADER_LENGTH + m_maxMsgLength &&
            align(static_cast<std::size_t>(recordLength), RecordDescriptor::ALIGNMENT) <= m_capacity - recordOffset;
    }

    AtomicBuffer m_buffer;
    const std::size_t m_capacity;
    const std::size_t m_mask;
    const std::size_t m_maxMsgLength;
    const std::size_t m_tailIntentCounterIndex;
    const std::size_t m_tailCounterIndex;
    const std::size_t m_latestCounterIndex;
    std::int64_t m_nextRecord;
    std::int64_t m_cursor;
    std::size_t m_recordOffset = 0;
    std::int32_t m_typeId = 0;
    std::size_t m_length = 0;
    std::int64_t m_lappedCount = 0;
};
} // namespace cox::util

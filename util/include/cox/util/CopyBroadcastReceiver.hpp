#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BroadcastReceiver.hpp"

namespace cox::util
{
/// Receives broadcast messages by copying each into a scratch buffer and validating the copy before
/// handing it to the handler, so a handler never sees a message that was overwritten mid-read
/// (Agrona's CopyBroadcastReceiver).
///
/// Unlike Agrona, which throws IllegalStateException when the receiver has been lapped, receive()
/// returns LAPPED: falling behind a fast transmitter is an expected condition on a hot path, not a
/// programmer error. After LAPPED, receiving continues from the newest message, which is delivered
/// by the next call (Agrona drops it, which can leave a receiver without the last message sent).
class CopyBroadcastReceiver
{
public:
    /// Messages were lost since the previous call; nothing was delivered.
    static constexpr int LAPPED = -1;

    /// Allocates a scratch buffer of receiver.maxMsgLength() bytes (set-up time only).
    explicit CopyBroadcastReceiver(BroadcastReceiver& receiver)
        : m_receiver(receiver),
          m_scratchMemory((receiver.maxMsgLength() + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t) + 1),
          m_scratch(m_scratchMemory.data(), receiver.maxMsgLength())
    {
    }

    CopyBroadcastReceiver(const CopyBroadcastReceiver&) = delete;
    CopyBroadcastReceiver& operator=(const CopyBroadcastReceiver&) = delete;

    [[nodiscard]] std::int64_t lappedCount() const noexcept { return m_receiver.lappedCount(); }

    /// Delivers at most one message to
    /// `handler(std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)`.
    /// Returns 1 if it delivered one, 0 if there was none, LAPPED if messages were lost (nothing was
    /// delivered by this call).
    template <typename Handler>
    int receive(Handler&& handler)
    {
        if (m_deliverCurrent)
        {
            m_deliverCurrent = false;
        }
        else
        {
            const std::int64_t lappedBefore = m_receiver.lappedCount();
            if (!m_receiver.receiveNext())
            {
                return m_receiver.lappedCount() != lappedBefore ? LAPPED : 0;
            }
            if (m_receiver.lappedCount() != lappedBefore)
            {
                // The receiver skipped to the newest message; report the loss now, deliver it next.
                m_deliverCurrent = true;
                return LAPPED;
            }
        }

        const std::size_t length = m_receiver.length();
        const std::int32_t msgTypeId = m_receiver.typeId();
        copyToScratch(m_receiver.offset(), length);
        if (!m_receiver.validate())
        {
            return LAPPED;
        }
        handler(msgTypeId, m_scratch, std::size_t{0}, length);
        return 1;
    }

private:
    /// Acquire loads of whole words (records are 8-byte aligned, and the last word stays inside the
    /// record's padding), so the copy races defined-ly with a transmitter lapping this receiver.
    void copyToScratch(std::size_t offset, std::size_t length)
    {
        const AtomicBuffer& source = m_receiver.buffer();
        auto* dst = reinterpret_cast<std::uint8_t*>(m_scratchMemory.data());
        for (std::size_t copied = 0; copied < length; copied += sizeof(std::int64_t))
        {
            const std::int64_t word = source.getInt64Volatile(offset + copied);
            std::memcpy(dst + copied, &word, sizeof(word));
        }
    }

    BroadcastReceiver& m_receiver;
    // One spare word so the last whole-word copy never runs past the scratch memory.
    std::vector<std::uint64_t> m_scratchMemory;
    AtomicBuffer m_scratch;
    bool m_deliverCurrent = false;
};
} // namespace cox::util

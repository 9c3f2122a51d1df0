#pragma once

#include <atomic>
#include <cstdint>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Writes DATA headers of one stream into a term (Aeron's HeaderWriter), following the frame publication
/// protocol: frame_length = -length first (release), so a scanning reader or the unblocker sees the slot
/// as claimed and in progress, then the rest of the header. The caller stores the positive length last.
class HeaderWriter
{
public:
    using DataHeaderFlyweight = codecs::frames::DataHeaderFlyweight;

    HeaderWriter(std::int32_t sessionId, std::int32_t streamId) noexcept : m_sessionId(sessionId), m_streamId(streamId) {}

    /// From the default header template kept in a log's metadata.
    static HeaderWriter fromDefaultHeader(const util::AtomicBuffer& defaultHeader)
    {
        return {
            defaultHeader.getInt32(DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET),
            defaultHeader.getInt32(DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET)};
    }

    void write(util::AtomicBuffer& termBuffer, std::int32_t offset, std::int32_t length, std::int32_t termId) const
    {
        FrameDescriptor::frameLengthOrdered(termBuffer, offset, -length);
        // Keeps the header stores below from becoming visible before the in-progress mark, for the driver's
        // unblocker. Readers of data do not depend on it (they wait for the positive length), and TSan cannot
        // model fences, so its build leaves it out.
#if !defined(__SANITIZE_THREAD__)
        std::atomic_thread_fence(std::memory_order_release);
#endif
        const auto base = static_cast<std::size_t>(offset);
        termBuffer.putUInt8(base + DataHeaderFlyweight::VERSION_FIELD_OFFSET, DataHeaderFlyweight::CURRENT_VERSION);
        termBuffer.putUInt8(base + DataHeaderFlyweight::FLAGS_FIELD_OFFSET, DataHeaderFlyweight::BEGIN_AND_END_FLAGS);
        termBuffer.putUInt16(base + DataHeaderFlyweight::TYPE_FIELD_OFFSET, DataHeaderFlyweight::HDR_TYPE_DATA);
        termBuffer.putInt32(base + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET, offset);
        termBuffer.putInt32(base + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, m_sessionId);
        termBuffer.putInt32(base + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET, m_streamId);
        termBuffer.putInt32(base + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET, termId);
    }

    [[nodiscard]] std::int32_t sessionId() const noexcept { return m_sessionId; }
    [[nodiscard]] std::int32_t streamId() const noexcept { return m_streamId; }

private:
    std::int32_t m_sessionId;
    std::int32_t m_streamId;
};
} // namespace cox::transport

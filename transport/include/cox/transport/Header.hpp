#pragma once

#include <cstdint>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// A view of the frame a fragment handler is being given (Aeron's Header). Valid only during the
/// callback: the term buffer behind it is reused as the log rotates.
class Header
{
public:
    using DataHeaderFlyweight = codecs::frames::DataHeaderFlyweight;

    Header(std::int32_t initialTermId, std::int32_t positionBitsToShift) noexcept
        : m_initialTermId(initialTermId), m_positionBitsToShift(positionBitsToShift)
    {
    }

    /// Points the header at the frame starting at offset in buffer.
    void wrap(const util::AtomicBuffer& buffer, std::int32_t offset) noexcept
    {
        m_buffer = buffer;
        m_offset = offset;
    }

    [[nodiscard]] const util::AtomicBuffer& buffer() const noexcept { return m_buffer; }
    /// Offset of the frame's header in buffer().
    [[nodiscard]] std::int32_t offset() const noexcept { return m_offset; }
    [[nodiscard]] std::int32_t initialTermId() const noexcept { return m_initialTermId; }
    [[nodiscard]] std::int32_t positionBitsToShift() const noexcept { return m_positionBitsToShift; }

    [[nodiscard]] std::int32_t frameLength() const { return get<std::int32_t>(DataHeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET); }
    [[nodiscard]] std::uint8_t flags() const { return get<std::uint8_t>(DataHeaderFlyweight::FLAGS_FIELD_OFFSET); }
    [[nodiscard]] std::uint16_t type() const { return get<std::uint16_t>(DataHeaderFlyweight::TYPE_FIELD_OFFSET); }
    [[nodiscard]] std::int32_t termOffset() const { return get<std::int32_t>(DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET); }
    [[nodiscard]] std::int32_t sessionId() const { return get<std::int32_t>(DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET); }
    [[nodiscard]] std::int32_t streamId() const { return get<std::int32_t>(DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET); }
    [[nodiscard]] std::int32_t termId() const { return get<std::int32_t>(DataHeaderFlyweight::TERM_ID_FIELD_OFFSET); }
    [[nodiscard]] std::int64_t reservedValue() const
    {
        return get<std::int64_t>(DataHeaderFlyweight::RESERVED_VALUE_FIELD_OFFSET);
    }

    /// Stream position just after this frame (and its alignment padding): where a consumer that has
    /// handled it stands.
    [[nodiscard]] std::int64_t position() const
    {
        const std::int32_t nextOffset = FrameDescriptor::alignedLength(termOffset() + frameLength());
        return LogBufferDescriptor::computePosition(termId(), nextOffset, m_positionBitsToShift, m_initialTermId);
    }

private:
    template <typename T>
    [[nodiscard]] T get(std::int32_t field) const
    {
        return m_buffer.get<T>(static_cast<std::size_t>(m_offset + field));
    }

    util::AtomicBuffer m_buffer;
    std::int32_t m_offset = 0;
    std::int32_t m_initialTermId;
    std::int32_t m_positionBitsToShift;
};
} // namespace cox::transport

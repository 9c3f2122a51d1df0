#pragma once

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// NAK (0x02), 28 bytes, receiver to sender (Aeron's NakFlyweight): session_id @8, stream_id @12,
/// term_id @16, term_offset @20 (start of the gap), length @24 (gap length). Flags are 0.
class NakFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 8;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t TERM_ID_FIELD_OFFSET = 16;
    static constexpr std::int32_t TERM_OFFSET_FIELD_OFFSET = 20;
    static constexpr std::int32_t LENGTH_FIELD_OFFSET = 24;
    static constexpr std::int32_t HEADER_LENGTH = 28;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t termId() const { return m_buffer.getInt32(TERM_ID_FIELD_OFFSET); }
    void termId(std::int32_t value) { m_buffer.putInt32(TERM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t termOffset() const { return m_buffer.getInt32(TERM_OFFSET_FIELD_OFFSET); }
    void termOffset(std::int32_t value) { m_buffer.putInt32(TERM_OFFSET_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t length() const { return m_buffer.getInt32(LENGTH_FIELD_OFFSET); }
    void length(std::int32_t value) { m_buffer.putInt32(LENGTH_FIELD_OFFSET, value); }
};
} // namespace cox::codecs::frames

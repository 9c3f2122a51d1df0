#pragma once

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// RSP_SETUP (0x0B), 20 bytes, receiver to sender (Aeron's ResponseSetupFlyweight): session_id @8,
/// stream_id @12, response_session_id @16 (the session id of the response stream).
class ResponseSetupFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 8;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t RESPONSE_SESSION_ID_FIELD_OFFSET = 16;
    static constexpr std::int32_t HEADER_LENGTH = 20;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t responseSessionId() const { return m_buffer.getInt32(RESPONSE_SESSION_ID_FIELD_OFFSET); }
    void responseSessionId(std::int32_t value) { m_buffer.putInt32(RESPONSE_SESSION_ID_FIELD_OFFSET, value); }
};
} // namespace cox::codecs::frames

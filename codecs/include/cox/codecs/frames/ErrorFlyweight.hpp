#pragma once

#include <string_view>

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// ERR (0x04), receiver to sender (Aeron's ErrorFlyweight): session_id @8, stream_id @12,
/// receiver_id int64 @16, group_tag int64 @24, error_code @32, error_length @36, text @40 (at most 1023).
class ErrorFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 8;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t RECEIVER_ID_FIELD_OFFSET = 16;
    static constexpr std::int32_t GROUP_TAG_FIELD_OFFSET = 24;
    static constexpr std::int32_t ERROR_CODE_FIELD_OFFSET = 32;
    static constexpr std::int32_t ERROR_STRING_LENGTH_FIELD_OFFSET = 36;
    static constexpr std::int32_t ERROR_STRING_FIELD_OFFSET = 40;
    static constexpr std::int32_t HEADER_LENGTH = 40;
    static constexpr std::int32_t MAX_ERROR_MESSAGE_LENGTH = 1023;
    static constexpr std::int32_t MAX_ERROR_FRAME_LENGTH = HEADER_LENGTH + MAX_ERROR_MESSAGE_LENGTH;

    static constexpr std::uint8_t HAS_GROUP_ID_FLAG = 0x08;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t receiverId() const { return m_buffer.getInt64(RECEIVER_ID_FIELD_OFFSET); }
    void receiverId(std::int64_t value) { m_buffer.putInt64(RECEIVER_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t groupTag() const { return m_buffer.getInt64(GROUP_TAG_FIELD_OFFSET); }
    void groupTag(std::int64_t value) { m_buffer.putInt64(GROUP_TAG_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t errorCode() const { return m_buffer.getInt32(ERROR_CODE_FIELD_OFFSET); }
    void errorCode(std::int32_t value) { m_buffer.putInt32(ERROR_CODE_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t errorMessageLength() const { return m_buffer.getInt32(ERROR_STRING_LENGTH_FIELD_OFFSET); }

    /// The text, as a view into the frame. Only call on a frame FrameValidator accepted, which has
    /// checked error_length against both the limit and frame_length.
    [[nodiscard]] std::string_view errorMessage() const
    {
        const auto length = static_cast<std::size_t>(errorMessageLength());
        m_buffer.boundsCheck(ERROR_STRING_FIELD_OFFSET, length);
        return {reinterpret_cast<const char*>(m_buffer.buffer() + ERROR_STRING_FIELD_OFFSET), length};
    }

    /// Stores the text (truncated to MAX_ERROR_MESSAGE_LENGTH) and sets frame_length to cover it.
    /// Returns the frame length.
    std::int32_t errorMessage(std::string_view text)
    {
        const auto length = static_cast<std::int32_t>(
            text.size() < static_cast<std::size_t>(MAX_ERROR_MESSAGE_LENGTH) ? text.size() : MAX_ERROR_MESSAGE_LENGTH);
        m_buffer.putInt32(ERROR_STRING_LENGTH_FIELD_OFFSET, length);
        m_buffer.putBytes(ERROR_STRING_FIELD_OFFSET, text.data(), static_cast<std::size_t>(length));
        frameLength(HEADER_LENGTH + length);
        return HEADER_LENGTH + length;
    }
};
} // namespace cox::codecs::frames

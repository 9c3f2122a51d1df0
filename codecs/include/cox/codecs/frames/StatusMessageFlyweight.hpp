#pragma once

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// Status Message, SM (0x03), receiver to sender (Aeron's StatusMessageFlyweight): session_id @8,
/// stream_id @12, consumption_term_id @16, consumption_term_offset @20, receiver_window @24,
/// receiver_id int64 @28 (unaligned: the C struct is packed to 4), optional group_tag int64 @36.
/// 36 bytes, or 44 when the group tag is present.
class StatusMessageFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 8;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t CONSUMPTION_TERM_ID_FIELD_OFFSET = 16;
    static constexpr std::int32_t CONSUMPTION_TERM_OFFSET_FIELD_OFFSET = 20;
    static constexpr std::int32_t RECEIVER_WINDOW_FIELD_OFFSET = 24;
    static constexpr std::int32_t RECEIVER_ID_FIELD_OFFSET = 28;
    static constexpr std::int32_t GROUP_TAG_FIELD_OFFSET = 36;
    static constexpr std::int32_t HEADER_LENGTH = 36;
    static constexpr std::int32_t HEADER_LENGTH_WITH_GROUP_TAG = 44;

    /// "S": asks the sender for a SETUP; position fields and window are then 0.
    static constexpr std::uint8_t SEND_SETUP_FLAG = 0x80;
    /// The receiver's image is going away (draining).
    static constexpr std::uint8_t END_OF_STREAM_FLAG = 0x40;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t consumptionTermId() const { return m_buffer.getInt32(CONSUMPTION_TERM_ID_FIELD_OFFSET); }
    void consumptionTermId(std::int32_t value) { m_buffer.putInt32(CONSUMPTION_TERM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t consumptionTermOffset() const
    {
        return m_buffer.getInt32(CONSUMPTION_TERM_OFFSET_FIELD_OFFSET);
    }
    void consumptionTermOffset(std::int32_t value) { m_buffer.putInt32(CONSUMPTION_TERM_OFFSET_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t receiverWindow() const { return m_buffer.getInt32(RECEIVER_WINDOW_FIELD_OFFSET); }
    void receiverWindow(std::int32_t value) { m_buffer.putInt32(RECEIVER_WINDOW_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t receiverId() const { return m_buffer.getInt64(RECEIVER_ID_FIELD_OFFSET); }
    void receiverId(std::int64_t value) { m_buffer.putInt64(RECEIVER_ID_FIELD_OFFSET, value); }

    /// Aeron reads the tag only when frame_length is exactly 44; any other extra length means "no tag".
    [[nodiscard]] bool hasGroupTag() const { return frameLength() == HEADER_LENGTH_WITH_GROUP_TAG; }

    /// Only meaningful when hasGroupTag().
    [[nodiscard]] std::int64_t groupTag() const { return m_buffer.getInt64(GROUP_TAG_FIELD_OFFSET); }
    void groupTag(std::int64_t value) { m_buffer.putInt64(GROUP_TAG_FIELD_OFFSET, value); }
};
} // namespace cox::codecs::frames

#pragma once

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// RTT measurement, RTTM (0x06), 40 bytes, both ways (Aeron's RttMeasurementFlyweight): session_id @8,
/// stream_id @12, echo_timestamp ns int64 @16, reception_delta ns int64 @24, receiver_id int64 @32.
/// The receiver computes RTT = now - echo_timestamp - reception_delta.
class RttMeasurementFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 8;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t ECHO_TIMESTAMP_FIELD_OFFSET = 16;
    static constexpr std::int32_t RECEPTION_DELTA_FIELD_OFFSET = 24;
    static constexpr std::int32_t RECEIVER_ID_FIELD_OFFSET = 32;
    static constexpr std::int32_t HEADER_LENGTH = 40;

    static constexpr std::uint8_t REPLY_FLAG = 0x80;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t echoTimestampNs() const { return m_buffer.getInt64(ECHO_TIMESTAMP_FIELD_OFFSET); }
    void echoTimestampNs(std::int64_t value) { m_buffer.putInt64(ECHO_TIMESTAMP_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t receptionDeltaNs() const { return m_buffer.getInt64(RECEPTION_DELTA_FIELD_OFFSET); }
    void receptionDeltaNs(std::int64_t value) { m_buffer.putInt64(RECEPTION_DELTA_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t receiverId() const { return m_buffer.getInt64(RECEIVER_ID_FIELD_OFFSET); }
    void receiverId(std::int64_t value) { m_buffer.putInt64(RECEIVER_ID_FIELD_OFFSET, value); }
};
} // namespace cox::codecs::frames

#pragma once

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// SETUP (0x05), 40 bytes, sender to receiver (Aeron's SetupFlyweight): term_offset @8, session_id @12,
/// stream_id @16, initial_term_id @20, active_term_id @24, term_length @28, mtu @32, ttl @36.
/// The receiver builds its image from these and joins at position(active_term_id, term_offset).
class SetupFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t TERM_OFFSET_FIELD_OFFSET = 8;
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 16;
    static constexpr std::int32_t INITIAL_TERM_ID_FIELD_OFFSET = 20;
    static constexpr std::int32_t ACTIVE_TERM_ID_FIELD_OFFSET = 24;
    static constexpr std::int32_t TERM_LENGTH_FIELD_OFFSET = 28;
    static constexpr std::int32_t MTU_LENGTH_FIELD_OFFSET = 32;
    static constexpr std::int32_t TTL_FIELD_OFFSET = 36;
    static constexpr std::int32_t HEADER_LENGTH = 40;

    /// The publication is a response channel and wants a RSP_SETUP back.
    static constexpr std::uint8_t SEND_RESPONSE_SETUP_FLAG = 0x80;
    /// The sender has group semantics (multicast or MDC).
    static constexpr std::uint8_t GROUP_FLAG = 0x40;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t termOffset() const { return m_buffer.getInt32(TERM_OFFSET_FIELD_OFFSET); }
    void termOffset(std::int32_t value) { m_buffer.putInt32(TERM_OFFSET_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t initialTermId() const { return m_buffer.getInt32(INITIAL_TERM_ID_FIELD_OFFSET); }
    void initialTermId(std::int32_t value) { m_buffer.putInt32(INITIAL_TERM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t activeTermId() const { return m_buffer.getInt32(ACTIVE_TERM_ID_FIELD_OFFSET); }
    void activeTermId(std::int32_t value) { m_buffer.putInt32(ACTIVE_TERM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t termLength() const { return m_buffer.getInt32(TERM_LENGTH_FIELD_OFFSET); }
    void termLength(std::int32_t value) { m_buffer.putInt32(TERM_LENGTH_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t mtu() const { return m_buffer.getInt32(MTU_LENGTH_FIELD_OFFSET); }
    void mtu(std::int32_t value) { m_buffer.putInt32(MTU_LENGTH_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t ttl() const { return m_buffer.getInt32(TTL_FIELD_OFFSET); }
    void ttl(std::int32_t value) { m_buffer.putInt32(TTL_FIELD_OFFSET, value); }
};
} // namespace cox::codecs::frames

#pragma once

#include "cox/codecs/frames/HeaderFlyweight.hpp"

namespace cox::codecs::frames
{
/// DATA and PAD frames (Aeron's DataHeaderFlyweight, `aeron_data_header_t`), 32 bytes then the payload:
/// term_offset @8, session_id @12, stream_id @16, term_id @20, reserved_value int64 @24.
///
/// The same layout is used on the wire and inside term buffers, so the log is a byte-for-byte copy of
/// what was sent.
class DataHeaderFlyweight : public HeaderFlyweight
{
public:
    static constexpr std::int32_t TERM_OFFSET_FIELD_OFFSET = 8;
    static constexpr std::int32_t SESSION_ID_FIELD_OFFSET = 12;
    static constexpr std::int32_t STREAM_ID_FIELD_OFFSET = 16;
    static constexpr std::int32_t TERM_ID_FIELD_OFFSET = 20;
    static constexpr std::int32_t RESERVED_VALUE_FIELD_OFFSET = 24;
    static constexpr std::int32_t DATA_OFFSET = 32;
    static constexpr std::int32_t HEADER_LENGTH = 32;

    static constexpr std::uint8_t BEGIN_FLAG = 0x80;
    static constexpr std::uint8_t END_FLAG = 0x40;
    static constexpr std::uint8_t BEGIN_AND_END_FLAGS = BEGIN_FLAG | END_FLAG;
    /// End of stream; only ever set on heartbeats.
    static constexpr std::uint8_t EOS_FLAG = 0x20;

    static constexpr std::int64_t DEFAULT_RESERVED_VALUE = 0;

    using HeaderFlyweight::HeaderFlyweight;

    [[nodiscard]] std::int32_t termOffset() const { return m_buffer.getInt32(TERM_OFFSET_FIELD_OFFSET); }
    void termOffset(std::int32_t value) { m_buffer.putInt32(TERM_OFFSET_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t sessionId() const { return m_buffer.getInt32(SESSION_ID_FIELD_OFFSET); }
    void sessionId(std::int32_t value) { m_buffer.putInt32(SESSION_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t streamId() const { return m_buffer.getInt32(STREAM_ID_FIELD_OFFSET); }
    void streamId(std::int32_t value) { m_buffer.putInt32(STREAM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int32_t termId() const { return m_buffer.getInt32(TERM_ID_FIELD_OFFSET); }
    void termId(std::int32_t value) { m_buffer.putInt32(TERM_ID_FIELD_OFFSET, value); }

    [[nodiscard]] std::int64_t reservedValue() const { return m_buffer.getInt64(RESERVED_VALUE_FIELD_OFFSET); }
    void reservedValue(std::int64_t value) { m_buffer.putInt64(RESERVED_VALUE_FIELD_OFFSET, value); }

    [[nodiscard]] bool isBegin() const { return (flags() & BEGIN_FLAG) != 0; }
    [[nodiscard]] bool isEnd() const { return (flags() & END_FLAG) != 0; }
    [[nodiscard]] bool isEndOfStream() const { return (flags() & EOS_FLAG) != 0; }

    /// A heartbeat is a bare 32-byte DATA header with frame_length 0; the datagram length tells it apart.
    [[nodiscard]] static bool isHeartbeat(std::int32_t frameLength, std::size_t datagramLength) noexcept
    {
        return frameLength == 0 && datagramLength == static_cast<std::size_t>(HEADER_LENGTH);
    }

    /// Writes a complete DATA (or PAD) header; the frame length goes in first here because this is for
    /// building datagrams and templates, not for publishing into a log a reader may be scanning.
    void writeDataHeader(
        std::int32_t length,
        std::uint8_t frameFlags,
        std::uint16_t frameType,
        std::int32_t frameTermOffset,
        std::int32_t frameSessionId,
        std::int32_t frameStreamId,
        std::int32_t frameTermId,
        std::int64_t frameReservedValue = DEFAULT_RESERVED_VALUE)
    {
        writeHeader(length, frameFlags, frameType);
        termOffset(frameTermOffset);
        sessionId(frameSessionId);
        streamId(frameStreamId);
        termId(frameTermId);
        reservedValue(frameReservedValue);
    }
};
} // namespace cox::codecs::frames

#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "cox/util/AtomicBuffer.hpp"

namespace cox::codecs::frames
{
// Aeron's wire format is little-endian and these flyweights store native values.
static_assert(std::endian::native == std::endian::little, "frame flyweights assume a little-endian host");

/// The 8-byte header that starts every Aeron frame (Aeron's HeaderFlyweight):
/// frame_length int32 @0, version int8 @4, flags uint8 @5, type uint16 @6.
///
/// A flyweight is a view over memory it does not own: a term buffer, a receive buffer or a send
/// buffer. It never checks lengths itself; received datagrams go through FrameValidator first.
class HeaderFlyweight
{
public:
    static constexpr std::int32_t FRAME_LENGTH_FIELD_OFFSET = 0;
    static constexpr std::int32_t VERSION_FIELD_OFFSET = 4;
    static constexpr std::int32_t FLAGS_FIELD_OFFSET = 5;
    static constexpr std::int32_t TYPE_FIELD_OFFSET = 6;
    static constexpr std::int32_t MIN_HEADER_LENGTH = 8;

    static constexpr std::uint8_t CURRENT_VERSION = 0;

    static constexpr std::uint16_t HDR_TYPE_PAD = 0x00;
    static constexpr std::uint16_t HDR_TYPE_DATA = 0x01;
    static constexpr std::uint16_t HDR_TYPE_NAK = 0x02;
    static constexpr std::uint16_t HDR_TYPE_SM = 0x03;
    static constexpr std::uint16_t HDR_TYPE_ERR = 0x04;
    static constexpr std::uint16_t HDR_TYPE_SETUP = 0x05;
    static constexpr std::uint16_t HDR_TYPE_RTTM = 0x06;
    static constexpr std::uint16_t HDR_TYPE_RES = 0x07;
    // 0x08-0x0A are reserved for Aeron Transport Security, which the open-source driver lacks; the C and
    // Java sources disagree on which of 0x09/0x0A is SETUP and which SM, so only the range is named.
    static constexpr std::uint16_t HDR_TYPE_ATS_DATA = 0x08;
    static constexpr std::uint16_t HDR_TYPE_ATS_FIRST_RESERVED = 0x09;
    static constexpr std::uint16_t HDR_TYPE_ATS_LAST_RESERVED = 0x0A;
    static constexpr std::uint16_t HDR_TYPE_RSP_SETUP = 0x0B;
    static constexpr std::uint16_t HDR_TYPE_EXT = 0xFFFF;

    HeaderFlyweight() noexcept = default;

    /// Views the frame that starts at offset in buffer and runs to the buffer's end.
    HeaderFlyweight(const util::AtomicBuffer& buffer, std::size_t offset) { wrap(buffer, offset); }

    HeaderFlyweight(std::uint8_t* frame, std::size_t length) noexcept : m_buffer(frame, length) {}

    void wrap(const util::AtomicBuffer& buffer, std::size_t offset)
    {
        m_buffer.wrap(buffer, offset, buffer.capacity() - offset);
    }

    void wrap(std::uint8_t* frame, std::size_t length) noexcept { m_buffer.wrap(frame, length); }

    /// The frame's memory, starting at its header.
    [[nodiscard]] const util::AtomicBuffer& buffer() const noexcept { return m_buffer; }
    [[nodiscard]] std::uint8_t* data() const noexcept { return m_buffer.buffer(); }

    [[nodiscard]] std::int32_t frameLength() const { return m_buffer.getInt32(FRAME_LENGTH_FIELD_OFFSET); }
    void frameLength(std::int32_t value) { m_buffer.putInt32(FRAME_LENGTH_FIELD_OFFSET, value); }

    [[nodiscard]] std::uint8_t version() const { return m_buffer.getUInt8(VERSION_FIELD_OFFSET); }
    void version(std::uint8_t value) { m_buffer.putUInt8(VERSION_FIELD_OFFSET, value); }

    [[nodiscard]] std::uint8_t flags() const { return m_buffer.getUInt8(FLAGS_FIELD_OFFSET); }
    void flags(std::uint8_t value) { m_buffer.putUInt8(FLAGS_FIELD_OFFSET, value); }

    [[nodiscard]] std::uint16_t type() const { return m_buffer.getUInt16(TYPE_FIELD_OFFSET); }
    void type(std::uint16_t value) { m_buffer.putUInt16(TYPE_FIELD_OFFSET, value); }

    /// Writes the whole common header at once; every frame encoder starts with this.
    void writeHeader(std::int32_t length, std::uint8_t frameFlags, std::uint16_t frameType)
    {
        frameLength(length);
        version(CURRENT_VERSION);
        flags(frameFlags);
        type(frameType);
    }

protected:
    util::AtomicBuffer m_buffer;
};
} // namespace cox::codecs::frames

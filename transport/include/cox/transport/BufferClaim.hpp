#pragma once

#include <cstdint>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Space claimed in a term by tryClaim (Aeron's BufferClaim): the caller writes the payload in place and
/// then commits, or aborts, which turns the frame into padding. Until one of them runs, readers see the
/// frame as in progress and stop before it, so every claim must end in commit or abort promptly.
class BufferClaim
{
public:
    using DataHeaderFlyweight = codecs::frames::DataHeaderFlyweight;

    /// frameLength includes the 32-byte header.
    void wrap(const util::AtomicBuffer& termBuffer, std::int32_t frameOffset, std::int32_t frameLength) noexcept
    {
        m_buffer = termBuffer;
        m_frameOffset = frameOffset;
        m_frameLength = frameLength;
    }

    /// The term buffer holding the claim; write the payload at [offset(), offset() + length()).
    [[nodiscard]] util::AtomicBuffer& buffer() noexcept { return m_buffer; }
    [[nodiscard]] std::int32_t offset() const noexcept { return m_frameOffset + DataHeaderFlyweight::HEADER_LENGTH; }
    [[nodiscard]] std::int32_t length() const noexcept { return m_frameLength - DataHeaderFlyweight::HEADER_LENGTH; }

    void putBytes(const std::uint8_t* source, std::int32_t sourceLength)
    {
        m_buffer.putBytes(static_cast<std::size_t>(offset()), source, static_cast<std::size_t>(sourceLength));
    }

    void flags(std::uint8_t value) { FrameDescriptor::frameFlags(m_buffer, m_frameOffset, value); }

    void reservedValue(std::int64_t value)
    {
        m_buffer.putInt64(static_cast<std::size_t>(m_frameOffset + DataHeaderFlyweight::RESERVED_VALUE_FIELD_OFFSET), value);
    }

    /// Publishes the frame to readers.
    void commit() { FrameDescriptor::frameLengthOrdered(m_buffer, m_frameOffset, m_frameLength); }

    /// Gives the space up: readers skip it as padding.
    void abort()
    {
        FrameDescriptor::frameType(m_buffer, m_frameOffset, DataHeaderFlyweight::HDR_TYPE_PAD);
        FrameDescriptor::frameLengthOrdered(m_buffer, m_frameOffset, m_frameLength);
    }

private:
    util::AtomicBuffer m_buffer;
    std::int32_t m_frameOffset = 0;
    std::int32_t m_frameLength = 0;
};
} // namespace cox::transport

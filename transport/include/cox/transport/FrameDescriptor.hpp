#pragma once

#include <atomic>
#include <cstdint>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"

/// How frames sit in a term buffer and how writers publish them to concurrent readers (Aeron's
/// FrameDescriptor). The rule that everything else relies on: frame_length is written last with
/// release semantics and read with acquire semantics; 0 means empty, negative means being written.
namespace cox::transport::FrameDescriptor
{
using codecs::frames::DataHeaderFlyweight;
using codecs::frames::HeaderFlyweight;

inline constexpr std::int32_t FRAME_ALIGNMENT = 32;
inline constexpr std::int32_t HEADER_LENGTH = DataHeaderFlyweight::HEADER_LENGTH;
inline constexpr std::int32_t BEGIN_FRAG_FLAG = DataHeaderFlyweight::BEGIN_FLAG;
inline constexpr std::int32_t END_FRAG_FLAG = DataHeaderFlyweight::END_FLAG;
inline constexpr std::int32_t UNFRAGMENTED = BEGIN_FRAG_FLAG | END_FRAG_FLAG;
inline constexpr std::int32_t PADDING_FRAME_TYPE = HeaderFlyweight::HDR_TYPE_PAD;

[[nodiscard]] constexpr std::int32_t alignedLength(std::int32_t frameLength) noexcept
{
    return util::align(frameLength, FRAME_ALIGNMENT);
}

[[nodiscard]] inline std::int32_t frameLengthVolatile(const util::AtomicBuffer& termBuffer, std::int32_t termOffset)
{
    return termBuffer.getInt32Volatile(static_cast<std::size_t>(termOffset));
}

/// frame_length with acquire semantics, or 0 when it claims more than the term has left or less than a frame
/// header. Readers use this so that corrupt or hostile data (a forged PAD, overlapping frames from a bad sender)
/// reads as "nothing here yet" and stalls that one stream, instead of sending a reader off the end of the term
/// or handing it a negative payload length.
[[nodiscard]] inline std::int32_t frameLengthChecked(const util::AtomicBuffer& termBuffer, std::int32_t termOffset)
{
    const std::int32_t frameLength = frameLengthVolatile(termBuffer, termOffset);
    if (frameLength > 0 && frameLength < HEADER_LENGTH)
    {
        return 0;
    }
    return frameLength <= static_cast<std::int32_t>(termBuffer.capacity()) - termOffset ? frameLength : 0;
}

inline void frameLengthOrdered(util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::int32_t frameLength)
{
    termBuffer.putInt32Ordered(static_cast<std::size_t>(termOffset), frameLength);
}

[[nodiscard]] inline std::uint16_t frameType(const util::AtomicBuffer& termBuffer, std::int32_t termOffset)
{
    return termBuffer.getUInt16(static_cast<std::size_t>(termOffset + HeaderFlyweight::TYPE_FIELD_OFFSET));
}

inline void frameType(util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::uint16_t type)
{
    termBuffer.putUInt16(static_cast<std::size_t>(termOffset + HeaderFlyweight::TYPE_FIELD_OFFSET), type);
}

[[nodiscard]] inline std::uint8_t frameFlags(const util::AtomicBuffer& termBuffer, std::int32_t termOffset)
{
    return termBuffer.getUInt8(static_cast<std::size_t>(termOffset + HeaderFlyweight::FLAGS_FIELD_OFFSET));
}

inline void frameFlags(util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::uint8_t flags)
{
    termBuffer.putUInt8(static_cast<std::size_t>(termOffset + HeaderFlyweight::FLAGS_FIELD_OFFSET), flags);
}

[[nodiscard]] inline bool isPaddingFrame(const util::AtomicBuffer& termBuffer, std::int32_t termOffset)
{
    return frameType(termBuffer, termOffset) == PADDING_FRAME_TYPE;
}

/// Maximum payload of one frame for an MTU.
[[nodiscard]] constexpr std::int32_t computeMaxPayloadLength(std::int32_t mtuLength) noexcept
{
    return mtuLength - HEADER_LENGTH;
}
} // namespace cox::transport::FrameDescriptor

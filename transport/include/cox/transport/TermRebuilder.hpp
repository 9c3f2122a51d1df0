#pragma once

#include <cstdint>
#include <cstring>

#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Places received frames into an image's term (Aeron's TermRebuilder), in any order.
namespace TermRebuilder
{
enum class InsertResult : std::int8_t
{
    INSERTED,
    /// Something is already at the offset (a retransmit of data we have); nothing written.
    DUPLICATE,
    /// Misaligned, negative, or running past the end of the term: a malformed or hostile datagram.
    OUT_OF_RANGE,
};

/// Copies a validated DATA datagram (one or more frames) to termOffset. Everything after the first
/// 32 bytes is copied first, then header words 3, 2 and 1, and last word 0 (frame_length, version, flags,
/// type) with release semantics. A reader can therefore never see a frame before its body, and a
/// multi-frame datagram becomes visible all at once when its first header lands. Receiver thread only.
inline InsertResult insert(
    util::AtomicBuffer& termBuffer, std::int32_t termOffset, const std::uint8_t* packet, std::int32_t length)
{
    const auto capacity = static_cast<std::int64_t>(termBuffer.capacity());
    if (termOffset < 0 || (termOffset & (FrameDescriptor::FRAME_ALIGNMENT - 1)) != 0 ||
        length < FrameDescriptor::HEADER_LENGTH || static_cast<std::int64_t>(termOffset) + length > capacity)
    {
        return InsertResult::OUT_OF_RANGE;
    }
    if (FrameDescriptor::frameLengthVolatile(termBuffer, termOffset) != 0)
    {
        return InsertResult::DUPLICATE;
    }

    const auto base = static_cast<std::size_t>(termOffset);
    termBuffer.putBytes(
        base + FrameDescriptor::HEADER_LENGTH,
        packet + FrameDescriptor::HEADER_LENGTH,
        static_cast<std::size_t>(length - FrameDescriptor::HEADER_LENGTH));
    const auto word = [packet](std::size_t index)
    {
        std::int64_t value;
        std::memcpy(&value, packet + index * sizeof(std::int64_t), sizeof(value));
        return value;
    };
    termBuffer.putInt64(base + 24, word(3));
    termBuffer.putInt64(base + 16, word(2));
    termBuffer.putInt64(base + 8, word(1));
    termBuffer.putInt64Ordered(base, word(0));
    return InsertResult::INSERTED;
}
} // namespace TermRebuilder

} // namespace cox::transport

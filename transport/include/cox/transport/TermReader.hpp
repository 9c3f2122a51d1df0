#pragma once

#include <cstdint>

#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/Header.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Reads complete frames from a term for a subscriber (Aeron's TermReader).
namespace TermReader
{
struct ReadOutcome
{
    /// Term offset after the last frame consumed; where the next read starts.
    std::int32_t offset;
    /// Data fragments delivered (padding is consumed but not counted).
    std::int32_t fragmentsRead;
};

/// Delivers data frames from termOffset until an incomplete frame, the end of the term or fragmentsLimit.
/// handler is called as handler(const AtomicBuffer& buffer, int32_t offset, int32_t length, const Header&)
/// with offset and length of the payload; header is rewrapped for each frame. Padding frames are skipped.
template <typename Handler>
ReadOutcome read(
    const util::AtomicBuffer& termBuffer, std::int32_t termOffset, Handler&& handler, std::int32_t fragmentsLimit, Header& header)
{
    const auto capacity = static_cast<std::int32_t>(termBuffer.capacity());
    std::int32_t offset = termOffset;
    std::int32_t fragmentsRead = 0;
    header.wrap(termBuffer, 0);
    while (fragmentsRead < fragmentsLimit && offset < capacity)
    {
        const std::int32_t frameLength = FrameDescriptor::frameLengthChecked(termBuffer, offset);
        if (frameLength <= 0)
        {
            break;
        }
        const std::int32_t frameOffset = offset;
        offset += FrameDescriptor::alignedLength(frameLength);
        if (!FrameDescriptor::isPaddingFrame(termBuffer, frameOffset))
        {
            header.wrap(termBuffer, frameOffset);
            handler(
                termBuffer,
                frameOffset + FrameDescriptor::HEADER_LENGTH,
                frameLength - FrameDescriptor::HEADER_LENGTH,
                static_cast<const Header&>(header));
            ++fragmentsRead;
        }
    }
    return {offset, fragmentsRead};
}
} // namespace TermReader

} // namespace cox::transport

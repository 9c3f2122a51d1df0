#pragma once

#include <cstdint>

#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Finds how much of a term a sender can put on the wire (Aeron's TermScanner).
namespace TermScanner
{
struct ScanOutcome
{
    /// Bytes of whole frames available from the offset, at most the limit given. A PAD frame counts as its
    /// 32-byte header only, since only that is sent.
    std::int32_t available;
    /// Bytes the PAD frame covers beyond its header (its aligned length - 32), when the scan ended on one;
    /// the sender advances by available + padding.
    std::int32_t padding;
};

/// Scans whole frames from offset up to min(maxLength, term end). Stops at the first incomplete frame,
/// the first frame that would exceed the limit, or just after a PAD frame.
[[nodiscard]] inline ScanOutcome scanForAvailability(
    const util::AtomicBuffer& termBuffer, std::int32_t offset, std::int32_t maxLength)
{
    const std::int32_t remainingInTerm = static_cast<std::int32_t>(termBuffer.capacity()) - offset;
    const std::int32_t limit = maxLength < remainingInTerm ? maxLength : remainingInTerm;
    std::int32_t available = 0;
    std::int32_t padding = 0;
    while (available < limit)
    {
        const std::int32_t frameOffset = offset + available;
        const std::int32_t frameLength = FrameDescriptor::frameLengthChecked(termBuffer, frameOffset);
        if (frameLength <= 0)
        {
            break;
        }
        std::int32_t alignedLength = FrameDescriptor::alignedLength(frameLength);
        std::int32_t framePadding = 0;
        if (FrameDescriptor::isPaddingFrame(termBuffer, frameOffset))
        {
            framePadding = alignedLength - FrameDescriptor::HEADER_LENGTH;
            alignedLength = FrameDescriptor::HEADER_LENGTH;
        }
        if (available + alignedLength > limit)
        {
            break;
        }
        available += alignedLength;
        if (framePadding > 0)
        {
            padding = framePadding;
            break;
        }
    }
    return {available, padding};
}
} // namespace TermScanner
} // namespace cox::transport

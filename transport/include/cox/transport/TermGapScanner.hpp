#pragma once

#include <cstdint>

#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Finds the first hole in a term being rebuilt (Aeron's TermGapScanner).
namespace TermGapScanner
{
struct ScanResult
{
    /// Offset up to which the term is complete: the gap's start, or the limit when there is no gap.
    std::int32_t completeOffset;
    std::int32_t termId;
    /// Start and length of the first gap; gapLength is 0 when there is none.
    std::int32_t gapOffset;
    std::int32_t gapLength;

    [[nodiscard]] bool hasGap() const noexcept { return gapLength > 0; }
};

/// Steps over complete frames from termOffset towards limitOffset (the high-water mark's offset when it is
/// in this term, else the term length). The first slot without a complete frame starts the gap, which
/// extends in 32-byte steps while slots are empty, up to the first non-empty slot or the limit. Only the
/// first gap is reported.
[[nodiscard]] inline ScanResult scanForGap(
    const util::AtomicBuffer& termBuffer, std::int32_t termId, std::int32_t termOffset, std::int32_t limitOffset)
{
    std::int32_t offset = termOffset;
    while (offset < limitOffset)
    {
        const std::int32_t frameLength = FrameDescriptor::frameLengthChecked(termBuffer, offset);
        if (frameLength <= 0)
        {
            break;
        }
        offset += FrameDescriptor::alignedLength(frameLength);
    }
    if (offset >= limitOffset)
    {
        return {limitOffset, termId, limitOffset, 0};
    }

    const std::int32_t gapBegin = offset;
    std::int32_t gapEnd = gapBegin + FrameDescriptor::FRAME_ALIGNMENT;
    while (gapEnd < limitOffset && FrameDescriptor::frameLengthVolatile(termBuffer, gapEnd) == 0)
    {
        gapEnd += FrameDescriptor::FRAME_ALIGNMENT;
    }
    if (gapEnd > limitOffset)
    {
        gapEnd = limitOffset;
    }
    return {gapBegin, termId, gapBegin, gapEnd - gapBegin};
}
} // namespace TermGapScanner
} // namespace cox::transport

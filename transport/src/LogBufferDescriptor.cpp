#include "cox/transport/LogBufferDescriptor.hpp"

#include <string>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport::LogBufferDescriptor
{
void checkTermLength(std::int64_t termLength)
{
    if (termLength < TERM_MIN_LENGTH || termLength > TERM_MAX_LENGTH)
    {
        throw util::IllegalArgumentException(
            "term length " + std::to_string(termLength) + " is outside [" + std::to_string(TERM_MIN_LENGTH) + ", " +
            std::to_string(TERM_MAX_LENGTH) + "]");
    }
    if (!util::isPowerOfTwo(termLength))
    {
        throw util::IllegalArgumentException("term length " + std::to_string(termLength) + " is not a power of two");
    }
}

void checkPageSize(std::int64_t pageSize)
{
    if (pageSize < PAGE_MIN_SIZE || pageSize > PAGE_MAX_SIZE)
    {
        throw util::IllegalArgumentException(
            "page size " + std::to_string(pageSize) + " is outside [" + std::to_string(PAGE_MIN_SIZE) + ", " +
            std::to_string(PAGE_MAX_SIZE) + "]");
    }
    if (!util::isPowerOfTwo(pageSize))
    {
        throw util::IllegalArgumentException("page size " + std::to_string(pageSize) + " is not a power of two");
    }
}

bool rotateLog(util::AtomicBuffer& metaData, std::int32_t currentTermCount, std::int32_t currentTermId)
{
    const std::int32_t nextTermId = static_cast<std::int32_t>(static_cast<std::uint32_t>(currentTermId) + 1U);
    const std::int32_t nextTermCount = static_cast<std::int32_t>(static_cast<std::uint32_t>(currentTermCount) + 1U);
    const std::int32_t nextIndex = indexByTermCount(static_cast<std::uint32_t>(nextTermCount));
    // The partition being recycled last held the term three before the next one. Any other term id there
    // means a racing writer has already rotated it, so leave it alone.
    const std::int32_t expiredTermId = static_cast<std::int32_t>(static_cast<std::uint32_t>(nextTermId) - 3U);

    std::int64_t rawTail;
    do
    {
        rawTail = rawTailVolatile(metaData, nextIndex);
        if (termId(rawTail) != expiredTermId)
        {
            break;
        }
    } while (!casRawTail(metaData, nextIndex, rawTail, packTail(nextTermId, 0)));

    return casActiveTermCount(metaData, currentTermCount, nextTermCount);
}

void initialiseTails(util::AtomicBuffer& metaData, std::int32_t initialTermIdValue, std::int32_t termIdValue, std::int32_t termOffsetValue)
{
    const std::int32_t termCount = computeTermCount(termIdValue, initialTermIdValue);
    const std::int32_t activeIndex = indexByTermCount(static_cast<std::uint32_t>(termCount));
    for (std::int32_t i = 0; i < PARTITION_COUNT; ++i)
    {
        const std::int32_t index = (activeIndex + i) % PARTITION_COUNT;
        if (i == 0)
        {
            metaData.putInt64(tailCounterOffset(index), packTail(termIdValue, termOffsetValue));
        }
        else
        {
            const auto expired = static_cast<std::int32_t>(
                static_cast<std::uint32_t>(termIdValue) + static_cast<std::uint32_t>(i) - static_cast<std::uint32_t>(PARTITION_COUNT));
            initialiseTailWithTermId(metaData, index, expired);
        }
    }
    activeTermCountOrdered(metaData, termCount);
}

void storeDefaultFrameHeader(
    util::AtomicBuffer& metaData, std::int32_t sessionId, std::int32_t streamId, std::int32_t initialTermIdValue)
{
    metaData.setMemory(LOG_DEFAULT_FRAME_HEADER_OFFSET, LOG_DEFAULT_FRAME_HEADER_MAX_LENGTH, 0);
    codecs::frames::DataHeaderFlyweight header(metaData, LOG_DEFAULT_FRAME_HEADER_OFFSET);
    header.writeDataHeader(
        0,
        codecs::frames::DataHeaderFlyweight::BEGIN_AND_END_FLAGS,
        codecs::frames::HeaderFlyweight::HDR_TYPE_DATA,
        0,
        sessionId,
        streamId,
        initialTermIdValue);
    metaData.putInt32(LOG_DEFAULT_FRAME_HEADER_LENGTH_OFFSET, FrameDescriptor::HEADER_LENGTH);
}
} // namespace cox::transport::LogBufferDescriptor

#pragma once

#include <cstdint>
#include <limits>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/LogBuffers.hpp"

namespace cox::transport
{
/// Fills a new log's metadata for a stream starting at (termId, termOffset): identity, lengths,
/// the default header, tails, and end of stream "not yet" (INT64_MAX).
inline void initialiseLogMetadata(
    LogBuffers& logBuffers,
    std::int64_t correlationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::int32_t initialTermId,
    std::int32_t termId,
    std::int32_t termOffset,
    std::int32_t mtuLength)
{
    util::AtomicBuffer& metaData = logBuffers.metaDataBuffer();
    LogBufferDescriptor::correlationId(metaData, correlationId);
    LogBufferDescriptor::initialTermId(metaData, initialTermId);
    LogBufferDescriptor::mtuLength(metaData, mtuLength);
    LogBufferDescriptor::storeDefaultFrameHeader(metaData, sessionId, streamId, initialTermId);
    LogBufferDescriptor::initialiseTails(metaData, initialTermId, termId, termOffset);
    LogBufferDescriptor::endOfStreamPosition(metaData, std::numeric_limits<std::int64_t>::max());
}

/// Producer position of a log from its active partition's raw tail (offset clamped to the term).
[[nodiscard]] inline std::int64_t producerPositionOf(const LogBuffers& logBuffers)
{
    const util::AtomicBuffer& metaData = const_cast<LogBuffers&>(logBuffers).metaDataBuffer();
    const std::int32_t termLength = logBuffers.termLength();
    const std::int32_t termCount = LogBufferDescriptor::activeTermCount(metaData);
    const std::int64_t rawTail =
        LogBufferDescriptor::rawTailVolatile(metaData, LogBufferDescriptor::indexByTermCount(termCount));
    return LogBufferDescriptor::computePosition(
        LogBufferDescriptor::termId(rawTail),
        LogBufferDescriptor::termOffset(rawTail, termLength),
        LogBufferDescriptor::positionBitsToShift(termLength),
        LogBufferDescriptor::initialTermId(metaData));
}
} // namespace cox::transport

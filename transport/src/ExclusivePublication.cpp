#include "cox/transport/ExclusivePublication.hpp"

#include <cstring>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"

namespace cox::transport
{
namespace
{
using codecs::frames::DataHeaderFlyweight;

constexpr std::int64_t TAIL_OFFSET_MASK = 0xFFFF'FFFFLL;

std::int32_t readInt32(const std::uint8_t* at) noexcept
{
    std::int32_t value;
    std::memcpy(&value, at, sizeof(value));
    return value;
}

std::uint16_t readUInt16(const std::uint8_t* at) noexcept
{
    std::uint16_t value;
    std::memcpy(&value, at, sizeof(value));
    return value;
}
} // namespace

ExclusivePublication::ExclusivePublication(ClientConductor& conductor, std::string channel, std::int32_t streamId,
                                           std::int32_t sessionId, std::int64_t registrationId,
                                           std::int64_t originalRegistrationId, const util::Position& publicationLimit,
                                           std::int32_t channelStatusId, std::unique_ptr<LogBuffers> logBuffers,
                                           bool exclusive)
    : ExclusivePublication(conductor, std::move(channel), streamId, sessionId, registrationId, originalRegistrationId,
                           publicationLimit, channelStatusId, logBuffers.get(), std::move(logBuffers), exclusive)
{
}

// Takes the log by reference so that the raw pointer is read before Publication's constructor moves it away.
ExclusivePublication::ExclusivePublication(ClientConductor& conductor, std::string channel, std::int32_t streamId,
                                           std::int32_t sessionId, std::int64_t registrationId,
                                           std::int64_t originalRegistrationId, const util::Position& publicationLimit,
                                           std::int32_t channelStatusId, LogBuffers* blockLog,
                                           std::unique_ptr<LogBuffers>&& logBuffers, bool exclusive)
    : Publication(conductor, std::move(channel), streamId, sessionId, registrationId, originalRegistrationId,
                  publicationLimit, channelStatusId, std::move(logBuffers), exclusive),
      m_blockLog(blockLog),
      m_blockPositionBitsToShift(LogBufferDescriptor::positionBitsToShift(termBufferLength()))
{
}

std::int64_t ExclusivePublication::offerBlock(const util::AtomicBuffer& buffer, std::int32_t offset,
                                              std::int32_t length) noexcept
{
    if (offset < 0 || length < 0 || !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
    {
        return PublicationResult::ERROR;
    }
    return offerBlock(buffer.buffer() + offset, length);
}

bool ExclusivePublication::isFirstFrameValid(const std::uint8_t* block, std::int32_t length, std::int32_t termId,
                                             std::int32_t termOffset) const noexcept
{
    const std::int32_t frameLength = readInt32(block + DataHeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
    return frameLength >= DataHeaderFlyweight::HEADER_LENGTH && FrameDescriptor::alignedLength(frameLength) <= length &&
        readUInt16(block + DataHeaderFlyweight::TYPE_FIELD_OFFSET) == DataHeaderFlyweight::HDR_TYPE_DATA &&
        readInt32(block + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET) == termOffset &&
        readInt32(block + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET) == sessionId() &&
        readInt32(block + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET) == streamId() &&
        readInt32(block + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET) == termId;
}

std::int64_t ExclusivePublication::offerBlock(const std::uint8_t* block, std::int32_t length) noexcept
{
    if (isClosed())
    {
        return PublicationResult::CLOSED;
    }
    if (block == nullptr || length < DataHeaderFlyweight::HEADER_LENGTH ||
        (length & (FrameDescriptor::FRAME_ALIGNMENT - 1)) != 0)
    {
        return PublicationResult::ERROR;
    }
    util::AtomicBuffer& metaData = m_blockLog->metaDataBuffer();
    const std::int32_t termLength = termBufferLength();
    const std::int32_t termCount = LogBufferDescriptor::activeTermCount(metaData);
    const std::int32_t index = LogBufferDescriptor::indexByTermCount(static_cast<std::uint32_t>(termCount));
    const std::int64_t rawTail = LogBufferDescriptor::rawTailVolatile(metaData, index);
    const std::int64_t tailOffset = rawTail & TAIL_OFFSET_MASK;
    const std::int32_t termId = LogBufferDescriptor::termId(rawTail);
    if (termCount != LogBufferDescriptor::computeTermCount(termId, initialTermId()))
    {
        return PublicationResult::ADMIN_ACTION;
    }
    const std::int64_t termBeginPosition =
        LogBufferDescriptor::computeTermBeginPosition(termId, m_blockPositionBitsToShift, initialTermId());
    if (tailOffset >= termLength)
    {
        // The term is full (an offer tripped it, or a block filled it): move on as Publication does.
        if (termBeginPosition + termLength >= maxPossiblePosition())
        {
            return PublicationResult::MAX_POSITION_EXCEEDED;
        }
        LogBufferDescriptor::rotateLog(metaData, termCount, termId);
        return PublicationResult::ADMIN_ACTION;
    }
    const auto termOffset = static_cast<std::int32_t>(tailOffset);
    if (length > termLength - termOffset || !isFirstFrameValid(block, length, termId, termOffset))
    {
        return PublicationResult::ERROR;
    }
    const std::int64_t position = termBeginPosition + termOffset;
    const std::int64_t limit = positionLimit();
    if (limit == PublicationResult::CLOSED)
    {
        return PublicationResult::CLOSED;
    }
    if (position >= limit)
    {
        if (position + length >= maxPossiblePosition())
        {
            return PublicationResult::MAX_POSITION_EXCEEDED;
        }
        return isConnected() ? PublicationResult::BACK_PRESSURED : PublicationResult::NOT_CONNECTED;
    }

    // Everything but the first frame's length goes in with plain stores; the space past the tail is clean, so
    // that length still reads 0 and no reader enters the block until the ordered store below releases it all.
    util::AtomicBuffer& term = m_blockLog->termBuffer(index);
    constexpr std::size_t LENGTH_FIELD = sizeof(std::int32_t);
    term.putBytes(static_cast<std::size_t>(termOffset) + LENGTH_FIELD, block + LENGTH_FIELD,
                  static_cast<std::size_t>(length) - LENGTH_FIELD);
    FrameDescriptor::frameLengthOrdered(term, termOffset, readInt32(block));
    const std::int32_t resultingOffset = termOffset + length;
    LogBufferDescriptor::rawTailOrdered(metaData, index, LogBufferDescriptor::packTail(termId, resultingOffset));
    return termBeginPosition + resultingOffset;
}
} // namespace cox::transport

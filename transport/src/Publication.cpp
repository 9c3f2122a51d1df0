#include "cox/transport/Publication.hpp"

#include <algorithm>
#include <string>

#include "ClientConductor.hpp"
#include "cox/transport/FrameDescriptor.hpp"

namespace cox::transport
{
namespace
{
constexpr std::int64_t TAIL_OFFSET_MASK = 0xFFFF'FFFFLL;
} // namespace

Publication::Publication(ClientConductor& conductor, std::string channel, std::int32_t streamId,
                         std::int32_t sessionId, std::int64_t registrationId, std::int64_t originalRegistrationId,
                         const util::Position& publicationLimit, std::int32_t channelStatusId,
                         std::unique_ptr<LogBuffers> logBuffers, bool exclusive)
    : m_conductor(&conductor),
      m_channel(std::move(channel)),
      m_logBuffers(std::move(logBuffers)),
      m_metaData(&m_logBuffers->metaDataBuffer()),
      m_appenders{TermAppender(m_logBuffers->termBuffer(0), *m_metaData, 0),
                  TermAppender(m_logBuffers->termBuffer(1), *m_metaData, 1),
                  TermAppender(m_logBuffers->termBuffer(2), *m_metaData, 2)},
      m_headerWriter(HeaderWriter::fromDefaultHeader(LogBufferDescriptor::defaultFrameHeader(*m_metaData))),
      m_publicationLimit(publicationLimit),
      m_registrationId(registrationId),
      m_originalRegistrationId(originalRegistrationId),
      m_maxPossiblePosition(LogBufferDescriptor::maxPossiblePosition(m_logBuffers->termLength())),
      m_streamId(streamId),
      m_sessionId(sessionId),
      m_initialTermId(LogBufferDescriptor::initialTermId(*m_metaData)),
      m_channelStatusId(channelStatusId),
      m_termLength(m_logBuffers->termLength()),
      m_positionBitsToShift(LogBufferDescriptor::positionBitsToShift(m_termLength)),
      m_maxMessageLength(LogBufferDescriptor::computeMaxMessageLength(m_termLength)),
      m_maxPayloadLength(FrameDescriptor::computeMaxPayloadLength(LogBufferDescriptor::mtuLength(*m_metaData))),
      m_exclusive(exclusive)
{
    // The MTU comes from another process's file: a value the appender cannot fragment by is refused here
    // rather than on the hot path.
    if (m_maxPayloadLength <= 0 || m_maxPayloadLength > m_termLength)
    {
        throw util::IllegalStateException("log " + m_logBuffers->path() + " has an invalid MTU " +
                                          std::to_string(LogBufferDescriptor::mtuLength(*m_metaData)));
    }
}

bool Publication::isConnected() const noexcept
{
    return !isClosed() && LogBufferDescriptor::isConnected(*m_metaData);
}

std::int64_t Publication::position() const noexcept
{
    if (isClosed())
    {
        return PublicationResult::CLOSED;
    }
    const std::int64_t rawTail = LogBufferDescriptor::rawTailVolatile(*m_metaData);
    const std::int32_t termOffset = LogBufferDescriptor::termOffset(rawTail, m_termLength);
    return LogBufferDescriptor::computePosition(LogBufferDescriptor::termId(rawTail), termOffset,
                                                m_positionBitsToShift, m_initialTermId);
}

std::int64_t Publication::positionLimit() const noexcept
{
    return isClosed() ? PublicationResult::CLOSED : m_publicationLimit.getVolatile();
}

// The shared front of every append (Aeron's ConcurrentPublication.offer): find the active term, check that
// no rotation is in progress and that the position is under pub-lmt, then let the appender claim; a
// claim that crossed the end of the term rotates the log and asks the caller to retry.
template <typename Append> std::int64_t Publication::append(std::int32_t length, Append&& appendFrames) noexcept
{
    if (isClosed())
    {
        return PublicationResult::CLOSED;
    }
    const std::int32_t termCount = LogBufferDescriptor::activeTermCount(*m_metaData);
    const std::int32_t index = LogBufferDescriptor::indexByTermCount(static_cast<std::uint32_t>(termCount));
    TermAppender& appender = m_appenders[static_cast<std::size_t>(index)];
    const std::int64_t rawTail = appender.rawTailVolatile();
    const std::int64_t termOffset = rawTail & TAIL_OFFSET_MASK;
    const std::int32_t termId = LogBufferDescriptor::termId(rawTail);
    if (termCount != LogBufferDescriptor::computeTermCount(termId, m_initialTermId))
    {
        return PublicationResult::ADMIN_ACTION;
    }
    const std::int64_t termBeginPosition =
        LogBufferDescriptor::computeTermBeginPosition(termId, m_positionBitsToShift, m_initialTermId);
    const std::int64_t position = termBeginPosition + std::min<std::int64_t>(termOffset, m_termLength);
    if (position >= m_publicationLimit.getVolatile())
    {
        return backPressureStatus(position, length);
    }
    const std::int32_t resultingOffset = appendFrames(appender, termId);
    if (resultingOffset > 0)
    {
        return termBeginPosition + resultingOffset;
    }
    if (termBeginPosition + m_termLength >= m_maxPossiblePosition)
    {
        return PublicationResult::MAX_POSITION_EXCEEDED;
    }
    LogBufferDescriptor::rotateLog(*m_metaData, termCount, termId);
    return PublicationResult::ADMIN_ACTION;
}

std::int64_t Publication::backPressureStatus(std::int64_t position, std::int32_t length) const noexcept
{
    if (position + FrameDescriptor::alignedLength(length + FrameDescriptor::HEADER_LENGTH) >= m_maxPossiblePosition)
    {
        return PublicationResult::MAX_POSITION_EXCEEDED;
    }
    return LogBufferDescriptor::isConnected(*m_metaData) ? PublicationResult::BACK_PRESSURED
                                                         : PublicationResult::NOT_CONNECTED;
}

std::int64_t Publication::offer(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                const ReservedValueSupplier& reservedValueSupplier) noexcept
{
    if (offset < 0 || length < 0 || !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
    {
        return PublicationResult::ERROR;
    }
    return offer(buffer.buffer() + offset, length, reservedValueSupplier);
}

std::int64_t Publication::offer(const std::uint8_t* data, std::int32_t length,
                                const ReservedValueSupplier& reservedValueSupplier) noexcept
{
    if (length < 0 || length > m_maxMessageLength || (data == nullptr && length > 0))
    {
        return PublicationResult::ERROR;
    }
    return append(length, [&](TermAppender& appender, std::int32_t termId)
    {
        return length <= m_maxPayloadLength
            ? appender.appendUnfragmentedMessage(m_headerWriter, data, length, reservedValueSupplier, termId)
            : appender.appendFragmentedMessage(m_headerWriter, data, length, m_maxPayloadLength,
                                               reservedValueSupplier, termId);
    });
}

std::int64_t Publication::offer(std::span<const BufferVector> vectors,
                                const ReservedValueSupplier& reservedValueSupplier) noexcept
{
    std::int64_t total = 0;
    for (const BufferVector& vector : vectors)
    {
        if (vector.length < 0 || (vector.buffer == nullptr && vector.length > 0))
        {
            return PublicationResult::ERROR;
        }
        total += vector.length;
        if (total > m_maxMessageLength)
        {
            return PublicationResult::ERROR;
        }
    }
    const auto length = static_cast<std::int32_t>(total);
    return append(length, [&](TermAppender& appender, std::int32_t termId)
    {
        return length <= m_maxPayloadLength
            ? appender.appendUnfragmentedMessage(m_headerWriter, vectors, length, reservedValueSupplier, termId)
            : appender.appendFragmentedMessage(m_headerWriter, vectors, length, m_maxPayloadLength,
                                               reservedValueSupplier, termId);
    });
}

std::int64_t Publication::tryClaim(std::int32_t length, BufferClaim& bufferClaim) noexcept
{
    if (length < 0 || length > m_maxPayloadLength)
    {
        return PublicationResult::ERROR;
    }
    return append(length, [&](TermAppender& appender, std::int32_t termId)
    { return appender.claim(m_headerWriter, length, bufferClaim, termId); });
}

std::int64_t Publication::appendPadding(std::int32_t length) noexcept
{
    if (length < 0 || length > m_termLength - FrameDescriptor::HEADER_LENGTH)
    {
        return PublicationResult::ERROR;
    }
    return append(length, [&](TermAppender& appender, std::int32_t termId)
                  { return appender.appendPadding(m_headerWriter, length, termId); });
}

void Publication::addDestination(const std::string& endpointChannel)
{
    m_conductor->addDestination(m_registrationId, endpointChannel);
}

void Publication::removeDestination(const std::string& endpointChannel)
{
    m_conductor->removeDestination(m_registrationId, endpointChannel);
}

void Publication::close()
{
    if (isClosed())
    {
        return;
    }
    m_conductor->releasePublication(*this);
}
} // namespace cox::transport

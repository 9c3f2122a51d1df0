#include "cox/transport/Image.hpp"

namespace cox::transport
{
Image::Image(std::int32_t sessionId, std::int64_t correlationId, std::int64_t subscriptionRegistrationId,
             std::string sourceIdentity, const util::Position& subscriberPosition,
             std::unique_ptr<LogBuffers> logBuffers)
    : m_logBuffers(std::move(logBuffers)),
      m_subscriberPosition(subscriberPosition),
      m_header(LogBufferDescriptor::initialTermId(m_logBuffers->metaDataBuffer()),
               LogBufferDescriptor::positionBitsToShift(m_logBuffers->termLength())),
      m_sourceIdentity(std::move(sourceIdentity)),
      m_correlationId(correlationId),
      m_subscriptionRegistrationId(subscriptionRegistrationId),
      m_joinPosition(subscriberPosition.getVolatile()),
      m_termLengthMask(static_cast<std::int64_t>(m_logBuffers->termLength()) - 1),
      m_sessionId(sessionId),
      m_termLength(m_logBuffers->termLength()),
      m_positionBitsToShift(LogBufferDescriptor::positionBitsToShift(m_termLength))
{
}

void Image::close() noexcept
{
    if (!isClosed())
    {
        m_finalPosition.store(m_subscriberPosition.getVolatile(), std::memory_order_release);
        m_isClosed.store(true, std::memory_order_release);
    }
}
} // namespace cox::transport

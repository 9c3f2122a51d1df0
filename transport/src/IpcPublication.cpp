#include "IpcPublication.hpp"

#include <algorithm>
#include <limits>

#include "LogBufferSetup.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"

namespace cox::transport
{
IpcPublication::IpcPublication(
    std::int64_t registrationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::string channel,
    bool isExclusive,
    std::string logFileName,
    std::unique_ptr<LogBuffers> logBuffers,
    util::Position publisherLimit,
    std::int32_t termWindowLength,
    util::CountersManager& counters)
    : m_registrationId(registrationId),
      m_sessionId(sessionId),
      m_streamId(streamId),
      m_channel(std::move(channel)),
      m_isExclusive(isExclusive),
      m_logFileName(std::move(logFileName)),
      m_logBuffers(std::move(logBuffers)),
      m_publisherLimit(publisherLimit),
      m_termWindowLength(termWindowLength),
      m_tripGain(termWindowLength / 8),
      m_positionBitsToShift(LogBufferDescriptor::positionBitsToShift(m_logBuffers->termLength())),
      m_initialTermId(LogBufferDescriptor::initialTermId(m_logBuffers->metaDataBuffer())),
      m_counters(counters)
{
    m_consumerPosition = producerPosition();
    m_cleanPosition = m_consumerPosition;
    m_publisherLimit.setOrdered(m_consumerPosition);
}

IpcPublication::~IpcPublication()
{
    if (m_publisherPosition.id() != util::CountersDescriptor::NULL_COUNTER_ID)
    {
        m_counters.free(m_publisherPosition.id());
    }
    for (auto& subscriber : m_subscribers)
    {
        m_counters.free(subscriber.position.id());
    }
    m_counters.free(m_publisherLimit.id());
}

std::int64_t IpcPublication::producerPosition() const
{
    return producerPositionOf(*m_logBuffers);
}

int IpcPublication::updatePublisherLimit()
{
    if (m_publisherPosition.id() != util::CountersDescriptor::NULL_COUNTER_ID)
    {
        m_publisherPosition.setOrdered(producerPosition());
    }
    if (m_state != State::ACTIVE)
    {
        return 0;
    }
    util::AtomicBuffer& metaData = m_logBuffers->metaDataBuffer();
    if (m_subscribers.empty())
    {
        // With nobody reading, producers are held at the last consumed position and told they
        // are not connected (facts §3.4).
        LogBufferDescriptor::isConnected(metaData, false);
        m_publisherLimit.setOrdered(m_consumerPosition);
        m_tripLimit = m_consumerPosition;
        return 0;
    }
    std::int64_t minSubscriberPosition = std::numeric_limits<std::int64_t>::max();
    std::int64_t maxSubscriberPosition = m_consumerPosition;
    for (const auto& subscriber : m_subscribers)
    {
        const std::int64_t position = subscriber.position.getVolatile();
        minSubscriberPosition = std::min(minSubscriberPosition, position);
        maxSubscriberPosition = std::max(maxSubscriberPosition, position);
    }
    LogBufferDescriptor::isConnected(metaData, true);
    int workCount = 0;
    const std::int64_t proposedLimit = minSubscriberPosition + m_termWindowLength;
    if (proposedLimit > m_tripLimit)
    {
        // Clean first: the release of the new limit then orders the zeroing before any write it permits.
        cleanBufferTo(minSubscriberPosition);
        m_publisherLimit.setOrdered(proposedLimit);
        m_tripLimit = proposedLimit + m_tripGain;
        workCount = 1;
    }
    m_consumerPosition = maxSubscriberPosition;
    return workCount;
}

void IpcPublication::cleanBufferTo(std::int64_t position)
{
    // Zero what every subscriber has passed so the partition is clean when the producer wraps
    // back to it; at most to the end of one term per call.
    const std::int64_t cleanPosition = m_cleanPosition;
    if (position <= cleanPosition)
    {
        return;
    }
    const std::int32_t termLength = m_logBuffers->termLength();
    const std::int32_t index = LogBufferDescriptor::indexByPosition(cleanPosition, m_positionBitsToShift);
    const std::int32_t termOffset = LogBufferDescriptor::computeTermOffsetFromPosition(cleanPosition, m_positionBitsToShift);
    const std::int64_t bytesLeftInTerm = termLength - termOffset;
    const std::int64_t length = std::min(position - cleanPosition, bytesLeftInTerm);
    m_logBuffers->termBuffer(index).setMemory(
        static_cast<std::size_t>(termOffset), static_cast<std::size_t>(length), 0);
    m_cleanPosition = cleanPosition + length;
}

void IpcPublication::addSubscriber(std::int64_t subscriptionRegistrationId, util::Position position)
{
    m_subscribers.push_back({subscriptionRegistrationId, position});
    m_tripLimit = 0; // recompute the limit on the next update
}

bool IpcPublication::removeSubscriber(std::int64_t subscriptionRegistrationId)
{
    bool removed = false;
    for (auto it = m_subscribers.begin(); it != m_subscribers.end();)
    {
        if (it->subscriptionRegistrationId == subscriptionRegistrationId)
        {
            m_counters.free(it->position.id());
            it = m_subscribers.erase(it);
            removed = true;
        }
        else
        {
            ++it;
        }
    }
    return removed;
}

int IpcPublication::decRef(std::int64_t nowNs)
{
    if (--m_refCount == 0 && m_state == State::ACTIVE)
    {
        const std::int64_t endPosition = producerPosition();
        util::AtomicBuffer& metaData = m_logBuffers->metaDataBuffer();
        LogBufferDescriptor::endOfStreamPosition(metaData, endPosition);
        m_publisherLimit.setOrdered(endPosition);
        m_state = State::DRAINING;
        m_lingerDeadlineNs = nowNs;
    }
    return m_refCount;
}

bool IpcPublication::onTimeEvent(std::int64_t nowNs, std::int64_t lingerTimeoutNs)
{
    switch (m_state)
    {
        case State::DRAINING:
        {
            const std::int64_t endPosition = producerPosition();
            const bool drained = std::all_of(
                m_subscribers.begin(), m_subscribers.end(),
                [endPosition](const SubscriberPosition& s) { return s.position.getVolatile() >= endPosition; });
            if (drained)
            {
                m_state = State::LINGER;
                m_lingerDeadlineNs = nowNs + lingerTimeoutNs;
                return true;
            }
            return false;
        }
        case State::LINGER:
            if (nowNs >= m_lingerDeadlineNs)
            {
                m_state = State::DONE;
            }
            return false;
        case State::ACTIVE:
        case State::DONE:
            return false;
    }
    return false;
}
} // namespace cox::transport

#include "PublicationImage.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ReceiveChannelEndpoint.hpp"
#include "SystemCounters.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/TermRebuilder.hpp"

namespace cox::transport
{
namespace
{
/// The validator checked the frames against the datagram; a PAD frame's length, though, may claim
/// far more than the datagram carries, so every frame must also end inside the term.
bool framesFitInTerm(std::int32_t termOffset, const std::uint8_t* datagram, std::int32_t length, std::int32_t termLength)
{
    std::int64_t position = 0;
    while (position < length)
    {
        std::int32_t frameLength;
        std::memcpy(&frameLength, datagram + position, sizeof(frameLength));
        if (frameLength <= 0)
        {
            return false;
        }
        const std::int64_t alignedLength = (static_cast<std::int64_t>(frameLength) + 31) & ~static_cast<std::int64_t>(31);
        if (termOffset + position + alignedLength > termLength)
        {
            return false;
        }
        position += alignedLength;
    }
    return true;
}
} // namespace

PublicationImage::PublicationImage(
    std::int64_t correlationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::int64_t joinPosition,
    std::string logFileName,
    std::unique_ptr<LogBuffers> logBuffers,
    ReceiveChannelEndpoint& endpoint,
    const InetAddress& controlAddress,
    int transportIndex,
    util::Position receiverHwm,
    util::Position receiverPosition,
    std::vector<SubscriberPosition> subscribers,
    const MediaDriverContext& context,
    util::CountersManager& counters,
    std::int64_t nowNs)
    : m_correlationId(correlationId),
      m_sessionId(sessionId),
      m_streamId(streamId),
      m_joinPosition(joinPosition),
      m_logFileName(std::move(logFileName)),
      m_sourceIdentity(controlAddress.toString()),
      m_logBuffers(std::move(logBuffers)),
      m_endpoint(endpoint),
      m_receiverHwm(receiverHwm),
      m_receiverPosition(receiverPosition),
      m_subscribers(std::move(subscribers)),
      m_linkedSubscribers(m_subscribers),
      m_counters(counters),
      m_lossDetector(FeedbackDelayGenerator::staticDelay(context.nakUnicastDelayNs, context.nakUnicastRetryDelayRatio)),
      m_statusMessages(
          joinPosition,
          std::min(context.initialWindowLength, m_logBuffers->termLength() / 2),
          context.statusMessageTimeoutNs),
      m_termLength(m_logBuffers->termLength()),
      m_termLengthMask(m_termLength - 1),
      m_positionBitsToShift(LogBufferDescriptor::positionBitsToShift(m_termLength)),
      m_initialTermId(LogBufferDescriptor::initialTermId(m_logBuffers->metaDataBuffer())),
      m_windowLength(std::min(context.initialWindowLength, m_logBuffers->termLength() / 2)),
      m_imageLivenessTimeoutNs(context.imageLivenessTimeoutNs),
      m_lastPacketNs(nowNs),
      m_cleanPosition(joinPosition)
{
    m_receiverHwm.setOrdered(joinPosition);
    m_receiverPosition.setOrdered(joinPosition);
    trackConnection(controlAddress, transportIndex, nowNs);
}

PublicationImage::~PublicationImage()
{
    for (auto& subscriber : m_subscribers)
    {
        m_counters.free(subscriber.position.id());
    }
    m_counters.free(m_receiverHwm.id());
    m_counters.free(m_receiverPosition.id());
}

std::int64_t PublicationImage::lateJoinPosition() const noexcept
{
    std::int64_t position = m_receiverPosition.getVolatile();
    for (const auto& subscriber : m_linkedSubscribers)
    {
        position = std::min(position, subscriber.position.getVolatile());
    }
    return position;
}

void PublicationImage::linkSubscriber(std::int64_t subscriptionRegistrationId, util::Position position)
{
    m_linkedSubscribers.push_back({subscriptionRegistrationId, position});
}

void PublicationImage::unlinkSubscriber(std::int64_t subscriptionRegistrationId) noexcept
{
    std::erase_if(m_linkedSubscribers, [subscriptionRegistrationId](const SubscriberPosition& subscriber) {
        return subscriber.subscriptionRegistrationId == subscriptionRegistrationId;
    });
}

int PublicationImage::insertPacket(
    std::int32_t termId,
    std::int32_t termOffset,
    const std::uint8_t* datagram,
    std::int32_t length,
    bool isHeartbeat,
    bool isEndOfStream,
    const InetAddress& source,
    int transportIndex,
    std::int64_t nowNs)
{
    if (LogBufferDescriptor::computeTermCount(termId, m_initialTermId) < 0)
    {
        return 0; // before the stream began
    }
    const std::int64_t packetPosition =
        LogBufferDescriptor::computePosition(termId, termOffset, m_positionBitsToShift, m_initialTermId);
    const std::int64_t proposedPosition = isHeartbeat ? packetPosition : packetPosition + length;
    const std::int64_t lastSmPosition = m_statusMessages.lastSentPosition();
    if (proposedPosition > lastSmPosition + m_termLength / 2)
    {
        // Beyond what we allowed: a sender ignoring flow control, or one joining far ahead. Writing it
        // could reach a partition still being read, so it is dropped. A known source is still alive,
        // though, and keeps getting SMs so its flow control holds it until the image catches up.
        ++m_overruns;
        countIn(m_systemCounters, &SystemCounters::flowControlOverRuns);
        if (Connection* connection = findConnection(source, transportIndex))
        {
            connection->timeOfLastFrameNs = nowNs;
        }
        return 0;
    }
    if (isHeartbeat)
    {
        if (packetPosition >= lastSmPosition - m_termLength)
        {
            m_receiverHwm.proposeMaxOrdered(proposedPosition);
            m_lastPacketNs = nowNs;
            Connection& connection = trackConnection(source, transportIndex, nowNs);
            if (isEndOfStream)
            {
                onEndOfStream(connection, packetPosition, nowNs);
            }
            else
            {
                connection.endOfStreamPosition = INT64_MAX;
            }
        }
        return 0;
    }
    if (packetPosition < lastSmPosition)
    {
        // Already consumed by every subscriber: a late retransmit, or a source behind the others.
        ++m_underruns;
        countIn(m_systemCounters, &SystemCounters::flowControlUnderRuns);
        m_lastPacketNs = nowNs;
        trackConnection(source, transportIndex, nowNs);
        return 0;
    }
    if (!framesFitInTerm(termOffset, datagram, length, m_termLength))
    {
        ++m_invalidFrames;
        countIn(m_systemCounters, &SystemCounters::invalidPackets);
        return 0;
    }
    util::AtomicBuffer& termBuffer =
        m_logBuffers->termBuffer(LogBufferDescriptor::indexByPosition(packetPosition, m_positionBitsToShift));
    if (TermRebuilder::insert(termBuffer, termOffset, datagram, length) == TermRebuilder::InsertResult::OUT_OF_RANGE)
    {
        return 0;
    }
    m_receiverHwm.proposeMaxOrdered(proposedPosition);
    m_lastPacketNs = nowNs;
    trackConnection(source, transportIndex, nowNs);
    return length;
}

bool PublicationImage::onSetup(
    std::int32_t initialTermId, std::int32_t termLength, const InetAddress& source, int transportIndex,
    std::int64_t nowNs)
{
    // A sender whose positions would not line up with ours must not feed this image.
    if (initialTermId != m_initialTermId || termLength != m_termLength)
    {
        return false;
    }
    trackConnection(source, transportIndex, nowNs);
    return true;
}

// A connection is a source heard through one transport: the same address on two destinations (two sockets)
// would be answered through each.
PublicationImage::Connection* PublicationImage::findConnection(const InetAddress& source, int transportIndex) noexcept
{
    for (int i = 0; i < m_connectionCount; ++i)
    {
        const Connection& connection = m_connections[static_cast<std::size_t>(i)];
        if (connection.transportIndex == transportIndex && connection.controlAddress == source)
        {
            return &m_connections[static_cast<std::size_t>(i)];
        }
    }
    return nullptr;
}

PublicationImage::Connection& PublicationImage::trackConnection(
    const InetAddress& source, int transportIndex, std::int64_t nowNs) noexcept
{
    Connection* connection = findConnection(source, transportIndex);
    if (connection == nullptr)
    {
        if (m_connectionCount < MAX_CONNECTIONS)
        {
            connection = &m_connections[static_cast<std::size_t>(m_connectionCount++)];
        }
        else
        {
            connection = &m_connections[0];
            for (auto& candidate : m_connections)
            {
                if (candidate.timeOfLastFrameNs < connection->timeOfLastFrameNs)
                {
                    connection = &candidate;
                }
            }
        }
        connection->controlAddress = source;
        connection->transportIndex = transportIndex;
        connection->endOfStreamPosition = INT64_MAX;
    }
    connection->timeOfLastFrameNs = nowNs;
    return *connection;
}

void PublicationImage::onTransportRemoved(int transportIndex) noexcept
{
    int kept = 0;
    for (int i = 0; i < m_connectionCount; ++i)
    {
        if (m_connections[static_cast<std::size_t>(i)].transportIndex != transportIndex)
        {
            m_connections[static_cast<std::size_t>(kept++)] = m_connections[static_cast<std::size_t>(i)];
        }
    }
    m_connectionCount = kept;
}

bool PublicationImage::isLive(const Connection& connection, std::int64_t nowNs) const noexcept
{
    return nowNs - connection.timeOfLastFrameNs <= m_imageLivenessTimeoutNs;
}

void PublicationImage::onEndOfStream(Connection& connection, std::int64_t position, std::int64_t nowNs)
{
    connection.endOfStreamPosition = position;
    // One source ending (a finished replay) must not end the image while another still feeds it.
    std::int64_t endOfStreamPosition = 0;
    for (int i = 0; i < m_connectionCount; ++i)
    {
        const Connection& candidate = m_connections[static_cast<std::size_t>(i)];
        if (isLive(candidate, nowNs))
        {
            if (candidate.endOfStreamPosition == INT64_MAX)
            {
                return;
            }
            endOfStreamPosition = std::max(endOfStreamPosition, candidate.endOfStreamPosition);
        }
    }
    m_endOfStreamPosition = endOfStreamPosition;
    LogBufferDescriptor::endOfStreamPosition(m_logBuffers->metaDataBuffer(), endOfStreamPosition);
}

int PublicationImage::doDuties(std::int64_t nowNs)
{
    if (state() != State::ACTIVE)
    {
        return 0;
    }
    int workCount = 0;
    std::int64_t minSubscriberPosition = std::numeric_limits<std::int64_t>::max();
    std::int64_t maxSubscriberPosition = std::numeric_limits<std::int64_t>::min();
    for (const auto& subscriber : m_subscribers)
    {
        const std::int64_t position = subscriber.position.getVolatile();
        minSubscriberPosition = std::min(minSubscriberPosition, position);
        maxSubscriberPosition = std::max(maxSubscriberPosition, position);
    }

    // Loss: scan from the rebuild position towards the high-water mark; NAK the first gap when due.
    const std::int64_t rebuildPosition = std::max(m_receiverPosition.get(), maxSubscriberPosition);
    const std::int64_t hwmPosition = m_receiverHwm.get();
    if (rebuildPosition < hwmPosition)
    {
        const util::AtomicBuffer& termBuffer =
            m_logBuffers->termBuffer(LogBufferDescriptor::indexByPosition(rebuildPosition, m_positionBitsToShift));
        const LossDetector::ScanOutcome outcome = m_lossDetector.scan(
            termBuffer, rebuildPosition, hwmPosition, nowNs, m_termLengthMask, m_positionBitsToShift, m_initialTermId,
            [&](std::int32_t termId, std::int32_t termOffset, std::int32_t length)
            {
                // Every live source is asked: whichever still holds the range resends it.
                for (int i = 0; i < m_connectionCount; ++i)
                {
                    const Connection& connection = m_connections[static_cast<std::size_t>(i)];
                    if (isLive(connection, nowNs))
                    {
                        m_endpoint.sendNak(
                            connection.controlAddress, connection.transportIndex, m_sessionId, m_streamId, termId,
                            termOffset, length);
                    }
                }
                ++m_naksSent;
                countIn(m_systemCounters, &SystemCounters::naksSent);
                ++workCount;
            });
        if (m_receiverPosition.proposeMaxOrdered(outcome.rebuildPosition))
        {
            ++workCount;
        }
    }

    // Flow control: the SM carries the slowest subscriber's position.
    if (!m_subscribers.empty())
    {
        if (m_statusMessages.schedule(minSubscriberPosition, m_windowLength))
        {
            cleanBufferTo(minSubscriberPosition - m_termLength);
        }
        if (m_statusMessages.isSendDue(nowNs))
        {
            sendStatusMessage(nowNs);
            ++workCount;
        }
    }

    int activeTransportCount = 0;
    for (int i = 0; i < m_connectionCount; ++i)
    {
        activeTransportCount += isLive(m_connections[static_cast<std::size_t>(i)], nowNs) ? 1 : 0;
    }
    if (activeTransportCount != m_activeTransportCount)
    {
        m_activeTransportCount = activeTransportCount;
        LogBufferDescriptor::activeTransportCount(m_logBuffers->metaDataBuffer(), activeTransportCount);
    }

    // Liveness: silence for the timeout, the stream ended and everyone has read it all, or nobody
    // subscribes any more.
    const bool endOfStreamConsumed =
        m_endOfStreamPosition != INT64_MAX && m_receiverPosition.get() >= m_endOfStreamPosition &&
        minSubscriberPosition >= m_endOfStreamPosition;
    if (nowNs - m_lastPacketNs > m_imageLivenessTimeoutNs || endOfStreamConsumed || m_subscribers.empty())
    {
        m_state.store(State::INACTIVE, std::memory_order_release);
        ++workCount;
    }
    return workCount;
}

void PublicationImage::sendStatusMessage(std::int64_t nowNs)
{
    const std::int64_t position = m_statusMessages.scheduledPosition();
    const std::int32_t termId =
        LogBufferDescriptor::computeTermIdFromPosition(position, m_positionBitsToShift, m_initialTermId);
    const std::int32_t termOffset = static_cast<std::int32_t>(position & m_termLengthMask);
    const std::uint8_t flags = state() == State::ACTIVE ? 0 : codecs::frames::StatusMessageFlyweight::END_OF_STREAM_FLAG;
    // Every live source gets the same SM, so each one's flow control follows the slowest subscriber.
    bool sent = false;
    for (int i = 0; i < m_connectionCount; ++i)
    {
        const Connection& connection = m_connections[static_cast<std::size_t>(i)];
        if (isLive(connection, nowNs) &&
            m_endpoint.sendStatusMessage(
                connection.controlAddress, connection.transportIndex, m_sessionId, m_streamId, termId, termOffset,
                m_statusMessages.scheduledWindowLength(), flags) >= 0)
        {
            sent = true;
        }
    }
    if (sent)
    {
        m_statusMessages.onStatusMessageSent(nowNs);
    }
}

void PublicationImage::cleanBufferTo(std::int64_t position)
{
    if (position <= m_cleanPosition)
    {
        return;
    }
    const std::int32_t index = LogBufferDescriptor::indexByPosition(m_cleanPosition, m_positionBitsToShift);
    const std::int32_t termOffset = static_cast<std::int32_t>(m_cleanPosition & m_termLengthMask);
    const std::int64_t length = std::min<std::int64_t>(position - m_cleanPosition, m_termLength - termOffset);
    m_logBuffers->termBuffer(index).setMemory(static_cast<std::size_t>(termOffset), static_cast<std::size_t>(length), 0);
    m_cleanPosition += length;
}

void PublicationImage::addSubscriber(std::int64_t subscriptionRegistrationId, util::Position position)
{
    m_subscribers.push_back({subscriptionRegistrationId, position});
}

bool PublicationImage::removeSubscriber(std::int64_t subscriptionRegistrationId)
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
} // namespace cox::transport

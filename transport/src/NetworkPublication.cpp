#include "NetworkPublication.hpp"

#include <algorithm>

#include "LogBufferSetup.hpp"
#include "SendChannelEndpoint.hpp"
#include "SystemCounters.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/codecs/frames/SetupFlyweight.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/TermScanner.hpp"

namespace cox::transport
{
using namespace codecs::frames;

namespace
{
/// Datagrams sent per publication per duty cycle, as Aeron's max_messages_per_send.
constexpr int MAX_DATAGRAMS_PER_SEND = 2;

std::string spyKeyOf(const ChannelUri& uri)
{
    if (const auto endpoint = uri.endpoint())
    {
        return "endpoint=" + std::string(*endpoint);
    }
    if (const auto control = uri.control())
    {
        return "control=" + std::string(*control);
    }
    // A manual multi-destination publication has neither: spies (e.g. a cluster leader's archive and services on
    // its log) find it by its tag.
    if (const auto tags = uri.get(ChannelUri::TAGS_PARAM))
    {
        return "tags=" + std::string(*tags);
    }
    return {};
}
} // namespace

NetworkPublication::NetworkPublication(
    std::int64_t registrationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::string channel,
    const ChannelUri& uri,
    bool isExclusive,
    std::string logFileName,
    std::unique_ptr<LogBuffers> logBuffers,
    SendChannelEndpoint& endpoint,
    Positions positions,
    std::unique_ptr<FlowControl> flowControl,
    const MediaDriverContext& context,
    util::CountersManager& counters,
    std::int32_t termWindowLength)
    : m_registrationId(registrationId),
      m_sessionId(sessionId),
      m_streamId(streamId),
      m_channel(std::move(channel)),
      m_spyMatchKey(spyKeyOf(uri)),
      m_isExclusive(isExclusive),
      m_logFileName(std::move(logFileName)),
      m_logBuffers(std::move(logBuffers)),
      m_endpoint(endpoint),
      m_positions(positions),
      m_senderPosition(m_positions.senderPosition),
      m_flowControl(std::move(flowControl)),
      // A pool of retransmit actions for unicast too (Aeron uses one slot there): with one slot a
      // lingering resend blocks the NAK for the next gap for the whole linger, which caps loss
      // recovery at about one gap per 10 ms.
      m_retransmitHandler(
          true,
          RetransmitHandler::DEFAULT_MAX_RESEND,
          context.retransmitUnicastDelayNs,
          context.retransmitUnicastLingerNs),
      m_counters(counters),
      m_termLength(m_logBuffers->termLength()),
      m_termLengthMask(m_termLength - 1),
      m_positionBitsToShift(LogBufferDescriptor::positionBitsToShift(m_termLength)),
      m_initialTermId(LogBufferDescriptor::initialTermId(m_logBuffers->metaDataBuffer())),
      m_mtuLength(LogBufferDescriptor::mtuLength(m_logBuffers->metaDataBuffer())),
      m_termWindowLength(termWindowLength),
      m_heartbeatIntervalNs(context.heartbeatIntervalNs),
      m_setupIntervalNs(context.setupIntervalNs),
      m_connectionTimeoutNs(context.publicationConnectionTimeoutNs),
      m_lingerTimeoutNs(context.publicationLingerTimeoutNs),
      m_isGroup(endpoint.isMultiDestination())
{
    const std::int64_t position = producerPosition();
    m_senderPosition.setOrdered(position);
    m_positions.senderLimit.setOrdered(position);
    m_positions.publisherLimit.setOrdered(position);
    m_cleanPosition = position;
}

NetworkPublication::~NetworkPublication()
{
    if (m_publisherPosition.id() != util::CountersDescriptor::NULL_COUNTER_ID)
    {
        m_counters.free(m_publisherPosition.id());
    }
    for (auto& spy : m_spies)
    {
        m_counters.free(spy.position.id());
    }
    m_counters.free(m_positions.publisherLimit.id());
    m_counters.free(m_positions.senderPosition.id());
    m_counters.free(m_positions.senderLimit.id());
}

std::int64_t NetworkPublication::producerPosition() const
{
    return producerPositionOf(*m_logBuffers);
}

// ---- sender thread ----

int NetworkPublication::send(std::int64_t nowNs)
{
    const std::int64_t senderPosition = m_senderPosition.get();
    if (!m_hasInitialConnection || m_isSetupElicited)
    {
        sendSetupIfDue(nowNs, senderPosition);
    }
    int bytesSent = sendData(nowNs, senderPosition);
    if (bytesSent == 0)
    {
        sendHeartbeatIfDue(nowNs, m_senderPosition.get());
        const std::int64_t limit = m_flowControl->onIdle(
            nowNs, m_positions.senderLimit.get(), m_senderPosition.get(), m_isEndOfStream.load(std::memory_order_acquire));
        m_positions.senderLimit.setOrdered(limit);
        m_hasRequiredReceivers.store(m_flowControl->hasRequiredReceivers(), std::memory_order_release);
    }
    m_retransmitHandler.processTimeouts(
        nowNs, [this](std::int32_t termId, std::int32_t termOffset, std::int32_t length)
        { resend(termId, termOffset, length); });
    return bytesSent;
}

int NetworkPublication::sendData(std::int64_t nowNs, std::int64_t senderPosition)
{
    int bytesSent = 0;
    std::int64_t position = senderPosition;
    for (int datagrams = 0; datagrams < MAX_DATAGRAMS_PER_SEND; ++datagrams)
    {
        const std::int64_t window = m_positions.senderLimit.get() - position;
        if (window <= 0)
        {
            break;
        }
        const std::int32_t scanLimit = static_cast<std::int32_t>(std::min<std::int64_t>(window, m_mtuLength));
        const std::int32_t termOffset = static_cast<std::int32_t>(position & m_termLengthMask);
        util::AtomicBuffer& termBuffer =
            m_logBuffers->termBuffer(LogBufferDescriptor::indexByPosition(position, m_positionBitsToShift));
        const TermScanner::ScanOutcome outcome = TermScanner::scanForAvailability(termBuffer, termOffset, scanLimit);
        if (outcome.available <= 0)
        {
            break;
        }
        const std::int64_t sent = m_endpoint.send(
            termBuffer.buffer() + termOffset, static_cast<std::size_t>(outcome.available));
        if (sent < 0 || (sent == 0 && outcome.available > 0))
        {
            break; // socket full or failed: try again next cycle from the same position
        }
        bytesSent += outcome.available;
        position += outcome.available + outcome.padding;
        m_senderPosition.setOrdered(position);
        m_timeOfLastSendNs = nowNs;
    }
    if (bytesSent > 0)
    {
        // The sender cleans, so it never zeroes memory it is reading; a full term behind the slowest
        // consumer (itself or a spy) stays intact for retransmits.
        cleanBufferTo(std::min(position, m_minSpyPosition.load(std::memory_order_acquire)) - m_termLength);
    }
    return bytesSent;
}

void NetworkPublication::sendSetupIfDue(std::int64_t nowNs, std::int64_t senderPosition)
{
    if (nowNs - m_timeOfLastSetupNs < m_setupIntervalNs && m_timeOfLastSetupNs != 0)
    {
        return;
    }
    SetupFlyweight setup(m_controlFrame, SetupFlyweight::HEADER_LENGTH);
    setup.writeHeader(SetupFlyweight::HEADER_LENGTH, m_isGroup ? SetupFlyweight::GROUP_FLAG : 0,
                      HeaderFlyweight::HDR_TYPE_SETUP);
    setup.termOffset(static_cast<std::int32_t>(senderPosition & m_termLengthMask));
    setup.sessionId(m_sessionId);
    setup.streamId(m_streamId);
    setup.initialTermId(m_initialTermId);
    setup.activeTermId(
        LogBufferDescriptor::computeTermIdFromPosition(senderPosition, m_positionBitsToShift, m_initialTermId));
    setup.termLength(m_termLength);
    setup.mtu(m_mtuLength);
    setup.ttl(0);
    m_endpoint.send(m_controlFrame, SetupFlyweight::HEADER_LENGTH);
    m_timeOfLastSetupNs = nowNs;
    if (m_hasInitialConnection)
    {
        m_isSetupElicited = false;
    }
}

void NetworkPublication::sendHeartbeatIfDue(std::int64_t nowNs, std::int64_t senderPosition)
{
    // Heartbeats start after the first SM (facts §1.9); they carry the position so a receiver can
    // see tail loss, and EOS once the stream has ended and everything is sent.
    if (!m_hasInitialConnection || nowNs - m_timeOfLastSendNs < m_heartbeatIntervalNs)
    {
        return;
    }
    DataHeaderFlyweight heartbeat(m_controlFrame, DataHeaderFlyweight::HEADER_LENGTH);
    std::uint8_t flags = DataHeaderFlyweight::BEGIN_FLAG | DataHeaderFlyweight::END_FLAG;
    if (m_isEndOfStream.load(std::memory_order_acquire))
    {
        flags |= DataHeaderFlyweight::EOS_FLAG;
    }
    heartbeat.writeHeader(0, flags, HeaderFlyweight::HDR_TYPE_DATA);
    heartbeat.termOffset(static_cast<std::int32_t>(senderPosition & m_termLengthMask));
    heartbeat.sessionId(m_sessionId);
    heartbeat.streamId(m_streamId);
    heartbeat.termId(LogBufferDescriptor::computeTermIdFromPosition(senderPosition, m_positionBitsToShift, m_initialTermId));
    heartbeat.reservedValue(0);
    m_endpoint.send(m_controlFrame, DataHeaderFlyweight::HEADER_LENGTH);
    m_timeOfLastSendNs = nowNs;
}

void NetworkPublication::onStatusMessage(
    const StatusMessageFlyweight& sm, const InetAddress& /*source*/, std::int64_t nowNs)
{
    const StatusMessageFields fields = StatusMessageFields::from(sm);
    if (fields.isSetupRequest())
    {
        m_isSetupElicited = true;
        m_timeOfLastSetupNs = 0;
        const std::int64_t limit =
            m_flowControl->onSetup(fields, m_positions.senderLimit.get(), m_senderPosition.get(), nowNs);
        m_positions.senderLimit.setOrdered(limit);
        return;
    }
    m_hasInitialConnection = true;
    if (fields.isEndOfStream())
    {
        m_receiverSentEos.store(true, std::memory_order_release);
    }
    const std::int64_t limit = m_flowControl->onStatusMessage(
        fields, m_positions.senderLimit.get(), m_initialTermId, m_positionBitsToShift, nowNs);
    m_positions.senderLimit.setOrdered(limit);
    m_hasRequiredReceivers.store(m_flowControl->hasRequiredReceivers(), std::memory_order_release);
    m_timeOfLastStatusMessageNs.store(nowNs, std::memory_order_release);
}

void NetworkPublication::onNak(const NakFlyweight& nak, std::int64_t nowNs)
{
    m_retransmitHandler.onNak(
        nak.termId(), nak.termOffset(), nak.length(), m_termLength, nowNs,
        [this](std::int32_t termId, std::int32_t termOffset, std::int32_t length) { resend(termId, termOffset, length); });
}

void NetworkPublication::onRttMeasurement(
    const RttMeasurementFlyweight& rttm, const InetAddress& source, std::int64_t /*nowNs*/)
{
    if ((rttm.flags() & RttMeasurementFlyweight::REPLY_FLAG) == 0)
    {
        return;
    }
    RttMeasurementFlyweight reply(m_controlFrame, RttMeasurementFlyweight::HEADER_LENGTH);
    reply.writeHeader(RttMeasurementFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_RTTM);
    reply.sessionId(m_sessionId);
    reply.streamId(m_streamId);
    reply.echoTimestampNs(rttm.echoTimestampNs());
    reply.receptionDeltaNs(0);
    reply.receiverId(rttm.receiverId());
    m_endpoint.sendTo(m_controlFrame, RttMeasurementFlyweight::HEADER_LENGTH, source);
}

void NetworkPublication::resend(std::int32_t termId, std::int32_t termOffset, std::int32_t length)
{
    const std::int64_t senderPosition = m_senderPosition.get();
    const std::int64_t resendPosition =
        LogBufferDescriptor::computePosition(termId, termOffset, m_positionBitsToShift, m_initialTermId);
    const std::int64_t bottom = senderPosition - (m_termLength / 2) -
        LogBufferDescriptor::computeMaxMessageLength(m_termLength);
    if (resendPosition < bottom || resendPosition >= senderPosition)
    {
        return; // too old to be in the log any more, or not sent yet
    }
    const std::int32_t resendLength = m_flowControl->maxRetransmissionLength(termOffset, length, m_termLength);
    util::AtomicBuffer& termBuffer =
        m_logBuffers->termBuffer(LogBufferDescriptor::indexByPosition(resendPosition, m_positionBitsToShift));
    std::int32_t offset = termOffset;
    std::int32_t remaining = std::min<std::int32_t>(resendLength, static_cast<std::int32_t>(senderPosition - resendPosition));
    while (remaining > 0)
    {
        const TermScanner::ScanOutcome outcome =
            TermScanner::scanForAvailability(termBuffer, offset, std::min(remaining, m_mtuLength));
        if (outcome.available <= 0)
        {
            break;
        }
        m_endpoint.send(termBuffer.buffer() + offset, static_cast<std::size_t>(outcome.available));
        ++m_retransmitsSent;
        countIn(m_systemCounters, &SystemCounters::retransmitsSent);
        const std::int32_t consumed = outcome.available + outcome.padding;
        offset += consumed;
        remaining -= consumed;
    }
}

// ---- conductor thread ----

bool NetworkPublication::isConnected(std::int64_t nowNs) const noexcept
{
    const std::int64_t lastSm = m_timeOfLastStatusMessageNs.load(std::memory_order_acquire);
    return nowNs - lastSm < m_connectionTimeoutNs && m_hasRequiredReceivers.load(std::memory_order_acquire);
}

void NetworkPublication::onConductorStall(std::int64_t stallNs) noexcept
{
    // A status message the sender records meanwhile wins: it is fresher than any shifted time.
    std::int64_t lastSm = m_timeOfLastStatusMessageNs.load(std::memory_order_acquire);
    m_timeOfLastStatusMessageNs.compare_exchange_strong(lastSm, lastSm + stallNs, std::memory_order_acq_rel);
}

int NetworkPublication::updatePublisherLimit(std::int64_t nowNs)
{
    if (m_publisherPosition.id() != util::CountersDescriptor::NULL_COUNTER_ID)
    {
        m_publisherPosition.setOrdered(producerPosition());
    }
    if (state() != State::ACTIVE)
    {
        return 0;
    }
    const bool connected = isConnected(nowNs);
    if (connected != m_isConnectedInLog)
    {
        LogBufferDescriptor::isConnected(m_logBuffers->metaDataBuffer(), connected);
        m_isConnectedInLog = connected;
    }
    const std::int64_t senderPosition = m_senderPosition.getVolatile();
    if (!connected)
    {
        // pub-lmt drops to snd-pos so offers report NOT_CONNECTED rather than fill the log (facts §3.4).
        if (m_positions.publisherLimit.get() > senderPosition)
        {
            m_positions.publisherLimit.setOrdered(senderPosition);
        }
        return 0;
    }
    std::int64_t minConsumerPosition = senderPosition;
    std::int64_t minSpyPosition = INT64_MAX;
    for (const auto& spy : m_spies)
    {
        minSpyPosition = std::min(minSpyPosition, spy.position.getVolatile());
    }
    m_minSpyPosition.store(minSpyPosition, std::memory_order_release);
    minConsumerPosition = std::min(minConsumerPosition, minSpyPosition);
    const std::int64_t proposedLimit = minConsumerPosition + m_termWindowLength;
    if (proposedLimit > m_positions.publisherLimit.get())
    {
        m_positions.publisherLimit.setOrdered(proposedLimit);
        return 1;
    }
    return 0;
}

void NetworkPublication::cleanBufferTo(std::int64_t position)
{
    // Sender thread. A call cleans at most to the end of one term; the sender calls after every send,
    // so it never falls behind by more than the bytes of one duty cycle.
    while (position > m_cleanPosition)
    {
        const std::int32_t index = LogBufferDescriptor::indexByPosition(m_cleanPosition, m_positionBitsToShift);
        const std::int32_t termOffset = static_cast<std::int32_t>(m_cleanPosition & m_termLengthMask);
        const std::int64_t length = std::min<std::int64_t>(position - m_cleanPosition, m_termLength - termOffset);
        m_logBuffers->termBuffer(index).setMemory(
            static_cast<std::size_t>(termOffset), static_cast<std::size_t>(length), 0);
        m_cleanPosition += length;
    }
}

int NetworkPublication::decRef(std::int64_t nowNs)
{
    if (--m_refCount == 0 && state() == State::ACTIVE)
    {
        m_endOfStreamPosition = producerPosition();
        LogBufferDescriptor::endOfStreamPosition(m_logBuffers->metaDataBuffer(), m_endOfStreamPosition);
        m_positions.publisherLimit.setOrdered(m_endOfStreamPosition);
        m_lingerDeadlineNs = nowNs;
        m_state.store(State::DRAINING, std::memory_order_release);
    }
    return m_refCount;
}

bool NetworkPublication::onTimeEvent(std::int64_t nowNs)
{
    switch (state())
    {
        case State::DRAINING:
        {
            const bool allSent = m_senderPosition.getVolatile() >= m_endOfStreamPosition;
            if (allSent)
            {
                m_isEndOfStream.store(true, std::memory_order_release);
            }
            const bool spiesDone = std::all_of(
                m_spies.begin(), m_spies.end(),
                [this](const SpyPosition& spy) { return spy.position.getVolatile() >= m_endOfStreamPosition; });
            // With nobody listening there is nothing to wait for.
            if ((allSent || !isConnected(nowNs)) && spiesDone)
            {
                m_isEndOfStream.store(true, std::memory_order_release);
                m_lingerDeadlineNs = nowNs + m_lingerTimeoutNs;
                m_state.store(State::LINGER, std::memory_order_release);
                return true;
            }
            return false;
        }
        case State::LINGER:
            if (nowNs >= m_lingerDeadlineNs || m_receiverSentEos.load(std::memory_order_acquire))
            {
                m_state.store(State::DONE, std::memory_order_release);
            }
            return false;
        case State::ACTIVE:
        case State::DONE:
            return false;
    }
    return false;
}

void NetworkPublication::addSpy(std::int64_t subscriptionRegistrationId, util::Position position)
{
    m_spies.push_back({subscriptionRegistrationId, position});
}

bool NetworkPublication::removeSpySubscriber(std::int64_t subscriptionRegistrationId)
{
    bool removed = false;
    for (auto it = m_spies.begin(); it != m_spies.end();)
    {
        if (it->subscriptionRegistrationId == subscriptionRegistrationId)
        {
            m_counters.free(it->position.id());
            it = m_spies.erase(it);
            removed = true;
        }
        else
        {
            ++it;
        }
    }
    return removed;
}

bool NetworkPublication::matchesSpy(const ChannelUri& spyUri) const
{
    return !m_spyMatchKey.empty() && spyKeyOf(spyUri) == m_spyMatchKey;
}
} // namespace cox::transport

#include "ReceiveChannelEndpoint.hpp"

#include "PublicationImage.hpp"
#include "SystemCounters.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/codecs/frames/FrameValidator.hpp"
#include "cox/codecs/frames/NakFlyweight.hpp"
#include "cox/codecs/frames/RttMeasurementFlyweight.hpp"
#include "cox/codecs/frames/SetupFlyweight.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
using namespace codecs::frames;

namespace
{
constexpr int RECEIVE_POLL_LIMIT = 16;
constexpr std::size_t RECEIVE_BUFFER_LENGTH = 64 * 1024;
constexpr std::int64_t PENDING_SETUP_TIMEOUT_NS = 1'000'000'000;
constexpr std::int64_t ELICIT_INTERVAL_NS = 1'000'000'000;
} // namespace

ReceiveChannelEndpoint::ReceiveChannelEndpoint(
    const ChannelUri& uri, std::string key, UdpMedia& media, const MediaDriverContext& context, std::int64_t receiverId)
    : m_key(std::move(key)), m_receiverId(receiverId), m_receiveBuffer(RECEIVE_BUFFER_LENGTH)
{
    const auto endpoint = uri.endpoint();
    m_isMultiDestination = uri.controlMode() == ChannelUri::ControlMode::MANUAL;
    if (m_isMultiDestination && endpoint)
    {
        throw util::IllegalArgumentException(
            "a control-mode=manual subscription receives on the destinations added to it, not an endpoint: " +
            uri.toString());
    }
    if (!m_isMultiDestination && !endpoint)
    {
        throw util::IllegalArgumentException("UDP subscription channel needs an endpoint to receive on: " +
                                             uri.toString());
    }
    if (const auto control = uri.control())
    {
        m_controlAddress = InetAddress::parse(*control);
    }
    if (!m_isMultiDestination)
    {
        m_transports.push_back(
            media.open(InetAddress::parse(*endpoint), context.socketRcvbufLength, context.socketSndbufLength));
    }
    if (context.receiveDataLossRate > 0.0)
    {
        m_receiveLoss = std::make_unique<LossGenerator>(context.receiveDataLossRate, context.receiveDataLossSeed);
    }
    if (context.receiveDataDelayNs > 0)
    {
        m_receiveDelay = std::make_unique<DelayGenerator>(
            context.receiveDataDelayNs, context.receiveDataDelayCapacity, RECEIVE_BUFFER_LENGTH);
        m_delayedSources.resize(context.receiveDataDelayCapacity);
    }
}

int ReceiveChannelEndpoint::poll(std::int64_t nowNs, const SetupHandler& onSetupRequest)
{
    int bytesReceived = 0;
    const auto transportCount = static_cast<int>(m_transports.size());
    for (int i = 0; i < transportCount; ++i)
    {
        if (m_transports[static_cast<std::size_t>(i)])
        {
            bytesReceived += pollTransport(i, nowNs, onSetupRequest);
        }
    }
    if (m_receiveDelay)
    {
        bytesReceived += m_receiveDelay->poll(
            nowNs,
            [&](const std::uint8_t* datagram, std::size_t length)
            {
                const DelayedSource delayed = m_delayedSources[m_delayedSourcesHead];
                m_delayedSourcesHead = (m_delayedSourcesHead + 1) % m_delayedSources.size();
                --m_delayedSourcesSize;
                onData(datagram, length, delayed.address, delayed.transportIndex, nowNs);
            });
    }
    return bytesReceived;
}

int ReceiveChannelEndpoint::pollTransport(int transportIndex, std::int64_t nowNs, const SetupHandler& onSetupRequest)
{
    UdpTransport& udpTransport = *m_transports[static_cast<std::size_t>(transportIndex)];
    int bytesReceived = 0;
    if (!udpTransport.isReadable())
    {
        return 0;
    }
    InetAddress source;
    for (int i = 0; i < RECEIVE_POLL_LIMIT; ++i)
    {
        const std::int64_t length = udpTransport.receive(m_receiveBuffer.data(), m_receiveBuffer.size(), source);
        if (length <= 0)
        {
            udpTransport.markDrained();
            break;
        }
        bytesReceived += static_cast<int>(length);
        const std::uint8_t* datagram = m_receiveBuffer.data();
        const auto datagramLength = static_cast<std::size_t>(length);
        if (FrameValidator::validate(datagram, datagramLength) != FrameCheck::OK)
        {
            ++m_invalidPackets; // counted and dropped, never delivered
            countIn(m_systemCounters, &SystemCounters::invalidPackets);
            continue;
        }
        const std::uint16_t type = HeaderFlyweight(const_cast<std::uint8_t*>(datagram), datagramLength).type();
        switch (type)
        {
            case HeaderFlyweight::HDR_TYPE_DATA:
            case HeaderFlyweight::HDR_TYPE_PAD:
                if (m_receiveLoss && m_receiveLoss->shouldDropFrame(datagram, datagramLength))
                {
                    ++m_droppedByLossGenerator;
                    countIn(m_systemCounters, &SystemCounters::lossGeneratorDrops);
                    break;
                }
                if (m_receiveDelay)
                {
                    // Held back for the test delay; the source waits beside it in a ring that moves in
                    // step with the delay line, since an image may have several sources.
                    if (m_receiveDelay->offer(datagram, datagramLength, nowNs))
                    {
                        m_delayedSources[(m_delayedSourcesHead + m_delayedSourcesSize) % m_delayedSources.size()] =
                            DelayedSource{source, transportIndex};
                        ++m_delayedSourcesSize;
                    }
                    break;
                }
                onData(datagram, datagramLength, source, transportIndex, nowNs);
                break;
            case HeaderFlyweight::HDR_TYPE_SETUP:
                onSetup(datagram, datagramLength, source, transportIndex, nowNs, onSetupRequest);
                break;
            case HeaderFlyweight::HDR_TYPE_RTTM:
                onRttMeasurement(datagram, datagramLength, source, transportIndex);
                break;
            default:
                break; // a receiver ignores the sender-bound types
        }
    }
    return bytesReceived;
}

void ReceiveChannelEndpoint::onData(
    const std::uint8_t* datagram, std::size_t length, const InetAddress& source, int transportIndex, std::int64_t nowNs)
{
    DataHeaderFlyweight header(const_cast<std::uint8_t*>(datagram), length);
    const auto streamIt = m_streams.find(header.streamId());
    if (streamIt == m_streams.end())
    {
        return;
    }
    const std::int32_t sessionId = header.sessionId();
    auto& sessions = streamIt->second.sessions;
    const auto sessionIt = sessions.find(sessionId);
    const bool isHeartbeat = length == DataHeaderFlyweight::HEADER_LENGTH && header.frameLength() == 0;
    const bool isEndOfStream = (header.flags() & DataHeaderFlyweight::EOS_FLAG) != 0;
    if (sessionIt != sessions.end())
    {
        SessionEntry& entry = sessionIt->second;
        if (entry.state == SessionState::ACTIVE)
        {
            entry.image->insertPacket(
                header.termId(), header.termOffset(), datagram, static_cast<std::int32_t>(length), isHeartbeat,
                isEndOfStream, source, transportIndex, nowNs);
        }
        else if (entry.state == SessionState::PENDING_SETUP && nowNs >= entry.deadlineNs)
        {
            entry.deadlineNs = nowNs + PENDING_SETUP_TIMEOUT_NS;
            elicitSetup(source, transportIndex, sessionId, header.streamId());
        }
        return;
    }
    if (!isEndOfStream)
    {
        // Data from a publisher we have no image for: ask it for a SETUP (facts §4.1).
        sessions.emplace(sessionId, SessionEntry{SessionState::PENDING_SETUP, nullptr, nowNs + PENDING_SETUP_TIMEOUT_NS});
        elicitSetup(source, transportIndex, sessionId, header.streamId());
    }
}

void ReceiveChannelEndpoint::onSetup(
    const std::uint8_t* datagram,
    std::size_t length,
    const InetAddress& source,
    int transportIndex,
    std::int64_t nowNs,
    const SetupHandler& handler)
{
    SetupFlyweight setup(const_cast<std::uint8_t*>(datagram), length);
    const auto streamIt = m_streams.find(setup.streamId());
    if (streamIt == m_streams.end())
    {
        return;
    }
    auto& sessions = streamIt->second.sessions;
    const auto sessionIt = sessions.find(setup.sessionId());
    if (sessionIt != sessions.end() && sessionIt->second.state == SessionState::ACTIVE)
    {
        // Another sender of the same stream (a replay beside the live stream): it joins the image,
        // which then sends it SMs, so it connects and starts sending.
        sessionIt->second.image->onSetup(setup.initialTermId(), setup.termLength(), source, transportIndex, nowNs);
        return;
    }
    if (sessionIt != sessions.end() && sessionIt->second.state != SessionState::PENDING_SETUP)
    {
        return; // image being made
    }
    const std::int32_t termLength = setup.termLength();
    const std::int32_t mtu = setup.mtu();
    const bool termLengthValid = termLength >= LogBufferDescriptor::TERM_MIN_LENGTH &&
        termLength <= LogBufferDescriptor::TERM_MAX_LENGTH && (termLength & (termLength - 1)) == 0;
    const bool mtuValid = mtu > DataHeaderFlyweight::HEADER_LENGTH && mtu <= 65504 && mtu % 32 == 0;
    const bool offsetValid = setup.termOffset() >= 0 && setup.termOffset() < termLength && setup.termOffset() % 32 == 0;
    if (!termLengthValid || !mtuValid || !offsetValid)
    {
        ++m_invalidPackets;
        countIn(m_systemCounters, &SystemCounters::invalidPackets);
        return;
    }
    sessions[setup.sessionId()] = SessionEntry{SessionState::INIT_IN_PROGRESS, nullptr, nowNs};
    handler(SetupRequest{
        setup.sessionId(), setup.streamId(), setup.initialTermId(), setup.activeTermId(), setup.termOffset(), termLength,
        mtu, source, transportIndex});
}

void ReceiveChannelEndpoint::onRttMeasurement(
    const std::uint8_t* datagram, std::size_t length, const InetAddress& source, int transportIndex)
{
    RttMeasurementFlyweight rttm(const_cast<std::uint8_t*>(datagram), length);
    if ((rttm.flags() & RttMeasurementFlyweight::REPLY_FLAG) == 0 ||
        (rttm.receiverId() != 0 && rttm.receiverId() != m_receiverId))
    {
        return;
    }
    RttMeasurementFlyweight reply(m_controlFrame, RttMeasurementFlyweight::HEADER_LENGTH);
    reply.writeHeader(RttMeasurementFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_RTTM);
    reply.sessionId(rttm.sessionId());
    reply.streamId(rttm.streamId());
    reply.echoTimestampNs(rttm.echoTimestampNs());
    reply.receptionDeltaNs(0);
    reply.receiverId(m_receiverId);
    m_transports[static_cast<std::size_t>(transportIndex)]->sendTo(
        m_controlFrame, RttMeasurementFlyweight::HEADER_LENGTH, source);
}

int ReceiveChannelEndpoint::onIdle(std::int64_t nowNs)
{
    if (!m_controlAddress || m_isMultiDestination || nowNs < m_nextElicitNs)
    {
        return 0;
    }
    m_nextElicitNs = nowNs + ELICIT_INTERVAL_NS;
    int sent = 0;
    for (const auto& [streamId, interest] : m_streams)
    {
        bool hasImage = false;
        for (const auto& [sessionId, entry] : interest.sessions)
        {
            hasImage = hasImage || entry.state == SessionState::ACTIVE;
        }
        if (!hasImage)
        {
            elicitSetup(*m_controlAddress, 0, 0, streamId);
            ++sent;
        }
    }
    return sent;
}

void ReceiveChannelEndpoint::elicitSetup(
    const InetAddress& to, int transportIndex, std::int32_t sessionId, std::int32_t streamId) noexcept
{
    sendStatusMessage(to, transportIndex, sessionId, streamId, 0, 0, 0, StatusMessageFlyweight::SEND_SETUP_FLAG);
}

UdpTransport* ReceiveChannelEndpoint::transport(int transportIndex) const noexcept
{
    if (transportIndex < 0 || static_cast<std::size_t>(transportIndex) >= m_transports.size())
    {
        return nullptr;
    }
    return m_transports[static_cast<std::size_t>(transportIndex)].get();
}

void ReceiveChannelEndpoint::addDestination(int transportIndex, std::shared_ptr<UdpTransport> udpTransport)
{
    if (static_cast<std::size_t>(transportIndex) >= m_transports.size())
    {
        m_transports.resize(static_cast<std::size_t>(transportIndex) + 1);
    }
    replaceTransport(m_transports[static_cast<std::size_t>(transportIndex)], std::move(udpTransport));
}

void ReceiveChannelEndpoint::replaceTransport(std::shared_ptr<UdpTransport>& slot, std::shared_ptr<UdpTransport> next)
{
    // The receiver's poller must never hold a transport this endpoint has let go of.
    if (slot && m_poller != nullptr)
    {
        m_poller->remove(*slot);
    }
    slot = std::move(next);
    if (slot && m_poller != nullptr)
    {
        m_poller->add(*slot);
    }
}

void ReceiveChannelEndpoint::removeDestination(int transportIndex)
{
    if (transportIndex >= 0 && static_cast<std::size_t>(transportIndex) < m_transports.size())
    {
        replaceTransport(m_transports[static_cast<std::size_t>(transportIndex)], nullptr);
    }
    for (auto& [streamId, interest] : m_streams)
    {
        for (auto& [sessionId, entry] : interest.sessions)
        {
            if (entry.state == SessionState::ACTIVE)
            {
                entry.image->onTransportRemoved(transportIndex);
            }
        }
    }
}

void ReceiveChannelEndpoint::attach(UdpTransportPoller& poller)
{
    m_poller = &poller;
    for (const auto& udpTransport : m_transports)
    {
        if (udpTransport)
        {
            poller.add(*udpTransport);
        }
    }
}

void ReceiveChannelEndpoint::detach() noexcept
{
    if (m_poller == nullptr)
    {
        return;
    }
    for (const auto& udpTransport : m_transports)
    {
        if (udpTransport)
        {
            m_poller->remove(*udpTransport);
        }
    }
    m_poller = nullptr;
}

int ReceiveChannelEndpoint::destinationCount() const noexcept
{
    int count = 0;
    for (const auto& udpTransport : m_transports)
    {
        count += udpTransport ? 1 : 0;
    }
    return count;
}

void ReceiveChannelEndpoint::addSubscription(std::int32_t streamId, std::optional<std::int32_t> /*sessionId*/)
{
    ++m_streams[streamId].subscriberCount;
}

void ReceiveChannelEndpoint::removeSubscription(std::int32_t streamId, std::optional<std::int32_t> /*sessionId*/)
{
    const auto it = m_streams.find(streamId);
    if (it != m_streams.end() && --it->second.subscriberCount <= 0)
    {
        m_streams.erase(it);
    }
}

void ReceiveChannelEndpoint::addImage(PublicationImage* image)
{
    m_streams[image->streamId()].sessions[image->sessionId()] = SessionEntry{SessionState::ACTIVE, image, 0};
}

void ReceiveChannelEndpoint::removeImage(PublicationImage* image)
{
    const auto it = m_streams.find(image->streamId());
    if (it != m_streams.end())
    {
        const auto sessionIt = it->second.sessions.find(image->sessionId());
        if (sessionIt != it->second.sessions.end() && sessionIt->second.image == image)
        {
            // Removing the entry lets a new image form when the publisher is heard again (rejoin).
            it->second.sessions.erase(sessionIt);
        }
    }
}

void ReceiveChannelEndpoint::onSetupDeclined(std::int32_t streamId, std::int32_t sessionId)
{
    const auto it = m_streams.find(streamId);
    if (it != m_streams.end())
    {
        it->second.sessions.erase(sessionId);
    }
}

std::int64_t ReceiveChannelEndpoint::sendStatusMessage(
    const InetAddress& to,
    int transportIndex,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::int32_t termId,
    std::int32_t termOffset,
    std::int32_t windowLength,
    std::uint8_t flags) noexcept
{
    StatusMessageFlyweight sm(m_controlFrame, StatusMessageFlyweight::HEADER_LENGTH);
    sm.writeHeader(StatusMessageFlyweight::HEADER_LENGTH, flags, HeaderFlyweight::HDR_TYPE_SM);
    sm.sessionId(sessionId);
    sm.streamId(streamId);
    sm.consumptionTermId(termId);
    sm.consumptionTermOffset(termOffset);
    sm.receiverWindow(windowLength);
    sm.receiverId(m_receiverId);
    UdpTransport* udpTransport = transport(transportIndex);
    if (udpTransport == nullptr)
    {
        return -1;
    }
    return udpTransport->sendTo(m_controlFrame, StatusMessageFlyweight::HEADER_LENGTH, to);
}

std::int64_t ReceiveChannelEndpoint::sendNak(
    const InetAddress& to,
    int transportIndex,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::int32_t termId,
    std::int32_t termOffset,
    std::int32_t length) noexcept
{
    NakFlyweight nak(m_controlFrame, NakFlyweight::HEADER_LENGTH);
    nak.writeHeader(NakFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_NAK);
    nak.sessionId(sessionId);
    nak.streamId(streamId);
    nak.termId(termId);
    nak.termOffset(termOffset);
    nak.length(length);
    UdpTransport* udpTransport = transport(transportIndex);
    if (udpTransport == nullptr)
    {
        return -1;
    }
    return udpTransport->sendTo(m_controlFrame, NakFlyweight::HEADER_LENGTH, to);
}
} // namespace cox::transport

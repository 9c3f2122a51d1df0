#include "SendChannelEndpoint.hpp"

#include <algorithm>

#include "NetworkPublication.hpp"
#include "SystemCounters.hpp"
#include "cox/codecs/frames/FrameValidator.hpp"
#include "cox/codecs/frames/NakFlyweight.hpp"
#include "cox/codecs/frames/RttMeasurementFlyweight.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
using namespace codecs::frames;

namespace
{
constexpr int CONTROL_POLL_LIMIT = 16;
constexpr std::size_t RECEIVE_BUFFER_LENGTH = 64 * 1024;

InetAddress wildcardFor(const InetAddress& remote)
{
    return InetAddress::fromNumeric(remote.family() == AF_INET6 ? "::" : "0.0.0.0", 0);
}
} // namespace

SendChannelEndpoint::SendChannelEndpoint(
    const ChannelUri& uri, std::string key, UdpMedia& media, const MediaDriverContext& context)
    : m_key(std::move(key)), m_receiveBuffer(RECEIVE_BUFFER_LENGTH)
{
    const ChannelUri::ControlMode mode = uri.controlMode();
    m_isDynamic = mode == ChannelUri::ControlMode::DYNAMIC;
    m_isMultiDestination = m_isDynamic || mode == ChannelUri::ControlMode::MANUAL;
    InetAddress bindAddress;
    if (const auto control = uri.control())
    {
        // MDC: status messages and NAKs come to the control address, so the socket binds there.
        bindAddress = InetAddress::parse(*control);
    }
    else if (const auto endpoint = uri.endpoint())
    {
        m_unicastDestination = InetAddress::parse(*endpoint);
        bindAddress = uri.interfaceAddress() ? InetAddress::parse(std::string(*uri.interfaceAddress()) + ":0")
                                             : wildcardFor(m_unicastDestination);
    }
    else if (m_isMultiDestination)
    {
        bindAddress = InetAddress::fromNumeric("0.0.0.0", 0);
    }
    else
    {
        throw util::IllegalArgumentException("UDP publication channel needs an endpoint or a control address: " +
                                             uri.toString());
    }
    if (m_isMultiDestination)
    {
        m_destinations = std::make_unique<DestinationTracker>(
            m_isDynamic ? DestinationTracker::Mode::DYNAMIC : DestinationTracker::Mode::MANUAL);
    }
    m_transport = media.open(bindAddress, context.socketRcvbufLength, context.socketSndbufLength);
    if (context.sendDataLossRate > 0.0)
    {
        m_sendLoss = std::make_unique<LossGenerator>(context.sendDataLossRate, context.sendDataLossSeed);
    }
}

std::size_t SendChannelEndpoint::destinationCount() const noexcept
{
    return m_destinations ? static_cast<std::size_t>(m_destinations->destinationCount()) : 1;
}

std::int64_t SendChannelEndpoint::send(const std::uint8_t* data, std::size_t length) noexcept
{
    if (m_sendLoss && m_sendLoss->shouldDropFrame(data, length))
    {
        return static_cast<std::int64_t>(length);
    }
    if (!m_isMultiDestination)
    {
        return m_transport->sendTo(data, length, m_unicastDestination);
    }
    std::int64_t result = static_cast<std::int64_t>(length);
    m_destinations->forEachDestination(
        [&](const InetAddress& destination)
        {
            const std::int64_t sent = m_transport->sendTo(data, length, destination);
            if (sent < 0)
            {
                result = sent;
            }
        });
    return result;
}

std::int64_t SendChannelEndpoint::sendTo(const std::uint8_t* data, std::size_t length, const InetAddress& to) noexcept
{
    return m_transport->sendTo(data, length, to);
}

int SendChannelEndpoint::pollForControl(std::int64_t nowNs)
{
    int received = 0;
    if (!m_transport->isReadable())
    {
        return 0;
    }
    InetAddress source;
    for (; received < CONTROL_POLL_LIMIT; ++received)
    {
        const std::int64_t length = m_transport->receive(m_receiveBuffer.data(), m_receiveBuffer.size(), source);
        if (length <= 0)
        {
            m_transport->markDrained();
            break;
        }
        std::uint8_t* datagram = m_receiveBuffer.data();
        const auto datagramLength = static_cast<std::size_t>(length);
        if (FrameValidator::validate(datagram, datagramLength) != FrameCheck::OK)
        {
            ++m_invalidPackets;
            countIn(m_systemCounters, &SystemCounters::invalidPackets);
            continue;
        }
        const std::uint16_t type = HeaderFlyweight(datagram, datagramLength).type();
        switch (type)
        {
            case HeaderFlyweight::HDR_TYPE_SM:
            {
                StatusMessageFlyweight sm(datagram, datagramLength);
                if (m_destinations)
                {
                    m_destinations->onStatusMessage(sm.receiverId(), source, nowNs);
                }
                if (NetworkPublication* publication = findPublication(sm.sessionId(), sm.streamId()))
                {
                    publication->onStatusMessage(sm, source, nowNs);
                }
                break;
            }
            case HeaderFlyweight::HDR_TYPE_NAK:
            {
                NakFlyweight nak(datagram, datagramLength);
                if (NetworkPublication* publication = findPublication(nak.sessionId(), nak.streamId()))
                {
                    publication->onNak(nak, nowNs);
                }
                break;
            }
            case HeaderFlyweight::HDR_TYPE_RTTM:
            {
                RttMeasurementFlyweight rttm(datagram, datagramLength);
                if (NetworkPublication* publication = findPublication(rttm.sessionId(), rttm.streamId()))
                {
                    publication->onRttMeasurement(rttm, source, nowNs);
                }
                break;
            }
            default:
                break; // ERR and others: not acted on yet
        }
    }
    return received;
}

void SendChannelEndpoint::onIdle(std::int64_t nowNs)
{
    if (m_destinations && m_isDynamic)
    {
        m_destinations->onIdle(nowNs);
    }
}

NetworkPublication* SendChannelEndpoint::findPublication(std::int32_t sessionId, std::int32_t streamId) const noexcept
{
    // A lingering publication may share its session with a newer one (a replay restarted with the same
    // session id); the newer one is who the receiver is talking to.
    NetworkPublication* lingering = nullptr;
    for (NetworkPublication* publication : m_publications)
    {
        if (publication->sessionId() == sessionId && publication->streamId() == streamId)
        {
            const NetworkPublication::State state = publication->state();
            if (state == NetworkPublication::State::ACTIVE || state == NetworkPublication::State::DRAINING)
            {
                return publication;
            }
            lingering = publication;
        }
    }
    return lingering;
}

void SendChannelEndpoint::registerForSend(NetworkPublication* publication)
{
    m_publications.push_back(publication);
}

void SendChannelEndpoint::unregisterForSend(NetworkPublication* publication)
{
    std::erase(m_publications, publication);
}

void SendChannelEndpoint::addDestination(const InetAddress& address, std::int64_t registrationId, std::int64_t nowNs)
{
    if (!m_destinations || m_isDynamic)
    {
        throw util::IllegalStateException("destinations can only be added to a control-mode=manual channel");
    }
    m_destinations->addDestination(address, registrationId, nowNs);
}

void SendChannelEndpoint::removeDestination(const InetAddress& address)
{
    if (m_destinations)
    {
        m_destinations->removeDestination(address);
    }
}
} // namespace cox::transport

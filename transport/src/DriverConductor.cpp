#include "DriverConductor.hpp"

#include <random>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "LogBufferSetup.hpp"
#include "NetworkPublication.hpp"
#include "PublicationImage.hpp"
#include "ReceiveChannelEndpoint.hpp"
#include "Receiver.hpp"
#include "SendChannelEndpoint.hpp"
#include "Sender.hpp"
#include "StreamCounters.hpp"
#include "cox/codecs/driver/DriverCodecs.hpp"
#include "cox/transport/CncFileDescriptor.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"

namespace cox::transport
{
namespace drv = codecs::driver;
using CncFileDescriptor::ErrorCode;

namespace
{
constexpr int COMMAND_LIMIT = 10;
constexpr std::size_t RESPONSE_BUFFER_LENGTH = 16 * 1024;

bool isReservedSessionId(std::int32_t sessionId)
{
    return sessionId >= -1 && sessionId <= 1000;
}

/// Where a new publication's stream starts: (initialTermId, termId, termOffset). A channel may name it
/// with init-term-id, term-id and term-offset (all three), so a replay or a continued recording keeps
/// its positions; otherwise a fresh stream at a random initial term id.
struct StartPosition
{
    std::int32_t initialTermId;
    std::int32_t termId;
    std::int32_t termOffset;
};

StartPosition startPositionFor(const ChannelUri& uri, std::int32_t termLength, std::int32_t randomTermId)
{
    const auto initialTermId = uri.get(ChannelUri::INITIAL_TERM_ID_PARAM);
    const auto termId = uri.get(ChannelUri::TERM_ID_PARAM);
    const auto termOffset = uri.get(ChannelUri::TERM_OFFSET_PARAM);
    if (!initialTermId && !termId && !termOffset)
    {
        return {randomTermId, randomTermId, 0};
    }
    if (!initialTermId || !termId || !termOffset)
    {
        throw util::IllegalArgumentException(
            "init-term-id, term-id and term-offset must be given together: " + uri.toString());
    }
    const StartPosition start{
        static_cast<std::int32_t>(ChannelUri::parseInt64(*initialTermId)),
        static_cast<std::int32_t>(ChannelUri::parseInt64(*termId)),
        static_cast<std::int32_t>(ChannelUri::parseInt64(*termOffset))};
    if (start.termOffset < 0 || start.termOffset > termLength || (start.termOffset & 31) != 0)
    {
        throw util::IllegalArgumentException("term-offset " + std::to_string(start.termOffset) +
                                             " must be 32-aligned and within the term length: " + uri.toString());
    }
    if (LogBufferDescriptor::computeTermCount(start.termId, start.initialTermId) < 0)
    {
        throw util::IllegalArgumentException("term-id must not be before init-term-id: " + uri.toString());
    }
    return start;
}
} // namespace

namespace
{
std::uint64_t driverRandomSeed(std::uint64_t configured)
{
    if (configured != 0)
    {
        return configured;
    }
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ static_cast<std::uint64_t>(device()) ^
        static_cast<std::uint64_t>(::getpid());
}
} // namespace

DriverConductor::DriverConductor(DriverResources& resources)
    : m_resources(resources),
      m_context(resources.context),
      m_toDriverCommands(CncFileDescriptor::wrap(resources.cncFile->buffer()).toDriver),
      m_toClients(CncFileDescriptor::wrap(resources.cncFile->buffer()).toClients),
      m_responseBuffer(RESPONSE_BUFFER_LENGTH),
      m_response(m_responseBuffer.data(), m_responseBuffer.size()),
      m_random(driverRandomSeed(resources.context.randomSeed)),
      m_nextSessionId(static_cast<std::int32_t>(m_random())),
      m_nextReceiverId(static_cast<std::int64_t>(m_random()))
{
    m_nowNs = resources.nanoClock->nanoTime();
    m_timerDeadlineNs = m_nowNs + m_context.timerIntervalNs;
}

DriverConductor::~DriverConductor() = default;

int DriverConductor::doWork()
{
    m_nowNs = m_resources.nanoClock->nanoTime();
    if (const std::int64_t stallNs = m_stallDetector.onDutyCycle(m_nowNs); stallNs > 0)
    {
        // The process was stopped or starved: its own clients could not send keepalives either, nor the
        // status messages waiting in its sockets be read.
        for (auto& client : m_clients)
        {
            client.lastKeepaliveNs += stallNs;
        }
        for (auto& publication : m_networkPublications)
        {
            publication->onConductorStall(stallNs);
        }
        m_resources.systemCounters.conductorStalls.increment();
    }
    int workCount = m_resources.toConductor.drain();
    workCount += m_toDriverCommands.read(
        [this](std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
        { onCommand(msgTypeId, buffer, index, length); },
        COMMAND_LIMIT);
    workCount += updatePublications(m_nowNs);
    if (m_nowNs >= m_timerDeadlineNs)
    {
        m_timerDeadlineNs = m_nowNs + m_context.timerIntervalNs;
        workCount += processTimers(m_nowNs);
    }
    return workCount;
}

void DriverConductor::onClose()
{
    // The sender and receiver have stopped by now (MediaDriver closes the conductor last), so
    // everything can go without handshakes.
    m_publicationLinks.clear();
    m_subscriptions.clear();
    m_ipcPublications.clear();
    m_lingeringImages.clear();
    m_images.clear();
    m_networkPublications.clear();
    m_sendEndpoints.clear();
    m_receiveEndpoints.clear();
}

// ---- commands ----

void DriverConductor::onCommand(
    std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
{
    const std::uint8_t* data = buffer.buffer() + index;
    switch (msgTypeId)
    {
        case drv::TemplateId::ADD_PUBLICATION:
        {
            drv::AddPublicationDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                const auto correlationId = decoder.correlationId();
                const auto clientId = decoder.clientId();
                const auto streamId = decoder.streamId();
                const bool exclusive = decoder.exclusive() == drv::BooleanType::TRUE;
                onAddPublication(correlationId, clientId, streamId, exclusive, decoder.channel());
                return;
            }
            break;
        }
        case drv::TemplateId::REMOVE_PUBLICATION:
        {
            drv::RemovePublicationDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                onRemovePublication(decoder.correlationId(), decoder.clientId(), decoder.registrationId());
                return;
            }
            break;
        }
        case drv::TemplateId::ADD_SUBSCRIPTION:
        {
            drv::AddSubscriptionDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                const auto correlationId = decoder.correlationId();
                const auto clientId = decoder.clientId();
                const auto streamId = decoder.streamId();
                onAddSubscription(correlationId, clientId, streamId, decoder.channel());
                return;
            }
            break;
        }
        case drv::TemplateId::REMOVE_SUBSCRIPTION:
        {
            drv::RemoveSubscriptionDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                onRemoveSubscription(decoder.correlationId(), decoder.clientId(), decoder.registrationId());
                return;
            }
            break;
        }
        case drv::TemplateId::ADD_COUNTER:
        {
            drv::AddCounterDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                const auto correlationId = decoder.correlationId();
                const auto clientId = decoder.clientId();
                const auto typeId = decoder.typeId();
                const std::string key(decoder.key());
                const std::string label(decoder.label());
                onAddCounter(correlationId, clientId, typeId, key, label);
                return;
            }
            break;
        }
        case drv::TemplateId::REMOVE_COUNTER:
        {
            drv::RemoveCounterDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                onRemoveCounter(decoder.correlationId(), decoder.clientId(), decoder.registrationId());
                return;
            }
            break;
        }
        case drv::TemplateId::ADD_DESTINATION:
        case drv::TemplateId::REMOVE_DESTINATION:
        {
            // Both messages have the same layout.
            drv::AddDestinationDecoder decoder;
            if (decoder.wrapForDecode(data, drv::MessageHeaderDecoder::ENCODED_LENGTH,
                                      drv::AddDestinationDecoder::BLOCK_LENGTH, drv::SCHEMA_VERSION, length) ==
                codecs::sbe::DecodeError::NONE)
            {
                const auto correlationId = decoder.correlationId();
                const auto clientId = decoder.clientId();
                const auto registrationId = decoder.registrationId();
                onDestination(correlationId, clientId, registrationId, decoder.channel(),
                              msgTypeId == drv::TemplateId::ADD_DESTINATION);
                return;
            }
            break;
        }
        case drv::TemplateId::ADD_RCV_DESTINATION:
        case drv::TemplateId::REMOVE_RCV_DESTINATION:
        {
            // Both messages have the same layout.
            drv::AddRcvDestinationDecoder decoder;
            if (decoder.wrapForDecode(data, drv::MessageHeaderDecoder::ENCODED_LENGTH,
                                      drv::AddRcvDestinationDecoder::BLOCK_LENGTH, drv::SCHEMA_VERSION, length) ==
                codecs::sbe::DecodeError::NONE)
            {
                const auto correlationId = decoder.correlationId();
                const auto clientId = decoder.clientId();
                const auto registrationId = decoder.registrationId();
                onRcvDestination(correlationId, clientId, registrationId, decoder.channel(),
                                 msgTypeId == drv::TemplateId::ADD_RCV_DESTINATION);
                return;
            }
            break;
        }
        case drv::TemplateId::CLIENT_KEEPALIVE:
        {
            drv::ClientKeepaliveDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                onClientKeepalive(decoder.clientId());
                return;
            }
            break;
        }
        case drv::TemplateId::CLIENT_CLOSE:
        {
            drv::ClientCloseDecoder decoder;
            if (decoder.wrapWithHeader(data, 0, length) == codecs::sbe::DecodeError::NONE)
            {
                onClientClose(decoder.clientId());
                return;
            }
            break;
        }
        default:
            m_resources.errorLog->record("unknown driver command type id " + std::to_string(msgTypeId));
            return;
    }
    m_resources.errorLog->record("malformed driver command, type id " + std::to_string(msgTypeId));
}

void DriverConductor::onAddPublication(
    std::int64_t correlationId, std::int64_t clientId, std::int32_t streamId, bool exclusive, std::string_view channel)
{
    clientFor(clientId);
    try
    {
        const ChannelUri uri = ChannelUri::parse(channel);
        if (uri.isSpy())
        {
            throw util::IllegalArgumentException("a publication cannot use an aeron-spy: channel: " + std::string(channel));
        }
        if (uri.isIpc())
        {
            addIpcPublication(correlationId, clientId, streamId, exclusive, uri, channel);
        }
        else
        {
            addNetworkPublication(correlationId, clientId, streamId, exclusive, uri, channel);
        }
    }
    catch (const std::exception& e)
    {
        m_resources.errorLog->record(e);
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::INVALID_CHANNEL), e.what());
    }
}

void DriverConductor::addIpcPublication(
    std::int64_t correlationId,
    std::int64_t clientId,
    std::int32_t streamId,
    bool exclusive,
    const ChannelUri& uri,
    std::string_view channel)
{
    const std::optional<std::int32_t> requestedSessionId = uri.sessionId();
    if (!exclusive)
    {
        for (auto& publication : m_ipcPublications)
        {
            if (!publication->isExclusive() && publication->streamId() == streamId &&
                publication->state() == IpcPublication::State::ACTIVE &&
                (!requestedSessionId || *requestedSessionId == publication->sessionId()))
            {
                publication->incRef();
                m_publicationLinks.push_back({correlationId, clientId, publication.get(), nullptr});
                sendPublicationReady(correlationId, publication->registrationId(), publication->sessionId(), streamId,
                                     publication->publisherLimitId(), false, publication->logFileName());
                return;
            }
        }
    }

    const std::int32_t termLength = termLengthFor(uri, m_context.ipcTermBufferLength);
    const std::int32_t mtu = mtuFor(uri, m_context.ipcMtuLength);
    const std::int32_t window = windowFor(uri, m_context.ipcPublicationTermWindowLength, termLength, mtu);
    const std::int32_t sessionId = requestedSessionId.value_or(nextSessionId());
    const StartPosition start = startPositionFor(uri, termLength, static_cast<std::int32_t>(m_random()));
    const std::string logFileName = CncFileDescriptor::publicationLogFile(m_context.aeronDirectoryName, correlationId);
    auto logBuffers = LogBuffers::create(logFileName, termLength, LogBufferDescriptor::PAGE_MIN_SIZE,
                                         m_context.preTouchLogBuffers);
    initialiseLogMetadata(*logBuffers, correlationId, sessionId, streamId, start.initialTermId, start.termId,
                          start.termOffset, mtu);
    util::Position publisherLimit = allocateStreamPosition(
        *m_resources.counters, "pub-lmt", StreamCounterType::PUBLISHER_LIMIT, correlationId, sessionId, streamId,
        channel);
    auto publication = std::make_unique<IpcPublication>(
        correlationId, sessionId, streamId, std::string(channel), exclusive, logFileName, std::move(logBuffers),
        publisherLimit, window, *m_resources.counters);
    IpcPublication& ref = *publication;
    ref.publisherPositionCounter(allocateStreamPosition(*m_resources.counters, "pub-pos (sampled)",
                                                        StreamCounterType::PUBLISHER_POSITION, correlationId,
                                                        sessionId, streamId, channel));
    m_ipcPublications.push_back(std::move(publication));
    m_publicationLinks.push_back({correlationId, clientId, &ref, nullptr});
    sendPublicationReady(correlationId, correlationId, sessionId, streamId, ref.publisherLimitId(), exclusive,
                         logFileName);
    for (const auto& subscription : m_subscriptions)
    {
        if (subscription.uri.isIpc() && subscription.streamId == streamId &&
            (!subscription.sessionId || *subscription.sessionId == sessionId))
        {
            linkIpcSubscriber(ref, subscription);
        }
    }
}

void DriverConductor::linkIpcSubscriber(IpcPublication& publication, const SubscriptionLink& subscription)
{
    const std::int64_t joinPosition = publication.joinPosition();
    util::Position position = allocateStreamPosition(
        *m_resources.counters, "sub-pos", StreamCounterType::SUBSCRIBER_POSITION, subscription.registrationId,
        publication.sessionId(), publication.streamId(), subscription.channel, "@" + std::to_string(joinPosition));
    position.setOrdered(joinPosition);
    publication.addSubscriber(subscription.registrationId, position);
    sendAvailableImage(publication.registrationId(), subscription.registrationId, publication.sessionId(),
                       publication.streamId(), position.id(), publication.logFileName(), "aeron:ipc");
}

void DriverConductor::onRemovePublication(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId)
{
    // The client may name its own add's correlation id or the publication's registration id (they
    // differ when it joined an existing concurrent publication).
    auto matches = [&](const PublicationLink& link, bool byOwnId)
    {
        if (link.clientId != clientId)
        {
            return false;
        }
        if (byOwnId)
        {
            return link.registrationId == registrationId;
        }
        const std::int64_t publicationId = link.ipcPublication != nullptr ? link.ipcPublication->registrationId()
                                                                          : link.networkPublication->registrationId();
        return publicationId == registrationId;
    };
    for (const bool byOwnId : {true, false})
    {
        for (std::size_t i = 0; i < m_publicationLinks.size(); ++i)
        {
            if (matches(m_publicationLinks[i], byOwnId))
            {
                removePublicationLink(i);
                sendOperationSuccess(correlationId);
                return;
            }
        }
    }
    sendError(correlationId, static_cast<std::int32_t>(ErrorCode::UNKNOWN_PUBLICATION),
              "unknown publication registration id " + std::to_string(registrationId));
}

void DriverConductor::removePublicationLink(std::size_t index)
{
    const PublicationLink link = m_publicationLinks[index];
    m_publicationLinks.erase(m_publicationLinks.begin() + static_cast<std::ptrdiff_t>(index));
    if (link.ipcPublication != nullptr)
    {
        link.ipcPublication->decRef(m_nowNs);
    }
    else if (link.networkPublication != nullptr)
    {
        link.networkPublication->decRef(m_nowNs);
    }
}

void DriverConductor::onAddSubscription(
    std::int64_t correlationId, std::int64_t clientId, std::int32_t streamId, std::string_view channel)
{
    clientFor(clientId);
    try
    {
        ChannelUri uri = ChannelUri::parse(channel);
        SubscriptionLink link{correlationId, clientId, streamId, std::string(channel), uri, uri.sessionId(), nullptr};
        if (uri.isUdp() && !uri.isSpy())
        {
            if (uri.controlMode() == ChannelUri::ControlMode::MANUAL)
            {
                link.endpoint = multiDestinationEndpointFor(uri);
            }
            else if (!uri.endpoint() && uri.contains(ChannelUri::TAGS_PARAM))
            {
                link.endpoint = taggedEndpointFor(uri);
            }
            else
            {
                link.endpoint = receiveEndpointFor(uri);
            }
        }
        m_subscriptions.push_back(link);
        sendSubscriptionReady(correlationId, link.endpoint != nullptr ? link.endpoint->channelStatusId() : -1);
        const SubscriptionLink& added = m_subscriptions.back();
        if (uri.isIpc())
        {
            for (auto& publication : m_ipcPublications)
            {
                if (publication->streamId() == streamId && publication->isAcceptingSubscriptions() &&
                    (!added.sessionId || *added.sessionId == publication->sessionId()))
                {
                    linkIpcSubscriber(*publication, added);
                }
            }
        }
        else if (uri.isSpy())
        {
            for (auto& publication : m_networkPublications)
            {
                if (publication->streamId() == streamId && publication->isAcceptingSubscriptions() &&
                    publication->matchesSpy(uri) && (!added.sessionId || *added.sessionId == publication->sessionId()))
                {
                    linkSpySubscriber(*publication, added);
                }
            }
        }
        else
        {
            addUdpSubscriber(added);
        }
    }
    catch (const std::exception& e)
    {
        m_resources.errorLog->record(e);
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::INVALID_CHANNEL), e.what());
    }
}

void DriverConductor::onRemoveSubscription(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId)
{
    for (std::size_t i = 0; i < m_subscriptions.size(); ++i)
    {
        if (m_subscriptions[i].registrationId == registrationId && m_subscriptions[i].clientId == clientId)
        {
            removeSubscriptionLink(i);
            sendOperationSuccess(correlationId);
            return;
        }
    }
    sendError(correlationId, static_cast<std::int32_t>(ErrorCode::UNKNOWN_SUBSCRIPTION),
              "unknown subscription registration id " + std::to_string(registrationId));
}

void DriverConductor::removeSubscriptionLink(std::size_t index)
{
    const SubscriptionLink link = m_subscriptions[index];
    m_subscriptions.erase(m_subscriptions.begin() + static_cast<std::ptrdiff_t>(index));
    for (auto& publication : m_ipcPublications)
    {
        publication->removeSubscriber(link.registrationId);
    }
    for (auto& publication : m_networkPublications)
    {
        publication->removeSpySubscriber(link.registrationId);
    }
    if (link.endpoint != nullptr)
    {
        removeUdpSubscriber(link);
    }
}

void DriverConductor::onAddCounter(
    std::int64_t correlationId, std::int64_t clientId, std::int32_t typeId, std::string_view key, std::string_view label)
{
    clientFor(clientId);
    try
    {
        if (key.size() > util::CountersDescriptor::MAX_KEY_LENGTH || label.size() > util::CountersDescriptor::MAX_LABEL_LENGTH)
        {
            throw util::IllegalArgumentException(
                "counter key (" + std::to_string(key.size()) + " bytes, max " +
                std::to_string(util::CountersDescriptor::MAX_KEY_LENGTH) + ") or label (" +
                std::to_string(label.size()) + ", max " + std::to_string(util::CountersDescriptor::MAX_LABEL_LENGTH) +
                ") too long");
        }
        const std::int32_t counterId = m_resources.counters->allocate(
            label, typeId,
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
        m_counterLinks.push_back({correlationId, clientId, counterId});
        sendCounterReady(correlationId, counterId);
    }
    catch (const std::exception& e)
    {
        m_resources.errorLog->record(e);
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::GENERIC_ERROR), e.what());
    }
}

void DriverConductor::onRemoveCounter(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId)
{
    for (auto it = m_counterLinks.begin(); it != m_counterLinks.end(); ++it)
    {
        if (it->registrationId == registrationId && it->clientId == clientId)
        {
            m_resources.counters->free(it->counterId);
            m_counterLinks.erase(it);
            sendOperationSuccess(correlationId);
            return;
        }
    }
    sendError(correlationId, static_cast<std::int32_t>(ErrorCode::UNKNOWN_COUNTER),
              "unknown counter registration id " + std::to_string(registrationId));
}

void DriverConductor::onDestination(
    std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId, std::string_view channel, bool add)
{
    clientFor(clientId);
    NetworkPublication* publication = nullptr;
    for (const auto& link : m_publicationLinks)
    {
        if (link.clientId == clientId && link.registrationId == registrationId)
        {
            publication = link.networkPublication;
        }
    }
    if (publication == nullptr)
    {
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::UNKNOWN_PUBLICATION),
                  "destinations need a UDP publication of this client; unknown registration id " +
                      std::to_string(registrationId));
        return;
    }
    try
    {
        const ChannelUri uri = ChannelUri::parse(channel);
        const auto endpointText = uri.endpoint();
        if (!uri.isUdp() || !endpointText)
        {
            throw util::IllegalArgumentException("a destination is aeron:udp?endpoint=host:port, not " +
                                                 std::string(channel));
        }
        SendChannelEndpoint* endpoint = &publication->endpoint();
        if (!endpoint->isMultiDestination() || endpoint->isDynamic())
        {
            throw util::IllegalArgumentException("destinations can be added only to a control-mode=manual channel: " +
                                                 publication->channel());
        }
        const InetAddress address = InetAddress::parse(*endpointText);
        const std::int64_t nowNs = m_nowNs;
        if (add)
        {
            m_resources.toSender.offer([endpoint, address, correlationId, nowNs]
                                       { endpoint->addDestination(address, correlationId, nowNs); });
        }
        else
        {
            m_resources.toSender.offer([endpoint, address] { endpoint->removeDestination(address); });
        }
        sendOperationSuccess(correlationId);
    }
    catch (const std::exception& e)
    {
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::INVALID_CHANNEL), e.what());
    }
}

void DriverConductor::onClientKeepalive(std::int64_t clientId)
{
    clientFor(clientId).lastKeepaliveNs = m_nowNs;
}

void DriverConductor::onClientClose(std::int64_t clientId)
{
    for (std::size_t i = m_publicationLinks.size(); i-- > 0;)
    {
        if (m_publicationLinks[i].clientId == clientId)
        {
            removePublicationLink(i);
        }
    }
    for (std::size_t i = m_subscriptions.size(); i-- > 0;)
    {
        if (m_subscriptions[i].clientId == clientId)
        {
            removeSubscriptionLink(i);
        }
    }
    for (auto it = m_counterLinks.begin(); it != m_counterLinks.end();)
    {
        if (it->clientId == clientId)
        {
            m_resources.counters->free(it->counterId);
            it = m_counterLinks.erase(it);
        }
        else
        {
            ++it;
        }
    }
    std::erase_if(m_clients, [clientId](const ClientSession& c) { return c.clientId == clientId; });
}

DriverConductor::ClientSession& DriverConductor::clientFor(std::int64_t clientId)
{
    for (auto& client : m_clients)
    {
        if (client.clientId == clientId)
        {
            client.lastKeepaliveNs = m_nowNs;
            return client;
        }
    }
    m_clients.push_back({clientId, m_nowNs});
    return m_clients.back();
}

// ---- periodic work ----

int DriverConductor::updatePublications(std::int64_t nowNs)
{
    int workCount = 0;
    for (auto& publication : m_ipcPublications)
    {
        workCount += publication->updatePublisherLimit();
    }
    for (auto& publication : m_networkPublications)
    {
        workCount += publication->updatePublisherLimit(nowNs);
    }
    return workCount;
}

int DriverConductor::processTimers(std::int64_t nowNs)
{
    int workCount = 0;
    for (std::size_t i = m_clients.size(); i-- > 0;)
    {
        if (nowNs - m_clients[i].lastKeepaliveNs > m_context.clientLivenessTimeoutNs)
        {
            const std::int64_t clientId = m_clients[i].clientId;
            m_resources.errorLog->record("client timed out: clientId=" + std::to_string(clientId));
            sendClientTimeout(clientId);
            onClientClose(clientId);
            ++workCount;
        }
    }

    for (auto it = m_ipcPublications.begin(); it != m_ipcPublications.end();)
    {
        IpcPublication& publication = **it;
        if (publication.onTimeEvent(nowNs, m_context.publicationLingerTimeoutNs))
        {
            for (const auto& subscriber : publication.subscribers())
            {
                sendUnavailableImage(publication.registrationId(), subscriber.subscriptionRegistrationId,
                                     publication.streamId());
            }
        }
        if (publication.state() == IpcPublication::State::DONE)
        {
            const std::string logFileName = publication.logFileName();
            it = m_ipcPublications.erase(it);
            std::error_code ignored;
            std::filesystem::remove(logFileName, ignored);
            ++workCount;
        }
        else
        {
            ++it;
        }
    }
    workCount += processNetworkTimers(nowNs);
    return workCount;
}

std::int32_t DriverConductor::nextSessionId()
{
    std::int32_t sessionId = m_nextSessionId++;
    while (isReservedSessionId(sessionId))
    {
        sessionId = m_nextSessionId++;
    }
    return sessionId;
}

std::int32_t DriverConductor::termLengthFor(const ChannelUri& uri, std::int32_t defaultLength) const
{
    const std::int32_t termLength = uri.termLength().value_or(defaultLength);
    LogBufferDescriptor::checkTermLength(termLength);
    return termLength;
}

std::int32_t DriverConductor::mtuFor(const ChannelUri& uri, std::int32_t defaultMtu) const
{
    return uri.mtu().value_or(defaultMtu);
}

std::int32_t DriverConductor::windowFor(const ChannelUri& uri, std::int32_t contextWindow, std::int32_t termLength,
                                        std::int32_t mtu)
{
    // As Aeron: the channel's pub-wnd, else the driver's setting, else half a term; never more than half a term.
    // A small window keeps what the publisher wrote in cache until its subscribers read it (an archive recording
    // small messages ran at a quarter of the speed with a 2 MiB window as with a 512 KiB one).
    const std::optional<std::int32_t> requested = uri.publicationWindow();
    if (requested && *requested < mtu)
    {
        throw util::IllegalArgumentException("pub-wnd=" + std::to_string(*requested) + " is less than the mtu " +
                                             std::to_string(mtu) + ": no message could be offered");
    }
    const std::int32_t window = requested ? *requested : contextWindow > 0 ? contextWindow : termLength / 2;
    return std::min(window, termLength / 2);
}


// ---- network publications, subscriptions and images ----

namespace
{
std::string endpointKey(const ChannelUri& uri)
{
    std::string key;
    if (const auto endpoint = uri.endpoint())
    {
        key += "endpoint=" + std::string(*endpoint);
    }
    if (const auto control = uri.control())
    {
        key += "|control=" + std::string(*control);
    }
    if (const auto interfaceAddress = uri.interfaceAddress())
    {
        key += "|interface=" + std::string(*interfaceAddress);
    }
    if (uri.controlMode() != ChannelUri::ControlMode::NONE)
    {
        key += "|mdc";
    }
    return key;
}

/// The uri with its endpoint's port replaced; the host is kept as written.
ChannelUri withEndpointPort(ChannelUri uri, std::uint16_t port)
{
    const std::string endpoint(*uri.endpoint());
    uri.put(ChannelUri::ENDPOINT_PARAM, endpoint.substr(0, endpoint.rfind(':') + 1) + std::to_string(port));
    return uri;
}

/// Aeron's channel status counter (type 7): key = channel length and channel, label "rcv-channel: <channel>".
std::int32_t allocateChannelStatus(util::CountersManager& counters, const std::string& channel)
{
    std::uint8_t key[util::CountersDescriptor::MAX_KEY_LENGTH] = {};
    const std::size_t channelLength = std::min(channel.size(), sizeof(key) - sizeof(std::int32_t));
    const auto length = static_cast<std::int32_t>(channelLength);
    std::memcpy(key, &length, sizeof(length));
    std::memcpy(key + sizeof(length), channel.data(), channelLength);
    std::string label = "rcv-channel: " + channel;
    label.resize(std::min<std::size_t>(label.size(), util::CountersDescriptor::MAX_LABEL_LENGTH));
    return counters.allocate(label, StreamCounterType::RECEIVE_CHANNEL_STATUS,
                             std::span<const std::uint8_t>(key, sizeof(std::int32_t) + channelLength));
}

/// Aeron's rcv-local-sockaddr counter (type 14): key = channel status counter id, address length, address.
std::int32_t allocateLocalSocketAddress(
    util::CountersManager& counters, std::int32_t channelStatusId, const std::string& address)
{
    std::uint8_t key[util::CountersDescriptor::MAX_KEY_LENGTH] = {};
    const std::size_t addressLength = std::min(address.size(), sizeof(key) - 2 * sizeof(std::int32_t));
    const auto length = static_cast<std::int32_t>(addressLength);
    std::memcpy(key, &channelStatusId, sizeof(channelStatusId));
    std::memcpy(key + sizeof(channelStatusId), &length, sizeof(length));
    std::memcpy(key + 2 * sizeof(std::int32_t), address.data(), addressLength);
    const std::string label = "rcv-local-sockaddr: " + std::to_string(channelStatusId) + " " + address;
    return counters.allocate(label, StreamCounterType::LOCAL_SOCKET_ADDRESS,
                             std::span<const std::uint8_t>(key, 2 * sizeof(std::int32_t) + addressLength));
}
} // namespace

SendChannelEndpoint* DriverConductor::sendEndpointFor(const ChannelUri& uri)
{
    const std::string key = endpointKey(uri);
    for (auto& endpoint : m_sendEndpoints)
    {
        if (endpoint->key() == key && !m_sendEndpointsClosing.contains(endpoint.get()))
        {
            return endpoint.get();
        }
    }
    auto endpoint = std::make_unique<SendChannelEndpoint>(uri, key, *m_resources.udpMedia, m_context);
    SendChannelEndpoint* raw = endpoint.get();
    raw->systemCounters(&m_resources.systemCounters);
    m_sendEndpoints.push_back(std::move(endpoint));
    Sender* sender = m_resources.sender.get();
    m_resources.toSender.offer([sender, raw] { sender->onAddEndpoint(raw); });
    return raw;
}

void DriverConductor::addNetworkPublication(
    std::int64_t correlationId,
    std::int64_t clientId,
    std::int32_t streamId,
    bool exclusive,
    const ChannelUri& uri,
    std::string_view channel)
{
    SendChannelEndpoint* endpoint = sendEndpointFor(uri);
    const std::optional<std::int32_t> requestedSessionId = uri.sessionId();
    if (!exclusive)
    {
        for (auto& publication : m_networkPublications)
        {
            if (&publication->endpoint() == endpoint && !publication->isExclusive() &&
                publication->streamId() == streamId && publication->state() == NetworkPublication::State::ACTIVE &&
                (!requestedSessionId || *requestedSessionId == publication->sessionId()))
            {
                publication->incRef();
                m_publicationLinks.push_back({correlationId, clientId, nullptr, publication.get()});
                sendPublicationReady(correlationId, publication->registrationId(), publication->sessionId(), streamId,
                                     publication->publisherLimitId(), false, publication->logFileName());
                return;
            }
        }
    }

    if (requestedSessionId)
    {
        // Aeron forbids a clash only per send endpoint and stream: SMs and NAKs are routed by session and
        // stream id, so two live publications there could not tell theirs apart. The same session on
        // another channel is fine, and is how a replay and a live stream feed one image.
        for (const auto& publication : m_networkPublications)
        {
            const NetworkPublication::State state = publication->state();
            if (&publication->endpoint() == endpoint && publication->streamId() == streamId &&
                publication->sessionId() == *requestedSessionId &&
                (state == NetworkPublication::State::ACTIVE || state == NetworkPublication::State::DRAINING))
            {
                throw util::IllegalArgumentException(
                    "existing publication " + std::to_string(publication->registrationId()) +
                    " has clashing session-id=" + std::to_string(*requestedSessionId) + " on stream " +
                    std::to_string(streamId) + " of " + publication->channel());
            }
        }
    }
    const std::int32_t termLength = termLengthFor(uri, m_context.publicationTermBufferLength);
    const std::int32_t mtu = mtuFor(uri, m_context.mtuLength);
    const std::int32_t window = windowFor(uri, m_context.publicationTermWindowLength, termLength, mtu);
    const std::int32_t sessionId = requestedSessionId.value_or(nextSessionId());
    const StartPosition start = startPositionFor(uri, termLength, static_cast<std::int32_t>(m_random()));
    const std::string logFileName = CncFileDescriptor::publicationLogFile(m_context.aeronDirectoryName, correlationId);
    auto logBuffers =
        LogBuffers::create(logFileName, termLength, LogBufferDescriptor::PAGE_MIN_SIZE, m_context.preTouchLogBuffers);
    initialiseLogMetadata(*logBuffers, correlationId, sessionId, streamId, start.initialTermId, start.termId,
                          start.termOffset, mtu);
    util::CountersManager& counters = *m_resources.counters;
    NetworkPublication::Positions positions{
        allocateStreamPosition(counters, "pub-lmt", StreamCounterType::PUBLISHER_LIMIT, correlationId, sessionId,
                               streamId, channel),
        allocateStreamPosition(counters, "snd-pos", StreamCounterType::SENDER_POSITION, correlationId, sessionId,
                               streamId, channel),
        allocateStreamPosition(counters, "snd-lmt", StreamCounterType::SENDER_LIMIT, correlationId, sessionId,
                               streamId, channel)};
    FlowControlSettings flowControlSettings;
    flowControlSettings.initialReceiverWindowLength = m_context.initialWindowLength;
    auto flowControl = FlowControl::create(endpoint->isMultiDestination(), uri.get("fc"), flowControlSettings);
    auto publication = std::make_unique<NetworkPublication>(
        correlationId, sessionId, streamId, std::string(channel), uri, exclusive, logFileName, std::move(logBuffers),
        *endpoint, positions, std::move(flowControl), m_context, counters, window);
    NetworkPublication* raw = publication.get();
    raw->systemCounters(&m_resources.systemCounters);
    raw->publisherPositionCounter(allocateStreamPosition(counters, "pub-pos (sampled)",
                                                         StreamCounterType::PUBLISHER_POSITION, correlationId,
                                                         sessionId, streamId, channel));
    endpoint->incRef();
    m_networkPublications.push_back(std::move(publication));
    m_publicationLinks.push_back({correlationId, clientId, nullptr, raw});
    Sender* sender = m_resources.sender.get();
    m_resources.toSender.offer([sender, raw] { sender->onAddPublication(raw); });
    sendPublicationReady(correlationId, correlationId, sessionId, streamId, raw->publisherLimitId(), exclusive,
                         logFileName);
    for (const auto& subscription : m_subscriptions)
    {
        if (subscription.uri.isSpy() && subscription.streamId == streamId && raw->matchesSpy(subscription.uri) &&
            (!subscription.sessionId || *subscription.sessionId == sessionId))
        {
            linkSpySubscriber(*raw, subscription);
        }
    }
}

void DriverConductor::linkSpySubscriber(NetworkPublication& publication, const SubscriptionLink& subscription)
{
    const std::int64_t joinPosition = publication.joinPosition();
    util::Position position = allocateStreamPosition(
        *m_resources.counters, "sub-pos", StreamCounterType::SUBSCRIBER_POSITION, subscription.registrationId,
        publication.sessionId(), publication.streamId(), subscription.channel, "@" + std::to_string(joinPosition));
    position.setOrdered(joinPosition);
    publication.addSpy(subscription.registrationId, position);
    sendAvailableImage(publication.registrationId(), subscription.registrationId, publication.sessionId(),
                       publication.streamId(), position.id(), publication.logFileName(), "aeron-spy");
}

ReceiveChannelEndpoint* DriverConductor::receiveEndpointFor(const ChannelUri& uri)
{
    const std::string key = endpointKey(uri);
    for (auto& endpoint : m_receiveEndpoints)
    {
        if (endpoint->key() == key && !m_receiveEndpointsClosing.contains(endpoint.get()))
        {
            return endpoint.get();
        }
    }
    auto endpoint =
        std::make_unique<ReceiveChannelEndpoint>(uri, key, *m_resources.udpMedia, m_context, m_nextReceiverId++);
    ReceiveChannelEndpoint* raw = endpoint.get();
    raw->systemCounters(&m_resources.systemCounters);
    const std::string_view requestedEndpoint = *uri.endpoint(); // the constructor checked it is there
    const std::string boundAddress = raw->localAddress().toString();
    if (requestedEndpoint.ends_with(":0"))
    {
        raw->key(endpointKey(withEndpointPort(uri, raw->localAddress().port())));
    }
    // The bound address is published the Aeron way: a rcv-channel status counter (the subscription gets
    // its id) and a rcv-local-sockaddr counter keyed by that id, which Subscription::resolvedEndpoint reads.
    util::CountersManager& counters = *m_resources.counters;
    const std::string channel = uri.toString();
    const std::int32_t statusId = allocateChannelStatus(counters, channel);
    const std::int32_t addressId = allocateLocalSocketAddress(counters, statusId, boundAddress);
    counters.setCounterValue(statusId, ChannelEndpointStatus::ACTIVE);
    counters.setCounterValue(addressId, ChannelEndpointStatus::ACTIVE);
    raw->statusCounters(statusId, addressId);
    m_receiveEndpoints.push_back(std::move(endpoint));
    Receiver* receiver = m_resources.receiver.get();
    m_resources.toReceiver.offer([receiver, raw] { receiver->onAddEndpoint(raw); });
    return raw;
}

// Each multi-destination subscription has an endpoint of its own: its destinations are its own business.
namespace
{
std::string channelTagOf(const ChannelUri& uri)
{
    const std::string_view tags = uri.get(ChannelUri::TAGS_PARAM).value_or("");
    return std::string(tags.substr(0, tags.find(',')));
}
} // namespace

ReceiveChannelEndpoint* DriverConductor::findTaggedEndpoint(const std::string& tag)
{
    for (auto& endpoint : m_receiveEndpoints)
    {
        if (!tag.empty() && endpoint->channelTag() == tag && !m_receiveEndpointsClosing.contains(endpoint.get()))
        {
            return endpoint.get();
        }
    }
    return nullptr;
}

ReceiveChannelEndpoint* DriverConductor::taggedEndpointFor(const ChannelUri& uri)
{
    const std::string tag = channelTagOf(uri);
    ReceiveChannelEndpoint* endpoint = findTaggedEndpoint(tag);
    if (endpoint == nullptr)
    {
        throw util::IllegalArgumentException("no receive channel has tag '" + tag + "': " + uri.toString());
    }
    return endpoint;
}

ReceiveChannelEndpoint* DriverConductor::multiDestinationEndpointFor(const ChannelUri& uri)
{
    const std::string tag = channelTagOf(uri);
    if (ReceiveChannelEndpoint* existing = findTaggedEndpoint(tag))
    {
        if (!existing->isMultiDestination())
        {
            throw util::IllegalArgumentException("tag '" + tag + "' names a channel that is not control-mode=manual");
        }
        return existing;
    }
    const std::int64_t receiverId = m_nextReceiverId++;
    auto endpoint = std::make_unique<ReceiveChannelEndpoint>(
        uri, "mds|" + std::to_string(receiverId), *m_resources.udpMedia, m_context, receiverId);
    ReceiveChannelEndpoint* raw = endpoint.get();
    raw->systemCounters(&m_resources.systemCounters);
    raw->channelTag(tag);
    util::CountersManager& counters = *m_resources.counters;
    const std::int32_t statusId = allocateChannelStatus(counters, uri.toString());
    counters.setCounterValue(statusId, ChannelEndpointStatus::ACTIVE);
    raw->statusCounters(statusId, -1);
    m_receiveEndpoints.push_back(std::move(endpoint));
    Receiver* receiver = m_resources.receiver.get();
    m_resources.toReceiver.offer([receiver, raw] { receiver->onAddEndpoint(raw); });
    return raw;
}

void DriverConductor::onRcvDestination(
    std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId, std::string_view channel, bool add)
{
    clientFor(clientId);
    const SubscriptionLink* subscription = nullptr;
    for (const auto& link : m_subscriptions)
    {
        if (link.clientId == clientId && link.registrationId == registrationId)
        {
            subscription = &link;
        }
    }
    if (subscription == nullptr)
    {
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::UNKNOWN_SUBSCRIPTION),
                  "receive destinations need a subscription of this client; unknown registration id " +
                      std::to_string(registrationId));
        return;
    }
    try
    {
        ReceiveChannelEndpoint* endpoint = subscription->endpoint;
        if (endpoint == nullptr || !endpoint->isMultiDestination())
        {
            throw util::IllegalArgumentException(
                "destinations can be added only to a control-mode=manual UDP subscription: " + subscription->channel);
        }
        const ChannelUri uri = ChannelUri::parse(channel);
        const auto endpointText = uri.endpoint();
        if (!uri.isUdp() || uri.isSpy() || !endpointText)
        {
            throw util::IllegalArgumentException("a destination is aeron:udp?endpoint=host:port, not " +
                                                 std::string(channel));
        }
        const InetAddress address = InetAddress::parse(*endpointText);
        if (add)
        {
            addRcvDestination(endpoint, std::string(*endpointText), address);
        }
        else
        {
            removeRcvDestination(endpoint, std::string(*endpointText), address);
        }
        sendOperationSuccess(correlationId);
    }
    catch (const std::exception& e)
    {
        m_resources.errorLog->record(e);
        sendError(correlationId, static_cast<std::int32_t>(ErrorCode::INVALID_CHANNEL), e.what());
    }
}

// The socket is bound here, so a port in use is refused to the client, and then handed to the receiver.
void DriverConductor::addRcvDestination(
    ReceiveChannelEndpoint* endpoint, const std::string& endpointText, const InetAddress& address)
{
    for (const RcvDestination& destination : m_rcvDestinations)
    {
        if (destination.endpoint == endpoint && (destination.endpointText == endpointText ||
                                                 (address.port() != 0 && destination.address == address)))
        {
            throw util::IllegalArgumentException("destination already added: " + endpointText);
        }
    }
    // Sockets may share a port (SO_REUSEADDR), so a clash with another subscription is caught here.
    if (address.port() != 0)
    {
        for (const RcvDestination& destination : m_rcvDestinations)
        {
            if (destination.address == address)
            {
                throw util::IllegalArgumentException("address in use by another destination: " + endpointText);
            }
        }
        for (const auto& other : m_receiveEndpoints)
        {
            if (!other->isMultiDestination() && !m_receiveEndpointsClosing.contains(other.get()) &&
                other->localAddress() == address)
            {
                throw util::IllegalArgumentException("address in use by a subscription: " + endpointText);
            }
        }
    }
    std::shared_ptr<UdpTransport> udpTransport =
        m_resources.udpMedia->open(address, m_context.socketRcvbufLength, m_context.socketSndbufLength);
    const std::int32_t addressId =
        allocateLocalSocketAddress(*m_resources.counters, endpoint->channelStatusId(),
                                   udpTransport->localAddress().toString());
    m_resources.counters->setCounterValue(addressId, ChannelEndpointStatus::ACTIVE);
    const int transportIndex = endpoint->nextDestinationIndex();
    m_rcvDestinations.push_back(
        {endpoint, endpointText, address, udpTransport->localAddress(), transportIndex, addressId});
    m_resources.toReceiver.offer([endpoint, transportIndex, udpTransport]
                                 { endpoint->addDestination(transportIndex, udpTransport); });
}

void DriverConductor::removeRcvDestination(
    ReceiveChannelEndpoint* endpoint, const std::string& endpointText, const InetAddress& address)
{
    for (auto it = m_rcvDestinations.begin(); it != m_rcvDestinations.end(); ++it)
    {
        // Named as added, or (a port-0 destination) by the address it is bound to.
        if (it->endpoint == endpoint &&
            (it->endpointText == endpointText || it->address == address || it->boundAddress == address))
        {
            const int transportIndex = it->transportIndex;
            m_resources.counters->free(it->localSocketAddressId);
            m_rcvDestinations.erase(it);
            m_resources.toReceiver.offer([endpoint, transportIndex] { endpoint->removeDestination(transportIndex); });
            return;
        }
    }
    throw util::IllegalArgumentException("unknown destination: " + endpointText);
}

bool DriverConductor::matches(const SubscriptionLink& subscription, const PublicationImage& image)
{
    return subscription.endpoint == &image.endpoint() && subscription.streamId == image.streamId() &&
        (!subscription.sessionId || *subscription.sessionId == image.sessionId());
}

void DriverConductor::addUdpSubscriber(const SubscriptionLink& subscription)
{
    ReceiveChannelEndpoint* endpoint = subscription.endpoint;
    endpoint->incRef();
    const std::int32_t streamId = subscription.streamId;
    const std::optional<std::int32_t> sessionId = subscription.sessionId;
    m_resources.toReceiver.offer([endpoint, streamId, sessionId] { endpoint->addSubscription(streamId, sessionId); });
    // Join images that already exist, where the image has rebuilt to or the slowest subscriber has read to.
    for (auto& image : m_images)
    {
        if (image->isAcceptingSubscriptions() && image->state() == PublicationImage::State::ACTIVE &&
            matches(subscription, *image))
        {
            const std::int64_t joinPosition = image->lateJoinPosition();
            util::Position position = allocateStreamPosition(
                *m_resources.counters, "sub-pos", StreamCounterType::SUBSCRIBER_POSITION, subscription.registrationId,
                image->sessionId(), image->streamId(), subscription.channel);
            position.setOrdered(joinPosition);
            PublicationImage* raw = image.get();
            const std::int64_t registrationId = subscription.registrationId;
            raw->linkSubscriber(registrationId, position);
            m_resources.toReceiver.offer([raw, registrationId, position] { raw->addSubscriber(registrationId, position); });
            sendAvailableImage(image->correlationId(), subscription.registrationId, image->sessionId(),
                               image->streamId(), position.id(), image->logFileName(), image->sourceIdentity());
        }
    }
}

void DriverConductor::removeUdpSubscriber(const SubscriptionLink& subscription)
{
    ReceiveChannelEndpoint* endpoint = subscription.endpoint;
    const std::int32_t streamId = subscription.streamId;
    const std::optional<std::int32_t> sessionId = subscription.sessionId;
    const std::int64_t registrationId = subscription.registrationId;
    for (auto& image : m_images)
    {
        if (matches(subscription, *image))
        {
            PublicationImage* raw = image.get();
            // As Aeron: an image its last subscriber left goes away (the receiver makes it inactive once its
            // subscriber list is empty), so a later subscriber waits for a fresh SETUP rather than joining an image
            // the endpoint no longer feeds.
            const bool stillSubscribed = std::any_of(m_subscriptions.begin(), m_subscriptions.end(),
                                                     [&](const SubscriptionLink& other) { return matches(other, *raw); });
            if (!stillSubscribed)
            {
                raw->stopAcceptingSubscriptions();
            }
            raw->unlinkSubscriber(registrationId); // before the receiver frees its position counter
            m_resources.toReceiver.offer([raw, registrationId] { raw->removeSubscriber(registrationId); });
        }
    }
    m_resources.toReceiver.offer([endpoint, streamId, sessionId] { endpoint->removeSubscription(streamId, sessionId); });
    endpoint->decRef();
    tryCloseReceiveEndpoint(endpoint);
}

void DriverConductor::onCreatePublicationImage(const SetupRequest& request, ReceiveChannelEndpoint* endpoint)
{
    std::vector<const SubscriptionLink*> subscribers;
    for (const auto& subscription : m_subscriptions)
    {
        if (subscription.endpoint == endpoint && subscription.streamId == request.streamId &&
            (!subscription.sessionId || *subscription.sessionId == request.sessionId))
        {
            subscribers.push_back(&subscription);
        }
    }
    if (subscribers.empty())
    {
        const std::int32_t streamId = request.streamId;
        const std::int32_t sessionId = request.sessionId;
        m_resources.toReceiver.offer([endpoint, streamId, sessionId] { endpoint->onSetupDeclined(streamId, sessionId); });
        return;
    }
    try
    {
        const std::int64_t correlationId = m_toDriverCommands.nextCorrelationId();
        const std::string logFileName = CncFileDescriptor::imageLogFile(m_context.aeronDirectoryName, correlationId);
        auto logBuffers = LogBuffers::create(
            logFileName, request.termLength, LogBufferDescriptor::PAGE_MIN_SIZE, m_context.preTouchLogBuffers);
        initialiseLogMetadata(*logBuffers, correlationId, request.sessionId, request.streamId, request.initialTermId,
                              request.activeTermId, request.termOffset, request.mtuLength);
        const std::int64_t joinPosition = LogBufferDescriptor::computePosition(
            request.activeTermId, request.termOffset, LogBufferDescriptor::positionBitsToShift(request.termLength),
            request.initialTermId);
        util::CountersManager& counters = *m_resources.counters;
        const std::string channel = subscribers.front()->channel;
        util::Position hwm = allocateStreamPosition(counters, "rcv-hwm", StreamCounterType::RECEIVER_HWM, correlationId,
                                                    request.sessionId, request.streamId, channel);
        util::Position receiverPosition = allocateStreamPosition(
            counters, "rcv-pos", StreamCounterType::RECEIVER_POSITION, correlationId, request.sessionId,
            request.streamId, channel);
        std::vector<PublicationImage::SubscriberPosition> positions;
        for (const SubscriptionLink* subscription : subscribers)
        {
            util::Position position = allocateStreamPosition(
                counters, "sub-pos", StreamCounterType::SUBSCRIBER_POSITION, subscription->registrationId,
                request.sessionId, request.streamId, subscription->channel, "@" + std::to_string(joinPosition));
            position.setOrdered(joinPosition);
            positions.push_back({subscription->registrationId, position});
        }
        auto image = std::make_unique<PublicationImage>(
            correlationId, request.sessionId, request.streamId, joinPosition, logFileName, std::move(logBuffers),
            *endpoint, request.controlAddress, request.transportIndex, hwm, receiverPosition, positions, m_context,
            counters, m_nowNs);
        PublicationImage* raw = image.get();
        raw->systemCounters(&m_resources.systemCounters);
        m_images.push_back(std::move(image));
        Receiver* receiver = m_resources.receiver.get();
        m_resources.toReceiver.offer([receiver, raw] { receiver->onAddImage(raw); });
        for (const auto& position : positions)
        {
            sendAvailableImage(correlationId, position.subscriptionRegistrationId, request.sessionId, request.streamId,
                               position.position.id(), logFileName, raw->sourceIdentity());
        }
    }
    catch (const std::exception& e)
    {
        m_resources.errorLog->record(e);
        const std::int32_t streamId = request.streamId;
        const std::int32_t sessionId = request.sessionId;
        m_resources.toReceiver.offer([endpoint, streamId, sessionId] { endpoint->onSetupDeclined(streamId, sessionId); });
    }
}

void DriverConductor::onImageInactive(PublicationImage* image)
{
    for (const auto& subscriber : image->subscribers())
    {
        sendUnavailableImage(image->correlationId(), subscriber.subscriptionRegistrationId, image->streamId());
    }
    for (auto it = m_images.begin(); it != m_images.end(); ++it)
    {
        if (it->get() == image)
        {
            // Kept mapped for a while so a client still polling it never reads freed memory.
            m_lingeringImages.push_back({std::move(*it), m_nowNs + m_context.publicationLingerTimeoutNs});
            m_images.erase(it);
            break;
        }
    }
    tryCloseReceiveEndpoint(&image->endpoint());
}

void DriverConductor::tryCloseReceiveEndpoint(ReceiveChannelEndpoint* endpoint)
{
    // An endpoint lives while a subscription or an image (live or lingering) uses it, so that a new
    // subscription to the same address finds it still bound instead of racing a socket being closed.
    if (endpoint->refCount() > 0 || m_receiveEndpointsClosing.contains(endpoint))
    {
        return;
    }
    const auto usesEndpoint = [endpoint](const PublicationImage& image) { return &image.endpoint() == endpoint; };
    for (const auto& image : m_images)
    {
        if (usesEndpoint(*image))
        {
            return;
        }
    }
    // No later subscription shares a manual-control endpoint by its address (each gets its own), so waiting for
    // its lingering images would only keep its ports from the next one. A lingering image needs its log buffers,
    // not the endpoint: the receiver let go of it when it went inactive.
    if (!endpoint->isMultiDestination())
    {
        for (const auto& lingering : m_lingeringImages)
        {
            if (usesEndpoint(*lingering.image))
            {
                return;
            }
        }
    }
    m_receiveEndpointsClosing.insert(endpoint);
    m_resources.counters->setCounterValue(endpoint->channelStatusId(), ChannelEndpointStatus::CLOSING);
    if (endpoint->localSocketAddressId() >= 0)
    {
        m_resources.counters->setCounterValue(endpoint->localSocketAddressId(), ChannelEndpointStatus::CLOSING);
    }
    for (const RcvDestination& destination : m_rcvDestinations)
    {
        if (destination.endpoint == endpoint)
        {
            m_resources.counters->setCounterValue(destination.localSocketAddressId, ChannelEndpointStatus::CLOSING);
        }
    }
    Receiver* receiver = m_resources.receiver.get();
    DriverConductor* self = this;
    util::CommandQueue* toConductor = &m_resources.toConductor;
    m_resources.toReceiver.offer(
        [receiver, endpoint, self, toConductor]
        {
            receiver->onRemoveEndpoint(endpoint);
            toConductor->offer(
                [self, endpoint]
                {
                    self->m_receiveEndpointsClosing.erase(endpoint);
                    if (endpoint->localSocketAddressId() >= 0)
                    {
                        self->m_resources.counters->free(endpoint->localSocketAddressId());
                    }
                    self->m_resources.counters->free(endpoint->channelStatusId());
                    std::erase_if(self->m_rcvDestinations,
                                  [self, endpoint](const RcvDestination& destination)
                                  {
                                      if (destination.endpoint != endpoint)
                                      {
                                          return false;
                                      }
                                      self->m_resources.counters->free(destination.localSocketAddressId);
                                      return true;
                                  });
                    std::erase_if(self->m_receiveEndpoints, [endpoint](const auto& e) { return e.get() == endpoint; });
                });
        });
}

void DriverConductor::deleteNetworkPublication(NetworkPublication* publication)
{
    m_retiringPublications.erase(publication);
    SendChannelEndpoint* endpoint = &publication->endpoint();
    std::string logFileName;
    for (auto it = m_networkPublications.begin(); it != m_networkPublications.end(); ++it)
    {
        if (it->get() == publication)
        {
            logFileName = publication->logFileName();
            m_networkPublications.erase(it);
            break;
        }
    }
    std::error_code ignored;
    std::filesystem::remove(logFileName, ignored);
    if (endpoint->decRef() == 0)
    {
        m_sendEndpointsClosing.insert(endpoint);
        Sender* sender = m_resources.sender.get();
        DriverConductor* self = this;
        util::CommandQueue* toConductor = &m_resources.toConductor;
        m_resources.toSender.offer(
            [sender, endpoint, self, toConductor]
            {
                sender->onRemoveEndpoint(endpoint);
                toConductor->offer(
                    [self, endpoint]
                    {
                        self->m_sendEndpointsClosing.erase(endpoint);
                        std::erase_if(self->m_sendEndpoints, [endpoint](const auto& e) { return e.get() == endpoint; });
                    });
            });
    }
}

int DriverConductor::processNetworkTimers(std::int64_t nowNs)
{
    int workCount = 0;
    for (auto& publication : m_networkPublications)
    {
        if (publication->onTimeEvent(nowNs))
        {
            for (const auto& spy : publication->spies())
            {
                sendUnavailableImage(publication->registrationId(), spy.subscriptionRegistrationId,
                                     publication->streamId());
            }
        }
        NetworkPublication* raw = publication.get();
        if (publication->state() == NetworkPublication::State::DONE && !m_retiringPublications.contains(raw))
        {
            // The sender lets go first; then, back on this thread, it is deleted.
            m_retiringPublications.insert(raw);
            Sender* sender = m_resources.sender.get();
            DriverConductor* self = this;
            util::CommandQueue* toConductor = &m_resources.toConductor;
            m_resources.toSender.offer(
                [sender, raw, self, toConductor]
                {
                    sender->onRemovePublication(raw);
                    toConductor->offer([self, raw] { self->deleteNetworkPublication(raw); });
                });
            ++workCount;
        }
    }
    for (auto it = m_lingeringImages.begin(); it != m_lingeringImages.end();)
    {
        if (nowNs >= it->deleteDeadlineNs)
        {
            const std::string logFileName = it->image->logFileName();
            ReceiveChannelEndpoint* endpoint = &it->image->endpoint();
            it = m_lingeringImages.erase(it);
            std::error_code ignored;
            std::filesystem::remove(logFileName, ignored);
            // A manual-control endpoint may have closed while this image lingered.
            const bool endpointOpen = std::any_of(m_receiveEndpoints.begin(), m_receiveEndpoints.end(),
                                                  [endpoint](const auto& open) { return open.get() == endpoint; });
            if (endpointOpen)
            {
                tryCloseReceiveEndpoint(endpoint);
            }
            ++workCount;
        }
        else
        {
            ++it;
        }
    }
    return workCount;
}

// ---- responses ----

void DriverConductor::transmit(std::int32_t templateId, std::size_t length)
{
    m_toClients.transmit(templateId, m_response, 0, length);
}

void DriverConductor::sendPublicationReady(
    std::int64_t correlationId,
    std::int64_t registrationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::int32_t publisherLimitId,
    bool exclusive,
    const std::string& logFileName)
{
    drv::MessageHeaderEncoder header;
    drv::PublicationReadyEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header)
        .correlationId(correlationId)
        .registrationId(registrationId)
        .sessionId(sessionId)
        .streamId(streamId)
        .publicationLimitCounterId(publisherLimitId)
        .channelStatusIndicatorId(-1)
        .exclusive(exclusive ? drv::BooleanType::TRUE : drv::BooleanType::FALSE)
        .putLogFileName(logFileName);
    transmit(drv::TemplateId::PUBLICATION_READY, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendSubscriptionReady(std::int64_t correlationId, std::int32_t channelStatusId)
{
    drv::MessageHeaderEncoder header;
    drv::SubscriptionReadyEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header)
        .correlationId(correlationId)
        .channelStatusIndicatorId(channelStatusId);
    transmit(drv::TemplateId::SUBSCRIPTION_READY, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendAvailableImage(
    std::int64_t imageCorrelationId,
    std::int64_t subscriptionRegistrationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::int32_t subscriberPositionId,
    const std::string& logFileName,
    const std::string& sourceIdentity)
{
    drv::MessageHeaderEncoder header;
    drv::AvailableImageEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header)
        .correlationId(imageCorrelationId)
        .subscriptionRegistrationId(subscriptionRegistrationId)
        .sessionId(sessionId)
        .streamId(streamId)
        .subscriberPositionId(subscriberPositionId)
        .putLogFileName(logFileName)
        .putSourceIdentity(sourceIdentity);
    transmit(drv::TemplateId::AVAILABLE_IMAGE, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendUnavailableImage(
    std::int64_t imageCorrelationId, std::int64_t subscriptionRegistrationId, std::int32_t streamId)
{
    drv::MessageHeaderEncoder header;
    drv::UnavailableImageEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header)
        .correlationId(imageCorrelationId)
        .subscriptionRegistrationId(subscriptionRegistrationId)
        .streamId(streamId);
    transmit(drv::TemplateId::UNAVAILABLE_IMAGE, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendOperationSuccess(std::int64_t correlationId)
{
    drv::MessageHeaderEncoder header;
    drv::OperationSuccessEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header).correlationId(correlationId);
    transmit(drv::TemplateId::OPERATION_SUCCESS, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendError(std::int64_t correlationId, std::int32_t errorCode, const std::string& message)
{
    drv::MessageHeaderEncoder header;
    drv::ErrorEncoder encoder;
    const std::string_view text =
        std::string_view(message).substr(0, std::min<std::size_t>(message.size(), RESPONSE_BUFFER_LENGTH / 2));
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header)
        .offendingCorrelationId(correlationId)
        .errorCode(errorCode)
        .putErrorMessage(text);
    transmit(drv::TemplateId::ERROR, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendCounterReady(std::int64_t correlationId, std::int32_t counterId)
{
    drv::MessageHeaderEncoder header;
    drv::CounterReadyEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header)
        .correlationId(correlationId)
        .counterId(counterId);
    transmit(drv::TemplateId::COUNTER_READY, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void DriverConductor::sendClientTimeout(std::int64_t clientId)
{
    drv::MessageHeaderEncoder header;
    drv::ClientTimeoutEncoder encoder;
    encoder.wrapAndApplyHeader(m_responseBuffer.data(), 0, m_responseBuffer.size(), header).clientId(clientId);
    transmit(drv::TemplateId::CLIENT_TIMEOUT, drv::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}
} // namespace cox::transport

#include "ArchiveConductor.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "cox/archive/ArchiveException.hpp"
#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/transport/ChannelText.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/CountersReader.hpp"

namespace cox::archive
{
namespace ac = codecs::archive;
using codecs::sbe::DecodeError;

namespace
{
constexpr int CONTROL_FRAGMENT_LIMIT = 10;
constexpr std::int32_t RECORDING_POSITION_TYPE_ID = 100;
constexpr std::int32_t MAX_SOURCE_IDENTITY_KEY_LENGTH = 88;

/// Parameters kept in a recording's stripped channel (facts §3.4); everything else is dropped.
constexpr std::string_view STRIPPED_KEEP[] = {
    "endpoint", "interface", "control", "control-mode", "tags", "rejoin", "group", "tether", "fc", "gtag", "cc",
    "so-sndbuf", "so-rcvbuf", "rcv-wnd", "session-id", "alias", "response-correlation-id"};

std::string strippedChannel(const transport::ChannelUri& uri)
{
    std::string result = uri.isIpc() ? "aeron:ipc" : "aeron:udp";
    char separator = '?';
    for (const auto& [key, value] : uri.params())
    {
        if (std::find(std::begin(STRIPPED_KEEP), std::end(STRIPPED_KEEP), key) != std::end(STRIPPED_KEEP))
        {
            result += separator;
            result += key + "=" + value;
            separator = '|';
        }
    }
    return result;
}

/// The identity of a recording subscription: two requests with the same key would record the same
/// stream twice (facts §3.1).
std::string recordingKey(const transport::ChannelUri& uri, std::int32_t streamId)
{
    std::string key = std::to_string(streamId) + ":" + (uri.isIpc() ? "ipc" : "udp") + "?";
    for (const std::string_view name : {"endpoint", "interface", "control", "session-id", "tags"})
    {
        if (const auto value = uri.get(name))
        {
            key += std::string(name) + "=" + std::string(*value) + "|";
        }
    }
    return key;
}

/// channel with each "key=value" of params ('|'-separated) set, replacing any value the caller gave.
std::string withParams(std::string_view channel, std::string_view params)
{
    std::string result(channel);
    while (!params.empty())
    {
        const auto bar = params.find('|');
        const std::string_view param = params.substr(0, bar);
        const auto equals = param.find('=');
        result = transport::withParam(result, param.substr(0, equals), param.substr(equals + 1));
        params = bar == std::string_view::npos ? std::string_view() : params.substr(bar + 1);
    }
    return result;
}

template <typename Decoder>
bool decode(Decoder& decoder, const std::uint8_t* data, std::size_t length)
{
    return decoder.wrapWithHeader(data, 0, length) == DecodeError::NONE;
}

std::int64_t errorCode(ArchiveErrorCode code)
{
    return static_cast<std::int64_t>(code);
}
} // namespace

ArchiveConductor::ArchiveConductor(ArchiveResources& resources)
    : m_resources(resources),
      m_context(resources.context),
      m_storage(*resources.storage),
      m_aeron(*resources.aeron),
      m_nextSessionId(static_cast<std::int64_t>(static_cast<std::uint32_t>(resources.epochClock->time())) & 0x3FFFFFFF)
{
    m_assembler = std::make_unique<transport::FragmentAssembler<std::function<void(
        const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&)>>>(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
        { onFragment(buffer, offset, length); });
    m_controlSubscriptions.push_back(
        m_aeron.addSubscription(m_context.localControlChannel, m_context.localControlStreamId));
    if (!m_context.controlChannel.empty())
    {
        m_controlSubscriptions.push_back(m_aeron.addSubscription(m_context.controlChannel, m_context.controlStreamId));
    }
    m_nowNs = resources.nanoClock->nanoTime();
}

ArchiveConductor::~ArchiveConductor() = default;

int ArchiveConductor::doWork()
{
    m_nowNs = m_resources.nanoClock->nanoTime();
    if (const std::int64_t stallNs = m_stallDetector.onDutyCycle(m_nowNs); stallNs > 0)
    {
        for (auto& [id, session] : m_controlSessions)
        {
            session->onConductorStall(stallNs);
        }
    }
    int workCount = 0;
    if (m_context.driverInvoker)
    {
        workCount += m_context.driverInvoker();
    }
    workCount += m_aeron.conductorAgentInvoker().invoke();
    workCount += m_resources.toConductor.drain();
    auto handler = m_assembler->handler();
    for (auto& subscription : m_controlSubscriptions)
    {
        workCount += subscription->poll(handler, CONTROL_FRAGMENT_LIMIT);
    }
    workCount += processPendingImages();
    workCount += processPendingReplays(m_nowNs);
    workCount += processReplications(m_nowNs);
    workCount += processSessions(m_nowNs);
    return workCount;
}

void ArchiveConductor::onClose()
{
    for (auto& [id, replication] : m_replicationSessions)
    {
        replication->close();
    }
    for (auto& [id, session] : m_recordingSessions)
    {
        session->abort();
    }
    for (auto& [id, session] : m_replaySessions)
    {
        session->abort();
    }
    for (auto& [id, session] : m_controlSessions)
    {
        session->close();
    }
}

// ---- requests ----

void ArchiveConductor::onFragment(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length)
{
    const std::uint8_t* data = buffer.buffer() + offset;
    ac::MessageHeaderDecoder header;
    if (ac::checkHeader(data, 0, static_cast<std::size_t>(length), header) != DecodeError::NONE)
    {
        m_resources.errorHandler(util::IllegalArgumentException("malformed archive control request dropped"));
        return;
    }
    onRequest(header.templateId(), data, static_cast<std::size_t>(length));
}

ControlSession* ArchiveConductor::sessionFor(std::int64_t controlSessionId)
{
    const auto it = m_controlSessions.find(controlSessionId);
    if (it == m_controlSessions.end() || !it->second->onRequest(m_nowNs))
    {
        return nullptr; // unknown or not active: dropped without a response (facts §2.3)
    }
    return it->second.get();
}

void ArchiveConductor::onConnect(
    std::int64_t correlationId, std::int32_t responseStreamId, std::int32_t version, std::string_view responseChannel)
{
    const std::int64_t controlSessionId = m_nextSessionId++;
    const bool isVersionValid = (version >> 16) == 1;
    std::int64_t publicationId = -1;
    try
    {
        publicationId = m_aeron.asyncAddExclusivePublication(std::string(responseChannel), responseStreamId);
    }
    catch (const std::exception& e)
    {
        m_resources.errorHandler(e);
        return;
    }
    m_controlSessions.emplace(
        controlSessionId,
        std::make_unique<ControlSession>(
            controlSessionId, correlationId, publicationId, std::string(responseChannel), responseStreamId,
            isVersionValid, m_context.connectTimeoutNs, m_context.sessionLivenessCheckIntervalNs, m_nowNs));
}

void ArchiveConductor::onRequest(std::int32_t templateId, const std::uint8_t* data, std::size_t length)
{
    switch (templateId)
    {
        case ac::TemplateId::CONNECT_REQUEST:
        {
            ac::ConnectRequestDecoder d;
            if (decode(d, data, length))
            {
                const auto correlationId = d.correlationId();
                const auto streamId = d.responseStreamId();
                const auto version = d.version();
                onConnect(correlationId, streamId, version, d.responseChannel());
            }
            return;
        }
        case ac::TemplateId::AUTH_CONNECT_REQUEST:
        {
            ac::AuthConnectRequestDecoder d;
            if (decode(d, data, length))
            {
                // Every client is accepted: authentication plugs in here when it exists.
                const auto correlationId = d.correlationId();
                const auto streamId = d.responseStreamId();
                const auto version = d.version();
                onConnect(correlationId, streamId, version, d.responseChannel());
            }
            return;
        }
        case ac::TemplateId::CLOSE_SESSION_REQUEST:
        {
            ac::CloseSessionRequestDecoder d;
            if (decode(d, data, length))
            {
                const auto it = m_controlSessions.find(d.controlSessionId());
                if (it != m_controlSessions.end())
                {
                    it->second->abort();
                }
            }
            return;
        }
        default:
            break;
    }

    // Every other request names its session in its first field.
    ac::MessageHeaderDecoder header;
    if (!header.wrap(data, 0, ac::SCHEMA_VERSION, length) || length < ac::MessageHeaderDecoder::ENCODED_LENGTH + 16)
    {
        return;
    }
    std::int64_t controlSessionId;
    std::int64_t correlationId;
    std::memcpy(&controlSessionId, data + ac::MessageHeaderDecoder::ENCODED_LENGTH, 8);
    std::memcpy(&correlationId, data + ac::MessageHeaderDecoder::ENCODED_LENGTH + 8, 8);
    ControlSession* session = sessionFor(controlSessionId);
    if (session == nullptr)
    {
        if (!m_controlSessions.contains(controlSessionId))
        {
            // No session means no response channel to answer on: the error log is the only place to say so.
            m_resources.errorHandler(ArchiveException(
                ArchiveErrorCode::UNKNOWN_CONTROL_SESSION,
                "unknown controlSessionId=" + std::to_string(controlSessionId) + " for correlationId=" +
                    std::to_string(correlationId) + " templateId=" + std::to_string(templateId) + ": request dropped"));
        }
        return;
    }
    try
    {
        switch (templateId)
        {
            case ac::TemplateId::KEEP_ALIVE_REQUEST:
                return;
            case ac::TemplateId::ARCHIVE_ID_REQUEST:
                session->sendOk(correlationId, m_resources.archiveId);
                return;
            case ac::TemplateId::START_RECORDING_REQUEST:
            {
                ac::StartRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto streamId = d.streamId();
                    const bool isLocal = d.sourceLocation() == ac::SourceLocation::LOCAL;
                    startRecording(*session, correlationId, streamId, isLocal, false, d.channel(), std::nullopt);
                    return;
                }
                break;
            }
            case ac::TemplateId::START_RECORDING_REQUEST2:
            {
                ac::StartRecordingRequest2Decoder d;
                if (decode(d, data, length))
                {
                    const auto streamId = d.streamId();
                    const bool isLocal = d.sourceLocation() == ac::SourceLocation::LOCAL;
                    const bool autoStop = d.autoStop() == ac::BooleanType::TRUE;
                    startRecording(*session, correlationId, streamId, isLocal, autoStop, d.channel(), std::nullopt);
                    return;
                }
                break;
            }
            case ac::TemplateId::EXTEND_RECORDING_REQUEST:
            {
                ac::ExtendRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    const auto streamId = d.streamId();
                    const bool isLocal = d.sourceLocation() == ac::SourceLocation::LOCAL;
                    startRecording(*session, correlationId, streamId, isLocal, false, d.channel(), recordingId);
                    return;
                }
                break;
            }
            case ac::TemplateId::EXTEND_RECORDING_REQUEST2:
            {
                ac::ExtendRecordingRequest2Decoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    const auto streamId = d.streamId();
                    const bool isLocal = d.sourceLocation() == ac::SourceLocation::LOCAL;
                    const bool autoStop = d.autoStop() == ac::BooleanType::TRUE;
                    startRecording(*session, correlationId, streamId, isLocal, autoStop, d.channel(), recordingId);
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_RECORDING_REQUEST:
            {
                ac::StopRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto streamId = d.streamId();
                    stopRecording(*session, correlationId, d.channel(), streamId);
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_RECORDING_SUBSCRIPTION_REQUEST:
            {
                ac::StopRecordingSubscriptionRequestDecoder d;
                if (decode(d, data, length))
                {
                    stopRecordingSubscription(*session, correlationId, d.subscriptionId());
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_RECORDING_BY_IDENTITY_REQUEST:
            {
                ac::StopRecordingByIdentityRequestDecoder d;
                if (decode(d, data, length))
                {
                    stopRecordingByIdentity(*session, correlationId, d.recordingId());
                    return;
                }
                break;
            }
            case ac::TemplateId::REPLAY_REQUEST:
            {
                ac::ReplayRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    const auto position = d.position();
                    const auto replayLength = d.length();
                    const auto replayStreamId = d.replayStreamId();
                    startReplay(*session, correlationId, recordingId, position, replayLength, replayStreamId,
                                d.replayChannel());
                    return;
                }
                break;
            }
            case ac::TemplateId::BOUNDED_REPLAY_REQUEST:
            {
                ac::BoundedReplayRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    const auto position = d.position();
                    const auto replayLength = d.length();
                    const auto limitCounterId = d.limitCounterId();
                    const auto replayStreamId = d.replayStreamId();
                    startReplay(*session, correlationId, recordingId, position, replayLength, replayStreamId,
                                d.replayChannel(), limitCounterId);
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_REPLAY_REQUEST:
            {
                ac::StopReplayRequestDecoder d;
                if (decode(d, data, length))
                {
                    stopReplay(*session, correlationId, d.replaySessionId());
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_ALL_REPLAYS_REQUEST:
            {
                ac::StopAllReplaysRequestDecoder d;
                if (decode(d, data, length))
                {
                    stopAllReplays(*session, correlationId, d.recordingId());
                    return;
                }
                break;
            }
            case ac::TemplateId::LIST_RECORDING_REQUEST:
            {
                ac::ListRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto descriptor = m_storage.catalog().findRecording(d.recordingId());
                    if (descriptor && descriptor->state == RecordingState::VALID)
                    {
                        session->sendDescriptor(correlationId, *descriptor);
                    }
                    else
                    {
                        session->sendRecordingUnknown(correlationId, d.recordingId());
                    }
                    return;
                }
                break;
            }
            case ac::TemplateId::LIST_RECORDINGS_REQUEST:
            {
                ac::ListRecordingsRequestDecoder d;
                if (decode(d, data, length))
                {
                    listRecordings(*session, correlationId, d.fromRecordingId(), d.recordCount(), std::nullopt);
                    return;
                }
                break;
            }
            case ac::TemplateId::LIST_RECORDINGS_FOR_URI_REQUEST:
            {
                ac::ListRecordingsForUriRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto from = d.fromRecordingId();
                    const auto count = d.recordCount();
                    const auto streamId = d.streamId();
                    listRecordings(*session, correlationId, from, count,
                                   std::make_pair(std::string(d.channel()), streamId));
                    return;
                }
                break;
            }
            case ac::TemplateId::FIND_LAST_MATCHING_RECORDING_REQUEST:
            {
                ac::FindLastMatchingRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto minRecordingId = d.minRecordingId();
                    const auto sessionId = d.sessionId();
                    const auto streamId = d.streamId();
                    findLastMatchingRecording(*session, correlationId, minRecordingId, sessionId, streamId,
                                              d.channel());
                    return;
                }
                break;
            }
            case ac::TemplateId::RECORDING_POSITION_REQUEST:
            {
                ac::RecordingPositionRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    if (!m_storage.catalog().hasRecording(recordingId))
                    {
                        session->sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_RECORDING),
                                           "unknown recording id " + std::to_string(recordingId));
                        return;
                    }
                    session->sendOk(correlationId, livePosition(recordingId));
                    return;
                }
                break;
            }
            case ac::TemplateId::START_POSITION_REQUEST:
            {
                ac::StartPositionRequestDecoder d;
                if (decode(d, data, length))
                {
                    session->sendOk(correlationId, m_storage.catalog().recording(d.recordingId()).startPosition);
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_POSITION_REQUEST:
            {
                ac::StopPositionRequestDecoder d;
                if (decode(d, data, length))
                {
                    session->sendOk(correlationId, m_storage.catalog().recording(d.recordingId()).stopPosition);
                    return;
                }
                break;
            }
            case ac::TemplateId::MAX_RECORDED_POSITION_REQUEST:
            {
                ac::MaxRecordedPositionRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto descriptor = m_storage.catalog().recording(d.recordingId());
                    const std::int64_t live = livePosition(d.recordingId());
                    session->sendOk(correlationId, live != NULL_POSITION ? live : descriptor.stopPosition);
                    return;
                }
                break;
            }
            case ac::TemplateId::TRUNCATE_RECORDING_REQUEST:
            {
                ac::TruncateRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    truncateRecording(*session, correlationId, d.recordingId(), d.position());
                    return;
                }
                break;
            }
            case ac::TemplateId::PURGE_RECORDING_REQUEST:
            {
                ac::PurgeRecordingRequestDecoder d;
                if (decode(d, data, length))
                {
                    purgeRecording(*session, correlationId, d.recordingId());
                    return;
                }
                break;
            }
            case ac::TemplateId::DETACH_SEGMENTS_REQUEST:
            {
                ac::DetachSegmentsRequestDecoder d;
                if (decode(d, data, length))
                {
                    m_storage.detachSegments(d.recordingId(), d.newStartPosition(), livePosition(d.recordingId()));
                    session->sendOk(correlationId, 0);
                    return;
                }
                break;
            }
            case ac::TemplateId::DELETE_DETACHED_SEGMENTS_REQUEST:
            {
                ac::DeleteDetachedSegmentsRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    session->sendOk(correlationId, m_storage.deleteDetachedSegments(recordingId));
                    session->sendSignal(correlationId, recordingId, -1, -1, ac::RecordingSignal::DELETE);
                    return;
                }
                break;
            }
            case ac::TemplateId::PURGE_SEGMENTS_REQUEST:
            {
                ac::PurgeSegmentsRequestDecoder d;
                if (decode(d, data, length))
                {
                    const auto recordingId = d.recordingId();
                    const std::int32_t deleted =
                        m_storage.purgeSegments(recordingId, d.newStartPosition(), livePosition(recordingId));
                    session->sendOk(correlationId, deleted);
                    session->sendSignal(correlationId, recordingId, -1, -1, ac::RecordingSignal::DELETE);
                    return;
                }
                break;
            }
            case ac::TemplateId::REPLICATE_REQUEST:
            {
                ac::ReplicateRequestDecoder d;
                if (decode(d, data, length))
                {
                    ReplicationSession::Params params;
                    params.srcRecordingId = d.srcRecordingId();
                    params.dstRecordingId = d.dstRecordingId();
                    params.srcControlStreamId = d.srcControlStreamId();
                    params.srcControlChannel = d.srcControlChannel();
                    const std::string liveDestination(d.liveDestination());
                    replicate(*session, correlationId, std::move(params), liveDestination, {});
                    return;
                }
                break;
            }
            case ac::TemplateId::TAGGED_REPLICATE_REQUEST:
            {
                // Tags would name the replication subscription for others to attach to; it works without them.
                ac::TaggedReplicateRequestDecoder d;
                if (decode(d, data, length))
                {
                    ReplicationSession::Params params;
                    params.srcRecordingId = d.srcRecordingId();
                    params.dstRecordingId = d.dstRecordingId();
                    params.srcControlStreamId = d.srcControlStreamId();
                    params.srcControlChannel = d.srcControlChannel();
                    const std::string liveDestination(d.liveDestination());
                    replicate(*session, correlationId, std::move(params), liveDestination, {});
                    return;
                }
                break;
            }
            case ac::TemplateId::REPLICATE_REQUEST2:
            {
                ac::ReplicateRequest2Decoder d;
                if (decode(d, data, length))
                {
                    ReplicationSession::Params params;
                    params.srcRecordingId = d.srcRecordingId();
                    params.dstRecordingId = d.dstRecordingId();
                    params.stopPosition = d.stopPosition();
                    params.srcControlStreamId = d.srcControlStreamId();
                    params.fileIoMaxLength = d.fileIoMaxLength();
                    params.replicationSessionId = d.replicationSessionId();
                    params.srcControlChannel = d.srcControlChannel();
                    const std::string liveDestination(d.liveDestination());
                    params.replicationChannel = d.replicationChannel();
                    d.skipEncodedCredentials(); // the source archive accepts every client for now
                    const std::string srcResponseChannel(d.srcResponseChannel());
                    replicate(*session, correlationId, std::move(params), liveDestination, srcResponseChannel);
                    return;
                }
                break;
            }
            case ac::TemplateId::STOP_REPLICATION_REQUEST:
            {
                ac::StopReplicationRequestDecoder d;
                if (decode(d, data, length))
                {
                    stopReplication(*session, correlationId, d.replicationId());
                    return;
                }
                break;
            }
            default:
                session->sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                                   "request type " + std::to_string(templateId) + " is not supported by this archive");
                return;
        }
        session->sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                           "malformed request type " + std::to_string(templateId));
    }
    catch (const ArchiveException& e)
    {
        session->sendError(correlationId, static_cast<std::int64_t>(e.errorCode()), e.what());
    }
    catch (const std::exception& e)
    {
        session->sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC), e.what());
    }
}

// ---- recording ----

std::int64_t ArchiveConductor::startRecording(
    ControlSession& session,
    std::int64_t correlationId,
    std::int32_t streamId,
    bool isLocal,
    bool autoStop,
    std::string_view channel,
    std::optional<std::int64_t> extendRecordingId)
{
    if (static_cast<std::int32_t>(m_recordingSessions.size()) >= m_context.maxConcurrentRecordings)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::MAX_RECORDINGS),
                          "max concurrent recordings reached: " + std::to_string(m_context.maxConcurrentRecordings));
        return NULL_VALUE;
    }
    if (extendRecordingId)
    {
        const auto descriptor = m_storage.catalog().findRecording(*extendRecordingId);
        if (!descriptor || descriptor->streamId != streamId)
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_RECORDING),
                              "unknown recording id " + std::to_string(*extendRecordingId) + " for stream " +
                                  std::to_string(streamId));
            return NULL_VALUE;
        }
        if (m_recordingSessions.contains(*extendRecordingId) || descriptor->isActive())
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::ACTIVE_RECORDING),
                              "cannot extend active recording " + std::to_string(*extendRecordingId));
            return NULL_VALUE;
        }
    }
    const transport::ChannelUri uri = transport::ChannelUri::parse(channel);
    const std::string key = recordingKey(uri, streamId);
    for (const auto& [id, existing] : m_recordingSubscriptions)
    {
        if (existing.key == key && !existing.isClosing)
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::ACTIVE_SUBSCRIPTION),
                              "recording exists for streamId=" + std::to_string(streamId) + " channel=" +
                                  std::string(channel));
            return NULL_VALUE;
        }
    }
    // A local UDP publication is recorded through a spy on it, so its data never crosses the network.
    const std::string subscribeChannel =
        (isLocal && uri.isUdp() && !uri.isSpy()) ? "aeron-spy:" + std::string(channel) : std::string(channel);
    const std::int64_t registrationId = m_aeron.asyncAddSubscription(
        subscribeChannel, streamId,
        [this](transport::Image& image)
        { m_pendingImages.push_back({image.subscriptionRegistrationId(), image.sessionId()}); },
        [](transport::Image&) {});
    m_recordingSubscriptions.emplace(
        registrationId,
        RecordingSubscription{registrationId, key, std::string(channel), strippedChannel(uri), streamId,
                              session.controlSessionId(), correlationId, autoStop, extendRecordingId, nullptr});
    // OK before any recording exists, as Aeron: the id lets the client stop the subscription later.
    session.sendOk(correlationId, registrationId);
    return registrationId;
}

int ArchiveConductor::processPendingImages()
{
    if (m_pendingImages.empty())
    {
        return 0;
    }
    std::vector<PendingImage> pending;
    pending.swap(m_pendingImages);
    for (const PendingImage& item : pending)
    {
        const auto it = m_recordingSubscriptions.find(item.subscriptionRegistrationId);
        if (it == m_recordingSubscriptions.end() || it->second.isClosing)
        {
            continue;
        }
        RecordingSubscription& recording = it->second;
        if (!recording.subscription)
        {
            recording.subscription = m_aeron.findSubscription(recording.registrationId);
        }
        auto image = recording.subscription ? recording.subscription->imageBySessionId(item.sessionId) : nullptr;
        if (image)
        {
            try
            {
                onRecordingImage(recording, image);
            }
            catch (const std::exception& e)
            {
                m_resources.errorHandler(e);
                if (auto* session = sessionFor(recording.controlSessionId))
                {
                    session->sendError(recording.correlationId, errorCode(ArchiveErrorCode::GENERIC), e.what());
                }
            }
        }
    }
    return static_cast<int>(pending.size());
}

void ArchiveConductor::onRecordingImage(RecordingSubscription& subscription, const std::shared_ptr<transport::Image>& image)
{
    ControlSession* session = nullptr;
    if (const auto it = m_controlSessions.find(subscription.controlSessionId); it != m_controlSessions.end())
    {
        session = it->second.get();
    }
    const std::int64_t nowMs = m_resources.epochClock->time();
    std::int64_t recordingId;
    std::int64_t position = image->joinPosition();
    ac::RecordingSignal signal = ac::RecordingSignal::START;
    if (subscription.extendRecordingId)
    {
        recordingId = *subscription.extendRecordingId;
        const RecordingDescriptor descriptor = m_storage.catalog().recording(recordingId);
        if (position != descriptor.stopPosition || image->initialTermId() != descriptor.initialTermId ||
            image->termBufferLength() != descriptor.termBufferLength)
        {
            if (session != nullptr)
            {
                session->sendError(subscription.correlationId, errorCode(ArchiveErrorCode::INVALID_EXTENSION),
                                   "cannot extend recording " + std::to_string(recordingId) + ": image joins at " +
                                       std::to_string(position) + ", recording stops at " +
                                       std::to_string(descriptor.stopPosition));
            }
            if (subscription.autoStop)
            {
                closeRecordingSubscription(subscription);
            }
            return;
        }
        position = m_storage.extendRecording(
            recordingId, subscription.controlSessionId, subscription.correlationId, image->sessionId());
        subscription.extendRecordingId.reset(); // a later image would be a new recording
        signal = ac::RecordingSignal::EXTEND;
    }
    else
    {
        recordingId = m_storage.addNewRecording(
            position, nowMs, image->initialTermId(), image->termBufferLength(), image->mtuLength(), image->sessionId(),
            subscription.streamId, subscription.strippedChannel, subscription.channel, image->sourceIdentity());
    }
    auto counter = addRecordingPositionCounter(
        recordingId, image->sessionId(), subscription.streamId, subscription.strippedChannel, image->sourceIdentity());
    auto recordingSession = std::make_shared<RecordingSession>(
        recordingId, subscription.registrationId, subscription.controlSessionId, subscription.correlationId, image,
        m_storage.newRecordingWriter(recordingId, position), counter, m_context.fileIoMaxLength);
    m_recordingSessions[recordingId] = recordingSession;
    ++subscription.activeSessions;
    if (session != nullptr)
    {
        session->sendSignal(subscription.correlationId, recordingId, subscription.registrationId, position, signal);
    }
    Recorder* recorder = m_resources.recorder.get();
    m_resources.toRecorder.offer([recorder, recordingSession] { recorder->add(recordingSession); });
}

std::shared_ptr<transport::Counter> ArchiveConductor::addRecordingPositionCounter(
    std::int64_t recordingId,
    std::int32_t sessionId,
    std::int32_t streamId,
    const std::string& strippedChannelText,
    const std::string& sourceIdentity)
{
    // Aeron's RecordingPos key: recordingId, sessionId, source identity (length + up to 88 bytes), archiveId.
    std::vector<std::uint8_t> key(16 + MAX_SOURCE_IDENTITY_KEY_LENGTH + 8);
    const auto identityLength =
        static_cast<std::int32_t>(std::min<std::size_t>(sourceIdentity.size(), MAX_SOURCE_IDENTITY_KEY_LENGTH));
    std::memcpy(key.data(), &recordingId, 8);
    std::memcpy(key.data() + 8, &sessionId, 4);
    std::memcpy(key.data() + 12, &identityLength, 4);
    std::memcpy(key.data() + 16, sourceIdentity.data(), static_cast<std::size_t>(identityLength));
    std::memcpy(key.data() + 16 + identityLength, &m_resources.archiveId, 8);
    key.resize(static_cast<std::size_t>(16 + identityLength + 8));
    const std::string label = "rec-pos: " + std::to_string(recordingId) + " " + std::to_string(sessionId) + " " +
        std::to_string(streamId) + " " + strippedChannelText + " - archiveId=" + std::to_string(m_resources.archiveId);
    return m_aeron.addCounter(RECORDING_POSITION_TYPE_ID, key, label.substr(0, 380));
}

void ArchiveConductor::onRecordingDone(const std::shared_ptr<RecordingSession>& session)
{
    session->close();
    const std::int64_t recordingId = session->recordingId();
    const std::int64_t stopPosition = session->recordedPosition();
    try
    {
        m_storage.recordingStopped(recordingId, stopPosition, m_resources.epochClock->time());
    }
    catch (const std::exception& e)
    {
        m_resources.errorHandler(e);
    }
    session->positionCounter()->close();
    m_recordingSessions.erase(recordingId);
    if (const auto it = m_controlSessions.find(session->controlSessionId()); it != m_controlSessions.end())
    {
        if (!session->errorMessage().empty())
        {
            it->second->sendError(session->correlationId(),
                                  errorCode(session->isStorageSpaceError() ? ArchiveErrorCode::STORAGE_SPACE
                                                                           : ArchiveErrorCode::GENERIC),
                                  session->errorMessage());
        }
        it->second->sendSignal(session->correlationId(), recordingId, session->subscriptionId(), stopPosition,
                               ac::RecordingSignal::STOP);
    }
    if (!session->errorMessage().empty())
    {
        m_resources.errorHandler(ArchiveException(
            session->isStorageSpaceError() ? ArchiveErrorCode::STORAGE_SPACE : ArchiveErrorCode::GENERIC,
            session->errorMessage()));
    }
    const auto subscriptionIt = m_recordingSubscriptions.find(session->subscriptionId());
    if (subscriptionIt != m_recordingSubscriptions.end())
    {
        RecordingSubscription& subscription = subscriptionIt->second;
        --subscription.activeSessions;
        if (subscription.autoStop || subscription.isClosing)
        {
            closeRecordingSubscription(subscription);
        }
    }
}

void ArchiveConductor::closeRecordingSubscription(RecordingSubscription& subscription)
{
    subscription.isClosing = true;
    for (auto& [id, session] : m_recordingSessions)
    {
        if (session->subscriptionId() == subscription.registrationId)
        {
            session->abort();
        }
    }
    if (subscription.activeSessions > 0)
    {
        return; // closed when its last recording reports done
    }
    if (!subscription.subscription)
    {
        subscription.subscription = m_aeron.findSubscription(subscription.registrationId);
    }
    if (subscription.subscription)
    {
        subscription.subscription->close();
    }
    m_recordingSubscriptions.erase(subscription.registrationId);
}

void ArchiveConductor::stopRecording(
    ControlSession& session, std::int64_t correlationId, std::string_view channel, std::int32_t streamId)
{
    const std::string key = recordingKey(transport::ChannelUri::parse(channel), streamId);
    for (auto& [id, subscription] : m_recordingSubscriptions)
    {
        if (subscription.key == key && !subscription.isClosing)
        {
            closeRecordingSubscription(subscription);
            session.sendOk(correlationId, 0);
            return;
        }
    }
    session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_SUBSCRIPTION),
                      "no recording subscription for streamId=" + std::to_string(streamId) + " channel=" +
                          std::string(channel));
}

void ArchiveConductor::stopRecordingSubscription(ControlSession& session, std::int64_t correlationId, std::int64_t subscriptionId)
{
    const auto it = m_recordingSubscriptions.find(subscriptionId);
    if (it == m_recordingSubscriptions.end() || it->second.isClosing)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_SUBSCRIPTION),
                          "unknown recording subscription " + std::to_string(subscriptionId));
        return;
    }
    closeRecordingSubscription(it->second);
    session.sendOk(correlationId, 0);
}

void ArchiveConductor::stopRecordingByIdentity(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId)
{
    if (!m_storage.catalog().hasRecording(recordingId))
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_RECORDING),
                          "unknown recording id " + std::to_string(recordingId));
        return;
    }
    const auto it = m_recordingSessions.find(recordingId);
    if (it == m_recordingSessions.end())
    {
        session.sendOk(correlationId, 0);
        return;
    }
    const auto subscriptionIt = m_recordingSubscriptions.find(it->second->subscriptionId());
    if (subscriptionIt != m_recordingSubscriptions.end())
    {
        closeRecordingSubscription(subscriptionIt->second);
    }
    else
    {
        it->second->abort();
    }
    session.sendOk(correlationId, 1);
}

std::int64_t ArchiveConductor::livePosition(std::int64_t recordingId) const
{
    const auto it = m_recordingSessions.find(recordingId);
    return it == m_recordingSessions.end() ? NULL_POSITION : it->second->recordedPosition();
}

// ---- replay ----

void ArchiveConductor::startReplay(
    ControlSession& session,
    std::int64_t correlationId,
    std::int64_t recordingId,
    std::int64_t position,
    std::int64_t length,
    std::int32_t replayStreamId,
    std::string_view replayChannel,
    std::int32_t limitCounterId)
{
    if (limitCounterId != -1 &&
        (limitCounterId < 0 || m_aeron.countersReader().getCounterState(limitCounterId) !=
                                   util::CountersDescriptor::RECORD_ALLOCATED))
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                          "bounded replay limit counter " + std::to_string(limitCounterId) + " is not allocated");
        return;
    }
    if (static_cast<std::int32_t>(m_replaySessions.size() + m_pendingReplays.size()) >= m_context.maxConcurrentReplays)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::MAX_REPLAYS),
                          "max concurrent replays reached: " + std::to_string(m_context.maxConcurrentReplays));
        return;
    }
    const auto descriptor = m_storage.catalog().findRecording(recordingId);
    if (!descriptor)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_RECORDING),
                          "unknown recording id " + std::to_string(recordingId));
        return;
    }
    const auto live = m_recordingSessions.find(recordingId);
    const bool isLive = live != m_recordingSessions.end();
    const std::int64_t replayPosition = position == NULL_POSITION ? descriptor->startPosition : position;
    const std::int64_t recordedStop = isLive ? live->second->recordedPosition() : descriptor->stopPosition;
    if ((replayPosition & 31) != 0 || replayPosition < descriptor->startPosition || replayPosition > recordedStop)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                          "requested replay start position " + std::to_string(replayPosition) +
                              " is not a 32-aligned position within [" + std::to_string(descriptor->startPosition) +
                              ", " + std::to_string(recordedStop) + "] of recording " + std::to_string(recordingId));
        return;
    }
    if (length < NULL_LENGTH)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                          "negative replay length " + std::to_string(length));
        return;
    }
    constexpr std::int64_t MAX_POSITION = std::numeric_limits<std::int64_t>::max();
    std::int64_t stopPosition;
    if (isLive)
    {
        // Following a live recording: NULL_LENGTH, or a length reaching past INT64_MAX, follows it until it stops.
        const bool follow = length == NULL_LENGTH || length > MAX_POSITION - replayPosition;
        stopPosition = follow ? MAX_POSITION : replayPosition + length;
    }
    else
    {
        const std::int64_t maxLength = descriptor->stopPosition - replayPosition;
        stopPosition = replayPosition + (length < 0 ? maxLength : std::min(length, maxLength));
    }
    if (stopPosition < replayPosition)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC), "negative replay length");
        return;
    }
    std::int64_t readerLimit = isLive ? std::min(recordedStop, stopPosition) : stopPosition;
    if (limitCounterId >= 0)
    {
        // A bounded replay starts no further than its limit counter says now (the reader's limit only rises).
        readerLimit = std::max(replayPosition, std::min(readerLimit, m_aeron.countersReader().getCounterValue(limitCounterId)));
    }
    auto reader = m_storage.newRecordingReader(recordingId, replayPosition, readerLimit);

    const std::int32_t bits = __builtin_ctz(static_cast<std::uint32_t>(descriptor->termBufferLength));
    const std::int32_t termId = descriptor->initialTermId + static_cast<std::int32_t>(replayPosition >> bits);
    const std::int32_t termOffset = static_cast<std::int32_t>(replayPosition & (descriptor->termBufferLength - 1));
    const std::string channel = withParams(
        replayChannel, "init-term-id=" + std::to_string(descriptor->initialTermId) + "|term-id=" +
                           std::to_string(termId) + "|term-offset=" + std::to_string(termOffset) + "|term-length=" +
                           std::to_string(descriptor->termBufferLength) + "|mtu=" + std::to_string(descriptor->mtuLength));
    const std::int64_t publicationId = m_aeron.asyncAddExclusivePublication(channel, replayStreamId);
    m_pendingReplays.push_back({publicationId, session.controlSessionId(), correlationId, recordingId, stopPosition,
                                isLive ? live->second->progress() : nullptr, std::move(reader), limitCounterId});
}

std::function<std::int64_t()> ArchiveConductor::limitFunction(std::int32_t limitCounterId) const
{
    if (limitCounterId < 0)
    {
        return {};
    }
    const util::CountersReader* counters = &m_aeron.countersReader();
    return [counters, limitCounterId] { return counters->getCounterValue(limitCounterId); };
}

int ArchiveConductor::processPendingReplays(std::int64_t nowNs)
{
    int workCount = 0;
    for (auto it = m_pendingReplays.begin(); it != m_pendingReplays.end();)
    {
        std::shared_ptr<transport::ExclusivePublication> publication;
        std::string error;
        try
        {
            publication = m_aeron.findExclusivePublication(it->publicationRegistrationId);
        }
        catch (const std::exception& e)
        {
            error = e.what();
        }
        if (!publication && error.empty())
        {
            ++it;
            continue;
        }
        const auto sessionIt = m_controlSessions.find(it->controlSessionId);
        ControlSession* session = sessionIt == m_controlSessions.end() ? nullptr : sessionIt->second.get();
        if (!error.empty())
        {
            if (session != nullptr)
            {
                session->sendError(it->correlationId, errorCode(ArchiveErrorCode::GENERIC),
                                   "cannot create replay publication: " + error);
            }
        }
        else
        {
            const std::int64_t replaySessionId =
                (m_nextReplayId++ << 32) | (static_cast<std::int64_t>(publication->sessionId()) & 0xFFFFFFFFLL);
            auto replay = std::make_shared<ReplaySession>(
                replaySessionId, it->recordingId, it->controlSessionId, it->correlationId, it->stopPosition,
                it->liveProgress, std::move(it->reader), publication, nowNs + m_context.connectTimeoutNs,
                limitFunction(it->limitCounterId));
            m_replaySessions[replaySessionId] = replay;
            if (session != nullptr)
            {
                session->sendOk(it->correlationId, replaySessionId);
            }
            Replayer* replayer = m_resources.replayer.get();
            m_resources.toReplayer.offer([replayer, replay] { replayer->add(replay); });
        }
        it = m_pendingReplays.erase(it);
        ++workCount;
    }
    return workCount;
}

void ArchiveConductor::onReplayDone(const std::shared_ptr<ReplaySession>& session)
{
    if (!session->errorMessage().empty())
    {
        if (const auto it = m_controlSessions.find(session->controlSessionId()); it != m_controlSessions.end())
        {
            it->second->sendError(session->correlationId(), errorCode(ArchiveErrorCode::GENERIC),
                                  session->errorMessage());
        }
    }
    session->close();
    m_replaySessions.erase(session->replaySessionId());
}

void ArchiveConductor::stopReplay(ControlSession& session, std::int64_t correlationId, std::int64_t replaySessionId)
{
    if (const auto it = m_replaySessions.find(replaySessionId); it != m_replaySessions.end())
    {
        it->second->abort();
    }
    session.sendOk(correlationId, 0); // unknown ids answer OK too, as Aeron
}

void ArchiveConductor::stopAllReplays(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId)
{
    for (auto& [id, replay] : m_replaySessions)
    {
        if (recordingId == NULL_RECORDING_ID || replay->recordingId() == recordingId)
        {
            replay->abort();
        }
    }
    session.sendOk(correlationId, 0);
}

bool ArchiveConductor::hasActiveReplay(std::int64_t recordingId) const
{
    return std::any_of(m_replaySessions.begin(), m_replaySessions.end(),
                       [recordingId](const auto& entry) { return entry.second->recordingId() == recordingId; }) ||
        std::any_of(m_pendingReplays.begin(), m_pendingReplays.end(),
                    [recordingId](const PendingReplay& pending) { return pending.recordingId == recordingId; });
}

// ---- replication ----

void ArchiveConductor::replicate(
    ControlSession& session,
    std::int64_t correlationId,
    ReplicationSession::Params params,
    std::string_view liveDestination,
    std::string_view srcResponseChannel)
{
    if (params.srcControlChannel.empty())
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC), "no source control channel");
        return;
    }
    if (params.replicationChannel.empty())
    {
        params.replicationChannel = m_context.replicationChannel;
    }
    if (params.replicationChannel.empty())
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                          "no replication channel in the request or the archive context");
        return;
    }
    if (!liveDestination.empty())
    {
        // The merge adds both as destinations of a multi-destination subscription: UDP endpoints only.
        const transport::ChannelUri live = transport::ChannelUri::parse(liveDestination);
        const transport::ChannelUri replication = transport::ChannelUri::parse(params.replicationChannel);
        if (!live.isUdp() || !live.endpoint() || !replication.isUdp() || !replication.endpoint())
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::GENERIC),
                              "a live merge needs a UDP live destination and replication channel, each with an "
                              "endpoint: liveDestination=" + std::string(liveDestination) +
                                  " replicationChannel=" + params.replicationChannel);
            return;
        }
        params.liveDestination = std::string(liveDestination);
    }
    params.srcResponseChannel = !srcResponseChannel.empty() ? std::string(srcResponseChannel)
                                                            : m_context.replicationResponseChannel;
    if (params.srcResponseChannel.empty())
    {
        if (!transport::ChannelUri::parse(params.srcControlChannel).isIpc())
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::REPLICATION_CONNECTION_FAILURE),
                              "a source at " + params.srcControlChannel +
                                  " needs a response channel: set ArchiveContext::replicationResponseChannel");
            return;
        }
        params.srcResponseChannel = "aeron:ipc";
    }
    if (params.dstRecordingId != NULL_VALUE)
    {
        const auto dst = m_storage.catalog().findRecording(params.dstRecordingId);
        if (!dst)
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_RECORDING),
                              "unknown destination recording id " + std::to_string(params.dstRecordingId));
            return;
        }
        const bool isReplicating = std::any_of(
            m_replicationSessions.begin(), m_replicationSessions.end(),
            [&](const auto& entry) { return entry.second->dstRecordingId() == params.dstRecordingId; });
        if (dst->isActive() || m_recordingSessions.contains(params.dstRecordingId) || isReplicating)
        {
            session.sendError(correlationId, errorCode(ArchiveErrorCode::ACTIVE_RECORDING),
                              "cannot replicate into active recording " + std::to_string(params.dstRecordingId));
            return;
        }
    }
    const std::int64_t replicationId = m_nextSessionId++;
    params.replicationId = replicationId;
    params.controlSessionId = session.controlSessionId();
    params.srcResponseStreamId = m_context.replicationResponseStreamId;
    params.messageTimeoutNs = m_context.replicationMessageTimeoutNs;
    ReplicationSession::Host& host = *this;
    m_replicationSessions.emplace(
        replicationId,
        std::make_unique<ReplicationSession>(
            std::move(params), m_resources.aeron, m_storage.catalog(), host, m_nowNs));
    session.sendOk(correlationId, replicationId);
}

void ArchiveConductor::stopReplication(ControlSession& session, std::int64_t correlationId, std::int64_t replicationId)
{
    const auto it = m_replicationSessions.find(replicationId);
    if (it == m_replicationSessions.end())
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_REPLICATION),
                          "unknown replication id " + std::to_string(replicationId));
        return;
    }
    it->second->abort();
    session.sendOk(correlationId, 0);
}

int ArchiveConductor::processReplications(std::int64_t nowNs)
{
    if (m_replicationSessions.empty())
    {
        return 0;
    }
    const std::int64_t nowMs = m_resources.epochClock->time();
    int workCount = 0;
    for (auto it = m_replicationSessions.begin(); it != m_replicationSessions.end();)
    {
        if (!m_controlSessions.contains(it->second->controlSessionId()))
        {
            it->second->abort(); // as Aeron: a replication ends with the session that asked for it
        }
        workCount += it->second->doWork(nowNs, nowMs);
        it = it->second->isDone() ? m_replicationSessions.erase(it) : std::next(it);
    }
    return workCount;
}

std::int64_t ArchiveConductor::extendRecordingForReplication(
    std::int64_t controlSessionId,
    std::int64_t correlationId,
    std::int64_t recordingId,
    std::int32_t streamId,
    const std::string& channel)
{
    const auto it = m_controlSessions.find(controlSessionId);
    if (it == m_controlSessions.end())
    {
        return NULL_VALUE;
    }
    return startRecording(*it->second, correlationId, streamId, false, true, channel, recordingId);
}

std::int64_t ArchiveConductor::replicationRecordingPosition(std::int64_t recordingId) const
{
    return livePosition(recordingId);
}

std::shared_ptr<transport::Subscription> ArchiveConductor::replicationSubscription(std::int64_t subscriptionId)
{
    const auto it = m_recordingSubscriptions.find(subscriptionId);
    if (it == m_recordingSubscriptions.end() || it->second.isClosing)
    {
        return nullptr;
    }
    if (!it->second.subscription)
    {
        it->second.subscription = m_aeron.findSubscription(subscriptionId);
    }
    return it->second.subscription;
}

bool ArchiveConductor::hasReplicationSubscription(std::int64_t subscriptionId) const
{
    return m_recordingSubscriptions.contains(subscriptionId);
}

void ArchiveConductor::stopReplicationSubscription(std::int64_t subscriptionId)
{
    if (const auto it = m_recordingSubscriptions.find(subscriptionId); it != m_recordingSubscriptions.end())
    {
        closeRecordingSubscription(it->second);
    }
}

void ArchiveConductor::sendReplicationSignal(
    std::int64_t controlSessionId,
    std::int64_t correlationId,
    std::int64_t recordingId,
    std::int64_t subscriptionId,
    std::int64_t position,
    ac::RecordingSignal signal)
{
    if (const auto it = m_controlSessions.find(controlSessionId); it != m_controlSessions.end())
    {
        it->second->sendSignal(correlationId, recordingId, subscriptionId, position, signal);
    }
}

void ArchiveConductor::sendReplicationError(
    std::int64_t controlSessionId, std::int64_t correlationId, ArchiveErrorCode code, const std::string& message)
{
    if (const auto it = m_controlSessions.find(controlSessionId); it != m_controlSessions.end())
    {
        it->second->sendError(correlationId, errorCode(code), message);
    }
}

// ---- listing and maintenance ----

void ArchiveConductor::listRecordings(
    ControlSession& session,
    std::int64_t correlationId,
    std::int64_t fromRecordingId,
    std::int32_t count,
    std::optional<std::pair<std::string, std::int32_t>> uriFilter)
{
    const auto descriptors = uriFilter
        ? m_storage.catalog().listRecordingsForUri(fromRecordingId, count, uriFilter->first, uriFilter->second)
        : m_storage.catalog().listRecordings(fromRecordingId, count);
    for (const auto& descriptor : descriptors)
    {
        session.sendDescriptor(correlationId, descriptor);
    }
    if (static_cast<std::int32_t>(descriptors.size()) < count)
    {
        const std::int64_t next = descriptors.empty() ? fromRecordingId : descriptors.back().recordingId + 1;
        session.sendRecordingUnknown(correlationId, next);
    }
}

void ArchiveConductor::findLastMatchingRecording(
    ControlSession& session,
    std::int64_t correlationId,
    std::int64_t minRecordingId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::string_view channel)
{
    if (minRecordingId < 0)
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::UNKNOWN_RECORDING),
                          "minRecordingId must not be negative");
        return;
    }
    const auto descriptors = m_storage.catalog().listRecordingsForUri(
        minRecordingId, std::numeric_limits<std::int32_t>::max(), channel, streamId);
    std::int64_t found = NULL_RECORDING_ID;
    for (const auto& descriptor : descriptors)
    {
        if (descriptor.sessionId == sessionId)
        {
            found = descriptor.recordingId;
        }
    }
    session.sendOk(correlationId, found);
}

void ArchiveConductor::truncateRecording(
    ControlSession& session, std::int64_t correlationId, std::int64_t recordingId, std::int64_t position)
{
    if (m_recordingSessions.contains(recordingId) || hasActiveReplay(recordingId))
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::ACTIVE_RECORDING),
                          "cannot truncate recording " + std::to_string(recordingId) +
                              " while it is recorded or replayed");
        return;
    }
    const std::int32_t deleted = m_storage.truncateRecording(recordingId, position);
    session.sendOk(correlationId, deleted);
    session.sendSignal(correlationId, recordingId, -1, -1, ac::RecordingSignal::DELETE);
}

void ArchiveConductor::purgeRecording(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId)
{
    if (m_recordingSessions.contains(recordingId) || hasActiveReplay(recordingId))
    {
        session.sendError(correlationId, errorCode(ArchiveErrorCode::ACTIVE_RECORDING),
                          "cannot purge recording " + std::to_string(recordingId) + " while it is recorded or replayed");
        return;
    }
    const std::int32_t deleted = m_storage.purgeRecording(recordingId);
    session.sendOk(correlationId, deleted);
    session.sendSignal(correlationId, recordingId, -1, -1, ac::RecordingSignal::DELETE);
}

int ArchiveConductor::processSessions(std::int64_t nowNs)
{
    int workCount = 0;
    for (auto it = m_controlSessions.begin(); it != m_controlSessions.end();)
    {
        workCount += it->second->doWork(
            nowNs,
            [this](std::int64_t registrationId) -> std::shared_ptr<transport::ExclusivePublication>
            {
                try
                {
                    return m_aeron.findExclusivePublication(registrationId);
                }
                catch (const std::exception& e)
                {
                    m_resources.errorHandler(e);
                    return nullptr;
                }
            });
        if (it->second->isDone())
        {
            it = m_controlSessions.erase(it);
        }
        else
        {
            ++it;
        }
    }
    return workCount;
}
} // namespace cox::archive

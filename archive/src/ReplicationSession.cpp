#include "ReplicationSession.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <vector>

#include "cox/archive/ArchiveClientException.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::archive
{
using codecs::archive::RecordingSignal;

namespace
{
/// Responses read from the source per duty cycle: enough to drain liveness OKs without starving the
/// conductor's other work.
constexpr int SOURCE_POLL_LIMIT = 4;
/// How often a merging replication asks the source for its recorded position.
constexpr std::int64_t SOURCE_QUERY_INTERVAL_NS = 1'000'000;
/// The live destination is added once the replica is this close to the source (Aeron: min(termLength/4, 32 MiB)).
constexpr std::int64_t LIVE_ADD_MAX_WINDOW = 32 * 1024 * 1024;

/// Both NULL encodings count as unset: Aeron clients send NULL_VALUE, the schema's null is INT32_MIN.
bool isNullInt32(std::int32_t value) noexcept
{
    return value == static_cast<std::int32_t>(NULL_VALUE) || value == std::numeric_limits<std::int32_t>::min();
}

std::string withSessionId(const std::string& channel, std::int32_t sessionId, bool disableRejoin)
{
    transport::ChannelUri uri = transport::ChannelUri::parse(channel);
    uri.put(transport::ChannelUri::SESSION_ID_PARAM, std::to_string(sessionId));
    if (disableRejoin)
    {
        // A replay image that goes away must end the recording, not be joined again from elsewhere.
        uri.put(transport::ChannelUri::REJOIN_PARAM, "false");
    }
    return uri.toString();
}

/// The endpoint of `aeron:udp?endpoint=host:port`, or of any channel naming one.
std::string endpointOf(const std::string& channel)
{
    const transport::ChannelUri uri = transport::ChannelUri::parse(channel);
    const auto endpoint = uri.endpoint();
    return endpoint ? std::string(*endpoint) : std::string();
}
} // namespace

ReplicationSession::ReplicationSession(
    Params params, std::shared_ptr<transport::Aeron> aeron, Catalog& catalog, Host& host, std::int64_t nowNs)
    : m_params(std::move(params)),
      m_aeron(std::move(aeron)),
      m_catalog(catalog),
      m_host(host),
      m_deadlineNs(nowNs + m_params.messageTimeoutNs),
      m_nowNs(nowNs)
{
}

ReplicationSession::~ReplicationSession()
{
    releaseSource();
}

void ReplicationSession::close() noexcept
{
    releaseSource();
    m_state = State::DONE;
}

int ReplicationSession::doWork(std::int64_t nowNs, std::int64_t nowMs)
{
    m_nowNs = nowNs;
    if (m_isAborted && m_state != State::CLOSING && m_state != State::DONE)
    {
        state(State::CLOSING, nowNs);
    }
    try
    {
        switch (m_state)
        {
            case State::CONNECT:
                return connect(nowNs);
            case State::REPLICATE_DESCRIPTOR:
                return replicateDescriptor(nowNs, nowMs);
            case State::SRC_RECORDING_POSITION:
                return srcRecordingPosition(nowNs);
            case State::EXTEND:
                return extend(nowNs);
            case State::REPLAY_DESTINATION:
                return replayDestination(nowNs);
            case State::REPLAY:
                return replay(nowNs);
            case State::REPLICATE:
                return replicate(nowNs);
            case State::CATCHUP:
                return catchup(nowNs);
            case State::ATTEMPT_LIVE_JOIN:
                return attemptLiveJoin(nowNs);
            case State::CLOSING:
                return closing(nowNs);
            case State::DONE:
                return 0;
        }
    }
    catch (const ArchiveException& e)
    {
        fail(e.errorCode(), e.what());
    }
    catch (const std::exception& e)
    {
        fail(ArchiveErrorCode::GENERIC, e.what());
    }
    return 1;
}

int ReplicationSession::connect(std::int64_t nowNs)
{
    try
    {
        if (!m_asyncConnect)
        {
            AeronArchiveContext context;
            context.aeron = m_aeron;
            context.controlRequestChannel = m_params.srcControlChannel;
            context.controlRequestStreamId = m_params.srcControlStreamId;
            context.controlResponseChannel = m_params.srcResponseChannel;
            context.controlResponseStreamId = m_params.srcResponseStreamId;
            context.messageTimeoutNs = m_params.messageTimeoutNs;
            m_asyncConnect = AeronArchive::asyncConnect(std::move(context));
            return 1;
        }
        m_srcArchive = m_asyncConnect->poll();
    }
    catch (const std::exception& e)
    {
        m_asyncConnect.reset();
        fail(ArchiveErrorCode::REPLICATION_CONNECTION_FAILURE,
             "cannot connect to source archive at " + m_params.srcControlChannel + " stream " +
                 std::to_string(m_params.srcControlStreamId) + ": " + e.what());
        return 1;
    }
    if (!m_srcArchive)
    {
        return 0;
    }
    m_asyncConnect.reset();
    state(State::REPLICATE_DESCRIPTOR, nowNs);
    return 1;
}

int ReplicationSession::replicateDescriptor(std::int64_t nowNs, std::int64_t nowMs)
{
    const bool sent = sendOnce(
        [this]
        {
            return m_srcArchive->archiveProxy().listRecording(
                m_params.srcRecordingId, m_correlationId, m_srcArchive->controlSessionId());
        },
        nowNs);
    if (!sent)
    {
        return 0;
    }
    bool isAnswered = false;
    static_cast<void>(pollSource(isAnswered));
    if (!isAnswered)
    {
        return 0;
    }
    const ControlResponsePoller& poller = m_srcArchive->controlResponsePoller();
    if (poller.isRecordingDescriptor())
    {
        onSourceDescriptor(poller.recordingDescriptor(), nowNs, nowMs);
    }
    else if (poller.code() == ControlResponseCode::RECORDING_UNKNOWN)
    {
        fail(ArchiveErrorCode::UNKNOWN_RECORDING,
             "unknown source recording id " + std::to_string(m_params.srcRecordingId));
    }
    else
    {
        fail(ArchiveErrorCode::GENERIC, "unexpected answer to the source listing");
    }
    return 1;
}

void ReplicationSession::onSourceDescriptor(const RecordingDescriptor& src, std::int64_t nowNs, std::int64_t nowMs)
{
    m_srcStopPosition = src.stopPosition;
    m_streamId = src.streamId;
    m_termBufferLength = src.termBufferLength;
    // A merge needs the live stream's session id: the replay and the live stream feed one image.
    m_replaySessionId = isNullInt32(m_params.replicationSessionId) || isLiveMerge() ? src.sessionId
                                                                                   : m_params.replicationSessionId;
    if (isLiveMerge() && !src.isActive())
    {
        fail(ArchiveErrorCode::GENERIC, "cannot live merge without active source recording " +
                                            std::to_string(src.recordingId));
        return;
    }
    if (isLiveMerge() && m_params.stopPosition != NULL_POSITION)
    {
        fail(ArchiveErrorCode::GENERIC, "a live merge follows the live stream: it takes no stop position");
        return;
    }
    if (!isNullInt32(m_params.fileIoMaxLength) && m_params.fileIoMaxLength < src.mtuLength)
    {
        fail(ArchiveErrorCode::GENERIC, "fileIoMaxLength " + std::to_string(m_params.fileIoMaxLength) +
                                            " is less than the source mtu " + std::to_string(src.mtuLength));
        return;
    }

    if (m_params.dstRecordingId == NULL_VALUE)
    {
        SegmentFile::validateLengths(src.segmentFileLength, src.termBufferLength);
        // The copy starts empty at the source's start; the extension fills it.
        m_params.dstRecordingId = m_catalog.addNewRecording(
            src.startPosition, src.startPosition, nowMs, nowMs, src.initialTermId, src.segmentFileLength,
            src.termBufferLength, src.mtuLength, src.sessionId, src.streamId, src.strippedChannel,
            src.originalChannel, src.sourceIdentity);
        m_replayPosition = src.startPosition;
        signal(RecordingSignal::REPLICATE, NULL_VALUE, src.startPosition);
    }
    else
    {
        const auto dst = m_catalog.findRecording(m_params.dstRecordingId);
        if (!dst)
        {
            fail(ArchiveErrorCode::UNKNOWN_RECORDING,
                 "unknown destination recording id " + std::to_string(m_params.dstRecordingId));
            return;
        }
        if (dst->streamId != src.streamId || dst->termBufferLength != src.termBufferLength ||
            dst->initialTermId != src.initialTermId || dst->mtuLength != src.mtuLength)
        {
            fail(ArchiveErrorCode::INVALID_EXTENSION,
                 "destination recording " + std::to_string(dst->recordingId) +
                     " does not match source recording " + std::to_string(src.recordingId) +
                     " (stream, term length, initial term id or mtu)");
            return;
        }
        if (dst->isActive())
        {
            fail(ArchiveErrorCode::ACTIVE_RECORDING,
                 "destination recording " + std::to_string(dst->recordingId) + " is active");
            return;
        }
        const bool isBeyondSource = !src.isActive() && dst->stopPosition > src.stopPosition;
        if (dst->stopPosition < src.startPosition || isBeyondSource)
        {
            fail(ArchiveErrorCode::INVALID_EXTENSION,
                 "destination stop " + std::to_string(dst->stopPosition) + " is outside source recording [" +
                     std::to_string(src.startPosition) + ", " + std::to_string(src.stopPosition) + "]");
            return;
        }
        m_replayPosition = dst->stopPosition;
    }

    m_position = m_replayPosition;
    const std::int64_t target = targetPosition();
    if (m_params.stopPosition != NULL_POSITION &&
        (m_params.stopPosition < m_replayPosition || (!src.isActive() && m_params.stopPosition > src.stopPosition)))
    {
        fail(ArchiveErrorCode::GENERIC,
             "stop position " + std::to_string(m_params.stopPosition) + " is outside [" +
                 std::to_string(m_replayPosition) + ", " + std::to_string(src.stopPosition) + "]");
        return;
    }
    if (target != NULL_POSITION && m_replayPosition >= target)
    {
        signal(RecordingSignal::SYNC, NULL_VALUE, m_replayPosition);
        state(State::CLOSING, nowNs);
        return;
    }
    state(isLiveMerge() ? State::SRC_RECORDING_POSITION : State::EXTEND, nowNs);
}

int ReplicationSession::srcRecordingPosition(std::int64_t nowNs)
{
    const bool sent = sendOnce(
        [this]
        {
            return m_srcArchive->archiveProxy().getRecordingPosition(
                m_params.srcRecordingId, m_correlationId, m_srcArchive->controlSessionId());
        },
        nowNs);
    if (!sent)
    {
        return 0;
    }
    bool isAnswered = false;
    static_cast<void>(pollSource(isAnswered));
    if (!isAnswered)
    {
        return 0;
    }
    const ControlResponsePoller& poller = m_srcArchive->controlResponsePoller();
    if (!poller.isCodeOk() || poller.relevantId() == NULL_POSITION)
    {
        fail(ArchiveErrorCode::GENERIC, "cannot live merge: source recording " +
                                            std::to_string(m_params.srcRecordingId) + " is not recording");
        return 1;
    }
    m_srcRecordingPosition = poller.relevantId();
    state(State::EXTEND, nowNs);
    return 1;
}

int ReplicationSession::extend(std::int64_t nowNs)
{
    std::string channel = withSessionId(m_params.replicationChannel, m_replaySessionId, true);
    if (isLiveMerge())
    {
        // A multi-destination subscription: the replay, and later the live stream, arrive on destinations.
        transport::ChannelUri uri = transport::ChannelUri::parse(channel);
        const auto endpoint = uri.endpoint();
        if (!uri.isUdp() || !endpoint)
        {
            fail(ArchiveErrorCode::GENERIC, "a live merge needs a UDP replication channel with an endpoint: " +
                                                m_params.replicationChannel);
            return 1;
        }
        m_replayDestination = "aeron:udp?endpoint=" + std::string(*endpoint);
        uri.remove(transport::ChannelUri::ENDPOINT_PARAM);
        uri.put(transport::ChannelUri::CONTROL_MODE_PARAM, "manual");
        channel = uri.toString();
    }
    m_recordingSubscriptionId = m_host.extendRecordingForReplication(
        m_params.controlSessionId, m_params.replicationId, m_params.dstRecordingId, m_streamId, channel);
    if (m_recordingSubscriptionId == NULL_VALUE)
    {
        fail(ArchiveErrorCode::GENERIC, "", true);
        return 1;
    }
    state(isLiveMerge() ? State::REPLAY_DESTINATION : State::REPLAY, nowNs);
    return 1;
}

std::shared_ptr<transport::Subscription> ReplicationSession::recordingSubscription()
{
    return m_host.replicationSubscription(m_recordingSubscriptionId);
}

int ReplicationSession::replayDestination(std::int64_t nowNs)
{
    const std::shared_ptr<transport::Subscription> subscription = recordingSubscription();
    if (!subscription)
    {
        if (nowNs - m_deadlineNs > 0)
        {
            fail(ArchiveErrorCode::GENERIC, "the replication subscription was not made in time");
        }
        return 0;
    }
    if (m_destinationCorrelationId == NULL_VALUE)
    {
        m_destinationCorrelationId = subscription->asyncAddDestination(m_replayDestination);
        return 1;
    }
    if (!subscription->findDestinationResponse(m_destinationCorrelationId))
    {
        return 0;
    }
    const std::string endpoint = endpointOf(m_replayDestination);
    m_replayEndpoint = endpoint;
    if (endpoint.ends_with(":0"))
    {
        // The source must be told the port the destination got: it is the only one the subscription has yet.
        const std::vector<std::string> addresses = subscription->localSocketAddresses();
        if (addresses.size() != 1)
        {
            return 0;
        }
        const std::string& resolved = addresses.front();
        m_replayEndpoint = endpoint.substr(0, endpoint.size() - 1) + resolved.substr(resolved.rfind(':') + 1);
    }
    m_destinationCorrelationId = NULL_VALUE;
    state(State::REPLAY, nowNs);
    return 1;
}

int ReplicationSession::replay(std::int64_t nowNs)
{
    const std::int64_t length =
        m_params.stopPosition == NULL_POSITION ? NULL_LENGTH : m_params.stopPosition - m_replayPosition;
    std::string replayChannel = withSessionId(m_params.replicationChannel, m_replaySessionId, false);
    if (isLiveMerge())
    {
        // To the replay destination; no lingering and no end of stream, which must not end the merged image.
        transport::ChannelUri uri = transport::ChannelUri::parse(replayChannel);
        uri.put(transport::ChannelUri::ENDPOINT_PARAM, m_replayEndpoint);
        uri.put(transport::ChannelUri::LINGER_PARAM, "0");
        uri.put(transport::ChannelUri::EOS_PARAM, "false");
        replayChannel = uri.toString();
    }
    const bool sent = sendOnce(
        [this, length, &replayChannel]
        {
            return m_srcArchive->archiveProxy().replay(
                m_params.srcRecordingId, m_replayPosition, length, replayChannel, m_streamId, m_correlationId,
                m_srcArchive->controlSessionId());
        },
        nowNs);
    if (!sent)
    {
        return 0;
    }
    bool isAnswered = false;
    static_cast<void>(pollSource(isAnswered));
    if (!isAnswered)
    {
        return 0;
    }
    const ControlResponsePoller& poller = m_srcArchive->controlResponsePoller();
    if (!poller.isCodeOk())
    {
        fail(ArchiveErrorCode::GENERIC, "unexpected answer to the source replay request");
        return 1;
    }
    m_srcReplaySessionId = poller.relevantId();
    m_replayCorrelationId = m_correlationId; // a replay that fails later reports with this id
    state(isLiveMerge() ? State::CATCHUP : State::REPLICATE, nowNs);
    return 1;
}

int ReplicationSession::trackReplica(std::int64_t nowNs, bool& hasImageEnded)
{
    int workCount = 0;
    const State current = m_state;
    // Keep reading the source: an ERROR about the replay ends the replication, and liveness OKs must not pile up.
    for (int i = 0; i < SOURCE_POLL_LIMIT && m_state == current; ++i)
    {
        bool isAnswered = false;
        if (pollSource(isAnswered) == 0)
        {
            break;
        }
        if (isAnswered)
        {
            const ControlResponsePoller& poller = m_srcArchive->controlResponsePoller();
            m_isAnswered = true;
            m_isAnswerOk = poller.isCodeOk();
            m_answeredRelevantId = poller.relevantId();
        }
        ++workCount;
    }
    hasImageEnded = false;
    if (m_state != current)
    {
        return workCount;
    }

    const std::int64_t livePosition = m_host.replicationRecordingPosition(m_params.dstRecordingId);
    const bool isSubscribed = m_host.hasReplicationSubscription(m_recordingSubscriptionId);
    if (livePosition != NULL_POSITION)
    {
        m_hasRecordingStarted = true;
        if (livePosition != m_position)
        {
            ++workCount;
            if (m_state != State::REPLICATE)
            {
                m_deadlineNs = nowNs + m_params.messageTimeoutNs; // a merge times out only without progress
            }
        }
        m_position = livePosition;
    }
    else if (m_hasRecordingStarted || !isSubscribed)
    {
        // The recording ended with its image (auto-stop) or was refused; the catalog holds where it stopped.
        hasImageEnded = true;
        if (const auto dst = m_catalog.findRecording(m_params.dstRecordingId); dst && !dst->isActive())
        {
            m_position = dst->stopPosition;
        }
    }
    else if (nowNs - m_deadlineNs > 0)
    {
        fail(ArchiveErrorCode::GENERIC, "no replay image from the source archive within " +
                                            std::to_string(m_params.messageTimeoutNs / 1'000'000) + " ms");
        return workCount + 1;
    }
    return workCount;
}

int ReplicationSession::replicate(std::int64_t nowNs)
{
    bool hasImageEnded = false;
    int workCount = trackReplica(nowNs, hasImageEnded);
    if (m_state != State::REPLICATE)
    {
        return workCount;
    }

    const std::int64_t target = targetPosition();
    if (target != NULL_POSITION && m_position >= target)
    {
        signal(RecordingSignal::SYNC, m_recordingSubscriptionId, m_position);
        state(State::CLOSING, nowNs);
        return workCount + 1;
    }
    if (hasImageEnded)
    {
        if (!m_hasRecordingStarted)
        {
            fail(ArchiveErrorCode::GENERIC, "", true); // the extension was refused and already reported
        }
        else if (target != NULL_POSITION)
        {
            fail(ArchiveErrorCode::GENERIC, "replay from the source ended at " + std::to_string(m_position) +
                                                " before " + std::to_string(target));
        }
        else
        {
            state(State::CLOSING, nowNs); // followed the source recording until it stopped
        }
        return workCount + 1;
    }
    return workCount;
}

int ReplicationSession::catchup(std::int64_t nowNs)
{
    bool hasImageEnded = false;
    int workCount = trackReplica(nowNs, hasImageEnded);
    if (m_state != State::CATCHUP)
    {
        return workCount;
    }
    if (hasImageEnded)
    {
        fail(ArchiveErrorCode::GENERIC, "the replay image closed at " + std::to_string(m_position) +
                                            " before the live merge");
        return workCount + 1;
    }
    if (m_hasRecordingStarted && m_position >= m_srcRecordingPosition)
    {
        state(State::ATTEMPT_LIVE_JOIN, nowNs);
        ++workCount;
    }
    else if (m_hasRecordingStarted && nowNs - m_deadlineNs > 0)
    {
        fail(ArchiveErrorCode::GENERIC, "the replay made no progress for " +
                                            std::to_string(m_params.messageTimeoutNs / 1'000'000) + " ms");
    }
    return workCount;
}

// Each cycle: ask the source how far it has recorded (at most every SOURCE_QUERY_INTERVAL_NS); add the live
// destination once close; merge once the replica has reached the source and the image hears both sources.
int ReplicationSession::attemptLiveJoin(std::int64_t nowNs)
{
    bool hasImageEnded = false;
    int workCount = trackReplica(nowNs, hasImageEnded);
    if (m_state != State::ATTEMPT_LIVE_JOIN)
    {
        return workCount;
    }
    if (hasImageEnded)
    {
        fail(ArchiveErrorCode::GENERIC, "the replicated image closed at " + std::to_string(m_position) +
                                            " before the live merge");
        return workCount + 1;
    }
    if (nowNs - m_deadlineNs > 0)
    {
        fail(ArchiveErrorCode::GENERIC, "no progress towards the live merge for " +
                                            std::to_string(m_params.messageTimeoutNs / 1'000'000) + " ms");
        return workCount + 1;
    }
    if (m_isAnswered)
    {
        m_isAnswered = false;
        if (!m_isAnswerOk || m_answeredRelevantId == NULL_POSITION)
        {
            fail(ArchiveErrorCode::GENERIC, "the source recording stopped before the live merge");
            return workCount + 1;
        }
        m_srcRecordingPosition = m_answeredRelevantId;
        m_isRequestSent = false;
        m_correlationId = NULL_VALUE;
        m_nextSourceQueryNs = nowNs + SOURCE_QUERY_INTERVAL_NS;
        ++workCount;
    }
    else if (!m_isRequestSent && nowNs - m_nextSourceQueryNs >= 0)
    {
        workCount += sendOnce(
                         [this]
                         {
                             return m_srcArchive->archiveProxy().getRecordingPosition(
                                 m_params.srcRecordingId, m_correlationId, m_srcArchive->controlSessionId());
                         },
                         nowNs)
            ? 1
            : 0;
    }

    const std::shared_ptr<transport::Subscription> subscription = recordingSubscription();
    if (!subscription)
    {
        return workCount;
    }
    const std::int64_t gap = m_srcRecordingPosition - m_position;
    if (!m_isLiveAdded)
    {
        if (gap <= std::min<std::int64_t>(m_termBufferLength / 4, LIVE_ADD_MAX_WINDOW))
        {
            m_destinationCorrelationId = subscription->asyncAddDestination(m_params.liveDestination);
            m_isLiveAdded = true;
            ++workCount;
        }
        return workCount;
    }
    if (m_destinationCorrelationId != NULL_VALUE)
    {
        if (subscription->findDestinationResponse(m_destinationCorrelationId))
        {
            m_destinationCorrelationId = NULL_VALUE;
            ++workCount;
        }
        return workCount;
    }
    const std::shared_ptr<transport::Image> image = subscription->imageBySessionId(m_replaySessionId);
    if (gap <= 0 && image && image->activeTransportCount() >= 2)
    {
        m_destinationCorrelationId = subscription->asyncRemoveDestination(m_replayDestination);
        m_isMerged = true;
        signal(RecordingSignal::MERGE, m_recordingSubscriptionId, m_position);
        state(State::CLOSING, nowNs);
        ++workCount;
    }
    return workCount;
}

int ReplicationSession::closing(std::int64_t nowNs)
{
    int workCount = 0;
    if (!m_isStopRequested)
    {
        m_isStopRequested = true;
        // Once merged the recording carries on with the live stream: only the replay goes.
        if (!m_isMerged && m_recordingSubscriptionId != NULL_VALUE &&
            m_host.hasReplicationSubscription(m_recordingSubscriptionId))
        {
            m_host.stopReplicationSubscription(m_recordingSubscriptionId);
        }
        releaseSource();
        ++workCount;
    }
    if (m_isMerged && m_destinationCorrelationId != NULL_VALUE)
    {
        // The removal of the replay destination is settled before the session ends; a refusal changes nothing
        // for the merged recording, so it is only reported.
        try
        {
            const std::shared_ptr<transport::Subscription> subscription = recordingSubscription();
            if (subscription && !subscription->findDestinationResponse(m_destinationCorrelationId) &&
                nowNs - m_deadlineNs <= 0)
            {
                return workCount;
            }
        }
        catch (const std::exception& e)
        {
            m_host.sendReplicationError(m_params.controlSessionId, m_params.replicationId, ArchiveErrorCode::GENERIC,
                                        "replication " + std::to_string(m_params.replicationId) +
                                            ": removing the replay destination: " + e.what());
        }
        m_destinationCorrelationId = NULL_VALUE;
    }
    // REPLICATE_END comes after the recording's STOP, so a client sees the destination settled.
    const bool isStopped = m_isMerged || m_recordingSubscriptionId == NULL_VALUE ||
        !m_host.hasReplicationSubscription(m_recordingSubscriptionId);
    if (isStopped || nowNs - m_deadlineNs > 0)
    {
        signal(RecordingSignal::REPLICATE_END, NULL_VALUE, NULL_POSITION);
        m_state = State::DONE;
        ++workCount;
    }
    return workCount;
}

int ReplicationSession::pollSource(bool& isAnswered)
{
    isAnswered = false;
    ControlResponsePoller& poller = m_srcArchive->controlResponsePoller();
    const int fragments = poller.poll();
    if (!poller.isPollComplete() || poller.correlationId() == NULL_VALUE)
    {
        return fragments; // liveness OKs and signals carry no request of ours
    }
    const bool isOurs = poller.correlationId() == m_correlationId || poller.correlationId() == m_replayCorrelationId;
    if (isOurs && poller.isCodeError())
    {
        fail(static_cast<ArchiveErrorCode>(poller.relevantId()), "source archive: " + poller.errorMessage());
        return fragments;
    }
    isAnswered = poller.correlationId() == m_correlationId &&
        (poller.isControlResponse() || poller.isRecordingDescriptor());
    return fragments;
}

template <typename Send> bool ReplicationSession::sendOnce(Send&& send, std::int64_t nowNs)
{
    if (m_isRequestSent)
    {
        return true;
    }
    if (m_correlationId == NULL_VALUE)
    {
        m_correlationId = m_aeron->nextCorrelationId();
    }
    if (!send())
    {
        if (nowNs - m_deadlineNs > 0)
        {
            fail(ArchiveErrorCode::GENERIC, "cannot send to the source archive: back pressured");
        }
        return false;
    }
    m_isRequestSent = true;
    return true;
}

std::int64_t ReplicationSession::targetPosition() const noexcept
{
    return m_params.stopPosition != NULL_POSITION ? m_params.stopPosition : m_srcStopPosition;
}

void ReplicationSession::signal(RecordingSignal recordingSignal, std::int64_t subscriptionId, std::int64_t position)
{
    m_host.sendReplicationSignal(m_params.controlSessionId, m_params.replicationId, m_params.dstRecordingId,
                                 subscriptionId, position, recordingSignal);
}

void ReplicationSession::fail(ArchiveErrorCode code, const std::string& message, bool alreadyReported)
{
    if (m_isFailed || m_state == State::DONE)
    {
        return;
    }
    m_isFailed = true;
    if (!alreadyReported)
    {
        m_host.sendReplicationError(m_params.controlSessionId, m_params.replicationId, code,
                                    "replication " + std::to_string(m_params.replicationId) + ": " + message);
    }
    state(State::CLOSING, m_nowNs);
}

void ReplicationSession::state(State newState, std::int64_t nowNs)
{
    m_state = newState;
    m_deadlineNs = nowNs + m_params.messageTimeoutNs;
    m_isRequestSent = false;
    m_correlationId = NULL_VALUE;
}

void ReplicationSession::releaseSource() noexcept
{
    try
    {
        if (m_srcArchive)
        {
            if (m_srcReplaySessionId != NULL_VALUE && !m_srcArchive->isClosed())
            {
                // Best effort: the source also ends the replay when our subscription goes away.
                static_cast<void>(m_srcArchive->archiveProxy().stopReplay(
                    m_srcReplaySessionId, m_aeron->nextCorrelationId(), m_srcArchive->controlSessionId()));
            }
            m_srcArchive->close();
        }
    }
    catch (const std::exception&)
    {
        // The source archive notices the closed session; nothing more to release here.
    }
    m_srcArchive.reset();
    m_asyncConnect.reset();
}
} // namespace cox::archive

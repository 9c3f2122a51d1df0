#include "ReplicationSession.hpp"

#include <exception>
#include <limits>

#include "cox/archive/ArchiveClientException.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"

namespace cox::archive
{
using codecs::archive::RecordingSignal;

namespace
{
/// Responses read from the source per duty cycle: enough to drain liveness OKs without starving the
/// conductor's other work.
constexpr int SOURCE_POLL_LIMIT = 4;

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
            case State::EXTEND:
                return extend(nowNs);
            case State::REPLAY:
                return replay(nowNs);
            case State::REPLICATE:
                return replicate(nowNs);
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
    m_replaySessionId = isNullInt32(m_params.replicationSessionId) ? src.sessionId : m_params.replicationSessionId;
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
    state(State::EXTEND, nowNs);
}

int ReplicationSession::extend(std::int64_t nowNs)
{
    const std::string channel = withSessionId(m_params.replicationChannel, m_replaySessionId, true);
    m_recordingSubscriptionId = m_host.extendRecordingForReplication(
        m_params.controlSessionId, m_params.replicationId, m_params.dstRecordingId, m_streamId, channel);
    if (m_recordingSubscriptionId == NULL_VALUE)
    {
        fail(ArchiveErrorCode::GENERIC, "", true);
        return 1;
    }
    state(State::REPLAY, nowNs);
    return 1;
}

int ReplicationSession::replay(std::int64_t nowNs)
{
    const std::int64_t length =
        m_params.stopPosition == NULL_POSITION ? NULL_LENGTH : m_params.stopPosition - m_replayPosition;
    const bool sent = sendOnce(
        [this, length]
        {
            return m_srcArchive->archiveProxy().replay(
                m_params.srcRecordingId, m_replayPosition, length,
                withSessionId(m_params.replicationChannel, m_replaySessionId, false), m_streamId, m_correlationId,
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
    state(State::REPLICATE, nowNs);
    return 1;
}

int ReplicationSession::replicate(std::int64_t nowNs)
{
    int workCount = 0;
    // Keep reading the source: an ERROR about the replay ends the replication, and liveness OKs must not pile up.
    for (int i = 0; i < SOURCE_POLL_LIMIT && m_state == State::REPLICATE; ++i)
    {
        bool isAnswered = false;
        if (pollSource(isAnswered) == 0)
        {
            break;
        }
        ++workCount;
    }
    if (m_state != State::REPLICATE)
    {
        return workCount;
    }

    const std::int64_t livePosition = m_host.replicationRecordingPosition(m_params.dstRecordingId);
    const bool isSubscribed = m_host.hasReplicationSubscription(m_recordingSubscriptionId);
    bool hasImageEnded = false;
    if (livePosition != NULL_POSITION)
    {
        m_hasRecordingStarted = true;
        workCount += livePosition != m_position ? 1 : 0;
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
        return 1;
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

int ReplicationSession::closing(std::int64_t nowNs)
{
    int workCount = 0;
    if (!m_isStopRequested)
    {
        m_isStopRequested = true;
        if (m_recordingSubscriptionId != NULL_VALUE && m_host.hasReplicationSubscription(m_recordingSubscriptionId))
        {
            m_host.stopReplicationSubscription(m_recordingSubscriptionId);
        }
        releaseSource();
        ++workCount;
    }
    // REPLICATE_END comes after the recording's STOP, so a client sees the destination settled.
    const bool isStopped = m_recordingSubscriptionId == NULL_VALUE ||
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

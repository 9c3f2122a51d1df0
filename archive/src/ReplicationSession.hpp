#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/archive/Catalog.hpp"
#include "cox/codecs/archive/RecordingSignal.hpp"

namespace cox::transport
{
class Aeron;
class Subscription;
}

namespace cox::archive
{
/// Copies a recording from another archive into this one (Aeron's ReplicationSession), optionally merging into
/// the live stream.
///
/// Driven by the archive conductor, one step per duty cycle and never blocking: connect to the source archive
/// with the archive's own Aeron client, list the source recording, create (or check) the destination recording,
/// extend it with a REMOTE auto-stop recording of the replication channel filtered to the replay's session id,
/// ask the source to replay onto that channel, and watch the destination's recorded position until it reaches
/// the stop position, or the replay image ends. Every step that waits on the source times out.
///
/// With a live destination (live merge) the source recording must be active. The recording subscription is then
/// a multi-destination one (control-mode=manual) and the replay arrives on a replay destination added to it;
/// once the replica has caught up with the source's recorded position the live destination is added, and when
/// the image is fed by both and the replica has reached the source's position again, the replay destination is
/// removed, the replay stopped and MERGE sent: the replica's recording continues on the live stream, and the
/// session ends without stopping it.
///
/// Signals to the requesting control session, all with correlationId = replicationId: REPLICATE when it
/// creates the destination, EXTEND and STOP from the conductor's recording, SYNC once the destination holds
/// everything asked for, and REPLICATE_END last, after STOP. Errors go to the same session as ERROR with
/// correlationId = replicationId. Conductor thread only.
class ReplicationSession
{
public:
    /// What the session asks of the archive conductor.
    class Host
    {
    public:
        virtual ~Host() = default;
        /// Starts a REMOTE, auto-stop recording of channel that extends recordingId. Returns the recording
        /// subscription's registration id, or NULL_VALUE when refused (the refusal already went to the session).
        virtual std::int64_t extendRecordingForReplication(
            std::int64_t controlSessionId, std::int64_t correlationId, std::int64_t recordingId,
            std::int32_t streamId, const std::string& channel) = 0;
        /// The live recorded position of an active recording, else NULL_POSITION.
        [[nodiscard]] virtual std::int64_t replicationRecordingPosition(std::int64_t recordingId) const = 0;
        /// The recording subscription's transport subscription, once the driver made it; else null.
        [[nodiscard]] virtual std::shared_ptr<transport::Subscription> replicationSubscription(
            std::int64_t subscriptionId) = 0;
        /// False once the recording subscription is closed (after its recordings reported STOP).
        [[nodiscard]] virtual bool hasReplicationSubscription(std::int64_t subscriptionId) const = 0;
        virtual void stopReplicationSubscription(std::int64_t subscriptionId) = 0;
        virtual void sendReplicationSignal(
            std::int64_t controlSessionId, std::int64_t correlationId, std::int64_t recordingId,
            std::int64_t subscriptionId, std::int64_t position, codecs::archive::RecordingSignal signal) = 0;
        virtual void sendReplicationError(
            std::int64_t controlSessionId, std::int64_t correlationId, ArchiveErrorCode code,
            const std::string& message) = 0;
    };

    enum class State : std::int8_t
    {
        CONNECT,
        REPLICATE_DESCRIPTOR,
        SRC_RECORDING_POSITION,
        EXTEND,
        REPLAY_DESTINATION,
        REPLAY,
        REPLICATE,
        CATCHUP,
        ATTEMPT_LIVE_JOIN,
        CLOSING,
        DONE,
    };

    struct Params
    {
        std::int64_t replicationId = NULL_VALUE;
        std::int64_t controlSessionId = NULL_VALUE;
        std::int64_t srcRecordingId = NULL_VALUE;
        /// NULL_VALUE creates a new recording.
        std::int64_t dstRecordingId = NULL_VALUE;
        /// NULL_POSITION follows the source until its recording stops.
        std::int64_t stopPosition = NULL_POSITION;
        std::string srcControlChannel;
        std::int32_t srcControlStreamId = 0;
        std::string srcResponseChannel;
        std::int32_t srcResponseStreamId = 0;
        std::string replicationChannel;
        /// `aeron:udp?endpoint=host:port` the live stream is sent to; empty for no live merge.
        std::string liveDestination;
        /// NULL_VALUE: the replay takes the source recording's session id.
        std::int32_t replicationSessionId = static_cast<std::int32_t>(NULL_VALUE);
        std::int32_t fileIoMaxLength = static_cast<std::int32_t>(NULL_VALUE);
        std::int64_t messageTimeoutNs = 10'000'000'000;
    };

    ReplicationSession(
        Params params, std::shared_ptr<transport::Aeron> aeron, Catalog& catalog, Host& host, std::int64_t nowNs);
    ~ReplicationSession();

    ReplicationSession(const ReplicationSession&) = delete;
    ReplicationSession& operator=(const ReplicationSession&) = delete;

    /// One step; nowMs stamps a new destination recording. Returns the work done.
    int doWork(std::int64_t nowNs, std::int64_t nowMs);
    /// StopReplication: winds down at the next step (STOP, REPLICATE_END), with no error.
    void abort() noexcept { m_isAborted = true; }
    /// Releases the source connection at once (archive shutdown); sends nothing.
    void close() noexcept;

    [[nodiscard]] bool isDone() const noexcept { return m_state == State::DONE; }
    [[nodiscard]] State state() const noexcept { return m_state; }
    [[nodiscard]] std::int64_t replicationId() const noexcept { return m_params.replicationId; }
    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_params.controlSessionId; }
    [[nodiscard]] std::int64_t dstRecordingId() const noexcept { return m_params.dstRecordingId; }

private:
    int connect(std::int64_t nowNs);
    int replicateDescriptor(std::int64_t nowNs, std::int64_t nowMs);
    int srcRecordingPosition(std::int64_t nowNs);
    int extend(std::int64_t nowNs);
    int replayDestination(std::int64_t nowNs);
    int replay(std::int64_t nowNs);
    int replicate(std::int64_t nowNs);
    int catchup(std::int64_t nowNs);
    int attemptLiveJoin(std::int64_t nowNs);
    /// Reads the source for errors about the replay, then the replica's recorded position; returns work done
    /// and sets hasImageEnded when the replica's recording is over.
    int trackReplica(std::int64_t nowNs, bool& hasImageEnded);
    /// The local recording subscription, once known; null until the driver made it.
    [[nodiscard]] std::shared_ptr<transport::Subscription> recordingSubscription();
    [[nodiscard]] bool isLiveMerge() const noexcept { return !m_params.liveDestination.empty(); }
    int closing(std::int64_t nowNs);

    void onSourceDescriptor(const RecordingDescriptor& src, std::int64_t nowNs, std::int64_t nowMs);
    /// Polls the source once and returns the fragments read; isAnswered when the response or descriptor for
    /// m_correlationId completed. An ERROR for the current request or the replay fails the replication.
    int pollSource(bool& isAnswered);
    /// Sends the request once; later calls only retry a refused offer.
    template <typename Send> bool sendOnce(Send&& send, std::int64_t nowNs);
    [[nodiscard]] std::int64_t targetPosition() const noexcept;
    void signal(codecs::archive::RecordingSignal signal, std::int64_t subscriptionId, std::int64_t position);
    /// Reports the error (unless alreadyReported) and winds down.
    void fail(ArchiveErrorCode code, const std::string& message, bool alreadyReported = false);
    void state(State newState, std::int64_t nowNs);
    void releaseSource() noexcept;

    Params m_params;
    std::shared_ptr<transport::Aeron> m_aeron;
    Catalog& m_catalog;
    Host& m_host;
    State m_state = State::CONNECT;
    std::int64_t m_deadlineNs;
    std::unique_ptr<AeronArchive::AsyncConnect> m_asyncConnect;
    std::unique_ptr<AeronArchive> m_srcArchive;
    std::int64_t m_nowNs;
    std::int64_t m_correlationId = NULL_VALUE;
    std::int64_t m_replayCorrelationId = NULL_VALUE;
    bool m_isRequestSent = false;
    bool m_isAborted = false;
    bool m_isFailed = false;

    std::int64_t m_srcStopPosition = NULL_POSITION;
    std::int32_t m_streamId = 0;
    std::int32_t m_replaySessionId = 0;
    std::int64_t m_replayPosition = NULL_POSITION;
    std::int64_t m_srcReplaySessionId = NULL_VALUE;
    std::int64_t m_recordingSubscriptionId = NULL_VALUE;
    std::int64_t m_position = NULL_POSITION;
    bool m_hasRecordingStarted = false;
    bool m_isStopRequested = false;

    // Live merge.
    std::int64_t m_srcRecordingPosition = NULL_POSITION;
    std::int32_t m_termBufferLength = 0;
    std::string m_replayDestination; ///< as added to the subscription (and removed from it)
    std::string m_replayEndpoint; ///< where the source replays to: the destination's endpoint, port resolved
    std::int64_t m_destinationCorrelationId = NULL_VALUE;
    std::int64_t m_nextSourceQueryNs = 0;
    std::int64_t m_answeredRelevantId = NULL_VALUE;
    bool m_isAnswerOk = false;
    bool m_isAnswered = false;
    bool m_isLiveAdded = false;
    bool m_isMerged = false;
};
} // namespace cox::archive

#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cox/archive/AeronArchiveContext.hpp"
#include "cox/archive/ArchiveClientException.hpp"
#include "cox/archive/ArchiveProxy.hpp"
#include "cox/archive/ControlResponsePoller.hpp"
#include "cox/archive/RecordingDescriptorConsumer.hpp"

namespace cox::transport
{
class Aeron;
class ExclusivePublication;
class Publication;
class Subscription;
} // namespace cox::transport

namespace cox::util
{
class IdleStrategy;
}

namespace cox::archive
{
/// A client of an archive over the control protocol (Aeron's AeronArchive).
///
/// Blocking calls send a request with a fresh correlation id, then poll the response subscription until the
/// ControlResponse with that id arrives, at most messageTimeoutNs (ArchiveResponseTimeoutException naming the
/// request). While waiting they skip responses to other requests, hand RecordingSignalEvents to the context's
/// signal consumer and ERRORs for other correlation ids to its error handler; an ERROR for their own id throws
/// ArchiveResponseException (code = the response's relevantId), and a response stream the archive closed throws
/// ArchiveException UNKNOWN_CONTROL_SESSION at once; isControlSessionLost() tells the errors a new connect mends.
/// They also drive the Aeron client's conductor, the driver and the archive when those run in invoker mode, so one
/// thread can run all of them.
///
/// Public calls are serialised by a lock, so any thread may use the client. Agents that must not block use
/// archiveProxy() to send and a ControlResponsePoller or RecordingSignalPoller to read.
class AeronArchive
{
public:
    class AsyncConnect;

    /// Connects, blocking up to messageTimeoutNs; throws ArchiveResponseException if the archive refuses,
    /// ArchiveTimeoutException if it does not answer.
    [[nodiscard]] static std::unique_ptr<AeronArchive> connect(AeronArchiveContext context = {});
    /// Starts a connect that the caller advances with AsyncConnect::poll().
    [[nodiscard]] static std::unique_ptr<AsyncConnect> asyncConnect(AeronArchiveContext context = {});

    /// Closes the session (see close()).
    ~AeronArchive();

    AeronArchive(const AeronArchive&) = delete;
    AeronArchive& operator=(const AeronArchive&) = delete;

    /// Sends CloseSessionRequest (best effort, no answer), closes the request publication and response
    /// subscription, and the Aeron client if this archive client created it. Idempotent.
    void close();
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed; }

    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_controlSessionId; }
    [[nodiscard]] std::int64_t archiveId() const noexcept { return m_archiveId; }
    [[nodiscard]] const AeronArchiveContext& context() const noexcept { return m_context; }
    [[nodiscard]] const std::shared_ptr<transport::Aeron>& aeron() const noexcept { return m_aeron; }
    /// For non-blocking requests; responses then arrive on controlResponseSubscription().
    [[nodiscard]] ArchiveProxy& archiveProxy() noexcept { return *m_proxy; }
    [[nodiscard]] ControlResponsePoller& controlResponsePoller() noexcept { return *m_poller; }
    [[nodiscard]] const std::shared_ptr<transport::Subscription>& controlResponseSubscription() const noexcept;

    // Recording.

    /// Returns the registration id of the archive's recording subscription.
    std::int64_t startRecording(const std::string& channel, std::int32_t streamId, SourceLocation sourceLocation,
                                bool autoStop = false);
    std::int64_t extendRecording(std::int64_t recordingId, const std::string& channel, std::int32_t streamId,
                                 SourceLocation sourceLocation, bool autoStop = false);
    void stopRecording(const std::string& channel, std::int32_t streamId);
    void stopRecording(std::int64_t subscriptionId);
    /// Stops the recording of publication's session (as started by addRecordedPublication).
    void stopRecording(const transport::Publication& publication);
    /// False if the archive has no such subscription (UNKNOWN_SUBSCRIPTION).
    bool tryStopRecording(std::int64_t subscriptionId);
    bool tryStopRecording(const std::string& channel, std::int32_t streamId);
    /// True if an active recording was stopped.
    bool tryStopRecordingByIdentity(std::int64_t recordingId);
    /// Adds a publication and records it (LOCAL, channel + `session-id=<its session>`); the publication must be
    /// the original for its channel and stream. Closes it again if the archive refuses.
    std::shared_ptr<transport::Publication> addRecordedPublication(const std::string& channel, std::int32_t streamId);
    std::shared_ptr<transport::ExclusivePublication> addRecordedExclusivePublication(const std::string& channel,
                                                                                     std::int32_t streamId);

    // Positions: NULL_POSITION (-1) where the archive has none.

    std::int64_t getRecordingPosition(std::int64_t recordingId);
    std::int64_t getStartPosition(std::int64_t recordingId);
    std::int64_t getStopPosition(std::int64_t recordingId);
    std::int64_t getMaxRecordedPosition(std::int64_t recordingId);

    // Listing: each returns the number of descriptors handed to consumer.

    int listRecording(std::int64_t recordingId, const RecordingDescriptorConsumer& consumer);
    int listRecordings(std::int64_t fromRecordingId, std::int32_t recordCount,
                       const RecordingDescriptorConsumer& consumer);
    int listRecordingsForUri(std::int64_t fromRecordingId, std::int32_t recordCount,
                             const std::string& channelFragment, std::int32_t streamId,
                             const RecordingDescriptorConsumer& consumer);
    /// The newest recording id >= minRecordingId matching all three, or NULL_VALUE.
    std::int64_t findLastMatchingRecording(std::int64_t minRecordingId, const std::string& channelFragment,
                                           std::int32_t streamId, std::int32_t sessionId);

    // Replay. length NULL_LENGTH (or INT64_MAX) follows a live recording until it stops.

    /// Returns the replaySessionId; its low 32 bits are the replay image's session id.
    std::int64_t startReplay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                             const std::string& replayChannel, std::int32_t replayStreamId);
    /// As startReplay, never passing the value of counter limitCounterId in the archive's driver.
    std::int64_t startBoundedReplay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                                    std::int32_t limitCounterId, const std::string& replayChannel,
                                    std::int32_t replayStreamId);
    /// startReplay, then subscribes to replayChannel + `session-id=<(int)replaySessionId>`.
    std::shared_ptr<transport::Subscription> replay(std::int64_t recordingId, std::int64_t position,
                                                    std::int64_t length, const std::string& replayChannel,
                                                    std::int32_t replayStreamId);
    void stopReplay(std::int64_t replaySessionId);
    /// Every replay of recordingId, or of all recordings for NULL_VALUE.
    void stopAllReplays(std::int64_t recordingId);

    // Truncate, purge, segments: each returns what the OK carries (files queued for deletion, or 0).

    std::int64_t truncateRecording(std::int64_t recordingId, std::int64_t position);
    std::int64_t purgeRecording(std::int64_t recordingId);
    std::int64_t detachSegments(std::int64_t recordingId, std::int64_t newStartPosition);
    std::int64_t deleteDetachedSegments(std::int64_t recordingId);
    std::int64_t purgeSegments(std::int64_t recordingId, std::int64_t newStartPosition);

    // Replication (ReplicateRequest2). Returns the replicationId.

    std::int64_t replicate(std::int64_t srcRecordingId, std::int64_t dstRecordingId, std::int32_t srcControlStreamId,
                           const std::string& srcControlChannel, const std::string& liveDestination);
    std::int64_t replicate(std::int64_t srcRecordingId, std::int32_t srcControlStreamId,
                           const std::string& srcControlChannel, const ReplicationParams& params);
    void stopReplication(std::int64_t replicationId);
    /// False if the archive does not know the replication (UNKNOWN_REPLICATION).
    bool tryStopReplication(std::int64_t replicationId);

    // Non-blocking polling between requests.

    /// Polls once: signals go to the consumer, an ERROR for this session throws ArchiveResponseException.
    /// Returns the fragments read.
    int pollForRecordingSignals();
    /// Polls once; throws ArchiveResponseException if an ERROR for this session arrived.
    void checkForErrorResponse();
    /// Polls once; returns the message of an ERROR for this session, or empty.
    std::string pollForErrorResponse();

private:
    AeronArchive(AeronArchiveContext context, std::shared_ptr<transport::Aeron> aeron, bool ownsAeron,
                 std::unique_ptr<ArchiveProxy> proxy, std::unique_ptr<ControlResponsePoller> poller,
                 std::shared_ptr<transport::Subscription> subscription, std::int64_t controlSessionId,
                 std::int64_t archiveId);

    void ensureOpen() const;
    /// One step of a wait: drives the invokers and idles when none did work.
    void idle();
    void ensureConnected(const char* requestName) const;
    /// Offers with send(correlationId) until it succeeds or the deadline passes.
    template <typename Send> void send(const char* requestName, std::int64_t correlationId, Send&& send);
    template <typename Send> std::int64_t request(const char* requestName, Send&& send);
    std::int64_t pollForResponse(const char* requestName, std::int64_t correlationId);
    int pollForDescriptors(const char* requestName, std::int64_t correlationId, std::int32_t recordCount,
                           const RecordingDescriptorConsumer& consumer);
    /// Handles a completed message that is not the awaited response; true if it was one of this session's.
    void onUnrelatedMessage();
    void dispatchSignal();
    [[nodiscard]] std::int64_t nowNs() const noexcept;
    template <typename PublicationT>
    std::shared_ptr<PublicationT> recordPublication(std::shared_ptr<PublicationT> publication);

    mutable std::recursive_mutex m_lock;
    AeronArchiveContext m_context;
    std::shared_ptr<transport::Aeron> m_aeron;
    bool m_ownsAeron;
    std::unique_ptr<ArchiveProxy> m_proxy;
    std::unique_ptr<ControlResponsePoller> m_poller;
    std::shared_ptr<transport::Subscription> m_subscription;
    std::unique_ptr<util::IdleStrategy> m_idleStrategy;
    std::int64_t m_controlSessionId;
    std::int64_t m_archiveId;
    bool m_isClosed = false;
};

/// A connect in progress (Aeron's AeronArchive.AsyncConnect), for agents that cannot block: call poll() from the
/// duty cycle until it returns the client. poll() never waits and never drives invokers. Throws as connect()
/// does; the resources it added are closed then, and by the destructor if it is abandoned.
class AeronArchive::AsyncConnect
{
public:
    enum class Step : std::int8_t
    {
        ADD_PUBLICATION = 0,
        AWAIT_PUBLICATION_CONNECTED = 1,
        SEND_CONNECT_REQUEST = 2,
        AWAIT_SUBSCRIPTION_CONNECTED = 3,
        AWAIT_CONNECT_RESPONSE = 4,
        SEND_ARCHIVE_ID_REQUEST = 5,
        AWAIT_ARCHIVE_ID_RESPONSE = 6,
        DONE = 7,
        SEND_CHALLENGE_RESPONSE = 8,
        AWAIT_CHALLENGE_RESPONSE = 9,
    };

    explicit AsyncConnect(AeronArchiveContext context);
    ~AsyncConnect();

    AsyncConnect(const AsyncConnect&) = delete;
    AsyncConnect& operator=(const AsyncConnect&) = delete;

    /// Advances as far as it can without waiting; the connected client once done, else null.
    [[nodiscard]] std::unique_ptr<AeronArchive> poll();
    [[nodiscard]] Step step() const noexcept { return m_step; }
    [[nodiscard]] const AeronArchiveContext& context() const noexcept { return m_context; }
    /// The Aeron client the connect uses (null once it completed or failed).
    [[nodiscard]] const std::shared_ptr<transport::Aeron>& aeron() const noexcept { return m_aeron; }

private:
    void checkDeadline(std::int64_t nowNs) const;
    void closeResources() noexcept;
    void awaitResponse(std::int64_t correlationId, Step onOk);

    AeronArchiveContext m_context;
    std::shared_ptr<transport::Aeron> m_aeron;
    bool m_ownsAeron = false;
    std::int64_t m_deadlineNs = 0;
    std::int64_t m_publicationRegistrationId = -1;
    std::int64_t m_subscriptionRegistrationId = -1;
    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::shared_ptr<transport::Subscription> m_subscription;
    std::unique_ptr<ArchiveProxy> m_proxy;
    std::unique_ptr<ControlResponsePoller> m_poller;
    std::int64_t m_correlationId = -1;
    std::int64_t m_controlSessionId = -1;
    std::int64_t m_archiveId = -1;
    std::vector<std::uint8_t> m_encodedChallenge;
    Step m_step = Step::ADD_PUBLICATION;
};
} // namespace cox::archive

#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cox/codecs/archive/SourceLocation.hpp"

namespace cox::transport
{
class Publication;
}

namespace cox::archive
{
using codecs::archive::SourceLocation;

/// Aeron's NULL_VALUE, for ids, positions, lengths, counter ids and tags left unset.
inline constexpr std::int64_t NULL_VALUE = -1;
inline constexpr std::int64_t NULL_LENGTH = -1;

/// Options of a replication (Aeron's ReplicationParams); every field left at NULL_VALUE / empty takes the
/// archive's default.
struct ReplicationParams
{
    /// Stop replicating at this position; NULL_VALUE replicates the whole recording (and follows it while live).
    std::int64_t stopPosition = NULL_VALUE;
    /// Extend this local recording; NULL_VALUE creates a new one.
    std::int64_t dstRecordingId = NULL_VALUE;
    /// Merge into the live stream at this destination once caught up; empty for none.
    std::string liveDestination;
    /// Channel the replicated stream is received on; the archive's replication channel when empty.
    std::string replicationChannel;
    /// Response channel at the source archive; derived from the source control channel when empty.
    std::string srcResponseChannel;
    std::int64_t channelTagId = NULL_VALUE;
    std::int64_t subscriptionTagId = NULL_VALUE;
    std::int32_t fileIoMaxLength = static_cast<std::int32_t>(NULL_VALUE);
    /// Session id of the replay from the source; NULL_VALUE lets the source choose.
    std::int32_t replicationSessionId = static_cast<std::int32_t>(NULL_VALUE);
    std::vector<std::uint8_t> encodedCredentials;
};

/// Encodes control requests (schema 101) and offers each as one message on the archive's control request
/// publication: Aeron's ArchiveProxy. Every method returns whether the request was offered; it never waits for an
/// answer, so agents can send from their duty cycle and read the answer with a ControlResponsePoller.
///
/// An offer that meets back pressure or a term rotation is retried retryAttempts times at once; after that the
/// method returns false and the caller retries later. A closed publication or a stream at its maximum position
/// throws ArchiveException (the connection is gone); a message longer than the publication accepts throws
/// IllegalArgumentException. Encoding reuses one buffer allocated at construction. One thread at a time.
class ArchiveProxy
{
public:
    static constexpr int DEFAULT_RETRY_ATTEMPTS = 3;
    static constexpr std::size_t BUFFER_LENGTH = 32 * 1024;

    explicit ArchiveProxy(std::shared_ptr<transport::Publication> publication,
                          int retryAttempts = DEFAULT_RETRY_ATTEMPTS);
    ~ArchiveProxy();

    ArchiveProxy(const ArchiveProxy&) = delete;
    ArchiveProxy& operator=(const ArchiveProxy&) = delete;

    [[nodiscard]] const std::shared_ptr<transport::Publication>& publication() const noexcept { return m_publication; }

    // Session.

    /// AuthConnectRequest with the protocol version of AeronArchiveContext.
    bool tryConnect(std::string_view responseChannel, std::int32_t responseStreamId,
                    std::span<const std::uint8_t> encodedCredentials, std::int64_t correlationId);
    bool tryChallengeResponse(std::span<const std::uint8_t> encodedCredentials, std::int64_t correlationId,
                              std::int64_t controlSessionId);
    bool archiveId(std::int64_t correlationId, std::int64_t controlSessionId);
    bool keepAlive(std::int64_t correlationId, std::int64_t controlSessionId);
    bool closeSession(std::int64_t controlSessionId);

    // Recording. Start and extend always use the "2" messages (63, 64), which carry autoStop.

    bool startRecording(std::string_view channel, std::int32_t streamId, SourceLocation sourceLocation, bool autoStop,
                        std::int64_t correlationId, std::int64_t controlSessionId);
    bool extendRecording(std::string_view channel, std::int32_t streamId, SourceLocation sourceLocation,
                         bool autoStop, std::int64_t recordingId, std::int64_t correlationId,
                         std::int64_t controlSessionId);
    bool stopRecording(std::string_view channel, std::int32_t streamId, std::int64_t correlationId,
                       std::int64_t controlSessionId);
    bool stopRecording(std::int64_t subscriptionId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool stopRecordingByIdentity(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);

    // Positions and listing.

    bool getRecordingPosition(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool getStartPosition(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool getStopPosition(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool getMaxRecordedPosition(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool listRecording(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool listRecordings(std::int64_t fromRecordingId, std::int32_t recordCount, std::int64_t correlationId,
                        std::int64_t controlSessionId);
    bool listRecordingsForUri(std::int64_t fromRecordingId, std::int32_t recordCount, std::string_view channelFragment,
                              std::int32_t streamId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool findLastMatchingRecording(std::int64_t minRecordingId, std::string_view channelFragment,
                                   std::int32_t streamId, std::int32_t sessionId, std::int64_t correlationId,
                                   std::int64_t controlSessionId);
    bool listRecordingSubscriptions(std::int32_t pseudoIndex, std::int32_t subscriptionCount,
                                    std::string_view channelFragment, std::int32_t streamId, bool applyStreamId,
                                    std::int64_t correlationId, std::int64_t controlSessionId);

    // Replay. fileIoMaxLength and replayToken are sent as NULL_VALUE (the archive's defaults).

    bool replay(std::int64_t recordingId, std::int64_t position, std::int64_t length, std::string_view replayChannel,
                std::int32_t replayStreamId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool boundedReplay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                       std::int32_t limitCounterId, std::string_view replayChannel, std::int32_t replayStreamId,
                       std::int64_t correlationId, std::int64_t controlSessionId);
    bool stopReplay(std::int64_t replaySessionId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool stopAllReplays(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);

    // Truncate, purge, segments.

    bool truncateRecording(std::int64_t recordingId, std::int64_t position, std::int64_t correlationId,
                           std::int64_t controlSessionId);
    bool purgeRecording(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool detachSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t correlationId,
                        std::int64_t controlSessionId);
    bool deleteDetachedSegments(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool purgeSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t correlationId,
                       std::int64_t controlSessionId);
    bool attachSegments(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId);
    bool migrateSegments(std::int64_t srcRecordingId, std::int64_t dstRecordingId, std::int64_t correlationId,
                         std::int64_t controlSessionId);

    // Replication: always ReplicateRequest2 (66).

    bool replicate(std::int64_t srcRecordingId, std::int32_t srcControlStreamId, std::string_view srcControlChannel,
                   const ReplicationParams& params, std::int64_t correlationId, std::int64_t controlSessionId);
    bool stopReplication(std::int64_t replicationId, std::int64_t correlationId, std::int64_t controlSessionId);

private:
    /// Offers the first length bytes of the buffer.
    bool offer(std::size_t length);

    std::shared_ptr<transport::Publication> m_publication;
    std::unique_ptr<std::uint8_t[]> m_buffer;
    int m_retryAttempts;
};
} // namespace cox::archive

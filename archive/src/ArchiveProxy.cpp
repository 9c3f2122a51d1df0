#include "cox/archive/ArchiveProxy.hpp"

#include "cox/archive/AeronArchiveContext.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace cox::archive
{
namespace codec = codecs::archive;
using transport::PublicationResult;

namespace
{
std::string_view asChars(std::span<const std::uint8_t> bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

constexpr codec::BooleanType booleanType(bool value) noexcept
{
    return value ? codec::BooleanType::TRUE : codec::BooleanType::FALSE;
}
} // namespace

ArchiveProxy::ArchiveProxy(std::shared_ptr<transport::Publication> publication, int retryAttempts)
    : m_publication(std::move(publication)),
      m_buffer(std::make_unique<std::uint8_t[]>(BUFFER_LENGTH)),
      m_retryAttempts(retryAttempts > 0 ? retryAttempts : 1)
{
    if (!m_publication)
    {
        throw util::IllegalArgumentException("ArchiveProxy needs a publication");
    }
}

ArchiveProxy::~ArchiveProxy() = default;

bool ArchiveProxy::offer(std::size_t length)
{
    for (int attempt = 0; attempt < m_retryAttempts; ++attempt)
    {
        const std::int64_t result = m_publication->offer(m_buffer.get(), static_cast<std::int32_t>(length));
        if (result > 0)
        {
            return true;
        }
        switch (result)
        {
            case PublicationResult::NOT_CONNECTED:
                return false;
            case PublicationResult::CLOSED:
                throw ArchiveException(ArchiveErrorCode::GENERIC, "connection to the archive has been closed");
            case PublicationResult::MAX_POSITION_EXCEEDED:
                throw ArchiveException(ArchiveErrorCode::GENERIC,
                                       "the archive control request stream reached its maximum position");
            case PublicationResult::ERROR:
                throw util::IllegalArgumentException("archive request of " + std::to_string(length) +
                                                     " bytes refused by the request publication (max message " +
                                                     std::to_string(m_publication->maxMessageLength()) + ")");
            default:
                break; // back pressure or a term rotation: try again at once
        }
    }
    return false;
}

// Every request is encoded in place after the message header; the lambdas below keep the per-message code to the
// field list.
namespace
{
template <typename Encoder> Encoder& wrap(Encoder& encoder, std::uint8_t* buffer, std::size_t length)
{
    codec::MessageHeaderEncoder header;
    return encoder.wrapAndApplyHeader(buffer, 0, length, header);
}

template <typename Encoder> std::size_t encodedLength(const Encoder& encoder)
{
    return codec::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength();
}
} // namespace

bool ArchiveProxy::tryConnect(std::string_view responseChannel, std::int32_t responseStreamId,
                              std::span<const std::uint8_t> encodedCredentials, std::int64_t correlationId)
{
    codec::AuthConnectRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .correlationId(correlationId)
        .responseStreamId(responseStreamId)
        .version(AeronArchiveContext::PROTOCOL_SEMANTIC_VERSION)
        .putResponseChannel(responseChannel)
        .putEncodedCredentials(asChars(encodedCredentials));
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::tryChallengeResponse(std::span<const std::uint8_t> encodedCredentials, std::int64_t correlationId,
                                        std::int64_t controlSessionId)
{
    codec::ChallengeResponseEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .putEncodedCredentials(asChars(encodedCredentials));
    return offer(encodedLength(encoder));
}

namespace
{
/// The many requests that are just the session, the correlation id and one more i64 (or none).
template <typename Encoder>
std::size_t encodeSessionOnly(Encoder& encoder, std::uint8_t* buffer, std::size_t length,
                              std::int64_t correlationId, std::int64_t controlSessionId)
{
    wrap(encoder, buffer, length).controlSessionId(controlSessionId).correlationId(correlationId);
    return encodedLength(encoder);
}
} // namespace

bool ArchiveProxy::archiveId(std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::ArchiveIdRequestEncoder encoder;
    return offer(encodeSessionOnly(encoder, m_buffer.get(), BUFFER_LENGTH, correlationId, controlSessionId));
}

bool ArchiveProxy::keepAlive(std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::KeepAliveRequestEncoder encoder;
    return offer(encodeSessionOnly(encoder, m_buffer.get(), BUFFER_LENGTH, correlationId, controlSessionId));
}

bool ArchiveProxy::closeSession(std::int64_t controlSessionId)
{
    codec::CloseSessionRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH).controlSessionId(controlSessionId);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::startRecording(std::string_view channel, std::int32_t streamId, SourceLocation sourceLocation,
                                  bool autoStop, std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::StartRecordingRequest2Encoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .streamId(streamId)
        .sourceLocation(sourceLocation)
        .autoStop(booleanType(autoStop))
        .putChannel(channel);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::extendRecording(std::string_view channel, std::int32_t streamId, SourceLocation sourceLocation,
                                   bool autoStop, std::int64_t recordingId, std::int64_t correlationId,
                                   std::int64_t controlSessionId)
{
    codec::ExtendRecordingRequest2Encoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .streamId(streamId)
        .sourceLocation(sourceLocation)
        .autoStop(booleanType(autoStop))
        .putChannel(channel);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::stopRecording(std::string_view channel, std::int32_t streamId, std::int64_t correlationId,
                                 std::int64_t controlSessionId)
{
    codec::StopRecordingRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .streamId(streamId)
        .putChannel(channel);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::stopRecording(std::int64_t subscriptionId, std::int64_t correlationId,
                                 std::int64_t controlSessionId)
{
    codec::StopRecordingSubscriptionRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .subscriptionId(subscriptionId);
    return offer(encodedLength(encoder));
}

namespace
{
template <typename Encoder>
std::size_t encodeRecordingIdRequest(Encoder& encoder, std::uint8_t* buffer, std::size_t length,
                                     std::int64_t recordingId, std::int64_t correlationId,
                                     std::int64_t controlSessionId)
{
    wrap(encoder, buffer, length)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId);
    return encodedLength(encoder);
}
} // namespace

#define COX_RECORDING_ID_REQUEST(METHOD, ENCODER)                                                                    \
    bool ArchiveProxy::METHOD(std::int64_t recordingId, std::int64_t correlationId, std::int64_t controlSessionId)   \
    {                                                                                                                \
        codec::ENCODER encoder;                                                                                      \
        return offer(                                                                                                \
            encodeRecordingIdRequest(encoder, m_buffer.get(), BUFFER_LENGTH, recordingId, correlationId,             \
                                     controlSessionId));                                                             \
    }

COX_RECORDING_ID_REQUEST(stopRecordingByIdentity, StopRecordingByIdentityRequestEncoder)
COX_RECORDING_ID_REQUEST(getRecordingPosition, RecordingPositionRequestEncoder)
COX_RECORDING_ID_REQUEST(getStartPosition, StartPositionRequestEncoder)
COX_RECORDING_ID_REQUEST(getStopPosition, StopPositionRequestEncoder)
COX_RECORDING_ID_REQUEST(getMaxRecordedPosition, MaxRecordedPositionRequestEncoder)
COX_RECORDING_ID_REQUEST(listRecording, ListRecordingRequestEncoder)
COX_RECORDING_ID_REQUEST(stopAllReplays, StopAllReplaysRequestEncoder)
COX_RECORDING_ID_REQUEST(purgeRecording, PurgeRecordingRequestEncoder)
COX_RECORDING_ID_REQUEST(deleteDetachedSegments, DeleteDetachedSegmentsRequestEncoder)
COX_RECORDING_ID_REQUEST(attachSegments, AttachSegmentsRequestEncoder)

#undef COX_RECORDING_ID_REQUEST

bool ArchiveProxy::listRecordings(std::int64_t fromRecordingId, std::int32_t recordCount, std::int64_t correlationId,
                                  std::int64_t controlSessionId)
{
    codec::ListRecordingsRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .fromRecordingId(fromRecordingId)
        .recordCount(recordCount);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::listRecordingsForUri(std::int64_t fromRecordingId, std::int32_t recordCount,
                                        std::string_view channelFragment, std::int32_t streamId,
                                        std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::ListRecordingsForUriRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .fromRecordingId(fromRecordingId)
        .recordCount(recordCount)
        .streamId(streamId)
        .putChannel(channelFragment);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::findLastMatchingRecording(std::int64_t minRecordingId, std::string_view channelFragment,
                                             std::int32_t streamId, std::int32_t sessionId,
                                             std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::FindLastMatchingRecordingRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .minRecordingId(minRecordingId)
        .sessionId(sessionId)
        .streamId(streamId)
        .putChannel(channelFragment);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::listRecordingSubscriptions(std::int32_t pseudoIndex, std::int32_t subscriptionCount,
                                              std::string_view channelFragment, std::int32_t streamId,
                                              bool applyStreamId, std::int64_t correlationId,
                                              std::int64_t controlSessionId)
{
    codec::ListRecordingSubscriptionsRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .pseudoIndex(pseudoIndex)
        .subscriptionCount(subscriptionCount)
        .applyStreamId(booleanType(applyStreamId))
        .streamId(streamId)
        .putChannel(channelFragment);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::replay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                          std::string_view replayChannel, std::int32_t replayStreamId, std::int64_t correlationId,
                          std::int64_t controlSessionId)
{
    codec::ReplayRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .position(position)
        .length(length)
        .replayStreamId(replayStreamId)
        .fileIoMaxLength(static_cast<std::int32_t>(NULL_VALUE))
        .replayToken(NULL_VALUE)
        .putReplayChannel(replayChannel);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::boundedReplay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                                 std::int32_t limitCounterId, std::string_view replayChannel,
                                 std::int32_t replayStreamId, std::int64_t correlationId,
                                 std::int64_t controlSessionId)
{
    codec::BoundedReplayRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .position(position)
        .length(length)
        .limitCounterId(limitCounterId)
        .replayStreamId(replayStreamId)
        .fileIoMaxLength(static_cast<std::int32_t>(NULL_VALUE))
        .replayToken(NULL_VALUE)
        .putReplayChannel(replayChannel);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::stopReplay(std::int64_t replaySessionId, std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::StopReplayRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .replaySessionId(replaySessionId);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::truncateRecording(std::int64_t recordingId, std::int64_t position, std::int64_t correlationId,
                                     std::int64_t controlSessionId)
{
    codec::TruncateRecordingRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .position(position);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::detachSegments(std::int64_t recordingId, std::int64_t newStartPosition,
                                  std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::DetachSegmentsRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .newStartPosition(newStartPosition);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::purgeSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t correlationId,
                                 std::int64_t controlSessionId)
{
    codec::PurgeSegmentsRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .newStartPosition(newStartPosition);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::migrateSegments(std::int64_t srcRecordingId, std::int64_t dstRecordingId,
                                   std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::MigrateSegmentsRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .srcRecordingId(srcRecordingId)
        .dstRecordingId(dstRecordingId);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::replicate(std::int64_t srcRecordingId, std::int32_t srcControlStreamId,
                             std::string_view srcControlChannel, const ReplicationParams& params,
                             std::int64_t correlationId, std::int64_t controlSessionId)
{
    codec::ReplicateRequest2Encoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .srcRecordingId(srcRecordingId)
        .dstRecordingId(params.dstRecordingId)
        .stopPosition(params.stopPosition)
        .channelTagId(params.channelTagId)
        .subscriptionTagId(params.subscriptionTagId)
        .srcControlStreamId(srcControlStreamId)
        .fileIoMaxLength(params.fileIoMaxLength)
        .replicationSessionId(params.replicationSessionId)
        .putSrcControlChannel(srcControlChannel)
        .putLiveDestination(params.liveDestination)
        .putReplicationChannel(params.replicationChannel)
        .putEncodedCredentials(asChars(params.encodedCredentials))
        .putSrcResponseChannel(params.srcResponseChannel);
    return offer(encodedLength(encoder));
}

bool ArchiveProxy::stopReplication(std::int64_t replicationId, std::int64_t correlationId,
                                   std::int64_t controlSessionId)
{
    codec::StopReplicationRequestEncoder encoder;
    wrap(encoder, m_buffer.get(), BUFFER_LENGTH)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .replicationId(replicationId);
    return offer(encodedLength(encoder));
}
} // namespace cox::archive

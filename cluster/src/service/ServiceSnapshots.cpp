// The container's snapshots (Aeron's ServiceSnapshotTaker and ServiceSnapshotLoader): taken when the log reaches
// a SNAPSHOT action, loaded before the service starts.
#include <thread>

#include "SnapshotIo.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/AeronArchiveContext.hpp"
#include "cox/codecs/cluster/ClientSession.hpp"
#include "cox/codecs/cluster/ClusterSchema.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/SnapshotMarker.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/util/Exceptions.hpp"
#include "service/ClusteredServiceAgent.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

void ClusteredServiceAgent::invokeWhileWaiting()
{
    int work = m_context.aeron->conductorAgentInvoker().invoke();
    if (m_context.archiveInvoker)
    {
        work += m_context.archiveInvoker();
    }
    if (work == 0)
    {
        std::this_thread::yield();
    }
}

archive::AeronArchive& ClusteredServiceAgent::snapshotArchive()
{
    if (!m_archive)
    {
        archive::AeronArchiveContext archiveContext;
        archiveContext.aeron = m_context.aeron;
        archiveContext.controlRequestChannel = m_context.archiveControlChannel;
        archiveContext.controlRequestStreamId = m_context.archiveControlStreamId;
        archiveContext.controlResponseChannel = m_context.archiveControlResponseChannel;
        archiveContext.controlResponseStreamId = m_context.archiveControlResponseStreamId + m_context.serviceId;
        archiveContext.archiveInvoker = m_context.archiveInvoker;
        archiveContext.messageTimeoutNs = m_context.snapshotTimeoutNs;
        m_archive = archive::AeronArchive::connect(archiveContext);
    }
    return *m_archive;
}

std::int64_t ClusteredServiceAgent::takeSnapshot(std::int64_t logPosition, std::int64_t leadershipTermId)
{
    SnapshotPublication snapshot(*m_context.aeron, snapshotArchive(), m_context.snapshotChannel,
                                 m_context.snapshotStreamId, [this] { invokeWhileWaiting(); },
                                 m_context.snapshotTimeoutNs);
    snapshot.marker(SERVICE_SNAPSHOT_TYPE_ID, logPosition, leadershipTermId, true, m_timeUnit, m_context.appVersion);
    std::vector<std::uint8_t> buffer;
    for (const ContainerClientSession* session : m_sessions)
    {
        const std::string_view channel = session->responseChannel();
        const std::span<const std::uint8_t> principal = session->encodedPrincipal();
        buffer.assign(cc::MessageHeaderEncoder::ENCODED_LENGTH + cc::ClientSessionEncoder::BLOCK_LENGTH + 8 +
                          channel.size() + principal.size(),
                      0);
        cc::MessageHeaderEncoder header;
        cc::ClientSessionEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .clusterSessionId(session->id())
            .responseStreamId(session->responseStreamId())
            .putResponseChannel(channel)
            .putEncodedPrincipal(reinterpret_cast<const char*>(principal.data()), principal.size());
        snapshot.offer(buffer.data(),
                       static_cast<std::int32_t>(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength()));
    }
    snapshot.marker(SERVICE_SNAPSHOT_TYPE_ID, logPosition, leadershipTermId, false, m_timeUnit, m_context.appVersion);
    {
        BackgroundInvocation guard(m_isBackgroundInvocation);
        m_service.onTakeSnapshot(snapshot.publication());
    }
    snapshot.complete();
    return snapshot.recordingId();
}

void ClusteredServiceAgent::onSnapshotAction(std::int64_t logPosition, std::int64_t leadershipTermId,
                                             std::int64_t timestamp)
{
    // An ack still waiting for room must go first: acks are counted in order.
    while (!sendPendingAck())
    {
        invokeWhileWaiting();
    }
    std::int64_t recordingId = NULL_VALUE;
    const std::int64_t startNs = snapshotNanoTime();
    try
    {
        recordingId = takeSnapshot(logPosition, leadershipTermId);
        m_lastSnapshotDurationNs = snapshotNanoTime() - startNs;
    }
    catch (const std::exception& e)
    {
        // The module sees relevantId -1, logs that the snapshot failed, and writes no entry for it.
        reportError(util::IllegalStateException(std::string("failed to take snapshot at log position ") +
                                                std::to_string(logPosition) + ": " + e.what()));
    }
    queueAck(logPosition, timestamp, recordingId, false);
    while (!sendPendingAck())
    {
        invokeWhileWaiting();
    }
}

void ClusteredServiceAgent::loadSnapshot(std::int64_t recordingId)
{
    SnapshotReplay replay(*m_context.aeron, snapshotArchive(), recordingId, m_context.replayChannel,
                          m_context.replayStreamId, [this] { invokeWhileWaiting(); }, m_context.snapshotTimeoutNs);
    bool begun = false;
    replay.readUntil(
        [&](const std::uint8_t* data, std::int32_t length)
        {
            const auto size = static_cast<std::size_t>(length);
            cc::MessageHeaderDecoder header;
            if (cc::checkHeader(data, 0, size, header) != codecs::sbe::DecodeError::NONE)
            {
                throw util::IllegalStateException("service snapshot " + std::to_string(recordingId) +
                                                  " holds an undecodable message before its end marker");
            }
            if (header.templateId() == cc::SnapshotMarkerDecoder::TEMPLATE_ID)
            {
                cc::SnapshotMarkerDecoder marker;
                if (marker.wrapForDecode(data, cc::MessageHeaderDecoder::ENCODED_LENGTH, header.blockLength(),
                                         header.version(), size) != codecs::sbe::DecodeError::NONE ||
                    marker.typeId() != SERVICE_SNAPSHOT_TYPE_ID)
                {
                    throw util::IllegalStateException("recording " + std::to_string(recordingId) +
                                                      " is not a service snapshot");
                }
                if (marker.appVersion() >> 16 != m_context.appVersion >> 16)
                {
                    throw util::IllegalStateException(
                        "service snapshot " + std::to_string(recordingId) + " has app version " +
                        std::to_string(marker.appVersion()) + ", incompatible with " +
                        std::to_string(m_context.appVersion));
                }
                if (marker.mark() == cc::SnapshotMark::BEGIN)
                {
                    begun = true;
                    m_timeUnit = timeUnitFromCode(static_cast<std::int32_t>(marker.timeUnit()));
                    return false;
                }
                if (!begun)
                {
                    throw util::IllegalStateException("service snapshot " + std::to_string(recordingId) +
                                                      " ends before it begins");
                }
                return true;
            }
            if (header.templateId() == cc::ClientSessionDecoder::TEMPLATE_ID && begun)
            {
                cc::ClientSessionDecoder decoder;
                if (decoder.wrapForDecode(data, cc::MessageHeaderDecoder::ENCODED_LENGTH, header.blockLength(),
                                          header.version(), size) != codecs::sbe::DecodeError::NONE)
                {
                    throw util::IllegalStateException("service snapshot " + std::to_string(recordingId) +
                                                      " holds a malformed client session");
                }
                const std::int64_t clusterSessionId = decoder.clusterSessionId();
                const std::int32_t responseStreamId = decoder.responseStreamId();
                std::string responseChannel(decoder.responseChannel());
                const std::string_view principal = decoder.encodedPrincipal();
                auto session = std::make_unique<ContainerClientSession>(
                    *this, clusterSessionId, responseStreamId, std::move(responseChannel),
                    std::vector<std::uint8_t>(principal.begin(), principal.end()));
                m_sessions.push_back(session.get());
                m_sessionById.emplace(clusterSessionId, std::move(session));
                return false;
            }
            throw util::IllegalStateException("service snapshot " + std::to_string(recordingId) +
                                              " holds template " + std::to_string(header.templateId()) +
                                              " before its end marker");
        });
    BackgroundInvocation guard(m_isBackgroundInvocation);
    m_service.onStart(*this, &replay.image());
}
} // namespace cox::cluster

#include "service/ConsensusModuleProxy.hpp"

#include <cstdint>

#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/codecs/cluster/CancelTimer.hpp"
#include "cox/codecs/cluster/CloseSession.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/ScheduleTimer.hpp"
#include "cox/codecs/cluster/ServiceAck.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

void encodeSessionHeader(std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength,
                         std::int64_t leadershipTermId, std::int64_t clusterSessionId, std::int64_t timestamp) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::SessionMessageHeaderEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, offset, bufferLength, header)
        .leadershipTermId(leadershipTermId)
        .clusterSessionId(clusterSessionId)
        .timestamp(timestamp);
}

std::int64_t ConsensusModuleProxy::send(std::size_t length) noexcept
{
    if (!m_publication)
    {
        return transport::PublicationResult::NOT_CONNECTED;
    }
    return m_publication->offer(m_buffer.data(), static_cast<std::int32_t>(length));
}

std::int64_t ConsensusModuleProxy::scheduleTimer(std::int64_t correlationId, std::int64_t deadline) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::ScheduleTimerEncoder encoder;
    encoder.wrapAndApplyHeader(m_buffer.data(), 0, m_buffer.size(), header).correlationId(correlationId).deadline(deadline);
    return send(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t ConsensusModuleProxy::cancelTimer(std::int64_t correlationId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::CancelTimerEncoder encoder;
    encoder.wrapAndApplyHeader(m_buffer.data(), 0, m_buffer.size(), header).correlationId(correlationId);
    return send(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t ConsensusModuleProxy::closeSession(std::int64_t clusterSessionId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::CloseSessionEncoder encoder;
    encoder.wrapAndApplyHeader(m_buffer.data(), 0, m_buffer.size(), header).clusterSessionId(clusterSessionId);
    return send(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t ConsensusModuleProxy::ack(std::int64_t logPosition, std::int64_t timestamp, std::int64_t ackId,
                                       std::int64_t relevantId, std::int32_t serviceId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::ServiceAckEncoder encoder;
    encoder.wrapAndApplyHeader(m_buffer.data(), 0, m_buffer.size(), header)
        .logPosition(logPosition)
        .timestamp(timestamp)
        .ackId(ackId)
        .relevantId(relevantId)
        .serviceId(serviceId);
    return send(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t ConsensusModuleProxy::offer(std::int64_t leadershipTermId, std::int32_t serviceId,
                                         std::int64_t timestamp,
                                         std::span<const transport::BufferVector> payload) noexcept
{
    if (!m_publication)
    {
        return transport::PublicationResult::NOT_CONNECTED;
    }
    if (payload.size() > MAX_PAYLOAD_VECTORS)
    {
        return transport::PublicationResult::ERROR;
    }
    encodeSessionHeader(m_buffer.data(), 0, m_buffer.size(), leadershipTermId, serviceId, timestamp);
    // The header takes the first vector, as Aeron reserves vectors[0], so the message goes out in one
    // gathered append without copying the payload.
    m_vectors[0] = {m_buffer.data(), Cluster::SESSION_HEADER_LENGTH};
    for (std::size_t i = 0; i < payload.size(); ++i)
    {
        m_vectors[i + 1] = payload[i];
    }
    return m_publication->offer(std::span<const transport::BufferVector>(m_vectors.data(), payload.size() + 1));
}

std::int64_t ConsensusModuleProxy::tryClaim(std::int64_t leadershipTermId, std::int32_t serviceId,
                                            std::int64_t timestamp, std::int32_t length,
                                            transport::BufferClaim& claim) noexcept
{
    if (!m_publication)
    {
        return transport::PublicationResult::NOT_CONNECTED;
    }
    if (length < 0 || length > INT32_MAX - Cluster::SESSION_HEADER_LENGTH)
    {
        return transport::PublicationResult::ERROR;
    }
    const std::int64_t result = m_publication->tryClaim(Cluster::SESSION_HEADER_LENGTH + length, claim);
    if (result > 0)
    {
        encodeSessionHeader(claim.buffer().buffer(), static_cast<std::size_t>(claim.offset()),
                            claim.buffer().capacity(), leadershipTermId, serviceId, timestamp);
    }
    return result;
}
} // namespace cox::cluster

#include "consensus/LogPublisher.hpp"

#include "cox/codecs/cluster/ClusterActionRequest.hpp"

#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/NewLeadershipTermEvent.hpp"
#include "cox/codecs/cluster/SessionCloseEvent.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/codecs/cluster/SessionOpenEvent.hpp"
#include "cox/codecs/cluster/TimerEvent.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;
using transport::PublicationResult;

std::int32_t timeUnitCode(ClusterTimeUnit unit) noexcept
{
    switch (unit)
    {
    case ClusterTimeUnit::MILLISECONDS:
        return 0;
    case ClusterTimeUnit::MICROSECONDS:
        return 1;
    case ClusterTimeUnit::NANOSECONDS:
        return 2;
    }
    return 0;
}

LogPublisher::LogPublisher()
{
    cc::MessageHeaderEncoder header;
    cc::SessionMessageHeaderEncoder encoder;
    encoder.wrapAndApplyHeader(m_sessionHeader.data(), 0, m_sessionHeader.size(), header);
}

void LogPublisher::publication(std::shared_ptr<transport::ExclusivePublication> publication) noexcept
{
    m_publication = std::move(publication);
}

void LogPublisher::disconnect()
{
    if (m_publication)
    {
        m_publication->close();
        m_publication.reset();
    }
}

std::int64_t LogPublisher::position() const noexcept
{
    return m_publication ? m_publication->position() : 0;
}

std::int32_t LogPublisher::sessionId() const noexcept
{
    return m_publication ? m_publication->sessionId() : 0;
}

std::int64_t LogPublisher::availableWindow() const noexcept
{
    return m_publication ? m_publication->positionLimit() - m_publication->position() : 0;
}

std::int64_t LogPublisher::appendMessage(std::int64_t leadershipTermId, std::int64_t clusterSessionId,
                                         std::int64_t timestamp, const std::uint8_t* payload,
                                         std::int32_t payloadLength) noexcept
{
    if (!m_publication)
    {
        return PublicationResult::NOT_CONNECTED;
    }
    constexpr std::size_t body = cc::MessageHeaderEncoder::ENCODED_LENGTH;
    codecs::sbe::store<std::int64_t>(m_sessionHeader.data() + body + cc::SessionMessageHeaderEncoder::leadershipTermIdEncodingOffset(),
                             leadershipTermId);
    codecs::sbe::store<std::int64_t>(m_sessionHeader.data() + body + cc::SessionMessageHeaderEncoder::clusterSessionIdEncodingOffset(),
                             clusterSessionId);
    codecs::sbe::store<std::int64_t>(m_sessionHeader.data() + body + cc::SessionMessageHeaderEncoder::timestampEncodingOffset(),
                             timestamp);
    const transport::BufferVector vectors[2] = {{m_sessionHeader.data(), SESSION_HEADER_LENGTH}, {payload, payloadLength}};
    return m_publication->offer(std::span<const transport::BufferVector>(vectors, payloadLength > 0 ? 2 : 1));
}

std::int64_t LogPublisher::offerScratch(std::size_t length) noexcept
{
    if (!m_publication)
    {
        return PublicationResult::NOT_CONNECTED;
    }
    return m_publication->offer(m_scratch.data(), static_cast<std::int32_t>(length));
}

std::int64_t LogPublisher::appendSessionOpen(std::int64_t leadershipTermId, std::int64_t correlationId,
                                             std::int64_t clusterSessionId, std::int64_t timestamp,
                                             std::int32_t responseStreamId, std::string_view responseChannel,
                                             std::span<const std::uint8_t> encodedPrincipal) noexcept
{
    const std::size_t needed = cc::MessageHeaderEncoder::ENCODED_LENGTH + cc::SessionOpenEventEncoder::BLOCK_LENGTH + 8 +
        responseChannel.size() + encodedPrincipal.size();
    if (needed > m_scratch.size())
    {
        return PublicationResult::ERROR;
    }
    cc::MessageHeaderEncoder header;
    cc::SessionOpenEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .correlationId(correlationId)
        .clusterSessionId(clusterSessionId)
        .timestamp(timestamp)
        .responseStreamId(responseStreamId)
        .putResponseChannel(responseChannel)
        .putEncodedPrincipal(reinterpret_cast<const char*>(encodedPrincipal.data()), encodedPrincipal.size());
    return offerScratch(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t LogPublisher::appendSessionClose(std::int64_t leadershipTermId, std::int64_t clusterSessionId,
                                              std::int64_t timestamp, CloseReason closeReason) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::SessionCloseEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .clusterSessionId(clusterSessionId)
        .timestamp(timestamp)
        .closeReason(static_cast<cc::CloseReason>(closeReason));
    return offerScratch(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t LogPublisher::appendClusterAction(std::int64_t leadershipTermId, std::int64_t timestamp,
                                               std::int32_t action, std::int32_t flags) noexcept
{
    if (!m_publication)
    {
        return PublicationResult::NOT_CONNECTED;
    }
    cc::MessageHeaderEncoder header;
    cc::ClusterActionRequestEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(m_publication->position())
        .timestamp(timestamp)
        .action(static_cast<cc::ClusterAction>(action))
        .flags(flags);
    return offerScratch(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t LogPublisher::appendTimer(std::int64_t leadershipTermId, std::int64_t correlationId,
                                       std::int64_t timestamp) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::TimerEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .correlationId(correlationId)
        .timestamp(timestamp);
    return offerScratch(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

std::int64_t LogPublisher::appendNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t timestamp,
                                                        std::int64_t termBaseLogPosition, std::int32_t leaderMemberId,
                                                        std::int32_t logSessionId, ClusterTimeUnit timeUnit,
                                                        std::int32_t appVersion) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::NewLeadershipTermEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(termBaseLogPosition)
        .timestamp(timestamp)
        .termBaseLogPosition(termBaseLogPosition)
        .leaderMemberId(leaderMemberId)
        .logSessionId(logSessionId)
        .timeUnit(static_cast<cc::ClusterTimeUnit>(timeUnitCode(timeUnit)))
        .appVersion(appVersion);
    return offerScratch(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}
} // namespace cox::cluster

#include "consensus/EgressPublisher.hpp"

#include <algorithm>

#include "cox/codecs/cluster/AdminResponse.hpp"
#include "cox/codecs/cluster/Challenge.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/NewLeaderEvent.hpp"
#include "cox/codecs/cluster/SessionEvent.hpp"
#include "cox/transport/Publication.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

namespace
{
/// Text fields are cut to what fits the scratch buffer with room for the fixed part.
constexpr std::size_t MAX_TEXT_LENGTH = 4096;

std::string_view bounded(std::string_view text) noexcept
{
    return text.substr(0, std::min(text.size(), MAX_TEXT_LENGTH));
}
} // namespace

bool EgressPublisher::offer(transport::Publication& publication, std::size_t length) noexcept
{
    return publication.offer(m_scratch.data(), static_cast<std::int32_t>(length)) > 0;
}

bool EgressPublisher::sendEvent(transport::Publication& publication, std::int64_t clusterSessionId,
                                std::int64_t correlationId, std::int64_t leadershipTermId,
                                std::int32_t leaderMemberId, EventCode code, std::string_view detail) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::SessionEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .clusterSessionId(clusterSessionId)
        .correlationId(correlationId)
        .leadershipTermId(leadershipTermId)
        .leaderMemberId(leaderMemberId)
        .code(static_cast<cc::EventCode>(code))
        .version(ClusterClientContext::PROTOCOL_SEMANTIC_VERSION)
        .putDetail(bounded(detail));
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool EgressPublisher::sendChallenge(transport::Publication& publication, std::int64_t clusterSessionId,
                                    std::int64_t correlationId, std::span<const std::uint8_t> encodedChallenge) noexcept
{
    if (encodedChallenge.size() > MAX_TEXT_LENGTH)
    {
        return false;
    }
    cc::MessageHeaderEncoder header;
    cc::ChallengeEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .correlationId(correlationId)
        .clusterSessionId(clusterSessionId)
        .putEncodedChallenge(reinterpret_cast<const char*>(encodedChallenge.data()), encodedChallenge.size());
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool EgressPublisher::newLeader(transport::Publication& publication, std::int64_t clusterSessionId,
                                std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                                std::string_view ingressEndpoints) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::NewLeaderEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .clusterSessionId(clusterSessionId)
        .leaderMemberId(leaderMemberId)
        .putIngressEndpoints(bounded(ingressEndpoints));
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool EgressPublisher::sendAdminResponse(transport::Publication& publication, std::int64_t clusterSessionId,
                                        std::int64_t correlationId, AdminRequestType requestType,
                                        AdminResponseCode responseCode, std::string_view message) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::AdminResponseEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .clusterSessionId(clusterSessionId)
        .correlationId(correlationId)
        .requestType(static_cast<cc::AdminRequestType>(requestType))
        .responseCode(static_cast<cc::AdminResponseCode>(responseCode))
        .putMessage(bounded(message))
        .putPayload(nullptr, 0);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}
} // namespace cox::cluster

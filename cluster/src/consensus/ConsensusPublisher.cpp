#include "consensus/ConsensusPublisher.hpp"

#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/codecs/cluster/AppendPosition.hpp"
#include "cox/codecs/cluster/CanvassPosition.hpp"
#include "cox/codecs/cluster/CatchupPosition.hpp"
#include "cox/codecs/cluster/RequestVote.hpp"
#include "cox/codecs/cluster/SnapshotRecordingQuery.hpp"
#include "cox/codecs/cluster/SnapshotRecordings.hpp"
#include "cox/codecs/cluster/StopCatchup.hpp"
#include "cox/codecs/cluster/TerminationAck.hpp"
#include "cox/codecs/cluster/TerminationPosition.hpp"
#include "cox/codecs/cluster/Vote.hpp"
#include "cox/codecs/cluster/CommitPosition.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/NewLeadershipTerm.hpp"
#include "cox/transport/ExclusivePublication.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

namespace
{
/// Member-to-member protocol 1.0.0 (Aeron's ConsensusModule.Configuration.PROTOCOL_*).
constexpr std::int32_t CONSENSUS_PROTOCOL_VERSION = 1 << 16;
} // namespace

bool ConsensusPublisher::offer(transport::ExclusivePublication& publication, std::size_t length) noexcept
{
    return publication.offer(m_scratch.data(), static_cast<std::int32_t>(length)) > 0;
}

bool ConsensusPublisher::canvassPosition(transport::ExclusivePublication& publication,
                                         std::int64_t logLeadershipTermId, std::int64_t logPosition,
                                         std::int64_t leadershipTermId, std::int32_t followerMemberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::CanvassPositionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .logLeadershipTermId(logLeadershipTermId)
        .logPosition(logPosition)
        .leadershipTermId(leadershipTermId)
        .followerMemberId(followerMemberId)
        .protocolVersion(CONSENSUS_PROTOCOL_VERSION);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::newLeadershipTerm(transport::ExclusivePublication& publication,
                                           const NewLeadershipTerm& term) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::NewLeadershipTermEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .logLeadershipTermId(term.logLeadershipTermId)
        .nextLeadershipTermId(term.nextLeadershipTermId)
        .nextTermBaseLogPosition(term.nextTermBaseLogPosition)
        .nextLogPosition(term.nextLogPosition)
        .leadershipTermId(term.leadershipTermId)
        .termBaseLogPosition(term.termBaseLogPosition)
        .logPosition(term.logPosition)
        .leaderRecordingId(term.leaderRecordingId)
        .timestamp(term.timestamp)
        .leaderMemberId(term.leaderMemberId)
        .logSessionId(term.logSessionId)
        .appVersion(term.appVersion)
        .isStartup(term.isStartup ? cc::BooleanType::TRUE : cc::BooleanType::FALSE);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::requestVote(transport::ExclusivePublication& publication, std::int64_t logLeadershipTermId,
                                     std::int64_t logPosition, std::int64_t candidateTermId,
                                     std::int32_t candidateMemberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::RequestVoteEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .logLeadershipTermId(logLeadershipTermId)
        .logPosition(logPosition)
        .candidateTermId(candidateTermId)
        .candidateMemberId(candidateMemberId)
        .protocolVersion(CONSENSUS_PROTOCOL_VERSION);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::vote(transport::ExclusivePublication& publication, std::int64_t candidateTermId,
                              std::int64_t logLeadershipTermId, std::int64_t logPosition,
                              std::int32_t candidateMemberId, std::int32_t followerMemberId, bool vote) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::VoteEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .candidateTermId(candidateTermId)
        .logLeadershipTermId(logLeadershipTermId)
        .logPosition(logPosition)
        .candidateMemberId(candidateMemberId)
        .followerMemberId(followerMemberId)
        .vote(vote ? cc::BooleanType::TRUE : cc::BooleanType::FALSE);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::catchupPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                                         std::int64_t logPosition, std::int32_t followerMemberId,
                                         std::string_view catchupEndpoint) noexcept
{
    if (catchupEndpoint.size() > m_scratch.size() - 64)
    {
        return false;
    }
    cc::MessageHeaderEncoder header;
    cc::CatchupPositionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(logPosition)
        .followerMemberId(followerMemberId)
        .putCatchupEndpoint(catchupEndpoint);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::stopCatchup(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                                     std::int32_t followerMemberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::StopCatchupEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .followerMemberId(followerMemberId);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::snapshotRecordingQuery(transport::ExclusivePublication& publication,
                                                std::int64_t correlationId, std::int32_t requestMemberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::SnapshotRecordingQueryEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .correlationId(correlationId)
        .requestMemberId(requestMemberId);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::snapshotRecordings(transport::ExclusivePublication& publication, std::int64_t correlationId,
                                            const std::vector<RecoveryPlan::Snapshot>& snapshots,
                                            std::string_view status) noexcept
{
    constexpr std::size_t ENTRY_LENGTH = 44;
    if (cc::MessageHeaderEncoder::ENCODED_LENGTH + 16 + snapshots.size() * ENTRY_LENGTH + 4 + status.size() >
        m_scratch.size())
    {
        return false;
    }
    cc::MessageHeaderEncoder header;
    cc::SnapshotRecordingsEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header).correlationId(correlationId);
    auto& group = encoder.snapshotsCount(snapshots.size());
    for (const auto& snapshot : snapshots)
    {
        group.next()
            .recordingId(snapshot.recordingId)
            .leadershipTermId(snapshot.leadershipTermId)
            .termBaseLogPosition(snapshot.termBaseLogPosition)
            .logPosition(snapshot.logPosition)
            .timestamp(snapshot.timestamp)
            .serviceId(snapshot.serviceId);
    }
    encoder.putMemberEndpoints(status);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::terminationPosition(transport::ExclusivePublication& publication,
                                             std::int64_t leadershipTermId, std::int64_t logPosition) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::TerminationPositionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(logPosition);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::terminationAck(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                                        std::int64_t logPosition, std::int32_t memberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::TerminationAckEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(logPosition)
        .memberId(memberId);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::appendPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                                        std::int64_t logPosition, std::int32_t followerMemberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::AppendPositionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(logPosition)
        .followerMemberId(followerMemberId)
        .flags(0);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ConsensusPublisher::commitPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                                        std::int64_t logPosition, std::int32_t leaderMemberId) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::CommitPositionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .leadershipTermId(leadershipTermId)
        .logPosition(logPosition)
        .leaderMemberId(leaderMemberId);
    return offer(publication, cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}
} // namespace cox::cluster

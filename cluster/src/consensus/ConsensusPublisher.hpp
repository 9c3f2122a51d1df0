#pragma once

#include <string_view>
#include <vector>

#include "cox/cluster/RecoveryPlan.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace cox::transport
{
class ExclusivePublication;
}

namespace cox::cluster
{
/// Encodes member-to-member messages on the consensus stream (Aeron's ConsensusPublisher). Each returns true
/// once offered; the callers resend on their own schedules (heartbeats, status intervals), so a failed offer
/// is not retried here.
class ConsensusPublisher
{
public:
    bool canvassPosition(transport::ExclusivePublication& publication, std::int64_t logLeadershipTermId,
                         std::int64_t logPosition, std::int64_t leadershipTermId, std::int32_t followerMemberId) noexcept;

    struct NewLeadershipTerm
    {
        std::int64_t logLeadershipTermId;
        std::int64_t nextLeadershipTermId;
        std::int64_t nextTermBaseLogPosition;
        std::int64_t nextLogPosition;
        std::int64_t leadershipTermId;
        std::int64_t termBaseLogPosition;
        std::int64_t logPosition;
        std::int64_t leaderRecordingId;
        std::int64_t timestamp;
        std::int32_t leaderMemberId;
        std::int32_t logSessionId;
        std::int32_t appVersion;
        bool isStartup;
    };
    bool newLeadershipTerm(transport::ExclusivePublication& publication, const NewLeadershipTerm& term) noexcept;
    bool requestVote(transport::ExclusivePublication& publication, std::int64_t logLeadershipTermId,
                     std::int64_t logPosition, std::int64_t candidateTermId, std::int32_t candidateMemberId) noexcept;
    bool vote(transport::ExclusivePublication& publication, std::int64_t candidateTermId,
              std::int64_t logLeadershipTermId, std::int64_t logPosition, std::int32_t candidateMemberId,
              std::int32_t followerMemberId, bool vote) noexcept;
    bool catchupPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                         std::int64_t logPosition, std::int32_t followerMemberId,
                         std::string_view catchupEndpoint) noexcept;
    bool stopCatchup(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                     std::int32_t followerMemberId) noexcept;
    /// A member with an empty directory asks for the latest snapshot set (answered by the leader).
    bool snapshotRecordingQuery(transport::ExclusivePublication& publication, std::int64_t correlationId,
                                std::int32_t requestMemberId) noexcept;
    /// The answer: the responder's latest snapshot set (empty unless it leads) and its status text
    /// ("role=LEADER;log=1": its role, and whether it has a recording log at all).
    bool snapshotRecordings(transport::ExclusivePublication& publication, std::int64_t correlationId,
                            const std::vector<RecoveryPlan::Snapshot>& snapshots, std::string_view status) noexcept;
    bool terminationPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                             std::int64_t logPosition) noexcept;
    bool terminationAck(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                        std::int64_t logPosition, std::int32_t memberId) noexcept;
    bool appendPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                        std::int64_t logPosition, std::int32_t followerMemberId) noexcept;
    bool commitPosition(transport::ExclusivePublication& publication, std::int64_t leadershipTermId,
                        std::int64_t logPosition, std::int32_t leaderMemberId) noexcept;

private:
    bool offer(transport::ExclusivePublication& publication, std::size_t length) noexcept;

    std::array<std::uint8_t, 2048> m_scratch{};
};
} // namespace cox::cluster

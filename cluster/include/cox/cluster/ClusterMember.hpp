#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cox::cluster
{
/// A member's vote in the current ballot; Aeron keeps a nullable Boolean.
enum class Vote : std::int8_t
{
    NONE = -1,
    NO = 0,
    YES = 1,
};

/// One member of the cluster as a consensus module sees it (Aeron's ClusterMember): its endpoints from the
/// `cluster.members` configuration, and what this node last heard from it. Owned by the consensus module
/// agent; single-threaded.
struct ClusterMember
{
    static constexpr std::int32_t NULL_MEMBER_ID = -1;
    static constexpr std::int64_t NULL_VALUE = -1;
    /// A log position not yet reported.
    static constexpr std::int64_t NULL_POSITION = -1;

    std::int32_t id = NULL_MEMBER_ID;

    /// host:port where clients send ingress.
    std::string ingressEndpoint;
    /// host:port where other members send consensus messages.
    std::string consensusEndpoint;
    /// host:port where this member receives the leader's log (UDP MDC destination).
    std::string logEndpoint;
    /// host:port for catch-up replays; port 0 lets the OS choose.
    std::string catchupEndpoint;
    /// host:port of this member's archive control channel.
    std::string archiveEndpoint;
    /// Optional: host:port for the archive's response channel; empty when not configured.
    std::string archiveResponseEndpoint;
    /// Optional: host:port controlling egress response channels; empty when not configured.
    std::string egressResponseEndpoint;
    /// The endpoints joined by ',' in parse order, as Aeron keeps them for the wire and for encoding.
    std::string endpoints;

    /// The leadership term of this member's last reported log entry.
    std::int64_t leadershipTermId = NULL_VALUE;
    /// The member's last reported append position (its archive's recorded position), or NULL_POSITION.
    std::int64_t logPosition = NULL_POSITION;
    /// The term this member last proposed or voted in during an election.
    std::int64_t candidateTermId = NULL_VALUE;
    /// When this node last heard an AppendPosition (or equivalent) from the member, on this node's clock;
    /// NULL_VALUE if never. A leader keeps its own entry current every duty cycle.
    std::int64_t timeOfLastAppendPositionNs = NULL_VALUE;
    std::int64_t catchupReplaySessionId = NULL_VALUE;
    std::int64_t catchupReplayCorrelationId = NULL_VALUE;
    /// Leader: the log position at which this catching-up member's live log destination was added back.
    std::int64_t catchupLiveAddedPosition = NULL_POSITION;
    /// Leader: the follower's position when its catch-up last moved forward, and when, so a catch-up that
    /// stalls is stopped even while the follower keeps reporting the same position.
    std::int64_t catchupProgressPosition = NULL_POSITION;
    std::int64_t timeOfLastCatchupProgressNs = NULL_VALUE;
    /// Leader: the log publication sends to this member's log endpoint.
    bool hasLogDestination = false;
    Vote vote = Vote::NONE;
    bool isBallotSent = false;
    bool isLeader = false;

    /// Clears the election and replication state, keeping id and endpoints.
    void reset() noexcept;

    /// Heard from within timeoutNs of nowNs. A member never heard from is not active.
    [[nodiscard]] bool isActive(std::int64_t nowNs, std::int64_t timeoutNs) const noexcept;

    /// This member has reported a position and its log is no more recent than the candidate's, so it would vote
    /// for the candidate. Activity is deliberately not checked (as Aeron): nomination must still work when a
    /// crashed member stops reporting.
    [[nodiscard]] bool willVoteFor(const ClusterMember& candidate) const noexcept;

    /// Active, in leadershipTermId, and at or past position.
    [[nodiscard]] bool hasReachedPosition(std::int64_t termId, std::int64_t position, std::int64_t nowNs,
                                          std::int64_t timeoutNs) const noexcept;
};

/// Parses Aeron's cluster members string `id,ingress,consensus,log,catchup,archive[,archiveResponse
/// [,egressResponse]]|id,...`: members separated by '|', 6 to 8 attributes each, every endpoint host:port
/// (host a name, IPv4 address or [IPv6] address; port 1-65535, or 0 for the catchup and response endpoints).
/// Set-up only. Throws IllegalArgumentException naming the member (by position and text) and what is wrong:
/// missing or extra fields, a bad id, a bad endpoint, a duplicate id. An empty string gives no members.
[[nodiscard]] std::vector<ClusterMember> parseClusterMembers(std::string_view value);

/// The members string parseClusterMembers accepts: `id,endpoints|id,endpoints...`.
[[nodiscard]] std::string encodeClusterMembers(std::span<const ClusterMember> members);

/// Client-side ingress endpoints `id=host:port,id=host:port` (Aeron's ingressEndpoints()).
[[nodiscard]] std::string ingressEndpoints(std::span<const ClusterMember> members);

/// The member with that id, or nullptr.
[[nodiscard]] ClusterMember* findMember(std::span<ClusterMember> members, std::int32_t memberId) noexcept;
[[nodiscard]] const ClusterMember* findMember(std::span<const ClusterMember> members, std::int32_t memberId) noexcept;

/// The member with that id; throws IllegalArgumentException listing the ids present otherwise.
[[nodiscard]] const ClusterMember& requireMember(std::span<const ClusterMember> members, std::int32_t memberId);

/// Members needed for a quorum: floor(n / 2) + 1.
[[nodiscard]] constexpr std::int32_t quorumThreshold(std::int32_t memberCount) noexcept
{
    return (memberCount >> 1) + 1;
}

/// The highest position that a quorum of active members have all reached in leadershipTermId: the q-th highest
/// log position among members active within timeoutNs whose position was reported in that term,
/// q = quorumThreshold(members.size()); 0 when fewer than q count (as Aeron's ranked array starts at 0). A
/// position from another term is a position in another log (a canvass from a member that has not yet truncated
/// its old tail, say) and says nothing about this one. The leader counts itself through its own entry, which it
/// keeps current. O(n^2) with no scratch storage; n is a cluster size. Commit = min(this, own append position).
[[nodiscard]] std::int64_t quorumPosition(std::span<const ClusterMember> members, std::int64_t leadershipTermId,
                                          std::int64_t nowNs, std::int64_t timeoutNs) noexcept;

/// At least a quorum of members heard from within timeoutNs (the leader's "active follower quorum" check).
[[nodiscard]] bool hasActiveQuorum(std::span<const ClusterMember> members, std::int64_t nowNs,
                                   std::int64_t timeoutNs) noexcept;

/// A quorum of members are active, in leadershipTermId, and at or past position.
[[nodiscard]] bool hasQuorumAtPosition(std::span<const ClusterMember> members, std::int64_t leadershipTermId,
                                       std::int64_t position, std::int64_t nowNs, std::int64_t timeoutNs) noexcept;

/// Canvass: every member (bar a gracefully closed leader, NULL_MEMBER_ID for none) would vote for the candidate,
/// and they make a quorum.
[[nodiscard]] bool isUnanimousCandidate(std::span<const ClusterMember> members, const ClusterMember& candidate,
                                        std::int32_t gracefulClosedLeaderId) noexcept;

/// Canvass after its deadline: at least a quorum would vote for the candidate.
[[nodiscard]] bool isQuorumCandidate(std::span<const ClusterMember> members, const ClusterMember& candidate) noexcept;

/// Ballot: every member (bar a gracefully closed leader) voted YES in candidateTermId, and they make a quorum
/// (Aeron's isUnanimousLeader).
[[nodiscard]] bool isUnanimousLeader(std::span<const ClusterMember> members, std::int64_t candidateTermId,
                                     std::int32_t gracefulClosedLeaderId) noexcept;

/// Ballot after its timeout: YES votes in candidateTermId reach a quorum and no member voted NO in that term
/// (Aeron's isQuorumLeader).
[[nodiscard]] bool hasMajorityVote(std::span<const ClusterMember> members, std::int64_t candidateTermId) noexcept;

/// Positive if lhs has the more recent log, 0 if equal, negative if rhs does: term first, then position.
[[nodiscard]] constexpr int compareLog(std::int64_t lhsLogLeadershipTermId, std::int64_t lhsLogPosition,
                                       std::int64_t rhsLogLeadershipTermId, std::int64_t rhsLogPosition) noexcept
{
    if (lhsLogLeadershipTermId != rhsLogLeadershipTermId)
    {
        return lhsLogLeadershipTermId > rhsLogLeadershipTermId ? 1 : -1;
    }
    if (lhsLogPosition != rhsLogPosition)
    {
        return lhsLogPosition > rhsLogPosition ? 1 : -1;
    }
    return 0;
}

[[nodiscard]] int compareLog(const ClusterMember& lhs, const ClusterMember& rhs) noexcept;

/// Nominating: the candidate votes for itself in candidateTermId; every other vote is cleared.
void becomeCandidate(std::span<ClusterMember> members, std::int64_t candidateTermId,
                     std::int32_t candidateMemberId) noexcept;

/// Marks the leader and clears the flag on the others.
void setIsLeader(std::span<ClusterMember> members, std::int32_t leaderMemberId) noexcept;

/// reset() on every member.
void resetMembers(std::span<ClusterMember> members) noexcept;
} // namespace cox::cluster

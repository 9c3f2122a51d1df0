#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <optional>

#include "consensus/ConsensusPublisher.hpp"
#include "cox/cluster/ClusterCounters.hpp"

namespace cox::cluster
{
class ConsensusModuleAgent;
class LogReplay;

/// Brings a member from start-up, or from the loss of a leader, to ACTIVE (Aeron's Election): one function per
/// state and one transitionTo that writes the election-state counter and logs.
///
/// Automatic (no appointed leader): members canvass each other's log recency (leadership term of the last entry,
/// then append position); a member at least as recent as every other (or, after the canvass deadline, as a
/// quorum) nominates itself after a random delay, persists the new candidate term before asking for votes, and
/// leads once every member (or, after the election timeout, a quorum with no NO) voted for it. Appointed: only
/// the appointed member leads and the others wait for its NewLeadershipTerm. A single member leads at once.
///
/// A new leader opens a term at its append position (LEADER_INIT) and starts appending once its services and the
/// followers that answer have joined (LEADER_READY). A follower learns the term from NewLeadershipTerm, cuts an
/// uncommitted tail past the term's base, copies whole missing terms from the leader's archive
/// (FOLLOWER_LOG_REPLICATION), replays its own log to its services (FOLLOWER_REPLAY), and joins the live log: at
/// the term's first byte (FOLLOWER_LOG_INIT/AWAIT), or, when the leader is already appending, through a replay of
/// the leader's archive into the same log image that the live stream then joins (FOLLOWER_CATCHUP_*).
class Election
{
public:
    Election(ConsensusModuleAgent& agent, bool isNodeStartup, std::int64_t nowNs,
             std::int32_t gracefulClosedLeaderId = -1);
    ~Election();

    Election(const Election&) = delete;
    Election& operator=(const Election&) = delete;

    int doWork(std::int64_t nowNs);
    /// An archive error for this member's client: fails a log replication it names (the election restarts).
    void onArchiveError(const std::string& message);
    [[nodiscard]] bool isClosed() const noexcept { return m_state == ElectionState::CLOSED; }
    [[nodiscard]] ElectionState state() const noexcept { return m_state; }

    void onCanvassPosition(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                           std::int64_t leadershipTermId, std::int32_t followerMemberId);
    void onNewLeadershipTerm(const ConsensusPublisher::NewLeadershipTerm& term);
    void onRequestVote(std::int64_t logLeadershipTermId, std::int64_t logPosition, std::int64_t candidateTermId,
                       std::int32_t candidateMemberId);
    void onVote(std::int64_t candidateTermId, std::int32_t candidateMemberId, std::int32_t followerMemberId,
                bool vote);

private:
    int init(std::int64_t nowNs);
    int canvass(std::int64_t nowNs);
    int nominate(std::int64_t nowNs);
    int candidateBallot(std::int64_t nowNs);
    int followerBallot(std::int64_t nowNs);
    int leaderReplay(std::int64_t nowNs);
    int leaderInit(std::int64_t nowNs);
    int leaderReady(std::int64_t nowNs);
    int applyUncommittedTail(std::int64_t nowNs);
    void joinLogAsLeader();
    int followerLogReplication(std::int64_t nowNs);
    int followerReplay(std::int64_t nowNs);
    int followerCatchupInit(std::int64_t nowNs);
    int followerCatchupAwait(std::int64_t nowNs);
    int followerCatchup(std::int64_t nowNs);
    int followerLogInit(std::int64_t nowNs);
    int followerLogAwait(std::int64_t nowNs);
    int followerReady(std::int64_t nowNs);

    void transitionTo(ElectionState newState, std::int64_t nowNs);
    /// The leader's term is known: truncate, replicate or replay as this member's log needs, then join.
    int joinLeaderTerm(std::int64_t nowNs);
    void becomeLeader(std::int64_t nowNs);
    void sendCanvassPositions(std::int64_t nowNs);
    void sendNewLeadershipTerm(std::int32_t memberId, std::int64_t logLeadershipTermId, std::int64_t nowNs);
    void vote(std::int32_t candidateMemberId, std::int64_t candidateTermId, bool vote);
    /// Subscribes to the leader's log, starts (or extends) its recording and tells the services to join at position.
    void subscribeToLog(std::int64_t position, std::int64_t nowNs);
    /// The image joined, the recording runs and the services are in: the term goes into the recording log.
    [[nodiscard]] bool awaitLogJoined(std::int64_t position);
    [[nodiscard]] bool isAppointedMode() const noexcept;
    [[nodiscard]] bool isAppointedLeader() const noexcept;
    /// The position this member's log is recorded to, whether or not its recording is active.
    [[nodiscard]] std::int64_t recordedLogPosition() const;

    ConsensusModuleAgent& m_agent;
    bool m_isNodeStartup;
    bool m_isPrepared = false;
    ElectionState m_state = ElectionState::INIT;
    std::int64_t m_stateEnteredNs;
    std::int64_t m_timeOfLastStatusNs = 0;
    std::int64_t m_canvassDeadlineNs = 0;
    std::int64_t m_nominationDeadlineNs = 0;
    std::int64_t m_candidateTermId = -1;
    std::int64_t m_logLeadershipTermId = -1;
    std::int64_t m_appendPosition = 0;
    std::int32_t m_gracefulClosedLeaderId;
    std::unique_ptr<LogReplay> m_logReplay;
    std::optional<ConsensusPublisher::NewLeadershipTerm> m_leaderTerm;
    std::int64_t m_joinAckId = 0;
    std::int64_t m_catchupJoinPosition = 0;
    std::int64_t m_catchupProgressPosition = 0;
    std::int64_t m_timeOfLastCatchupProgressNs = 0;
    struct VoteRequest
    {
        std::int64_t logLeadershipTermId;
        std::int64_t logPosition;
        std::int64_t candidateTermId;
        std::int32_t candidateMemberId;
    };
    /// A RequestVote that arrived while this member was still leaving its old term (INIT).
    std::optional<VoteRequest> m_pendingVoteRequest;
    bool m_replicationStarted = false;
    bool m_termAppended = false;
    /// Leader: its log holds entries of earlier terms after what it knew committed; applied in LEADER_READY.
    bool m_uncommittedTail = false;
    /// LEADER_READY: a vote request for a newer term arrived (with a log as recent as this one).
    bool m_newerTermSeen = false;
    std::int64_t m_replicationId = -1;
    std::int64_t m_replicationProgressPosition = -1;
    std::int64_t m_replicationProgressNs = -1;
    std::string m_replicationError;
    std::int64_t m_tailStartPosition = 0;
};
} // namespace cox::cluster

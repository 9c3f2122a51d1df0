#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "consensus/ConsensusPublisher.hpp"
#include "cox/cluster/ClusterCounters.hpp"

namespace cox::cluster
{
class ConsensusModuleAgent;
class LogReplay;

/// Brings a member from start-up, or from the start of a new term, to ACTIVE (Aeron's Election), one function
/// per state and one transitionTo that writes the state counter and logs it.
///
/// With an appointed leader (and a single member, which appoints itself) there is no ballot: the appointed
/// member replays its log, opens a new term (LEADER_INIT), waits for its services and for followers to join
/// (LEADER_READY) and starts appending. A follower canvasses the leader until it learns the term
/// (NewLeadershipTerm), fetches what it lacks from the leader's archive (FOLLOWER_LOG_REPLICATION) or cuts an
/// uncommitted tail, replays (FOLLOWER_REPLAY), joins the live log at the term's first byte (FOLLOWER_LOG_INIT,
/// FOLLOWER_LOG_AWAIT) and reports its position (FOLLOWER_READY). A member that joins while the leader is
/// already appending makes the leader open a new term, so every member joins a term from its start. The
/// states of a contested election (NOMINATE, CANDIDATE_BALLOT, FOLLOWER_BALLOT) and catch-up into a live
/// term come with automatic elections.
class Election
{
public:
    Election(ConsensusModuleAgent& agent, bool isNodeStartup, std::int64_t nowNs);
    ~Election();

    Election(const Election&) = delete;
    Election& operator=(const Election&) = delete;

    int doWork(std::int64_t nowNs);
    [[nodiscard]] bool isClosed() const noexcept { return m_state == ElectionState::CLOSED; }
    [[nodiscard]] ElectionState state() const noexcept { return m_state; }

    void onCanvassPosition(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                           std::int64_t leadershipTermId, std::int32_t followerMemberId);
    void onNewLeadershipTerm(const ConsensusPublisher::NewLeadershipTerm& term);

private:
    int init(std::int64_t nowNs);
    int leaderReplay(std::int64_t nowNs);
    int leaderInit(std::int64_t nowNs);
    int leaderReady(std::int64_t nowNs);
    int canvass(std::int64_t nowNs);
    int followerLogReplication(std::int64_t nowNs);
    int followerReplay(std::int64_t nowNs);
    int followerLogInit(std::int64_t nowNs);
    int followerLogAwait(std::int64_t nowNs);
    int followerReady(std::int64_t nowNs);

    void transitionTo(ElectionState newState, std::int64_t nowNs);
    void sendNewLeadershipTerm(std::int32_t memberId, std::int64_t logLeadershipTermId, std::int64_t nowNs);
    [[nodiscard]] bool isAppointedLeader() const noexcept;
    /// The position this member's log is recorded to, whether or not its recording is active.
    [[nodiscard]] std::int64_t recordedLogPosition() const;

    ConsensusModuleAgent& m_agent;
    bool m_isNodeStartup;
    ElectionState m_state = ElectionState::INIT;
    std::int64_t m_stateEnteredNs;
    std::int64_t m_timeOfLastStatusNs = 0;
    std::unique_ptr<LogReplay> m_logReplay;
    std::optional<ConsensusPublisher::NewLeadershipTerm> m_leaderTerm;
    std::int64_t m_joinAckId = 0;
    std::int64_t m_replicationId = -1;
    bool m_replicationStarted = false;
    bool m_termAppended = false;
};
} // namespace cox::cluster

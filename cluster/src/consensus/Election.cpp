#include "consensus/Election.hpp"

#include <algorithm>
#include <iostream>
#include <limits>

#include "cox/transport/ChannelText.hpp"
#include "consensus/ConsensusModuleAgent.hpp"
#include "consensus/LogReplay.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/RecordingPos.hpp"
#include "cox/cluster/NodeStateFile.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
using transport::channelParam;
using transport::withParam;
using transport::withoutParam;
namespace
{
constexpr std::int64_t NULL_POSITION = -1;
constexpr std::int32_t DEFAULT_INITIAL_TERM_ID = 0;

std::int32_t termLengthOf(const std::string& channel)
{
    const auto termLength = channelParam(channel, "term-length");
    return termLength ? static_cast<std::int32_t>(transport::ChannelUri::parseSize(*termLength)) : 16 * 1024 * 1024;
}
} // namespace

Election::Election(ConsensusModuleAgent& agent, bool isNodeStartup, std::int64_t nowNs,
                   std::int32_t gracefulClosedLeaderId)
    : m_agent(agent), m_isNodeStartup(isNodeStartup), m_stateEnteredNs(nowNs),
      m_gracefulClosedLeaderId(gracefulClosedLeaderId)
{
    m_agent.state(ConsensusModuleState::INIT);
    m_agent.m_electionCountCounter->setOrdered(m_agent.m_electionCountCounter->get() + 1);
    m_agent.m_electionStateCounter->setOrdered(static_cast<std::int64_t>(ElectionState::INIT));
}

Election::~Election() = default;

bool Election::isAppointedMode() const noexcept
{
    return m_agent.m_members.size() == 1 || m_agent.m_config.appointedLeaderId != ClusterMember::NULL_MEMBER_ID;
}

bool Election::isAppointedLeader() const noexcept
{
    return m_agent.m_members.size() == 1 || m_agent.m_config.appointedLeaderId == m_agent.m_thisMember->id;
}

std::int64_t Election::recordedLogPosition() const
{
    if (m_agent.m_logRecordingId < 0)
    {
        return 0;
    }
    const std::int64_t active = m_agent.m_archive->getRecordingPosition(m_agent.m_logRecordingId);
    if (active != NULL_POSITION)
    {
        return active;
    }
    return m_agent.m_archive->getStopPosition(m_agent.m_logRecordingId);
}

void Election::transitionTo(ElectionState newState, std::int64_t nowNs)
{
    std::cout << "election: member " << m_agent.m_thisMember->id << " " << toString(m_state) << " -> "
              << toString(newState) << " (term " << m_agent.m_leadershipTermId << ", candidate term "
              << m_candidateTermId << ", log position " << m_agent.m_logAdapterPosition << ")" << std::endl;
    m_state = newState;
    m_stateEnteredNs = nowNs;
    m_timeOfLastStatusNs = 0;
    m_agent.m_electionStateCounter->setOrdered(static_cast<std::int64_t>(newState));
}

int Election::doWork(std::int64_t nowNs)
{
    switch (m_state)
    {
    case ElectionState::INIT:
        return init(nowNs);
    case ElectionState::CANVASS:
        return canvass(nowNs);
    case ElectionState::NOMINATE:
        return nominate(nowNs);
    case ElectionState::CANDIDATE_BALLOT:
        return candidateBallot(nowNs);
    case ElectionState::FOLLOWER_BALLOT:
        return followerBallot(nowNs);
    case ElectionState::LEADER_REPLAY:
        return leaderReplay(nowNs);
    case ElectionState::LEADER_INIT:
        return leaderInit(nowNs);
    case ElectionState::LEADER_READY:
        return leaderReady(nowNs);
    case ElectionState::FOLLOWER_LOG_REPLICATION:
        return followerLogReplication(nowNs);
    case ElectionState::FOLLOWER_REPLAY:
        return followerReplay(nowNs);
    case ElectionState::FOLLOWER_CATCHUP_INIT:
        return followerCatchupInit(nowNs);
    case ElectionState::FOLLOWER_CATCHUP_AWAIT:
        return followerCatchupAwait(nowNs);
    case ElectionState::FOLLOWER_CATCHUP:
        return followerCatchup(nowNs);
    case ElectionState::FOLLOWER_LOG_INIT:
        return followerLogInit(nowNs);
    case ElectionState::FOLLOWER_LOG_AWAIT:
        return followerLogAwait(nowNs);
    case ElectionState::FOLLOWER_READY:
        return followerReady(nowNs);
    default:
        return 0;
    }
}

int Election::init(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (m_isNodeStartup && !agent.allServicesAcked(0))
    {
        return 0; // Services not started yet.
    }
    if (!m_isNodeStartup && !m_isPrepared)
    {
        // Leave the old term: stop appending or following, so the recording stops where this member's log ends.
        agent.prepareForNewLeadership(nowNs);
        m_isPrepared = true;
    }
    if (!m_isNodeStartup && agent.m_logRecordingId >= 0 &&
        agent.m_archive->getRecordingPosition(agent.m_logRecordingId) != NULL_POSITION)
    {
        return 0; // The archive is still writing the old term's tail.
    }
    // After a failed first election the recovery plan is stale: that attempt may have extended the log.
    m_appendPosition = !m_isNodeStartup ? recordedLogPosition()
        : agent.m_logRecordingId >= 0
        ? std::max(agent.m_recoveryPlan->appendedLogPosition, recordedLogPosition())
        : agent.m_recoveryPlan->appendedLogPosition;
    const RecordingLog::Entry* lastTerm = agent.m_recordingLog->findLastTerm();
    m_logLeadershipTermId = lastTerm ? lastTerm->leadershipTermId : RecordingLog::NULL_VALUE;
    if (lastTerm == nullptr && m_isNodeStartup)
    {
        // No log yet, only a snapshot copied from the leader: this member's state ends in the snapshot's term.
        m_logLeadershipTermId = agent.m_recoveryPlan->lastLeadershipTermId;
    }
    m_candidateTermId = std::max(agent.m_nodeState->candidateTermId(), agent.m_leadershipTermId);

    if (isAppointedLeader())
    {
        m_candidateTermId = std::max({m_candidateTermId, agent.m_recoveryPlan->lastLeadershipTermId,
                                      agent.m_leadershipTermId}) + 1;
        agent.m_nodeState->updateCandidateTermId(m_candidateTermId, m_appendPosition, agent.m_context.epochClock->time());
        becomeLeader(nowNs);
        return 1;
    }
    agent.role(Role::FOLLOWER);
    m_canvassDeadlineNs = nowNs + (m_isNodeStartup ? agent.m_config.startupCanvassTimeoutNs : 0);
    for (auto& member : agent.m_members)
    {
        member.reset();
    }
    transitionTo(ElectionState::CANVASS, nowNs);
    if (m_pendingVoteRequest)
    {
        const VoteRequest request = *m_pendingVoteRequest;
        m_pendingVoteRequest.reset();
        onRequestVote(request.logLeadershipTermId, request.logPosition, request.candidateTermId,
                      request.candidateMemberId);
    }
    return 1;
}

void Election::becomeLeader(std::int64_t nowNs)
{
    // Only what this member knows to be committed is applied now. The tail of earlier terms after it is the new
    // term's to commit: it is applied once a quorum holds it (LEADER_READY), so that a leader that loses the
    // election before then has not applied entries a later leader may not have.
    const std::int64_t committed = std::max(m_agent.m_commitPositionCounter->get(),
                                            m_isNodeStartup ? m_agent.m_recoveryPlan->committedLogPosition : 0);
    const std::int64_t replayTo = std::min(m_appendPosition, committed);
    if (m_agent.m_logRecordingId >= 0 && replayTo > m_agent.m_logAdapterPosition)
    {
        m_logReplay = std::make_unique<LogReplay>(m_agent, m_agent.m_logRecordingId, m_agent.m_logAdapterPosition,
                                                  replayTo);
        transitionTo(ElectionState::LEADER_REPLAY, nowNs);
    }
    else
    {
        transitionTo(ElectionState::LEADER_INIT, nowNs);
    }
}

void Election::sendCanvassPositions(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (nowNs < m_timeOfLastStatusNs + agent.m_config.electionStatusIntervalNs)
    {
        return;
    }
    m_timeOfLastStatusNs = nowNs;
    for (auto& [memberId, publication] : agent.m_consensusPublications)
    {
        if (isAppointedMode() && memberId != agent.m_config.appointedLeaderId)
        {
            continue;
        }
        agent.m_consensusPublisher.canvassPosition(*publication, m_logLeadershipTermId, m_appendPosition,
                                                   agent.m_leadershipTermId, agent.m_thisMember->id);
    }
}

int Election::canvass(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (m_leaderTerm)
    {
        return joinLeaderTerm(nowNs);
    }
    sendCanvassPositions(nowNs);
    if (isAppointedMode())
    {
        return 0; // Only the appointed member leads; wait for its NewLeadershipTerm.
    }
    ClusterMember& self = *agent.m_thisMember;
    self.leadershipTermId = m_logLeadershipTermId;
    self.logPosition = m_appendPosition;
    self.timeOfLastAppendPositionNs = nowNs;
    const bool unanimous = isUnanimousCandidate(agent.m_members, self, m_gracefulClosedLeaderId);
    const bool quorum = nowNs >= m_canvassDeadlineNs && isQuorumCandidate(agent.m_members, self);
    if (unanimous || quorum)
    {
        const std::int64_t window = std::max<std::int64_t>(1, agent.m_config.electionTimeoutNs / 2);
        m_nominationDeadlineNs = nowNs + static_cast<std::int64_t>(agent.m_random() % static_cast<std::uint64_t>(window));
        transitionTo(ElectionState::NOMINATE, nowNs);
        return 1;
    }
    return 0;
}

int Election::nominate(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (m_leaderTerm)
    {
        transitionTo(ElectionState::CANVASS, nowNs);
        return 1;
    }
    sendCanvassPositions(nowNs);
    if (nowNs < m_nominationDeadlineNs)
    {
        return 0;
    }
    // The candidate term is on disk before any vote is asked for, whatever the log's sync level.
    m_candidateTermId = std::max(agent.m_nodeState->candidateTermId(), m_candidateTermId) + 1;
    const std::int64_t nowMs = agent.m_context.epochClock->time();
    agent.m_nodeState->updateCandidateTermId(m_candidateTermId, m_appendPosition, nowMs);
    agent.m_nodeState->recordVote(m_candidateTermId, agent.m_thisMember->id, m_appendPosition, nowMs);
    for (auto& member : agent.m_members)
    {
        member.vote = Vote::NONE;
        member.isBallotSent = false;
        member.candidateTermId = ClusterMember::NULL_VALUE;
    }
    agent.m_thisMember->vote = Vote::YES;
    agent.m_thisMember->candidateTermId = m_candidateTermId;
    agent.m_thisMember->isBallotSent = true;
    agent.role(Role::CANDIDATE);
    transitionTo(ElectionState::CANDIDATE_BALLOT, nowNs);
    return 1;
}

int Election::candidateBallot(std::int64_t nowNs)
{
    auto& agent = m_agent;
    int work = 0;
    for (auto& member : agent.m_members)
    {
        if (member.isBallotSent)
        {
            continue;
        }
        auto it = agent.m_consensusPublications.find(member.id);
        if (it != agent.m_consensusPublications.end() &&
            agent.m_consensusPublisher.requestVote(*it->second, m_logLeadershipTermId, m_appendPosition,
                                                   m_candidateTermId, agent.m_thisMember->id))
        {
            member.isBallotSent = true;
            ++work;
        }
    }
    // A majority of YES votes is all Raft needs; Aeron also waits out the ballot for stragglers' NO votes, which
    // only delays a failover by the election timeout when a member (the old leader) is dead.
    if (isUnanimousLeader(agent.m_members, m_candidateTermId, m_gracefulClosedLeaderId) ||
        hasMajorityVote(agent.m_members, m_candidateTermId))
    {
        becomeLeader(nowNs);
        return work + 1;
    }
    if (nowNs >= m_stateEnteredNs + agent.m_config.electionTimeoutNs)
    {
        if (hasMajorityVote(agent.m_members, m_candidateTermId))
        {
            becomeLeader(nowNs);
        }
        else
        {
            agent.role(Role::FOLLOWER);
            m_canvassDeadlineNs = nowNs;
            transitionTo(ElectionState::CANVASS, nowNs);
        }
        return work + 1;
    }
    return work;
}

int Election::followerBallot(std::int64_t nowNs)
{
    if (m_leaderTerm)
    {
        transitionTo(ElectionState::CANVASS, nowNs);
        return 1;
    }
    if (nowNs >= m_stateEnteredNs + m_agent.m_config.electionTimeoutNs)
    {
        m_canvassDeadlineNs = nowNs;
        transitionTo(ElectionState::CANVASS, nowNs);
        return 1;
    }
    return 0;
}

void Election::vote(std::int32_t candidateMemberId, std::int64_t candidateTermId, bool vote)
{
    auto it = m_agent.m_consensusPublications.find(candidateMemberId);
    if (it != m_agent.m_consensusPublications.end())
    {
        m_agent.m_consensusPublisher.vote(*it->second, candidateTermId, m_logLeadershipTermId, m_appendPosition,
                                          candidateMemberId, m_agent.m_thisMember->id, vote);
    }
}

void Election::onRequestVote(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                             std::int64_t candidateTermId, std::int32_t candidateMemberId)
{
    auto& agent = m_agent;
    if (isAppointedMode() || candidateMemberId == agent.m_thisMember->id)
    {
        return;
    }
    if (m_state == ElectionState::INIT)
    {
        m_pendingVoteRequest = VoteRequest{logLeadershipTermId, logPosition, candidateTermId, candidateMemberId};
        return;
    }
    const std::int64_t nowMs = agent.m_context.epochClock->time();
    if (candidateTermId <= std::max(agent.m_nodeState->candidateTermId(), m_candidateTermId))
    {
        vote(candidateMemberId, candidateTermId, false);
        return;
    }
    if (compareLog(m_logLeadershipTermId, m_appendPosition, logLeadershipTermId, logPosition) > 0)
    {
        // This log is more recent: no vote, but the term moves on so an old term cannot be reused.
        m_candidateTermId = agent.m_nodeState->proposeMaxCandidateTermId(candidateTermId, m_appendPosition, nowMs);
        vote(candidateMemberId, candidateTermId, false);
        return;
    }
    if (m_state == ElectionState::LEADER_READY)
    {
        // A newer term with a log as recent as ours: this term never started; give way (the election restarts and
        // the candidate's next request gets a vote).
        m_newerTermSeen = true;
        return;
    }
    if (m_state == ElectionState::CANVASS || m_state == ElectionState::NOMINATE ||
        m_state == ElectionState::CANDIDATE_BALLOT || m_state == ElectionState::FOLLOWER_BALLOT)
    {
        m_candidateTermId = candidateTermId;
        agent.m_nodeState->updateCandidateTermId(candidateTermId, m_appendPosition, nowMs);
        agent.m_nodeState->recordVote(candidateTermId, candidateMemberId, m_appendPosition, nowMs);
        vote(candidateMemberId, candidateTermId, true);
        agent.role(Role::FOLLOWER);
        transitionTo(ElectionState::FOLLOWER_BALLOT, agent.m_nowNs);
    }
}

void Election::onVote(std::int64_t candidateTermId, std::int32_t candidateMemberId, std::int32_t followerMemberId,
                      bool vote)
{
    if (m_state != ElectionState::CANDIDATE_BALLOT || candidateTermId != m_candidateTermId ||
        candidateMemberId != m_agent.m_thisMember->id)
    {
        return;
    }
    for (auto& member : m_agent.m_members)
    {
        if (member.id == followerMemberId)
        {
            member.candidateTermId = candidateTermId;
            member.vote = vote ? Vote::YES : Vote::NO;
        }
    }
}

void Election::onCanvassPosition(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                                 std::int64_t leadershipTermId, std::int32_t followerMemberId)
{
    static_cast<void>(leadershipTermId);
    auto& agent = m_agent;
    for (auto& member : agent.m_members)
    {
        if (member.id == followerMemberId && member.id != agent.m_thisMember->id)
        {
            if (m_state == ElectionState::CANVASS || m_state == ElectionState::NOMINATE ||
                m_state == ElectionState::CANDIDATE_BALLOT || m_state == ElectionState::FOLLOWER_BALLOT)
            {
                member.leadershipTermId = logLeadershipTermId;
                member.logPosition = logPosition;
            }
            member.timeOfLastAppendPositionNs = agent.m_nowNs;
        }
    }
    if (agent.m_role == Role::LEADER && m_state == ElectionState::LEADER_READY)
    {
        sendNewLeadershipTerm(followerMemberId, logLeadershipTermId, agent.m_nowNs);
    }
}

void Election::onNewLeadershipTerm(const ConsensusPublisher::NewLeadershipTerm& term)
{
    auto& agent = m_agent;
    if (term.leaderMemberId == agent.m_thisMember->id)
    {
        return;
    }
    if (isAppointedMode() && term.leaderMemberId != agent.m_config.appointedLeaderId)
    {
        return;
    }
    if (m_state == ElectionState::INIT || term.logLeadershipTermId != m_logLeadershipTermId)
    {
        // Not tailored to this member's log: canvassing brings one that is.
        return;
    }
    const bool acceptable = m_state == ElectionState::CANVASS || m_state == ElectionState::NOMINATE ||
        ((m_state == ElectionState::CANDIDATE_BALLOT || m_state == ElectionState::FOLLOWER_BALLOT) &&
         term.leadershipTermId >= m_candidateTermId);
    if (!acceptable || term.leadershipTermId < m_candidateTermId)
    {
        if (m_leaderTerm && term.leadershipTermId == m_leaderTerm->leadershipTermId)
        {
            m_leaderTerm->logPosition = term.logPosition;
        }
        return;
    }
    if (!m_leaderTerm || term.leadershipTermId > m_leaderTerm->leadershipTermId)
    {
        m_leaderTerm = term;
        m_candidateTermId = agent.m_nodeState->proposeMaxCandidateTermId(term.leadershipTermId, m_appendPosition,
                                                                         agent.m_context.epochClock->time());
        agent.role(Role::FOLLOWER);
        if (m_state != ElectionState::CANVASS)
        {
            transitionTo(ElectionState::CANVASS, agent.m_nowNs);
        }
    }
}

int Election::joinLeaderTerm(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const auto& term = *m_leaderTerm;
    for (auto& member : agent.m_members)
    {
        if (member.id == term.leaderMemberId)
        {
            agent.m_leaderMember = &member;
        }
    }
    // Where this member's log must end: at the start of the term after its own in the leader's log (anything of
    // its own past that was never committed), or nowhere if its log is already in the leader's term.
    const bool inLeaderTerm = m_logLeadershipTermId == term.leadershipTermId;
    const std::int64_t stopPosition = inLeaderTerm ? term.logPosition : term.nextTermBaseLogPosition;
    if (!inLeaderTerm && m_appendPosition > stopPosition && agent.m_logRecordingId >= 0 &&
        stopPosition < agent.m_logAdapterPosition)
    {
        // Its services applied entries past where the new leader's log diverges (a tail of an earlier term it
        // replayed, which never committed): cutting the log would leave them in the state. Stop; a restart rebuilds
        // the state from the snapshot and the log as it then is.
        agent.failStop("must truncate its log to " + std::to_string(stopPosition) + " for term " +
                       std::to_string(term.nextLeadershipTermId) + ", but has applied up to " +
                       std::to_string(agent.m_logAdapterPosition));
        return 1;
    }
    if (!inLeaderTerm && m_appendPosition > stopPosition && agent.m_logRecordingId >= 0)
    {
        std::cout << "election: member " << agent.m_thisMember->id << " truncates its uncommitted log from "
                  << m_appendPosition << " to " << stopPosition << ", where term " << term.nextLeadershipTermId
                  << " begins" << std::endl;
        agent.m_archive->truncateRecording(agent.m_logRecordingId, stopPosition);
        m_appendPosition = stopPosition;
    }
    m_catchupJoinPosition = term.logPosition;
    if (!inLeaderTerm && m_appendPosition < stopPosition)
    {
        transitionTo(ElectionState::FOLLOWER_LOG_REPLICATION, nowNs);
        return 1;
    }
    if (!inLeaderTerm && term.nextLeadershipTermId != term.leadershipTermId)
    {
        // This member's log now ends exactly where an intermediate term began: record that term and ask again.
        if (agent.m_recordingLog->findTermEntry(term.nextLeadershipTermId) == nullptr && agent.m_logRecordingId >= 0)
        {
            agent.m_recordingLog->appendTerm(agent.m_logRecordingId, term.nextLeadershipTermId,
                                             term.nextTermBaseLogPosition, term.timestamp);
            agent.m_recordingLog->force(static_cast<archive::FileSyncLevel>(agent.m_config.fileSyncLevel));
        }
        m_logLeadershipTermId = term.nextLeadershipTermId;
        m_leaderTerm.reset();
        m_timeOfLastStatusNs = 0;
        return 1;
    }
    transitionTo(ElectionState::FOLLOWER_REPLAY, nowNs);
    return 1;
}

int Election::leaderReplay(std::int64_t nowNs)
{
    int work = m_logReplay->doWork(nowNs);
    if (m_logReplay->isDone())
    {
        m_logReplay.reset();
        transitionTo(ElectionState::LEADER_INIT, nowNs);
        ++work;
    }
    return work;
}

int Election::leaderInit(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const auto& config = agent.m_config;
    const std::int64_t termBase = m_appendPosition;
    if (agent.m_logRecordingId >= 0 && agent.m_logTermLength == 0)
    {
        const auto& log = agent.m_recoveryPlan->log;
        agent.m_logInitialTermId = log ? log->initialTermId : DEFAULT_INITIAL_TERM_ID;
        agent.m_logTermLength = log ? log->termBufferLength : termLengthOf(config.logChannel);
        if (!log)
        {
            archive::RecordingDescriptor descriptor{};
            if (agent.m_archive->listRecording(agent.m_logRecordingId,
                                               [&](const archive::RecordingDescriptor& d) { descriptor = d; }) > 0)
            {
                agent.m_logInitialTermId = descriptor.initialTermId;
                agent.m_logTermLength = descriptor.termBufferLength;
            }
        }
    }
    if (agent.m_logTermLength == 0)
    {
        agent.m_logInitialTermId = DEFAULT_INITIAL_TERM_ID;
        agent.m_logTermLength = termLengthOf(config.logChannel);
    }

    const std::string channel = agent.logChannelForTerm(agent.m_logInitialTermId, termBase, agent.m_logTermLength);
    auto publication = agent.m_aeron->addExclusivePublication(channel, config.logStreamId);
    if (publication->position() != termBase)
    {
        throw util::IllegalStateException("log publication starts at " + std::to_string(publication->position()) +
                                          ", expected the term base " + std::to_string(termBase));
    }
    agent.m_logSessionId = publication->sessionId();
    if (agent.isMultiMember())
    {
        for (auto& member : agent.m_members)
        {
            if (member.id != agent.m_thisMember->id)
            {
                publication->addDestination("aeron:udp?endpoint=" + member.logEndpoint);
                member.hasLogDestination = true;
            }
        }
    }
    agent.m_logPublisher.publication(publication);

    const std::string recordingChannel = agent.isMultiMember()
        ? "aeron:udp?tags=" + agent.logTag() + "|session-id=" + std::to_string(agent.m_logSessionId)
        : "aeron:ipc?session-id=" + std::to_string(agent.m_logSessionId);
    if (agent.m_logRecordingId < 0)
    {
        agent.m_logRecordingSubscriptionId =
            agent.m_archive->startRecording(recordingChannel, config.logStreamId, archive::SourceLocation::LOCAL, true);
    }
    else
    {
        agent.m_logRecordingSubscriptionId = agent.m_archive->extendRecording(
            agent.m_logRecordingId, recordingChannel, config.logStreamId, archive::SourceLocation::LOCAL, true);
    }

    agent.m_leadershipTermId = m_candidateTermId;
    agent.m_termBaseLogPosition = termBase;
    agent.m_leadershipTermIdCounter->setOrdered(m_candidateTermId);
    agent.m_leaderMember = agent.m_thisMember;
    // m_logAdapterPosition stays where the services are until the tail is applied: if this election fails, the
    // next one must know the tail was never applied.
    m_tailStartPosition = agent.m_logAdapterPosition;
    m_uncommittedTail = m_tailStartPosition < termBase;
    m_termAppended = false;
    if (!m_uncommittedTail)
    {
        agent.role(Role::LEADER);
        joinLogAsLeader();
    }
    // With a tail to apply first the member leads only once its services have replayed it: as LEADER they would
    // answer the replayed requests (again) and connect to clients mid-replay. Until then it stays CANDIDATE.
    transitionTo(ElectionState::LEADER_READY, nowNs);
    return 1;
}

void Election::joinLogAsLeader()
{
    auto& agent = m_agent;
    m_joinAckId = agent.m_serviceAcks.empty() ? 0 : agent.m_serviceAcks.front().nextAckId;
    if (!agent.m_serviceProxy->joinLog(agent.m_termBaseLogPosition, std::numeric_limits<std::int64_t>::max(),
                                       agent.m_thisMember->id, agent.m_logSessionId, agent.m_config.logStreamId,
                                       m_isNodeStartup, Role::LEADER, agent.serviceLogChannel(agent.m_logSessionId)))
    {
        throw util::IllegalStateException("could not send JoinLog to the services");
    }
}

int Election::applyUncommittedTail(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (!m_logReplay)
    {
        m_logReplay = std::make_unique<LogReplay>(agent, agent.m_logRecordingId, m_tailStartPosition,
                                                  agent.m_termBaseLogPosition);
    }
    int work = m_logReplay->doWork(nowNs);
    if (m_logReplay->isDone())
    {
        m_logReplay.reset();
        m_uncommittedTail = false;
        agent.role(Role::LEADER);
        joinLogAsLeader();
        ++work;
    }
    return work;
}

int Election::leaderReady(std::int64_t nowNs)
{
    auto& agent = m_agent;
    int work = 0;
    if (agent.m_appendPositionCounterId < 0)
    {
        const std::int32_t counterId =
            archive::RecordingPos::findCounterIdBySession(agent.m_aeron->countersReader(), agent.m_logSessionId);
        if (counterId < 0)
        {
            return 0;
        }
        agent.m_appendPositionCounterId = counterId;
        if (agent.m_logRecordingId < 0)
        {
            agent.m_logRecordingId = archive::RecordingPos::getRecordingId(agent.m_aeron->countersReader(), counterId);
        }
        ++work;
    }
    if (!m_termAppended)
    {
        agent.m_recordingLog->appendTerm(agent.m_logRecordingId, agent.m_leadershipTermId,
                                         agent.m_termBaseLogPosition, agent.clusterTime(nowNs));
        agent.m_recordingLog->force(static_cast<archive::FileSyncLevel>(agent.m_config.fileSyncLevel));
        m_termAppended = true;
    }

    if (nowNs >= m_timeOfLastStatusNs + agent.m_config.electionStatusIntervalNs)
    {
        m_timeOfLastStatusNs = nowNs;
        for (const auto& member : agent.m_members)
        {
            if (member.id != agent.m_thisMember->id && member.leadershipTermId != agent.m_leadershipTermId)
            {
                // Tailored to the log term the member last canvassed with (unknown: it canvasses and gets one).
                sendNewLeadershipTerm(member.id, member.leadershipTermId, nowNs);
            }
        }
    }

    agent.m_thisMember->leadershipTermId = agent.m_leadershipTermId;
    agent.m_thisMember->logPosition = agent.appendPosition();
    agent.m_thisMember->timeOfLastAppendPositionNs = nowNs;
    std::size_t ready = 0;
    for (const auto& member : agent.m_members)
    {
        if (member.leadershipTermId == agent.m_leadershipTermId && member.logPosition >= agent.m_termBaseLogPosition)
        {
            ++ready;
        }
    }
    const bool quorum =
        static_cast<std::int32_t>(ready) >= quorumThreshold(static_cast<std::int32_t>(agent.m_members.size()));
    // Everyone that is alive: a member not heard from within the heartbeat timeout (a dead old leader) is not
    // waited for; it joins by catch-up when it returns.
    std::size_t alive = 0;
    for (const auto& member : agent.m_members)
    {
        if (member.id == agent.m_thisMember->id ||
            (member.timeOfLastAppendPositionNs != ClusterMember::NULL_VALUE &&
             nowNs - member.timeOfLastAppendPositionNs <= agent.m_config.leaderHeartbeatTimeoutNs))
        {
            ++alive;
        }
    }
    const bool everyone = ready >= alive;
    const bool waitedLongEnough = nowNs - m_stateEnteredNs >= agent.m_config.electionTimeoutNs;
    if (!quorum && nowNs - m_stateEnteredNs > agent.m_config.leaderHeartbeatTimeoutNs)
    {
        // No quorum joined this term in time (partitioned, or the others moved on to a newer term): a leader that
        // waits here forever would hold its members' votes hostage and never step down.
        throw util::IllegalStateException("no quorum joined term " + std::to_string(agent.m_leadershipTermId) +
                                          " within the leader heartbeat timeout");
    }
    if (m_newerTermSeen)
    {
        throw util::IllegalStateException("a candidate asked for votes in a newer term while this one was starting");
    }
    if (nowNs - m_stateEnteredNs > agent.m_config.leaderHeartbeatTimeoutNs + agent.m_config.electionTimeoutNs)
    {
        // The followers that joined hear no heartbeat until the term starts: a term that does not start in time
        // (services slow to apply the tail, say) is given up rather than left to time them all out.
        throw util::IllegalStateException("term " + std::to_string(agent.m_leadershipTermId) +
                                          " did not start within the leader heartbeat and election timeouts");
    }
    if (!quorum || !(everyone || waitedLongEnough))
    {
        return work;
    }
    // Only now is the tail of earlier terms this leader brought committed: a quorum has it and has recorded this
    // term, so no later leader can lack it. Then the services apply it, and then join the new term's log.
    if (m_uncommittedTail)
    {
        return work + applyUncommittedTail(nowNs);
    }
    if (!agent.allServicesAcked(m_joinAckId))
    {
        return work;
    }
    if (agent.m_commitPositionCounter->get() < agent.m_termBaseLogPosition)
    {
        agent.m_commitPositionCounter->setOrdered(agent.m_termBaseLogPosition);
    }

    const std::int64_t position = agent.m_logPublisher.appendNewLeadershipTermEvent(
        agent.m_leadershipTermId, agent.clusterTime(nowNs), agent.m_termBaseLogPosition, agent.m_thisMember->id,
        agent.m_logSessionId, agent.m_timeUnit, agent.m_config.appVersion);
    if (position < 0)
    {
        return work;
    }
    agent.onLeadershipTermStarted(nowNs);
    transitionTo(ElectionState::CLOSED, nowNs);
    return work + 1;
}

void Election::sendNewLeadershipTerm(std::int32_t memberId, std::int64_t logLeadershipTermId, std::int64_t nowNs)
{
    m_agent.sendNewLeadershipTerm(memberId, logLeadershipTermId, m_isNodeStartup, nowNs);
}

void Election::onArchiveError(const std::string& message)
{
    // Transient refusals (a replay to this member still draining, a replay that could not connect yet) are
    // left to the progress timeout: failing at once only starts the next attempt into the same refusal.
    if (m_state == ElectionState::FOLLOWER_LOG_REPLICATION && m_replicationStarted &&
        message.find("replication " + std::to_string(m_replicationId)) != std::string::npos &&
        message.find("cannot create replay publication") == std::string::npos &&
        message.find("no connection established") == std::string::npos)
    {
        m_replicationError = message;
    }
}

int Election::followerLogReplication(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const std::int64_t termBase = m_leaderTerm->nextTermBaseLogPosition;
    if (!m_replicationStarted)
    {
        const ClusterMember* leader = agent.m_leaderMember;
        archive::ReplicationParams params;
        params.stopPosition = termBase;
        params.dstRecordingId = agent.m_logRecordingId;
        params.replicationChannel = withParam("aeron:udp", "endpoint", agent.m_thisMember->catchupEndpoint);
        // Each attempt's replay gets a session id of its own: with the recording's own id (the default), the replay
        // of an abandoned attempt, still lingering in the leader's archive, made the next attempt's replay clash
        // ("existing publication has clashing session-id") until it went, attempt after attempt (F10).
        params.replicationSessionId =
            static_cast<std::int32_t>(static_cast<std::uint64_t>(agent.m_aeron->nextCorrelationId()) * 2654435761ULL);
        // A REPLICATE signal seen before (a snapshot this member copied at start) names another recording.
        agent.m_replicatedRecordingId = RecordingLog::NULL_VALUE;
        m_replicationId = agent.m_archive->replicate(m_leaderTerm->leaderRecordingId,
                                                     agent.m_context.archiveControlStreamId,
                                                     withParam(agent.m_config.leaderArchiveControlChannel, "endpoint",
                                                               leader->archiveEndpoint),
                                                     params);
        m_replicationError.clear();
        m_replicationStarted = true;
        std::cout << "election: member " << agent.m_thisMember->id << " replicating the leader's log from "
                  << m_appendPosition << " to " << termBase << std::endl;
        return 1;
    }
    agent.m_archive->pollForRecordingSignals();
    if (agent.m_logRecordingId < 0 && agent.m_replicatedRecordingId >= 0)
    {
        agent.m_logRecordingId = agent.m_replicatedRecordingId;
    }
    if (agent.m_logRecordingId >= 0 && recordedLogPosition() >= termBase &&
        agent.m_archive->getRecordingPosition(agent.m_logRecordingId) == NULL_POSITION)
    {
        m_replicationStarted = false;
        m_appendPosition = recordedLogPosition();
        transitionTo(ElectionState::CANVASS, nowNs);
        return 1;
    }
    if (!m_replicationError.empty())
    {
        // E.g. the leader's archive could not start the replay yet (an earlier one to this member still drains):
        // a new election asks again rather than wait out the progress timeout.
        m_replicationStarted = false;
        throw util::IllegalStateException("log replication from the leader failed: " + m_replicationError);
    }
    const std::int64_t replicated = agent.m_logRecordingId >= 0 ? recordedLogPosition() : NULL_POSITION;
    if (replicated > m_replicationProgressPosition || m_replicationProgressNs < m_stateEnteredNs)
    {
        m_replicationProgressPosition = replicated;
        m_replicationProgressNs = nowNs;
    }
    if (nowNs - m_replicationProgressNs > agent.m_config.replicationProgressTimeoutNs)
    {
        throw util::IllegalStateException("log replication from the leader made no progress within " +
                                          std::to_string(agent.m_config.replicationProgressTimeoutNs / 1'000'000) +
                                          " ms");
    }
    return 0;
}

int Election::followerReplay(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (!m_logReplay)
    {
        if (agent.m_logAdapterPosition >= m_appendPosition || agent.m_logRecordingId < 0)
        {
            // Joining at the term's first byte is only for a term nobody has written into yet. A term already
            // under way (the leader has appended, or this member holds some of it, as when it rejoins the term
            // it follows) is joined where this member's log ends, by catch-up: never behind what it applied.
            const std::int64_t termBase = m_leaderTerm->termBaseLogPosition;
            const bool termUnderWay = m_leaderTerm->logPosition > termBase || m_appendPosition > termBase;
            transitionTo(termUnderWay ? ElectionState::FOLLOWER_CATCHUP_INIT : ElectionState::FOLLOWER_LOG_INIT,
                         nowNs);
            return 1;
        }
        m_logReplay =
            std::make_unique<LogReplay>(agent, agent.m_logRecordingId, agent.m_logAdapterPosition, m_appendPosition);
    }
    int work = m_logReplay->doWork(nowNs);
    if (m_logReplay->isDone())
    {
        m_logReplay.reset();
        ++work;
    }
    return work;
}

void Election::subscribeToLog(std::int64_t position, std::int64_t nowNs)
{
    static_cast<void>(nowNs);
    auto& agent = m_agent;
    const auto& config = agent.m_config;
    const auto& term = *m_leaderTerm;
    if (agent.m_logRecordingId >= 0 && recordedLogPosition() != position)
    {
        // A recording of an earlier attempt's image wrote on after this election read the log's end: start again
        // from where the log really ends rather than extend it from the wrong place.
        throw util::IllegalStateException("the log recording is at " + std::to_string(recordedLogPosition()) +
                                          ", not at " + std::to_string(position) + " as this election expected");
    }
    agent.m_nodeState->proposeMaxCandidateTermId(term.leadershipTermId, position, agent.m_context.epochClock->time());
    agent.m_leadershipTermId = term.leadershipTermId;
    agent.m_termBaseLogPosition = term.termBaseLogPosition;
    agent.m_leadershipTermIdCounter->setOrdered(term.leadershipTermId);
    agent.m_logSessionId = term.logSessionId;
    agent.m_notifiedCommitPosition = position;
    agent.m_logAdapterPosition = position;
    if (agent.m_commitPositionCounter->get() < position)
    {
        agent.m_commitPositionCounter->setOrdered(position);
    }
    agent.role(Role::FOLLOWER);

    if (agent.m_logSubscription)
    {
        agent.closeLog(); // an earlier attempt's subscription still holds the log port
    }
    agent.m_followerLogTag = agent.m_aeron->nextCorrelationId();
    agent.m_logSubscription =
        agent.m_aeron->addSubscription(agent.followerLogSubscriptionChannel(term.logSessionId), config.logStreamId);
    agent.m_logSubscription->addDestination("aeron:udp?endpoint=" + agent.m_thisMember->logEndpoint);
    const std::string channel = agent.followerLogChannel(term.logSessionId);
    if (agent.m_logRecordingId < 0)
    {
        agent.m_logRecordingSubscriptionId =
            agent.m_archive->startRecording(channel, config.logStreamId, archive::SourceLocation::REMOTE, true);
    }
    else
    {
        agent.m_logRecordingSubscriptionId = agent.m_archive->extendRecording(
            agent.m_logRecordingId, channel, config.logStreamId, archive::SourceLocation::REMOTE, true);
    }
    m_joinAckId = agent.m_serviceAcks.empty() ? 0 : agent.m_serviceAcks.front().nextAckId;
    if (!agent.m_serviceProxy->joinLog(position, std::numeric_limits<std::int64_t>::max(), agent.m_thisMember->id,
                                       term.logSessionId, config.logStreamId, m_isNodeStartup, Role::FOLLOWER,
                                       channel))
    {
        throw util::IllegalStateException("could not send JoinLog to the services");
    }
    m_termAppended = false;
}

bool Election::awaitLogJoined(std::int64_t position)
{
    auto& agent = m_agent;
    const auto& term = *m_leaderTerm;
    if (!agent.m_logImage)
    {
        agent.m_logImage = agent.m_logSubscription->imageBySessionId(term.logSessionId);
        if (!agent.m_logImage)
        {
            return false;
        }
        if (agent.m_logImage->joinPosition() != position)
        {
            throw util::IllegalStateException("joined the leader's log at " +
                                              std::to_string(agent.m_logImage->joinPosition()) + ", not at " +
                                              std::to_string(position));
        }
    }
    if (agent.m_appendPositionCounterId < 0)
    {
        const std::int32_t counterId =
            archive::RecordingPos::findCounterIdBySession(agent.m_aeron->countersReader(), term.logSessionId);
        if (counterId < 0)
        {
            return false;
        }
        agent.m_appendPositionCounterId = counterId;
        if (agent.m_logRecordingId < 0)
        {
            agent.m_logRecordingId = archive::RecordingPos::getRecordingId(agent.m_aeron->countersReader(), counterId);
        }
    }
    if (!m_termAppended)
    {
        if (agent.m_recordingLog->findTermEntry(term.leadershipTermId) == nullptr)
        {
            agent.m_recordingLog->appendTerm(agent.m_logRecordingId, term.leadershipTermId, term.termBaseLogPosition,
                                             term.timestamp);
            agent.m_recordingLog->force(static_cast<archive::FileSyncLevel>(agent.m_config.fileSyncLevel));
        }
        m_termAppended = true;
    }
    return agent.allServicesAcked(m_joinAckId);
}

int Election::followerCatchupInit(std::int64_t nowNs)
{
    subscribeToLog(m_appendPosition, nowNs);
    transitionTo(ElectionState::FOLLOWER_CATCHUP_AWAIT, nowNs);
    return 1;
}

int Election::followerCatchupAwait(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (nowNs >= m_timeOfLastStatusNs + agent.m_config.electionStatusIntervalNs && !agent.m_logImage)
    {
        // Ask the leader to replay its log from here into this member's log endpoint, with the live session id.
        m_timeOfLastStatusNs = nowNs;
        auto it = agent.m_consensusPublications.find(m_leaderTerm->leaderMemberId);
        if (it != agent.m_consensusPublications.end())
        {
            agent.m_consensusPublisher.catchupPosition(*it->second, m_leaderTerm->leadershipTermId, m_appendPosition,
                                                       agent.m_thisMember->id, agent.m_thisMember->logEndpoint);
        }
    }
    if (!awaitLogJoined(m_appendPosition))
    {
        if (nowNs - m_stateEnteredNs > agent.m_config.leaderHeartbeatTimeoutNs)
        {
            throw util::IllegalStateException("no catch-up replay from the leader within the heartbeat timeout");
        }
        return 0;
    }
    m_catchupProgressPosition = m_appendPosition;
    m_timeOfLastCatchupProgressNs = nowNs;
    transitionTo(ElectionState::FOLLOWER_CATCHUP, nowNs);
    return 1;
}

int Election::followerCatchup(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const std::int64_t appendPosition = agent.appendPosition();
    int work = agent.pollLog(std::min(agent.m_notifiedCommitPosition, appendPosition));
    work += agent.updateFollowerAppendPosition(nowNs);
    if (agent.m_logAdapterPosition >= m_catchupJoinPosition && agent.m_notifiedCommitPosition >= m_catchupJoinPosition)
    {
        transitionTo(ElectionState::FOLLOWER_READY, nowNs);
        return work + 1;
    }
    if (nowNs - agent.m_timeOfLastLeaderMessageNs > agent.m_config.leaderHeartbeatTimeoutNs)
    {
        throw util::IllegalStateException("leader went quiet during catch-up");
    }
    if (appendPosition > m_catchupProgressPosition)
    {
        m_catchupProgressPosition = appendPosition;
        m_timeOfLastCatchupProgressNs = nowNs;
    }
    else if (nowNs - m_timeOfLastCatchupProgressNs > agent.m_config.leaderHeartbeatTimeoutNs)
    {
        // The leader's replay stopped or never reached this subscription; a new election asks for a new one.
        throw util::IllegalStateException("catch-up made no progress from " + std::to_string(appendPosition) +
                                          " within the heartbeat timeout");
    }
    return work;
}

int Election::followerLogInit(std::int64_t nowNs)
{
    subscribeToLog(m_leaderTerm->termBaseLogPosition, nowNs);
    transitionTo(ElectionState::FOLLOWER_LOG_AWAIT, nowNs);
    return 1;
}

int Election::followerLogAwait(std::int64_t nowNs)
{
    if (!awaitLogJoined(m_leaderTerm->termBaseLogPosition))
    {
        if (nowNs - m_stateEnteredNs > m_agent.m_config.leaderHeartbeatTimeoutNs)
        {
            throw util::IllegalStateException("the leader's log did not arrive within the heartbeat timeout");
        }
        return 0;
    }
    transitionTo(ElectionState::FOLLOWER_READY, nowNs);
    return 1;
}

int Election::followerReady(std::int64_t nowNs)
{
    auto& agent = m_agent;
    agent.m_lastAppendPosition = -1;
    if (agent.updateFollowerAppendPosition(nowNs) > 0)
    {
        agent.m_timeOfLastLeaderMessageNs = nowNs;
        transitionTo(ElectionState::CLOSED, nowNs);
        return 1;
    }
    return 0;
}
} // namespace cox::cluster

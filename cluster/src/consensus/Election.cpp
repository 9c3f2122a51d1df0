#include "consensus/Election.hpp"

#include <algorithm>
#include <iostream>
#include <limits>

#include "consensus/Channels.hpp"
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
namespace
{
constexpr std::int64_t NULL_POSITION = -1;
constexpr std::int32_t DEFAULT_INITIAL_TERM_ID = 0;

std::int32_t termLengthOf(const std::string& channel)
{
    const auto termLength = channelParam(channel, "term-length");
    return termLength ? static_cast<std::int32_t>(transport::ChannelUri::parseSize(*termLength)) : 16 * 1024 * 1024;
}

std::string withEndpoint(const std::string& channel, const std::string& endpoint)
{
    return withParam(channel, "endpoint", endpoint);
}
} // namespace

Election::Election(ConsensusModuleAgent& agent, bool isNodeStartup, std::int64_t nowNs)
    : m_agent(agent), m_isNodeStartup(isNodeStartup), m_stateEnteredNs(nowNs)
{
    m_agent.state(ConsensusModuleState::INIT);
    m_agent.m_electionCountCounter->setOrdered(m_agent.m_electionCountCounter->get() + 1);
    m_agent.m_electionStateCounter->setOrdered(static_cast<std::int64_t>(ElectionState::INIT));
}

Election::~Election() = default;

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
              << toString(newState) << " (term " << m_agent.m_leadershipTermId << ", log position "
              << m_agent.m_logAdapterPosition << ")" << std::endl;
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
    case ElectionState::LEADER_REPLAY:
        return leaderReplay(nowNs);
    case ElectionState::LEADER_INIT:
        return leaderInit(nowNs);
    case ElectionState::LEADER_READY:
        return leaderReady(nowNs);
    case ElectionState::CANVASS:
        return canvass(nowNs);
    case ElectionState::FOLLOWER_LOG_REPLICATION:
        return followerLogReplication(nowNs);
    case ElectionState::FOLLOWER_REPLAY:
        return followerReplay(nowNs);
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
    if (m_isNodeStartup && !m_agent.allServicesAcked(0))
    {
        return 0; // Services not started yet.
    }
    if (isAppointedLeader())
    {
        const std::int64_t recorded = m_isNodeStartup ? m_agent.m_recoveryPlan->appendedLogPosition : 0;
        if (m_isNodeStartup && m_agent.m_recoveryPlan->log && recorded > m_agent.m_logAdapterPosition)
        {
            m_logReplay = std::make_unique<LogReplay>(m_agent, m_agent.m_recoveryPlan->log->recordingId,
                                                      m_agent.m_logAdapterPosition, recorded);
            transitionTo(ElectionState::LEADER_REPLAY, nowNs);
        }
        else
        {
            transitionTo(ElectionState::LEADER_INIT, nowNs);
        }
    }
    else
    {
        if (!m_isNodeStartup)
        {
            // A new term while active: keep applying the old term until the leader's term base (set on the
            // NewLeadershipTerm that started this election).
            m_agent.role(Role::FOLLOWER);
        }
        transitionTo(ElectionState::CANVASS, nowNs);
    }
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
    std::int64_t termBase = 0;
    if (m_isNodeStartup)
    {
        termBase = agent.m_recoveryPlan->appendedLogPosition;
    }
    else
    {
        // Close the current term's log where it stands; its recording then stops there.
        termBase = agent.m_logPublisher.position();
        if (agent.m_logPublisher.publication())
        {
            agent.m_logPublisher.disconnect();
            agent.m_appendPositionCounterId = -1;
        }
        if (agent.m_logRecordingId >= 0 &&
            agent.m_archive->getRecordingPosition(agent.m_logRecordingId) != NULL_POSITION)
        {
            return 0; // The archive is still recording the old term's tail.
        }
        termBase = std::max(termBase, recordedLogPosition());
    }

    const std::int64_t nowMs = agent.m_context.epochClock->time();
    const std::int64_t lastTerm = std::max({agent.m_recoveryPlan->lastLeadershipTermId,
                                            agent.m_nodeState->candidateTermId(), agent.m_leadershipTermId});
    const std::int64_t term = lastTerm + 1;
    // The term is on disk before anything of it is sent, whatever the log's sync level.
    agent.m_nodeState->updateCandidateTermId(term, termBase, nowMs);

    if (agent.m_logRecordingId >= 0 && agent.m_logTermLength == 0)
    {
        const auto& log = agent.m_recoveryPlan->log;
        agent.m_logInitialTermId = log ? log->initialTermId : DEFAULT_INITIAL_TERM_ID;
        agent.m_logTermLength = log ? log->termBufferLength : termLengthOf(config.logChannel);
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
        for (const auto& member : agent.m_members)
        {
            if (member.id != agent.m_thisMember->id)
            {
                publication->addDestination("aeron:udp?endpoint=" + member.logEndpoint);
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

    agent.m_leadershipTermId = term;
    agent.m_termBaseLogPosition = termBase;
    agent.m_leadershipTermIdCounter->setOrdered(term);
    agent.m_leaderMember = agent.m_thisMember;
    agent.role(Role::LEADER);
    agent.m_logAdapterPosition = termBase;
    if (agent.m_commitPositionCounter->get() < termBase)
    {
        agent.m_commitPositionCounter->setOrdered(termBase);
    }
    for (auto& member : agent.m_members)
    {
        if (member.id != agent.m_thisMember->id)
        {
            member.logPosition = ClusterMember::NULL_POSITION;
            member.leadershipTermId = ClusterMember::NULL_VALUE;
        }
    }
    m_termAppended = false;
    m_joinAckId = agent.m_serviceAcks.empty() ? 0 : agent.m_serviceAcks.front().nextAckId;
    if (!agent.m_serviceProxy->joinLog(termBase, std::numeric_limits<std::int64_t>::max(), agent.m_thisMember->id,
                                       agent.m_logSessionId, config.logStreamId, m_isNodeStartup, Role::LEADER,
                                       agent.serviceLogChannel(agent.m_logSessionId)))
    {
        throw util::IllegalStateException("could not send JoinLog to the services");
    }
    transitionTo(ElectionState::LEADER_READY, nowNs);
    return 1;
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
        const std::int64_t recordingId = archive::RecordingPos::getRecordingId(agent.m_aeron->countersReader(), counterId);
        if (agent.m_logRecordingId < 0)
        {
            agent.m_logRecordingId = recordingId;
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
                sendNewLeadershipTerm(member.id, agent.m_leadershipTermId, nowNs);
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
    const bool quorum = static_cast<std::int32_t>(ready) >= quorumThreshold(static_cast<std::int32_t>(agent.m_members.size()));
    const bool everyone = ready == agent.m_members.size();
    const bool waitedLongEnough = nowNs - m_stateEnteredNs >= agent.m_config.electionTimeoutNs;
    if (!agent.allServicesAcked(m_joinAckId) || !quorum || !(everyone || waitedLongEnough))
    {
        return work;
    }

    const std::int64_t position = agent.m_logPublisher.appendNewLeadershipTermEvent(
        agent.m_leadershipTermId, agent.clusterTime(nowNs), agent.m_termBaseLogPosition, agent.m_thisMember->id,
        agent.m_logSessionId, agent.m_timeUnit, 0);
    if (position < 0)
    {
        return work;
    }
    agent.notifyNewLeader();
    agent.m_timeOfLastCommitPositionSendNs = 0;
    // Timers fired and service messages appended in an earlier term but not committed are appended again.
    for (auto& tracker : agent.m_pendingServiceMessages)
    {
        tracker.restoreUncommittedMessages();
    }
    for (const auto& [appendPosition, correlationId] : agent.m_uncommittedTimers)
    {
        static_cast<void>(appendPosition);
        agent.m_timerService.scheduleTimer(correlationId, 0);
    }
    agent.m_uncommittedTimers.clear();
    transitionTo(ElectionState::CLOSED, nowNs);
    return work + 1;
}

void Election::sendNewLeadershipTerm(std::int32_t memberId, std::int64_t logLeadershipTermId, std::int64_t nowNs)
{
    auto& agent = m_agent;
    auto it = agent.m_consensusPublications.find(memberId);
    if (it == agent.m_consensusPublications.end() || !agent.m_logPublisher.publication())
    {
        return;
    }
    ConsensusPublisher::NewLeadershipTerm term{};
    term.logLeadershipTermId = logLeadershipTermId;
    term.nextLeadershipTermId = agent.m_leadershipTermId;
    term.nextTermBaseLogPosition = agent.m_termBaseLogPosition;
    term.nextLogPosition = NULL_POSITION;
    term.leadershipTermId = agent.m_leadershipTermId;
    term.termBaseLogPosition = agent.m_termBaseLogPosition;
    term.logPosition = agent.appendPosition();
    term.leaderRecordingId = agent.m_logRecordingId;
    term.timestamp = agent.clusterTime(nowNs);
    term.leaderMemberId = agent.m_thisMember->id;
    term.logSessionId = agent.m_logSessionId;
    term.appVersion = 0;
    term.isStartup = m_isNodeStartup;
    agent.m_consensusPublisher.newLeadershipTerm(*it->second, term);
}

void Election::onCanvassPosition(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                                  std::int64_t leadershipTermId, std::int32_t followerMemberId)
{
    static_cast<void>(logPosition);
    static_cast<void>(leadershipTermId);
    if (m_agent.m_role == Role::LEADER && m_state == ElectionState::LEADER_READY)
    {
        for (auto& member : m_agent.m_members)
        {
            if (member.id == followerMemberId)
            {
                member.timeOfLastAppendPositionNs = m_agent.m_nowNs;
            }
        }
        sendNewLeadershipTerm(followerMemberId, logLeadershipTermId, m_agent.m_nowNs);
    }
}

void Election::onNewLeadershipTerm(const ConsensusPublisher::NewLeadershipTerm& term)
{
    if (isAppointedLeader() || term.leaderMemberId != m_agent.m_config.appointedLeaderId)
    {
        return;
    }
    if (!m_leaderTerm || term.leadershipTermId > m_leaderTerm->leadershipTermId)
    {
        m_leaderTerm = term;
    }
    else if (term.leadershipTermId == m_leaderTerm->leadershipTermId)
    {
        m_leaderTerm->logPosition = term.logPosition;
    }
}

int Election::canvass(std::int64_t nowNs)
{
    auto& agent = m_agent;
    if (!m_leaderTerm)
    {
        if (nowNs >= m_timeOfLastStatusNs + agent.m_config.electionStatusIntervalNs)
        {
            m_timeOfLastStatusNs = nowNs;
            auto it = agent.m_consensusPublications.find(agent.m_config.appointedLeaderId);
            if (it != agent.m_consensusPublications.end())
            {
                const RecordingLog::Entry* lastTerm = agent.m_recordingLog->findLastTerm();
                const std::int64_t logTerm = lastTerm ? lastTerm->leadershipTermId : RecordingLog::NULL_VALUE;
                agent.m_consensusPublisher.canvassPosition(*it->second, logTerm, agent.m_logAdapterPosition,
                                                           agent.m_leadershipTermId, agent.m_thisMember->id);
            }
        }
        return 0;
    }

    const std::int64_t termBase = m_leaderTerm->termBaseLogPosition;
    if (!m_isNodeStartup && agent.m_logImage)
    {
        // Finish the old term first: apply it up to the new term's base, as far as it was received.
        const int work = agent.pollLog(termBase);
        if (agent.m_logAdapterPosition < termBase && !agent.m_logImage->isClosed() &&
            !agent.m_logImage->isEndOfStream() && nowNs - m_stateEnteredNs < agent.m_config.leaderHeartbeatTimeoutNs)
        {
            return work;
        }
        agent.closeLog();
    }
    if (agent.m_logRecordingId >= 0 &&
        agent.m_archive->getRecordingPosition(agent.m_logRecordingId) != NULL_POSITION)
    {
        if (!m_isNodeStartup && agent.m_logRecordingSubscriptionId >= 0)
        {
            agent.m_archive->tryStopRecording(agent.m_logRecordingSubscriptionId);
            agent.m_logRecordingSubscriptionId = -1;
        }
        return 0; // Wait for the recording of the old term to stop.
    }

    const std::int64_t recorded = recordedLogPosition();
    if (recorded > termBase)
    {
        // Entries past the leader's term base were never committed: the leader does not have them.
        std::cout << "election: member " << agent.m_thisMember->id << " truncates its log from " << recorded
                  << " to the leader's term base " << termBase << std::endl;
        agent.m_archive->truncateRecording(agent.m_logRecordingId, termBase);
    }
    if (recorded < termBase)
    {
        transitionTo(ElectionState::FOLLOWER_LOG_REPLICATION, nowNs);
    }
    else
    {
        transitionTo(ElectionState::FOLLOWER_REPLAY, nowNs);
    }
    return 1;
}

int Election::followerLogReplication(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const std::int64_t termBase = m_leaderTerm->termBaseLogPosition;
    if (!m_replicationStarted)
    {
        const ClusterMember* leader = nullptr;
        for (const auto& member : agent.m_members)
        {
            if (member.id == m_leaderTerm->leaderMemberId)
            {
                leader = &member;
            }
        }
        if (leader == nullptr)
        {
            throw util::IllegalStateException("leader member " + std::to_string(m_leaderTerm->leaderMemberId) +
                                              " is not in cluster.members");
        }
        archive::ReplicationParams params;
        params.stopPosition = termBase;
        params.dstRecordingId = agent.m_logRecordingId;
        params.replicationChannel = withEndpoint("aeron:udp", agent.m_thisMember->catchupEndpoint);
        m_replicationId = agent.m_archive->replicate(m_leaderTerm->leaderRecordingId, agent.m_context.archiveControlStreamId,
                                                     withEndpoint(agent.m_config.leaderArchiveControlChannel,
                                                                  leader->archiveEndpoint),
                                                     params);
        m_replicationStarted = true;
        std::cout << "election: member " << agent.m_thisMember->id << " replicating the leader's log from "
                  << recordedLogPosition() << " to " << termBase << std::endl;
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
        transitionTo(ElectionState::FOLLOWER_REPLAY, nowNs);
        return 1;
    }
    if (nowNs - m_stateEnteredNs > agent.m_config.replicationProgressTimeoutNs)
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
    const std::int64_t termBase = m_leaderTerm->termBaseLogPosition;
    if (!m_logReplay)
    {
        if (agent.m_logAdapterPosition >= termBase || agent.m_logRecordingId < 0)
        {
            transitionTo(ElectionState::FOLLOWER_LOG_INIT, nowNs);
            return 1;
        }
        m_logReplay = std::make_unique<LogReplay>(agent, agent.m_logRecordingId, agent.m_logAdapterPosition, termBase);
    }
    int work = m_logReplay->doWork(nowNs);
    if (m_logReplay->isDone())
    {
        m_logReplay.reset();
        transitionTo(ElectionState::FOLLOWER_LOG_INIT, nowNs);
        ++work;
    }
    return work;
}

int Election::followerLogInit(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const auto& config = agent.m_config;
    const auto& term = *m_leaderTerm;
    agent.m_nodeState->proposeMaxCandidateTermId(term.leadershipTermId, term.termBaseLogPosition,
                                                 agent.m_context.epochClock->time());
    agent.m_leadershipTermId = term.leadershipTermId;
    agent.m_termBaseLogPosition = term.termBaseLogPosition;
    agent.m_leadershipTermIdCounter->setOrdered(term.leadershipTermId);
    agent.m_logSessionId = term.logSessionId;
    agent.m_notifiedCommitPosition = term.termBaseLogPosition;
    agent.m_logAdapterPosition = term.termBaseLogPosition;
    if (agent.m_commitPositionCounter->get() < term.termBaseLogPosition)
    {
        agent.m_commitPositionCounter->setOrdered(term.termBaseLogPosition);
    }
    for (auto& member : agent.m_members)
    {
        if (member.id == term.leaderMemberId)
        {
            agent.m_leaderMember = &member;
        }
    }
    agent.role(Role::FOLLOWER);

    const std::string channel = agent.followerLogChannel(term.logSessionId);
    agent.m_logSubscription = agent.m_aeron->addSubscription(channel, config.logStreamId);
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
    if (!agent.m_serviceProxy->joinLog(term.termBaseLogPosition, std::numeric_limits<std::int64_t>::max(),
                                       agent.m_thisMember->id, term.logSessionId, config.logStreamId, m_isNodeStartup,
                                       Role::FOLLOWER, channel))
    {
        throw util::IllegalStateException("could not send JoinLog to the services");
    }
    m_termAppended = false;
    transitionTo(ElectionState::FOLLOWER_LOG_AWAIT, nowNs);
    return 1;
}

int Election::followerLogAwait(std::int64_t nowNs)
{
    auto& agent = m_agent;
    const auto& term = *m_leaderTerm;
    int work = 0;
    if (!agent.m_logImage)
    {
        agent.m_logImage = agent.m_logSubscription->imageBySessionId(term.logSessionId);
        if (!agent.m_logImage)
        {
            return 0;
        }
        if (agent.m_logImage->joinPosition() != term.termBaseLogPosition)
        {
            throw util::IllegalStateException("joined the leader's log at " +
                                              std::to_string(agent.m_logImage->joinPosition()) +
                                              ", not at the term base " + std::to_string(term.termBaseLogPosition));
        }
        ++work;
    }
    if (agent.m_appendPositionCounterId < 0)
    {
        const std::int32_t counterId =
            archive::RecordingPos::findCounterIdBySession(agent.m_aeron->countersReader(), term.logSessionId);
        if (counterId < 0)
        {
            return work;
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
        agent.m_recordingLog->appendTerm(agent.m_logRecordingId, term.leadershipTermId, term.termBaseLogPosition,
                                         term.timestamp);
        agent.m_recordingLog->force(static_cast<archive::FileSyncLevel>(agent.m_config.fileSyncLevel));
        m_termAppended = true;
    }
    if (!agent.allServicesAcked(m_joinAckId))
    {
        return work;
    }
    transitionTo(ElectionState::FOLLOWER_READY, nowNs);
    return work + 1;
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

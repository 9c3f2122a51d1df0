#include "consensus/ConsensusModuleAgent.hpp"

#include "cox/cluster/ClusterControl.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>

#include "consensus/Adapters.hpp"
#include "cox/transport/ChannelText.hpp"
#include "consensus/Election.hpp"
#include "consensus/LogReplay.hpp"
#include "consensus/SnapshotRetrieval.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/RecordingPos.hpp"
#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/cluster/NodeStateFile.hpp"
#include "cox/cluster/RecoveryState.hpp"
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
constexpr std::int64_t SLOW_TICK_INTERVAL_NS = 10'000'000;
constexpr std::int64_t MARK_FILE_UPDATE_INTERVAL_NS = 1'000'000'000;
constexpr int CONSENSUS_FRAGMENT_LIMIT = 10;
constexpr int SERVICE_FRAGMENT_LIMIT = 10;

/// Bridges the archive's extent queries for the recovery plan.
class ArchiveExtentSource final : public RecordingExtentSource
{
public:
    explicit ArchiveExtentSource(archive::AeronArchive& archive) : m_archive(archive) {}

    std::optional<archive::RecordingDescriptor> findRecording(std::int64_t recordingId) override
    {
        std::optional<archive::RecordingDescriptor> found;
        m_archive.listRecording(recordingId, [&](const archive::RecordingDescriptor& d) { found = d; });
        return found;
    }

    std::int64_t recordedPosition(std::int64_t recordingId) override
    {
        return m_archive.getRecordingPosition(recordingId);
    }

private:
    archive::AeronArchive& m_archive;
};
} // namespace

ConsensusModuleAgent::ConsensusModuleAgent(ConsensusModuleContext& context)
    : m_context(context), m_config(context.config), m_aeron(context.aeron),
      m_timeUnit(context.config.clusterTimeUnit()), m_sessionTimeoutNs(context.config.sessionTimeoutNs)
{
    if (!m_aeron)
    {
        throw util::IllegalArgumentException("ConsensusModuleContext.aeron is required");
    }
    if (!m_context.nanoClock)
    {
        m_context.nanoClock = std::make_shared<util::SystemNanoClock>();
    }
    if (!m_context.epochClock)
    {
        m_context.epochClock = std::make_shared<util::SystemEpochClock>();
    }
    if (!m_context.authenticatorSupplier)
    {
        m_context.authenticatorSupplier = [] { return std::make_unique<DefaultAuthenticator>(); };
    }
    m_members = m_config.members();
    for (auto& member : m_members)
    {
        if (member.id == m_config.memberId)
        {
            m_thisMember = &member;
        }
        if (!m_ingressEndpoints.empty())
        {
            m_ingressEndpoints += ",";
        }
        m_ingressEndpoints += std::to_string(member.id) + "=" + member.ingressEndpoint;
    }
    if (m_thisMember == nullptr)
    {
        throw util::IllegalArgumentException("cluster.member-id " + std::to_string(m_config.memberId) +
                                             " is not in cluster.members");
    }
    for (std::int32_t i = 0; i < m_config.serviceCount; ++i)
    {
        m_pendingServiceMessages.emplace_back(i);
    }
    m_serviceAcks.resize(static_cast<std::size_t>(m_config.serviceCount));
    m_authenticator = m_context.authenticatorSupplier();
    m_random.seed(static_cast<std::uint64_t>(m_config.clusterId) * 1'000'003ULL +
                  static_cast<std::uint64_t>(m_config.memberId) * 7919ULL + 17ULL);
}

ConsensusModuleAgent::~ConsensusModuleAgent() = default;

void ConsensusModuleAgent::onStart()
{
    const std::int64_t nowMs = m_context.epochClock->time();
    std::filesystem::create_directories(m_config.clusterDir);

    ClusterMarkFileHeader header;
    header.componentType = ClusterComponentType::CONSENSUS_MODULE;
    header.memberId = m_config.memberId;
    header.clusterId = m_config.clusterId;
    header.serviceStreamId = m_config.serviceStreamId;
    header.consensusModuleStreamId = m_config.consensusModuleStreamId;
    header.ingressStreamId = m_config.ingressStreamId;
    header.aeronDirectory = m_aeron->context().aeronDirectoryName;
    header.controlChannel = m_config.controlChannel;
    header.ingressChannel = m_config.ingressChannel;
    header.clusterDirectory = m_config.clusterDir;
    m_markFile = ClusterMarkFile::create(
        (std::filesystem::path(m_config.clusterDir) / ClusterMarkFile::fileName(-1)).string(), header,
        static_cast<std::int32_t>(m_config.errorBufferLength), nowMs);

    m_recordingLog = std::make_unique<RecordingLog>(m_config.clusterDir, true);
    m_nodeState = std::make_unique<NodeStateFile>(m_config.clusterDir, true);

    createCounters();
    connectArchive();
    createChannels();

    const std::int64_t nowNs = m_context.nanoClock->nanoTime();
    m_nowNs = nowNs;
    m_epochOffsetNs = m_context.epochClock->time() * 1'000'000 - nowNs;
    if (isMultiMember() && m_recordingLog->entries().empty())
    {
        // A replaced machine: fetch the leader's snapshot before the services start (they wait for the
        // recovery state, published once it is known what they load).
        m_snapshotRetrieval = std::make_unique<SnapshotRetrieval>(*this, nowNs);
        return;
    }
    startRecovery(nowNs);
}

void ConsensusModuleAgent::startRecovery(std::int64_t nowNs)
{
    ArchiveExtentSource extentSource(*m_archive);
    m_recoveryPlan = createRecoveryPlan(*m_recordingLog, m_config.serviceCount, extentSource);
    selectUsableSnapshots(extentSource);
    if (m_recoveryPlan->log)
    {
        // A recording left open by a crash is still "active" in the archive until its session ends.
        m_archive->tryStopRecordingByIdentity(m_recoveryPlan->log->recordingId);
        m_logRecordingId = m_recoveryPlan->log->recordingId;
    }
    std::cout << "consensus-module: member " << m_config.memberId << " of " << m_members.size()
              << ", recovery plan: " << m_recoveryPlan->toString() << std::endl;
    for (const auto& snapshot : m_recoveryPlan->snapshots)
    {
        if (snapshot.serviceId == RecordingLog::CONSENSUS_MODULE_SERVICE_ID)
        {
            loadConsensusModuleSnapshot(snapshot.recordingId);
            observeLogTimestamp(snapshot.timestamp);
        }
    }
    allocateRecoveryState();
    m_isStartupElection = true;
    m_election = std::make_unique<Election>(*this, true, nowNs);
}

void ConsensusModuleAgent::createCounters()
{
    const util::CountersReader& reader = m_aeron->countersReader();
    if (ClusterCounters::find(reader, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, m_config.clusterId) !=
        ClusterCounters::NULL_COUNTER_ID)
    {
        throw util::IllegalStateException("another consensus module of cluster " +
                                          std::to_string(m_config.clusterId) + " is running on this media driver");
    }
    std::uint8_t key[4];
    std::memcpy(key, &m_config.clusterId, sizeof(key));
    const auto add = [&](std::int32_t typeId, std::string_view name)
    { return m_aeron->addCounter(typeId, key, ClusterCounters::label(name, m_config.clusterId)); };

    m_moduleStateCounter = add(ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, "Consensus Module state");
    m_roleCounter = add(ClusterCounters::NODE_ROLE_TYPE_ID, "Cluster node role");
    m_commitPositionCounter = add(ClusterCounters::COMMIT_POSITION_TYPE_ID, "Cluster commit-pos:");
    m_electionStateCounter = add(ClusterCounters::ELECTION_STATE_TYPE_ID, "Cluster election state");
    m_electionCountCounter = add(ClusterCounters::ELECTION_COUNT_TYPE_ID, "Cluster election count");
    m_leadershipTermIdCounter = add(ClusterCounters::LEADERSHIP_TERM_ID_TYPE_ID, "Cluster leadership term id");
    m_timedOutClientCounter = add(ClusterCounters::CLUSTER_CLIENT_TIMEOUT_COUNT_TYPE_ID, "Cluster timed out client count");
    m_invalidRequestCounter = add(ClusterCounters::CLUSTER_INVALID_REQUEST_COUNT_TYPE_ID, "Cluster invalid request count");
    m_errorCounter = add(ClusterCounters::CONSENSUS_MODULE_ERROR_COUNT_TYPE_ID, "Cluster errors");
    m_controlToggleCounter = add(ClusterCounters::CONTROL_TOGGLE_TYPE_ID, "Control toggle");
    m_snapshotCounter = add(ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID, "Cluster snapshot count");
    m_maxSnapshotDurationCounter =
        add(ClusterCounters::CLUSTER_TOTAL_MAX_SNAPSHOT_DURATION_TYPE_ID, "Total max snapshot duration in ns");
    m_controlToggleCounter->setOrdered(static_cast<std::int64_t>(ToggleState::NEUTRAL));
    m_moduleStateCounter->setOrdered(static_cast<std::int64_t>(ConsensusModuleState::INIT));
    m_roleCounter->setOrdered(static_cast<std::int64_t>(Role::FOLLOWER));
    m_leadershipTermIdCounter->setOrdered(-1);
}

void ConsensusModuleAgent::connectArchive()
{
    archive::AeronArchiveContext archiveContext;
    archiveContext.aeron = m_aeron;
    archiveContext.controlRequestChannel = m_context.archiveControlChannel;
    archiveContext.controlRequestStreamId = m_context.archiveControlStreamId;
    archiveContext.controlResponseChannel = m_context.archiveControlResponseChannel;
    archiveContext.controlResponseStreamId = m_context.archiveControlResponseStreamId;
    archiveContext.archiveInvoker = m_context.archiveInvoker;
    archiveContext.errorHandler = m_context.errorHandler;
    archiveContext.recordingSignalConsumer = [this](std::int64_t, std::int64_t, std::int64_t recordingId, std::int64_t,
                                                    std::int64_t, codecs::archive::RecordingSignal signal)
    {
        if (signal == codecs::archive::RecordingSignal::REPLICATE)
        {
            m_replicatedRecordingId = recordingId;
        }
    };
    m_archive = archive::AeronArchive::connect(archiveContext);
}

std::string ConsensusModuleAgent::ingressChannelFor(const ClusterMember& member) const
{
    const std::string& channel = m_config.ingressChannel;
    if (channel.rfind("aeron:udp", 0) == 0 && !channelParam(channel, "endpoint"))
    {
        return withParam(channel, "endpoint", member.ingressEndpoint);
    }
    return channel;
}

void ConsensusModuleAgent::createChannels()
{
    using Handler = std::function<void(const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&)>;
    m_ingressAssembler = std::make_unique<transport::FragmentAssembler<Handler>>(
        Handler([this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                       const transport::Header&)
                { IngressAdapter::onMessage(*this, buffer.buffer() + offset, length); }));
    m_serviceAssembler = std::make_unique<transport::FragmentAssembler<Handler>>(
        Handler([this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                       const transport::Header&)
                { ConsensusModuleAdapter::onMessage(*this, buffer.buffer() + offset, length); }));
    m_logAssembler = std::make_unique<transport::FragmentAssembler<Handler>>(
        Handler([this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                       const transport::Header& header)
                {
                    m_logEntryPosition = header.position();
                    LogAdapter::onMessage(*this, buffer.buffer() + offset, length, header.position());
                }));

    m_ingressSubscription = m_aeron->addSubscription(ingressChannelFor(*m_thisMember), m_config.ingressStreamId);
    if (isMultiMember())
    {
        m_consensusSubscription = m_aeron->addSubscription(
            withParam(m_config.consensusChannel, "endpoint", m_thisMember->consensusEndpoint),
            m_config.consensusStreamId);
        for (const auto& member : m_members)
        {
            if (member.id == m_thisMember->id)
            {
                continue;
            }
            m_consensusPublications[member.id] = m_aeron->addExclusivePublication(
                withParam(m_config.consensusChannel, "endpoint", member.consensusEndpoint),
                m_config.consensusStreamId);
        }
    }
    m_serviceProxy = std::make_unique<ServiceProxy>(
        m_aeron->addExclusivePublication(m_config.controlChannel, m_config.serviceStreamId));
    m_serviceControlSubscription = m_aeron->addSubscription(m_config.controlChannel, m_config.consensusModuleStreamId);
}

void ConsensusModuleAgent::allocateRecoveryState()
{
    RecoveryState::Values values;
    values.clusterId = m_config.clusterId;
    values.serviceCount = m_config.serviceCount;
    values.leadershipTermId = m_recoveryPlan->lastLeadershipTermId;
    values.logPosition = m_recoveryPlan->log ? m_recoveryPlan->log->startPosition : 0;
    for (const auto& snapshot : m_recoveryPlan->snapshots)
    {
        // The services load theirs and everyone replays the log from the snapshot's position.
        values.logPosition = snapshot.logPosition;
        values.leadershipTermId = snapshot.leadershipTermId;
        values.timestamp = snapshot.timestamp;
        if (snapshot.serviceId >= 0 && snapshot.serviceId < RecoveryState::MAX_SERVICE_COUNT)
        {
            values.snapshotRecordingIds[static_cast<std::size_t>(snapshot.serviceId)] = snapshot.recordingId;
        }
    }
    m_logAdapterPosition = values.logPosition;
    m_recoveryStateCounter = RecoveryState::allocate(*m_aeron, values);
}

int ConsensusModuleAgent::doWork()
{
    if (m_isTerminated)
    {
        return 0;
    }
    const std::int64_t nowNs = m_context.nanoClock->nanoTime();
    m_nowNs = nowNs;
    int work = 0;
    if (m_aeron->context().useConductorAgentInvoker)
    {
        work += m_aeron->conductorAgentInvoker().invoke();
    }
    if (nowNs >= m_slowTickDeadlineNs)
    {
        const int slowWork = slowTick(nowNs);
        work += slowWork;
        m_slowTickDeadlineNs = slowWork > 0 ? nowNs : nowNs + SLOW_TICK_INTERVAL_NS;
    }
    if (m_consensusSubscription)
    {
        work += m_consensusSubscription->poll(
            [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
            { ConsensusAdapter::onMessage(*this, buffer.buffer() + offset, length); },
            CONSENSUS_FRAGMENT_LIMIT);
    }
    if (m_snapshotRetrieval)
    {
        work += m_snapshotRetrieval->doWork(nowNs);
        if (m_snapshotRetrieval->isDone())
        {
            m_snapshotRetrieval.reset();
            startRecovery(nowNs);
        }
        return work;
    }
    if (!m_election && m_electionRestartDeadlineNs >= 0 && nowNs >= m_electionRestartDeadlineNs)
    {
        m_electionRestartDeadlineNs = -1;
        m_election = std::make_unique<Election>(*this, m_isStartupElection, nowNs);
    }
    if (m_election)
    {
        try
        {
            work += m_election->doWork(nowNs);
            if (m_election->isClosed())
            {
                m_election.reset();
                m_isStartupElection = false;
                m_followerProgressPosition = -1;
                state(ConsensusModuleState::ACTIVE);
            }
        }
        catch (const std::exception& e)
        {
            onElectionError(e, nowNs);
        }
    }
    else if (m_electionRestartDeadlineNs < 0)
    {
        work += consensusWork(nowNs);
    }
    work += pollServiceControl();
    if (m_pendingSnapshot)
    {
        work += snapshotWork(nowNs);
    }
    if (m_termination != Termination::NONE && !m_isTerminated)
    {
        work += terminationWork(nowNs);
    }
    return work;
}

void ConsensusModuleAgent::enterElection(const char* reason, std::int32_t gracefulClosedLeaderId)
{
    std::cout << "consensus-module: member " << m_thisMember->id << " (" << toString(m_role) << ", term "
              << m_leadershipTermId << ") enters an election: " << reason << std::endl;
    m_isStartupElection = false;
    m_followerProgressPosition = -1; // measured afresh in the next term
    m_election = std::make_unique<Election>(*this, false, m_nowNs, gracefulClosedLeaderId);
}

int ConsensusModuleAgent::checkLeaderLiveness(std::int64_t nowNs)
{
    if (m_role == Role::FOLLOWER)
    {
        if (m_logImage && (m_logImage->isClosed() || m_logImage->isEndOfStream()) &&
            m_logAdapterPosition >= m_logImage->position())
        {
            // The leader closed its log: it left gracefully, so nobody waits for it in the next election.
            enterElection("the leader closed the log", m_leaderMember ? m_leaderMember->id : -1);
            return 1;
        }
        if (nowNs - m_timeOfLastLeaderMessageNs > m_config.leaderHeartbeatTimeoutNs)
        {
            enterElection("leader heartbeat timeout");
            return 1;
        }
        // Behind the leader's commit position with a log that does not move (a catch-up that ended too early, a
        // gap the live stream cannot fill): heartbeats alone would keep it here forever. Join again by catch-up.
        const std::int64_t appended = appendPosition();
        if (appended > m_followerProgressPosition || m_notifiedCommitPosition <= appended)
        {
            m_followerProgressPosition = appended;
            m_timeOfFollowerProgressNs = nowNs;
        }
        else if (nowNs - m_timeOfFollowerProgressNs > m_config.leaderHeartbeatTimeoutNs)
        {
            const std::string reason = "the log stalled at " + std::to_string(appended) +
                " behind the leader's commit position " + std::to_string(m_notifiedCommitPosition);
            enterElection(reason.c_str());
            return 1;
        }
    }
    else if (m_role == Role::LEADER && m_config.appointedLeaderId == ClusterMember::NULL_MEMBER_ID &&
             !hasActiveQuorum(m_members, nowNs, m_config.leaderHeartbeatTimeoutNs))
    {
        // Without a quorum of followers this leader can commit nothing; stepping down lets a leader that has one
        // take over, and keeps this one from serving clients it cannot answer.
        enterElection("no active quorum of followers");
        return 1;
    }
    return 0;
}

void ConsensusModuleAgent::prepareForNewLeadership(std::int64_t nowNs)
{
    static_cast<void>(nowNs);
    const std::int64_t commitPosition = m_commitPositionCounter->get();
    if (m_pendingSnapshot && m_pendingSnapshot->logPosition > commitPosition)
    {
        // Its SNAPSHOT entry was never committed: the services will not reach it, and the next leader's log may
        // not hold it. Drop it (and a shutdown waiting on it); the next leader's toggle can ask again.
        std::cout << "consensus-module: member " << m_thisMember->id << " drops the snapshot at "
                  << m_pendingSnapshot->logPosition << ", never committed" << std::endl;
        const ConsensusModuleState previous = m_pendingSnapshot->previousState;
        m_pendingSnapshot.reset();
        state(previous);
        if (m_termination != Termination::NONE && m_terminationPosition > commitPosition)
        {
            m_termination = Termination::NONE;
            m_terminationPosition = -1;
        }
        resetToggle(m_controlToggleCounter->get());
    }
    if (m_role == Role::LEADER)
    {
        for (auto& member : m_members)
        {
            stopCatchupReplay(member);
            member.hasLogDestination = false;
        }
        m_logPublisher.disconnect();
        m_appendPositionCounterId = -1;
        for (std::size_t i = m_uncommittedSessionMessagesHead; i < m_uncommittedSessionMessages.size(); ++i)
        {
            if (ClusterSession* session = findOpenSession(m_uncommittedSessionMessages[i].second))
            {
                --session->messagesInLog;
            }
        }
        m_uncommittedSessionMessages.clear();
        m_uncommittedSessionMessagesHead = 0;
        // The services have applied the log up to the commit position; whatever lies beyond is replayed (or cut)
        // by the election once it knows the next leader's log.
        m_logAdapterPosition = commitPosition;
        // Sessions opened in a log entry that was never committed do not exist for the next leader.
        for (auto it = m_sessions.begin(); it != m_sessions.end();)
        {
            if (it->second->openedLogPosition > commitPosition)
            {
                if (it->second->responsePublication)
                {
                    m_egressPublisher.sendEvent(*it->second->responsePublication, it->second->id,
                                                it->second->correlationId, m_leadershipTermId, m_thisMember->id,
                                                EventCode::CLOSED, "election");
                }
                it->second->closeResponsePublication();
                it = m_sessions.erase(it);
            }
            else
            {
                ++it;
            }
        }
        for (auto& session : m_pendingSessions)
        {
            session->closeResponsePublication();
        }
        m_pendingSessions.clear();
    }
    else
    {
        closeLog();
        if (m_logRecordingSubscriptionId >= 0)
        {
            m_archive->tryStopRecording(m_logRecordingSubscriptionId);
        }
    }
    m_logRecordingSubscriptionId = -1;
    m_logImage.reset();
    role(Role::FOLLOWER);
    m_leaderMember = nullptr;
    // Timers fired and service messages appended but not committed are fired and appended again by whoever leads.
    for (auto& tracker : m_pendingServiceMessages)
    {
        tracker.restoreUncommittedMessages();
    }
    for (const auto& [appendPosition, correlationId] : m_uncommittedTimers)
    {
        static_cast<void>(appendPosition);
        m_timerService.scheduleTimer(correlationId, 0);
    }
    m_uncommittedTimers.clear();
}

void ConsensusModuleAgent::onLeadershipTermStarted(std::int64_t nowNs)
{
    notifyNewLeader();
    m_timeOfLastCommitPositionSendNs = 0;
    for (auto& tracker : m_pendingServiceMessages)
    {
        tracker.restoreUncommittedMessages();
    }
    for (const auto& [appendPosition, correlationId] : m_uncommittedTimers)
    {
        static_cast<void>(appendPosition);
        m_timerService.scheduleTimer(correlationId, 0);
    }
    m_uncommittedTimers.clear();
    for (auto& member : m_members)
    {
        member.timeOfLastAppendPositionNs = nowNs;
    }
}

void ConsensusModuleAgent::sendNewLeadershipTerm(std::int32_t memberId, std::int64_t logLeadershipTermId,
                                                 bool isStartup, std::int64_t nowNs)
{
    auto it = m_consensusPublications.find(memberId);
    if (it == m_consensusPublications.end() || !m_logPublisher.publication())
    {
        return;
    }
    ConsensusPublisher::NewLeadershipTerm term{};
    term.logLeadershipTermId = logLeadershipTermId;
    term.nextLeadershipTermId = m_leadershipTermId;
    term.nextTermBaseLogPosition = m_termBaseLogPosition;
    term.nextLogPosition = ClusterMember::NULL_POSITION;
    if (logLeadershipTermId < m_leadershipTermId)
    {
        // The member's log ends in an older term: tell it where the next term begins in this leader's log, so it
        // keeps no entry of its own past that point and fetches the rest one term at a time.
        for (const auto& entry : m_recordingLog->entries())
        {
            if (entry.type == RecordingLog::ENTRY_TYPE_TERM && entry.isValid &&
                entry.leadershipTermId > logLeadershipTermId)
            {
                term.nextLeadershipTermId = entry.leadershipTermId;
                term.nextTermBaseLogPosition = entry.termBaseLogPosition;
                term.nextLogPosition = entry.logPosition;
                break;
            }
        }
    }
    term.leadershipTermId = m_leadershipTermId;
    term.termBaseLogPosition = m_termBaseLogPosition;
    term.logPosition = appendPosition();
    term.leaderRecordingId = m_logRecordingId;
    term.timestamp = clusterTime(nowNs);
    term.leaderMemberId = m_thisMember->id;
    term.logSessionId = m_logSessionId;
    term.appVersion = m_config.appVersion;
    term.isStartup = isStartup;
    m_consensusPublisher.newLeadershipTerm(*it->second, term);
}

void ConsensusModuleAgent::removeLogDestination(ClusterMember& member)
{
    if (member.hasLogDestination && m_logPublisher.publication())
    {
        m_logPublisher.publication()->removeDestination("aeron:udp?endpoint=" + member.logEndpoint);
    }
    member.hasLogDestination = false;
}

void ConsensusModuleAgent::addLogDestination(ClusterMember& member)
{
    if (!member.hasLogDestination && m_logPublisher.publication())
    {
        m_logPublisher.publication()->addDestination("aeron:udp?endpoint=" + member.logEndpoint);
        member.hasLogDestination = true;
    }
}

void ConsensusModuleAgent::stopCatchupReplay(ClusterMember& member)
{
    if (member.catchupReplaySessionId != ClusterMember::NULL_VALUE)
    {
        try
        {
            m_archive->stopReplay(member.catchupReplaySessionId);
        }
        catch (const std::exception& e)
        {
            // It may have ended by itself (the follower went away).
            std::cerr << "consensus-module: stopping the catch-up replay of member " << member.id << ": " << e.what()
                      << std::endl;
        }
        member.catchupReplaySessionId = ClusterMember::NULL_VALUE;
        member.catchupLiveAddedPosition = ClusterMember::NULL_POSITION;
    }
}

int ConsensusModuleAgent::updateCatchups(std::int64_t nowNs)
{
    int work = 0;
    const std::int64_t leaderPosition = m_logPublisher.position();
    const std::int64_t window = std::max<std::int64_t>(m_logTermLength / 8, 4096);
    for (auto& member : m_members)
    {
        if (member.catchupReplaySessionId == ClusterMember::NULL_VALUE)
        {
            continue;
        }
        if (member.catchupLiveAddedPosition == ClusterMember::NULL_POSITION &&
            member.leadershipTermId == m_leadershipTermId && member.logPosition >= leaderPosition - window)
        {
            // Close enough that the live stream lands inside the image's window: both feed it for a while.
            addLogDestination(member);
            member.catchupLiveAddedPosition = leaderPosition;
            ++work;
        }
        else if (member.catchupLiveAddedPosition != ClusterMember::NULL_POSITION &&
                 member.logPosition >= member.catchupLiveAddedPosition)
        {
            stopCatchupReplay(member);
            auto it = m_consensusPublications.find(member.id);
            if (it != m_consensusPublications.end())
            {
                m_consensusPublisher.stopCatchup(*it->second, m_leadershipTermId, member.id);
            }
            std::cout << "consensus-module: member " << member.id << " caught up at " << member.logPosition
                      << "; live log only from here" << std::endl;
            ++work;
        }
        else
        {
            if (member.logPosition > member.catchupProgressPosition)
            {
                member.catchupProgressPosition = member.logPosition;
                member.timeOfLastCatchupProgressNs = nowNs;
            }
            if (nowNs - member.timeOfLastAppendPositionNs > m_config.leaderHeartbeatTimeoutNs ||
                nowNs - member.timeOfLastCatchupProgressNs > m_config.leaderHeartbeatTimeoutNs)
            {
                // Gone, or stuck: the follower asks again, with a fresh subscription, when it restarts its election.
                std::cout << "consensus-module: catch-up of member " << member.id << " stalled at "
                          << member.logPosition << "; replay stopped" << std::endl;
                stopCatchupReplay(member);
                ++work;
            }
        }
    }
    return work;
}

int ConsensusModuleAgent::reconnectArchiveAfter(const std::exception& error)
{
    // The archive dropped this module's control session (the process was paused past the archive's timeout, say):
    // it refuses every request on it (UNKNOWN_CONTROL_SESSION), often without an answer the client could see (a
    // response timeout), or with its response stream gone. Connect again; recordings and replays live on in the
    // archive.
    if (!archive::isControlSessionLost(error))
    {
        return 0;
    }
    std::cerr << "consensus-module: member " << m_thisMember->id
              << " reconnects to its archive after: " << error.what() << std::endl;
    m_archive.reset();
    connectArchive();
    return 1;
}

void ConsensusModuleAgent::onElectionError(const std::exception& error, std::int64_t nowNs)
{
    static_cast<void>(reconnectArchiveAfter(error));
    // As Aeron: count it and start the election again from INIT, after a pause so a persistent fault (a peer
    // not up yet, a refused archive request) is not retried in a tight loop.
    m_errorCounter->setOrdered(m_errorCounter->get() + 1);
    std::cerr << "consensus-module: member " << m_thisMember->id << " election failed in "
              << toString(m_election->state()) << ": " << error.what() << "; restarting the election" << std::endl;
    if (m_context.errorHandler)
    {
        m_context.errorHandler(error);
    }
    m_election.reset();
    if (m_role != Role::LEADER)
    {
        closeLog();
        if (m_logRecordingSubscriptionId >= 0)
        {
            try
            {
                m_archive->tryStopRecording(m_logRecordingSubscriptionId);
            }
            catch (const std::exception& e)
            {
                std::cerr << "consensus-module: could not stop the log recording: " << e.what() << std::endl;
            }
            m_logRecordingSubscriptionId = -1;
        }
    }
    m_electionRestartDeadlineNs = nowNs + m_config.electionTimeoutNs;
}

int ConsensusModuleAgent::slowTick(std::int64_t nowNs)
{
    int work = 0;
    if (nowNs >= m_markFileUpdateDeadlineNs)
    {
        m_markFileUpdateDeadlineNs = nowNs + MARK_FILE_UPDATE_INTERVAL_NS;
        m_markFile->updateActivityTimestamp(m_context.epochClock->time());
    }
    if (nowNs >= m_archiveKeepAliveDeadlineNs)
    {
        // The archive closes a control session that sends nothing for its connect timeout; a stable term can go
        // much longer than that without an archive request.
        m_archiveKeepAliveDeadlineNs = nowNs + ARCHIVE_KEEP_ALIVE_INTERVAL_NS;
        static_cast<void>(m_archive->archiveProxy().keepAlive(-1, m_archive->controlSessionId()));
    }
    try
    {
        // Rare (an ERROR the archive sent on this session outside a blocking request), so an exception is cheap
        // enough here, and it carries the error code.
        m_archive->checkForErrorResponse();
    }
    catch (const archive::ArchiveResponseException& archiveError)
    {
        m_errorCounter->setOrdered(m_errorCounter->get() + 1);
        std::cerr << "consensus-module: archive error: " << archiveError.what() << std::endl;
        if (m_election)
        {
            m_election->onArchiveError(archiveError.what());
        }
        work += reconnectArchiveAfter(archiveError);
    }
    work += processRejectedSessions(nowNs);
    if (m_election == nullptr && m_electionRestartDeadlineNs < 0 && isMultiMember() && !m_snapshotRetrieval)
    {
        work += checkLeaderLiveness(nowNs);
    }
    if (m_role == Role::LEADER && m_election == nullptr)
    {
        // Sessions open and close through the log: not between a snapshot's entry and the snapshot, nor while
        // suspended or terminating.
        if (m_state == ConsensusModuleState::ACTIVE)
        {
            work += processPendingSessions(nowNs);
            work += checkSessions(nowNs);
        }
        work += sendPendingSessionEvents();
        work += checkControlToggle(nowNs);
    }
    return work;
}

int ConsensusModuleAgent::consensusWork(std::int64_t nowNs)
{
    return m_role == Role::LEADER ? leaderWork(nowNs) : followerWork(nowNs);
}

int ConsensusModuleAgent::leaderWork(std::int64_t nowNs)
{
    int work = 0;
    if (m_state == ConsensusModuleState::ACTIVE)
    {
        const std::int64_t now = clusterTime(nowNs);
        work += m_timerService.poll(now,
                                    [&](std::int64_t correlationId)
                                    {
                                        const std::int64_t position =
                                            m_logPublisher.appendTimer(m_leadershipTermId, correlationId, now);
                                        if (position > 0)
                                        {
                                            m_uncommittedTimers.emplace_back(position, correlationId);
                                            return true;
                                        }
                                        return false;
                                    });
        for (auto& tracker : m_pendingServiceMessages)
        {
            work += tracker.appendMessages(m_logPublisher, m_leadershipTermId, now);
        }
        work += pollIngress();
    }
    work += updateLeaderCommitPosition(nowNs);
    work += updateCatchups(nowNs);
    return work;
}

int ConsensusModuleAgent::pollIngress()
{
    // Poll only while the log can take the largest message without back pressure, so an ingress message is
    // never consumed and then lost for want of log space (the assembler cannot push a fragment back).
    const auto& publication = m_logPublisher.publication();
    if (!publication)
    {
        return 0;
    }
    const std::int64_t needed = publication->maxMessageLength() + 64;
    int work = 0;
    for (int i = 0; i < m_config.ingressFragmentLimit; ++i)
    {
        if (m_logPublisher.availableWindow() < needed)
        {
            break;
        }
        const int fragments = m_ingressSubscription->poll(
            [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                   const transport::Header& header) { m_ingressAssembler->onFragment(buffer, offset, length, header); },
            1);
        if (fragments == 0)
        {
            break;
        }
        work += fragments;
    }
    return work;
}

std::int64_t ConsensusModuleAgent::appendPosition() const noexcept
{
    if (m_appendPositionCounterId < 0)
    {
        return m_termBaseLogPosition;
    }
    return m_aeron->countersReader().getCounterValue(m_appendPositionCounterId);
}

int ConsensusModuleAgent::updateLeaderCommitPosition(std::int64_t nowNs)
{
    const std::int64_t position = appendPosition();
    m_thisMember->logPosition = position;
    m_thisMember->leadershipTermId = m_leadershipTermId;
    m_thisMember->timeOfLastAppendPositionNs = nowNs;
    const std::int64_t quorumPosition =
        cluster::quorumPosition(m_members, m_leadershipTermId, nowNs, m_config.leaderHeartbeatTimeoutNs);
    const std::int64_t commitPosition = std::min(quorumPosition, position);
    int work = 0;
    if (commitPosition > m_commitPositionCounter->get())
    {
        m_commitPositionCounter->setOrdered(commitPosition);
        sweepUncommittedEntries(commitPosition);
        publishCommitPosition(nowNs);
        work = 1;
    }
    else if (nowNs >= m_timeOfLastCommitPositionSendNs + m_config.leaderHeartbeatIntervalNs)
    {
        publishCommitPosition(nowNs);
        work = 1;
    }
    return work;
}

void ConsensusModuleAgent::publishCommitPosition(std::int64_t nowNs)
{
    const std::int64_t commitPosition = m_commitPositionCounter->get();
    for (auto& [memberId, publication] : m_consensusPublications)
    {
        m_consensusPublisher.commitPosition(*publication, m_leadershipTermId, commitPosition, m_thisMember->id);
    }
    m_timeOfLastCommitPositionSendNs = nowNs;
}

void ConsensusModuleAgent::sweepUncommittedEntries(std::int64_t commitPosition)
{
    std::size_t committed = 0;
    while (committed < m_uncommittedTimers.size() && m_uncommittedTimers[committed].first <= commitPosition)
    {
        ++committed;
    }
    if (committed > 0)
    {
        m_uncommittedTimers.erase(m_uncommittedTimers.begin(), m_uncommittedTimers.begin() + static_cast<std::ptrdiff_t>(committed));
    }
    for (auto& tracker : m_pendingServiceMessages)
    {
        tracker.sweepLeaderMessages(commitPosition);
    }
    while (m_uncommittedSessionMessagesHead < m_uncommittedSessionMessages.size() &&
           m_uncommittedSessionMessages[m_uncommittedSessionMessagesHead].first <= commitPosition)
    {
        ++m_uncommittedSessionMessagesHead;
    }
    if (m_uncommittedSessionMessagesHead == m_uncommittedSessionMessages.size())
    {
        m_uncommittedSessionMessages.clear(); // keeps its capacity: no allocation in steady state
        m_uncommittedSessionMessagesHead = 0;
    }
}

int ConsensusModuleAgent::followerWork(std::int64_t nowNs)
{
    int work = 0;
    const std::int64_t position = appendPosition();
    const std::int64_t limit = std::min(m_notifiedCommitPosition, position);
    work += pollLog(limit);
    work += updateFollowerAppendPosition(nowNs);
    // Followers answer connects with a redirect to the leader.
    work += m_ingressSubscription->poll(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
               const transport::Header& header) { m_ingressAssembler->onFragment(buffer, offset, length, header); },
        m_config.ingressFragmentLimit);
    return work;
}

int ConsensusModuleAgent::pollLog(std::int64_t limitPosition)
{
    if (!m_logImage)
    {
        return 0;
    }
    if (m_pendingSnapshot)
    {
        return 0; // the log waits at the snapshot's position until the snapshot is taken
    }
    // A SNAPSHOT entry stops the poll right behind it: the log waits there until the snapshot is taken.
    const int fragments = m_logImage->boundedControlledPoll(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
               const transport::Header& header)
        {
            m_logAssembler->onFragment(buffer, offset, length, header);
            return m_pendingSnapshot ? transport::ControlledPollAction::BREAK
                                     : transport::ControlledPollAction::CONTINUE;
        },
        limitPosition, m_config.logFragmentLimit);
    const std::int64_t position = m_logImage->position();
    if (position > m_logAdapterPosition)
    {
        m_logAdapterPosition = position;
        m_commitPositionCounter->setOrdered(position);
    }
    return fragments;
}

int ConsensusModuleAgent::updateFollowerAppendPosition(std::int64_t nowNs)
{
    const std::int64_t position = appendPosition();
    if (m_leaderMember == nullptr)
    {
        return 0;
    }
    if (position != m_lastAppendPosition ||
        nowNs >= m_timeOfLastAppendPositionSendNs + m_config.leaderHeartbeatIntervalNs)
    {
        auto it = m_consensusPublications.find(m_leaderMember->id);
        if (it != m_consensusPublications.end() &&
            m_consensusPublisher.appendPosition(*it->second, m_leadershipTermId, position, m_thisMember->id))
        {
            m_lastAppendPosition = position;
            m_timeOfLastAppendPositionSendNs = nowNs;
            return 1;
        }
    }
    return 0;
}

int ConsensusModuleAgent::pollServiceControl()
{
    return m_serviceControlSubscription->poll(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
               const transport::Header& header) { m_serviceAssembler->onFragment(buffer, offset, length, header); },
        SERVICE_FRAGMENT_LIMIT);
}

std::int64_t ConsensusModuleAgent::clusterTime(std::int64_t nowNs) const noexcept
{
    // Epoch time derived from the duty cycle's monotonic clock reading: no clock call per entry, and
    // timestamps never go back within a run.
    const std::int64_t time = fromNanos(m_timeUnit, nowNs + m_epochOffsetNs);
    if (time < m_lastClusterTime)
    {
        return m_lastClusterTime; // a leader whose clock is behind the log's: cluster time must not go back
    }
    m_lastClusterTime = time;
    return time;
}

void ConsensusModuleAgent::role(Role newRole)
{
    if (newRole != m_role)
    {
        std::cout << "consensus-module: member " << m_thisMember->id << " role " << toString(m_role) << " -> "
                  << toString(newRole) << std::endl;
    }
    m_role = newRole;
    m_roleCounter->setOrdered(static_cast<std::int64_t>(newRole));
}

void ConsensusModuleAgent::state(ConsensusModuleState newState)
{
    m_state = newState;
    m_moduleStateCounter->setOrdered(static_cast<std::int64_t>(newState));
}

std::string ConsensusModuleAgent::logChannelForTerm(std::int32_t initialTermId, std::int64_t termBase,
                                                    std::int32_t termLength) const
{
    std::string channel = "aeron:ipc";
    if (isMultiMember())
    {
        channel = withoutParam(m_config.logChannel, "endpoint");
        channel = withParam(channel, "control-mode", "manual");
        channel = withParam(channel, "tags", logTag());
    }
    const std::int32_t positionBits = __builtin_ctz(static_cast<unsigned>(termLength));
    const std::int32_t termId = initialTermId + static_cast<std::int32_t>(termBase >> positionBits);
    const std::int32_t termOffset = static_cast<std::int32_t>(termBase & (termLength - 1));
    channel = withParam(channel, "term-length", std::to_string(termLength));
    channel = withParam(channel, "init-term-id", std::to_string(initialTermId));
    channel = withParam(channel, "term-id", std::to_string(termId));
    channel = withParam(channel, "term-offset", std::to_string(termOffset));
    return withParam(channel, "alias", "log");
}

std::string ConsensusModuleAgent::logTag() const
{
    // Distinct per cluster on a shared driver; spies and the leader's archive find the log by it.
    return std::to_string(1'000'000 + m_config.clusterId * 1000 + m_config.logStreamId);
}

std::string ConsensusModuleAgent::followerLogSubscriptionChannel(std::int32_t logSessionId) const
{
    // A manual-control subscription gets an endpoint (and so images) of its own: a follower that subscribes again
    // after an election never joins an image left over from its last subscription, whose position is not its own
    // log's. The log endpoint is added as a destination; the recording and the services join by the tag.
    return "aeron:udp?control-mode=manual|tags=" + std::to_string(m_followerLogTag) +
        "|session-id=" + std::to_string(logSessionId) + "|alias=log";
}

std::string ConsensusModuleAgent::followerLogChannel(std::int32_t logSessionId) const
{
    return "aeron:udp?tags=" + std::to_string(m_followerLogTag) + "|session-id=" + std::to_string(logSessionId) +
        "|alias=log";
}

std::string ConsensusModuleAgent::serviceLogChannel(std::int32_t logSessionId) const
{
    if (!isMultiMember())
    {
        return "aeron:ipc?session-id=" + std::to_string(logSessionId);
    }
    if (m_role == Role::LEADER)
    {
        return "aeron-spy:aeron:udp?tags=" + logTag() + "|session-id=" + std::to_string(logSessionId);
    }
    return followerLogChannel(logSessionId);
}

void ConsensusModuleAgent::closeLog()
{
    m_logPublisher.disconnect();
    if (m_logSubscription)
    {
        if (m_followerLogTag >= 0)
        {
            // The services and the recording may hold the tagged endpoint a little longer; the log port must be
            // free now for this member's next log subscription.
            try
            {
                m_logSubscription->removeDestination("aeron:udp?endpoint=" + m_thisMember->logEndpoint);
            }
            catch (const std::exception& e)
            {
                std::cerr << "consensus-module: removing the log destination: " << e.what() << std::endl;
            }
            m_followerLogTag = -1;
        }
        m_logSubscription->close();
        m_logSubscription.reset();
    }
    m_logImage.reset();
    m_appendPositionCounterId = -1;
}

void ConsensusModuleAgent::onServiceAck(std::int64_t logPosition, std::int64_t timestamp, std::int64_t ackId,
                                        std::int64_t relevantId, std::int32_t serviceId)
{
    static_cast<void>(timestamp);
    if (serviceId < 0 || serviceId >= m_config.serviceCount)
    {
        onInvalidIngress("service ack from an unknown service id");
        return;
    }
    auto& ack = m_serviceAcks[static_cast<std::size_t>(serviceId)];
    if (ackId != ack.nextAckId)
    {
        m_errorCounter->setOrdered(m_errorCounter->get() + 1);
        std::cerr << "consensus-module: service " << serviceId << " acked id " << ackId << ", expected "
                  << ack.nextAckId << std::endl;
        return;
    }
    ++ack.nextAckId;
    ack.lastAckPosition = logPosition;
    ack.lastRelevantId = relevantId;
}

bool ConsensusModuleAgent::allServicesAcked(std::int64_t ackId) const noexcept
{
    for (const auto& ack : m_serviceAcks)
    {
        if (ack.nextAckId <= ackId)
        {
            return false;
        }
    }
    return true;
}

void ConsensusModuleAgent::onScheduleTimer(std::int64_t correlationId, std::int64_t deadline)
{
    auto it = m_expiredTimerCountByCorrelationId.find(correlationId);
    if (it != m_expiredTimerCountByCorrelationId.end())
    {
        // The log already fired this timer (read before this member's service asked for it): drop the request.
        if (--it->second == 0)
        {
            m_expiredTimerCountByCorrelationId.erase(it);
        }
        return;
    }
    m_timerService.scheduleTimer(correlationId, deadline);
}

void ConsensusModuleAgent::onCancelTimer(std::int64_t correlationId)
{
    m_timerService.cancelTimer(correlationId);
}

void ConsensusModuleAgent::onServiceMessage(std::int64_t serviceId, const std::uint8_t* payload, std::int32_t length)
{
    if (serviceId < 0 || serviceId >= m_config.serviceCount)
    {
        onInvalidIngress("inter-service message from an unknown service id");
        return;
    }
    m_pendingServiceMessages[static_cast<std::size_t>(serviceId)].enqueue(payload, length);
}

void ConsensusModuleAgent::onLogSessionMessage(std::int64_t clusterSessionId, std::int64_t timestamp)
{
    static_cast<void>(timestamp);
    if (clusterSessionId < 0)
    {
        const std::int64_t serviceId = PendingServiceMessageTracker::serviceIdOf(clusterSessionId);
        if (serviceId < m_config.serviceCount)
        {
            m_pendingServiceMessages[static_cast<std::size_t>(serviceId)].sweepFollowerMessages(clusterSessionId);
        }
        return;
    }
    if (ClusterSession* session = findOpenSession(clusterSessionId))
    {
        session->timeOfLastActivityNs = m_nowNs;
        ++session->messagesInLog;
    }
}

void ConsensusModuleAgent::onLogTimerEvent(std::int64_t correlationId)
{
    if (!m_timerService.cancelTimer(correlationId))
    {
        ++m_expiredTimerCountByCorrelationId[correlationId];
    }
}

void ConsensusModuleAgent::onLogSessionOpen(std::int64_t logPosition, std::int64_t correlationId,
                                            std::int64_t clusterSessionId, std::int64_t timestamp,
                                            std::int32_t responseStreamId, std::string_view responseChannel)
{
    static_cast<void>(timestamp);
    auto session = std::make_unique<ClusterSession>();
    session->id = clusterSessionId;
    session->correlationId = correlationId;
    session->openedLogPosition = logPosition;
    session->responseStreamId = responseStreamId;
    session->responseChannel = std::string(responseChannel);
    session->timeOfLastActivityNs = m_nowNs;
    session->state = ClusterSession::State::OPEN;
    m_sessions[clusterSessionId] = std::move(session);
    m_nextSessionId = std::max(m_nextSessionId, clusterSessionId + 1);
}

void ConsensusModuleAgent::onLogSessionClose(std::int64_t clusterSessionId, CloseReason closeReason)
{
    static_cast<void>(closeReason);
    auto it = m_sessions.find(clusterSessionId);
    if (it != m_sessions.end())
    {
        it->second->closeResponsePublication();
        m_sessions.erase(it);
    }
}

void ConsensusModuleAgent::onLogNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t logPosition,
                                                       std::int32_t leaderMemberId)
{
    static_cast<void>(leadershipTermId);
    static_cast<void>(logPosition);
    static_cast<void>(leaderMemberId);
}

void ConsensusModuleAgent::onInvalidLogEntry(const char* reason)
{
    m_errorCounter->setOrdered(m_errorCounter->get() + 1);
    std::cerr << "consensus-module: " << reason << " at log position " << m_logEntryPosition << std::endl;
}

void ConsensusModuleAgent::onInvalidIngress(const char* reason)
{
    static_cast<void>(reason);
    m_invalidRequestCounter->setOrdered(m_invalidRequestCounter->get() + 1);
}

void ConsensusModuleAgent::onCanvassPosition(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                                             std::int64_t leadershipTermId, std::int32_t followerMemberId)
{
    if (m_election)
    {
        m_election->onCanvassPosition(logLeadershipTermId, logPosition, leadershipTermId, followerMemberId);
        return;
    }
    if (m_role != Role::LEADER || m_electionRestartDeadlineNs >= 0)
    {
        return;
    }
    for (auto& member : m_members)
    {
        if (member.id == followerMemberId && member.id != m_thisMember->id)
        {
            // A member canvassing a working leader has restarted or lost the log: stop sending it the live log so
            // it can join by catch-up from where its own log ends, and tell it the term.
            if (member.hasLogDestination)
            {
                std::cout << "consensus-module: member " << followerMemberId << " (re)joining at term "
                          << logLeadershipTermId << " position " << logPosition << std::endl;
            }
            removeLogDestination(member);
            stopCatchupReplay(member);
            member.timeOfLastAppendPositionNs = m_nowNs;
            sendNewLeadershipTerm(member.id, logLeadershipTermId, false, m_nowNs);
        }
    }
}

void ConsensusModuleAgent::onNewLeadershipTerm(const ConsensusPublisher::NewLeadershipTerm& term)
{
    if (term.leaderMemberId == m_thisMember->id)
    {
        return;
    }
    m_timeOfLastLeaderMessageNs = m_nowNs;
    if (!m_election && m_electionRestartDeadlineNs < 0 && term.leadershipTermId > m_leadershipTermId)
    {
        enterElection("a newer leadership term");
    }
    if (m_election)
    {
        m_election->onNewLeadershipTerm(term);
    }
}

void ConsensusModuleAgent::onRequestVote(std::int64_t logLeadershipTermId, std::int64_t logPosition,
                                         std::int64_t candidateTermId, std::int32_t candidateMemberId)
{
    if (!m_election && m_electionRestartDeadlineNs < 0 && candidateTermId > m_leadershipTermId &&
        m_config.appointedLeaderId == ClusterMember::NULL_MEMBER_ID)
    {
        enterElection("a vote request for a newer term");
    }
    if (m_election)
    {
        m_election->onRequestVote(logLeadershipTermId, logPosition, candidateTermId, candidateMemberId);
    }
}

void ConsensusModuleAgent::onVote(std::int64_t candidateTermId, std::int64_t logLeadershipTermId,
                                  std::int64_t logPosition, std::int32_t candidateMemberId,
                                  std::int32_t followerMemberId, bool vote)
{
    static_cast<void>(logLeadershipTermId);
    static_cast<void>(logPosition);
    if (m_election)
    {
        m_election->onVote(candidateTermId, candidateMemberId, followerMemberId, vote);
    }
}

void ConsensusModuleAgent::onCatchupPosition(std::int64_t leadershipTermId, std::int64_t logPosition,
                                             std::int32_t followerMemberId, std::string_view catchupEndpoint)
{
    if (m_role != Role::LEADER || leadershipTermId != m_leadershipTermId || m_logRecordingId < 0)
    {
        return;
    }
    for (auto& member : m_members)
    {
        if (member.id != followerMemberId || member.id == m_thisMember->id ||
            member.catchupReplaySessionId != ClusterMember::NULL_VALUE)
        {
            continue;
        }
        if (catchupEndpoint != member.logEndpoint)
        {
            onInvalidIngress("catch-up requested to an endpoint that is not the member's log endpoint");
            return;
        }
        removeLogDestination(member);
        // The replay carries the live log's session id and positions, so it feeds the same image on the follower,
        // which the live stream joins once the follower is close (updateCatchups).
        const std::string channel = "aeron:udp?endpoint=" + member.logEndpoint + "|session-id=" +
            std::to_string(m_logSessionId);
        try
        {
            member.catchupReplaySessionId = m_archive->startReplay(m_logRecordingId, logPosition,
                                                                   std::numeric_limits<std::int64_t>::max(), channel,
                                                                   m_config.logStreamId);
        }
        catch (const std::exception& e)
        {
            // E.g. the follower has recorded more than this leader's archive yet (it records behind the sender),
            // or an earlier catch-up replay to it is still draining. The follower asks again; the live stream
            // stays away from it meanwhile, or it would join the live stream ahead of its own log.
            std::cerr << "consensus-module: no catch-up replay for member " << member.id << " from " << logPosition
                      << " yet: " << e.what() << std::endl;
            return;
        }
        member.catchupLiveAddedPosition = ClusterMember::NULL_POSITION;
        member.timeOfLastAppendPositionNs = m_nowNs;
        member.catchupProgressPosition = logPosition;
        member.timeOfLastCatchupProgressNs = m_nowNs;
        std::cout << "consensus-module: catch-up replay for member " << member.id << " from " << logPosition
                  << std::endl;
    }
}

void ConsensusModuleAgent::onStopCatchup(std::int64_t leadershipTermId, std::int32_t followerMemberId)
{
    static_cast<void>(leadershipTermId);
    static_cast<void>(followerMemberId);
}

void ConsensusModuleAgent::onAppendPosition(std::int64_t leadershipTermId, std::int64_t logPosition,
                                            std::int32_t followerMemberId)
{
    for (auto& member : m_members)
    {
        if (member.id == followerMemberId)
        {
            if (leadershipTermId == m_leadershipTermId)
            {
                // Positions only grow within a term (reordered reports must not pull one back); a position the
                // member gave for another term (its canvass, before it truncated its old tail) is another log's.
                member.logPosition = member.leadershipTermId == leadershipTermId
                    ? std::max(member.logPosition, logPosition)
                    : logPosition;
                member.leadershipTermId = leadershipTermId;
                member.timeOfLastAppendPositionNs = m_nowNs;
            }
            return;
        }
    }
}

void ConsensusModuleAgent::onCommitPosition(std::int64_t leadershipTermId, std::int64_t logPosition,
                                            std::int32_t leaderMemberId)
{
    static_cast<void>(leaderMemberId);
    if (leadershipTermId == m_leadershipTermId)
    {
        m_timeOfLastLeaderMessageNs = m_nowNs;
        m_notifiedCommitPosition = std::max(m_notifiedCommitPosition, logPosition);
    }
    else if (leadershipTermId > m_leadershipTermId && m_election == nullptr)
    {
        // A term this member is not in (its catch-up finished in the term before, say). Before, the newer term's
        // heartbeats kept it from timing out while it never learned the term: it stayed behind for good (seed 996).
        const std::string reason = "a commit position from the newer term " + std::to_string(leadershipTermId);
        enterElection(reason.c_str());
    }
}

void ConsensusModuleAgent::onClose()
{
    m_election.reset();
    for (auto& [id, session] : m_sessions)
    {
        session->closeResponsePublication();
    }
    for (auto& session : m_pendingSessions)
    {
        session->closeResponsePublication();
    }
    closeLog();
    if (m_recordingLog)
    {
        const RecordingLog::Entry* lastTerm = m_recordingLog->findLastTerm();
        if (lastTerm != nullptr && m_commitPositionCounter)
        {
            try
            {
                m_recordingLog->commitLogPosition(lastTerm->leadershipTermId, m_commitPositionCounter->get());
            }
            catch (const std::exception& e)
            {
                std::cerr << "consensus-module: could not commit the last term's position: " << e.what() << std::endl;
            }
        }
    }
    if (m_serviceProxy)
    {
        m_serviceProxy->close();
    }
    if (m_archive)
    {
        m_archive->close();
    }
    for (auto* counter : {&m_moduleStateCounter, &m_roleCounter, &m_commitPositionCounter, &m_electionStateCounter,
                          &m_electionCountCounter, &m_leadershipTermIdCounter, &m_timedOutClientCounter,
                          &m_invalidRequestCounter, &m_errorCounter, &m_recoveryStateCounter})
    {
        if (*counter)
        {
            (*counter)->close();
        }
    }
    m_isTerminated = true;
}
} // namespace cox::cluster

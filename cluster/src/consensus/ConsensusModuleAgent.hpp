#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "consensus/ClusterSession.hpp"
#include "consensus/ConsensusPublisher.hpp"
#include "consensus/EgressPublisher.hpp"
#include "consensus/LogPublisher.hpp"
#include "consensus/PendingServiceMessageTracker.hpp"
#include "consensus/ServiceProxy.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMember.hpp"
#include "cox/cluster/ConsensusModule.hpp"
#include "cox/cluster/RecoveryPlan.hpp"
#include "cox/cluster/RecordingLog.hpp"
#include "cox/cluster/TimerService.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/Header.hpp"

namespace cox::transport
{
class Counter;
class ExclusivePublication;
class Image;
class Subscription;
} // namespace cox::transport

namespace cox::archive
{
class AeronArchive;
}

namespace cox::cluster
{
class ClusterMarkFile;
class Election;
class NodeStateFile;
class LogReplay;
class SnapshotRetrieval;

/// The consensus module's agent (Aeron's ConsensusModuleAgent): the shell that owns every publication,
/// subscription, file and counter of the module, polls its inputs and turns decisions into log appends,
/// consensus messages, egress and service instructions. Single-threaded; allocation-free on the message paths
/// once sessions are open.
///
/// Roles: a single member is its own leader with the log over IPC; with several members the leader is the
/// appointed one (cluster.appointed-leader-id) and the log goes out by UDP multi-destination cast to the
/// followers' log endpoints. The Election class brings a member from start-up (or a new term) to ACTIVE.
class ConsensusModuleAgent final : public util::Agent
{
public:
    explicit ConsensusModuleAgent(ConsensusModuleContext& context);
    ~ConsensusModuleAgent() override;

    void onStart() override;
    int doWork() override;
    void onClose() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "consensus-module"; }

    /// Read by other threads (the node program waits on it).
    [[nodiscard]] bool isTerminated() const noexcept { return m_isTerminated.load(std::memory_order_acquire); }
    /// Set before m_isTerminated (released with it), so a reader that saw isTerminated() sees it.
    [[nodiscard]] std::string failStopReason() const { return isTerminated() ? m_failStopReason : std::string(); }
    /// Stops the module at once, without the orderly termination protocol: its state cannot be trusted.
    void failStop(const std::string& reason);

    // Ingress (IngressAdapter).
    void onIngressMessage(std::int64_t leadershipTermId, std::int64_t clusterSessionId, const std::uint8_t* payload,
                          std::int32_t payloadLength);
    void onSessionConnect(std::int64_t correlationId, std::int32_t responseStreamId, std::int32_t version,
                          std::string_view responseChannel, std::span<const std::uint8_t> credentials);
    void onSessionCloseRequest(std::int64_t leadershipTermId, std::int64_t clusterSessionId);
    void onSessionKeepAlive(std::int64_t leadershipTermId, std::int64_t clusterSessionId);
    void onChallengeResponse(std::int64_t correlationId, std::int64_t clusterSessionId,
                             std::span<const std::uint8_t> credentials);
    void onAdminRequest(std::int64_t leadershipTermId, std::int64_t clusterSessionId, std::int64_t correlationId,
                        std::int32_t requestType);
    void onInvalidIngress(const char* reason);

    // Consensus stream (ConsensusAdapter).
    void onCanvassPosition(std::int64_t logLeadershipTermId, std::int64_t logPosition, std::int64_t leadershipTermId,
                           std::int32_t followerMemberId);
    void onNewLeadershipTerm(const ConsensusPublisher::NewLeadershipTerm& term);
    void onAppendPosition(std::int64_t leadershipTermId, std::int64_t logPosition, std::int32_t followerMemberId);
    void onCommitPosition(std::int64_t leadershipTermId, std::int64_t logPosition, std::int32_t leaderMemberId);
    void onRequestVote(std::int64_t logLeadershipTermId, std::int64_t logPosition, std::int64_t candidateTermId,
                       std::int32_t candidateMemberId);
    void onVote(std::int64_t candidateTermId, std::int64_t logLeadershipTermId, std::int64_t logPosition,
                std::int32_t candidateMemberId, std::int32_t followerMemberId, bool vote);
    void onCatchupPosition(std::int64_t leadershipTermId, std::int64_t logPosition, std::int32_t followerMemberId,
                           std::string_view catchupEndpoint);
    void onStopCatchup(std::int64_t leadershipTermId, std::int32_t followerMemberId);

    // Services (ConsensusModuleAdapter).
    void onScheduleTimer(std::int64_t correlationId, std::int64_t deadline);
    void onCancelTimer(std::int64_t correlationId);
    void onServiceCloseSession(std::int64_t clusterSessionId);
    void onServiceMessage(std::int64_t serviceId, const std::uint8_t* payload, std::int32_t length);
    void onServiceAck(std::int64_t logPosition, std::int64_t timestamp, std::int64_t ackId, std::int64_t relevantId,
                      std::int32_t serviceId);

    // The log as read by a follower or a replay (LogAdapter): keeps sessions, timers and service queues in step.
    void onLogSessionMessage(std::int64_t clusterSessionId, std::int64_t timestamp);
    void onLogTimerEvent(std::int64_t correlationId);
    void onLogSessionOpen(std::int64_t logPosition, std::int64_t correlationId, std::int64_t clusterSessionId,
                          std::int64_t timestamp, std::int32_t responseStreamId, std::string_view responseChannel);
    void onLogSessionClose(std::int64_t clusterSessionId, CloseReason closeReason);
    void onLogNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t logPosition,
                                     std::int32_t leaderMemberId);
    void onInvalidLogEntry(const char* reason);
    /// Every timestamp read from the log (follower, replay): a leader's cluster time never goes below it, even
    /// if this member's clock is behind the previous leader's.
    void observeLogTimestamp(std::int64_t timestamp) noexcept
    {
        if (timestamp > m_lastClusterTime)
        {
            m_lastClusterTime = timestamp;
        }
    }
    /// A SNAPSHOT, SUSPEND or RESUME entry read from the log (follower or replay), applied at position.
    void onLogClusterAction(std::int64_t position, std::int64_t leadershipTermId, std::int64_t timestamp,
                            std::int32_t action, std::int32_t flags);
    // Termination (consensus stream).
    void onTerminationPosition(std::int64_t leadershipTermId, std::int64_t logPosition);
    void onTerminationAck(std::int64_t leadershipTermId, std::int64_t logPosition, std::int32_t memberId);
    // A member with an empty directory asking for the latest snapshot, and the answers.
    void onSnapshotRecordingQuery(std::int64_t correlationId, std::int32_t requestMemberId);
    void onSnapshotRecordings(std::int64_t correlationId, const std::vector<RecoveryPlan::Snapshot>& snapshots,
                              std::string_view status);

private:
    friend class Election;
    friend class LogReplay;
    friend class SnapshotRetrieval;

    // Set-up.
    /// From the recovery plan to the start-up election: snapshots checked and loaded, recovery state published.
    void startRecovery(std::int64_t nowNs);
    void createCounters();
    void connectArchive();
    /// Connects to the archive again if error says it dropped this module's control session
    /// (archive::isControlSessionLost); 1 if it did.
    int reconnectArchiveAfter(const std::exception& error);
    void createChannels();
    void allocateRecoveryState();
    [[nodiscard]] std::string ingressChannelFor(const ClusterMember& member) const;

    // Duty cycle.
    int slowTick(std::int64_t nowNs);
    void onElectionError(const std::exception& error, std::int64_t nowNs);
    /// Leaves the current term (leader heartbeat lost, quorum lost, a higher term seen): starts an election.
    void enterElection(const char* reason, std::int32_t gracefulClosedLeaderId = -1);
    /// Election INIT outside start-up: stop appending or following, restore what was not committed.
    void prepareForNewLeadership(std::int64_t nowNs);
    /// LEADER_READY done: sessions hear of the new leader, uncommitted work is redone in this term.
    void onLeadershipTermStarted(std::int64_t nowNs);
    /// A NewLeadershipTerm for memberId, whose log ends in term logLeadershipTermId: this leader's current term,
    /// and the term that follows the member's in this leader's log (where the member's log must end before it).
    void sendNewLeadershipTerm(std::int32_t memberId, std::int64_t logLeadershipTermId, bool isStartup,
                               std::int64_t nowNs);
    int checkLeaderLiveness(std::int64_t nowNs);
    /// Leader: moves catching-up followers from the archive replay to the live log.
    int updateCatchups(std::int64_t nowNs);
    void removeLogDestination(ClusterMember& member);
    void addLogDestination(ClusterMember& member);
    void stopCatchupReplay(ClusterMember& member);
    int consensusWork(std::int64_t nowNs);
    int leaderWork(std::int64_t nowNs);
    int followerWork(std::int64_t nowNs);
    int pollIngress();
    int pollLog(std::int64_t limitPosition);
    int updateLeaderCommitPosition(std::int64_t nowNs);
    int updateFollowerAppendPosition(std::int64_t nowNs);
    int pollServiceControl();
    /// Every service has sent the ack with this id (acks count up from 0 in the order the protocol defines).
    [[nodiscard]] bool allServicesAcked(std::int64_t ackId) const noexcept;

    // Sessions.
    int processPendingSessions(std::int64_t nowNs);
    int processRejectedSessions(std::int64_t nowNs);
    int checkSessions(std::int64_t nowNs);
    int sendPendingSessionEvents();
    bool appendSessionClose(ClusterSession& session, CloseReason reason, std::int64_t nowNs);
    void rejectSession(std::unique_ptr<ClusterSession> session, ClusterSession::Response response,
                       std::string detail);
    [[nodiscard]] ClusterSession* findOpenSession(std::int64_t clusterSessionId) noexcept;
    [[nodiscard]] ClusterSession* findPendingSession(std::int64_t clusterSessionId) noexcept;
    void notifyNewLeader();

    // Log.
    [[nodiscard]] std::int64_t clusterTime(std::int64_t nowNs) const noexcept;
    [[nodiscard]] std::int64_t appendPosition() const noexcept;
    void sweepUncommittedEntries(std::int64_t commitPosition);
    void publishCommitPosition(std::int64_t nowNs);
    [[nodiscard]] std::string logChannelForTerm(std::int32_t initialTermId, std::int64_t termBase,
                                                std::int32_t termLength) const;
    [[nodiscard]] std::string logTag() const;
    [[nodiscard]] std::string followerLogSubscriptionChannel(std::int32_t logSessionId) const;
    /// How the recording and the services subscribe to the follower's log: by the tag of its subscription.
    [[nodiscard]] std::string followerLogChannel(std::int32_t logSessionId) const;
    [[nodiscard]] std::string serviceLogChannel(std::int32_t logSessionId) const;
    [[nodiscard]] bool isMultiMember() const noexcept { return m_members.size() > 1; }
    void role(Role newRole);
    void state(ConsensusModuleState newState);
    void closeLog();

    // Snapshots and lifecycle (ConsensusModuleSnapshots.cpp).
    /// Leader: acts on the control toggle (snapshot, suspend, resume, shutdown, abort).
    int checkControlToggle(std::int64_t nowNs);
    void resetToggle(std::int64_t expected);
    /// Every member at the SNAPSHOT entry at logPosition: stop applying the log until every service has
    /// snapshotted there, then snapshot the module.
    void enterSnapshot(std::int64_t logPosition, std::int64_t leadershipTermId, std::int64_t timestamp);
    int snapshotWork(std::int64_t nowNs);
    /// Records the module's state at the pending snapshot's position; returns the recording id.
    [[nodiscard]] std::int64_t recordConsensusModuleSnapshot();
    void loadConsensusModuleSnapshot(std::int64_t recordingId);
    /// Why the snapshot cannot be loaded (its replay fails, it is short, a frame fails its CRC, its marker is
    /// wrong), or empty if it can.
    [[nodiscard]] std::string checkSnapshot(const RecoveryPlan::Snapshot& snapshot);
    /// Drops unusable snapshot sets from the recovery plan (invalidating them in the recording log) until the
    /// latest one left is whole; throws if the log it needs was purged.
    void selectUsableSnapshots(RecordingExtentSource& extents);
    /// Keeps config.snapshotRetentionCount snapshot sets: older snapshot recordings and the log before the
    /// oldest kept snapshot are purged from the archive.
    void purgeBeyondRetention();
    /// Shutdown (after its snapshot) or abort: the services stop at the termination position, then the
    /// followers acknowledge, then the module ends.
    void beginTermination(std::int64_t nowNs);
    int terminationWork(std::int64_t nowNs);
    void terminate(const char* reason);
    void invokeWhileWaiting();

    ConsensusModuleContext& m_context;
    const ConsensusModuleConfig& m_config;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::unique_ptr<archive::AeronArchive> m_archive;

    std::vector<ClusterMember> m_members;
    ClusterMember* m_thisMember = nullptr;
    ClusterMember* m_leaderMember = nullptr;
    std::string m_ingressEndpoints;
    ClusterTimeUnit m_timeUnit;

    std::unique_ptr<ClusterMarkFile> m_markFile;
    std::unique_ptr<RecordingLog> m_recordingLog;
    std::unique_ptr<NodeStateFile> m_nodeState;
    std::unique_ptr<Authenticator> m_authenticator;
    std::optional<RecoveryPlan> m_recoveryPlan;

    // Counters (in the driver's counters file, found by services and tools).
    std::shared_ptr<transport::Counter> m_moduleStateCounter;
    std::shared_ptr<transport::Counter> m_roleCounter;
    std::shared_ptr<transport::Counter> m_commitPositionCounter;
    std::shared_ptr<transport::Counter> m_electionStateCounter;
    std::shared_ptr<transport::Counter> m_electionCountCounter;
    std::shared_ptr<transport::Counter> m_leadershipTermIdCounter;
    std::shared_ptr<transport::Counter> m_timedOutClientCounter;
    std::shared_ptr<transport::Counter> m_invalidRequestCounter;
    std::shared_ptr<transport::Counter> m_errorCounter;
    std::shared_ptr<transport::Counter> m_recoveryStateCounter;
    std::shared_ptr<transport::Counter> m_controlToggleCounter;
    std::shared_ptr<transport::Counter> m_snapshotCounter;
    std::shared_ptr<transport::Counter> m_maxSnapshotDurationCounter;

    // Channels.
    std::shared_ptr<transport::Subscription> m_ingressSubscription;
    std::shared_ptr<transport::Subscription> m_consensusSubscription;
    std::map<std::int32_t, std::shared_ptr<transport::ExclusivePublication>> m_consensusPublications;
    std::shared_ptr<transport::Subscription> m_serviceControlSubscription;
    std::unique_ptr<ServiceProxy> m_serviceProxy;
    std::unique_ptr<transport::FragmentAssembler<std::function<void(const util::AtomicBuffer&, std::int32_t,
                                                                      std::int32_t, const transport::Header&)>>>
        m_ingressAssembler;
    std::unique_ptr<transport::FragmentAssembler<std::function<void(const util::AtomicBuffer&, std::int32_t,
                                                                      std::int32_t, const transport::Header&)>>>
        m_serviceAssembler;
    std::unique_ptr<transport::FragmentAssembler<std::function<void(const util::AtomicBuffer&, std::int32_t,
                                                                      std::int32_t, const transport::Header&)>>>
        m_logAssembler;

    LogPublisher m_logPublisher;
    EgressPublisher m_egressPublisher;
    ConsensusPublisher m_consensusPublisher;

    // The log of the current term. Leader: the publication (in m_logPublisher). Follower: the subscription.
    std::shared_ptr<transport::Subscription> m_logSubscription;
    std::shared_ptr<transport::Image> m_logImage;
    std::int64_t m_logRecordingId = RecordingLog::NULL_VALUE;
    std::int64_t m_logRecordingSubscriptionId = RecordingLog::NULL_VALUE;
    /// Tag of the follower's current log subscription, fresh for each (see followerLogSubscriptionChannel).
    std::int64_t m_followerLogTag = -1;
    std::int32_t m_appendPositionCounterId = -1;
    std::int32_t m_logSessionId = 0;
    std::int32_t m_logInitialTermId = 0;
    std::int32_t m_logTermLength = 0;
    std::int64_t m_leadershipTermId = RecordingLog::NULL_VALUE;
    std::int64_t m_termBaseLogPosition = 0;
    std::int64_t m_notifiedCommitPosition = 0;
    std::int64_t m_lastAppendPosition = -1;
    std::int64_t m_lastCommitPosition = -1;
    std::int64_t m_timeOfLastAppendPositionSendNs = 0;
    std::int64_t m_timeOfLastCommitPositionSendNs = 0;
    std::int64_t m_timeOfLastLeaderMessageNs = 0;
    /// Position the log adapter (follower or replay) has applied up to.
    std::int64_t m_logAdapterPosition = 0;
    /// The log position of the entry being applied by the log adapter.
    std::int64_t m_logEntryPosition = 0;

    // Sessions.
    std::int64_t m_nextSessionId = 1;
    std::vector<std::unique_ptr<ClusterSession>> m_pendingSessions;
    std::vector<std::unique_ptr<ClusterSession>> m_rejectedSessions;
    std::map<std::int64_t, std::unique_ptr<ClusterSession>> m_sessions;
    std::int64_t m_sessionTimeoutNs;

    // Timers and service messages.
    TimerService m_timerService;
    /// (append position, correlation id) of timers the leader fired but a quorum has not yet recorded.
    std::vector<std::pair<std::int64_t, std::int64_t>> m_uncommittedTimers;
    /// (append position, cluster session id) of client messages the leader appended but a quorum has not recorded;
    /// a leader stepping down takes them out of the sessions' counts (replay or truncation decides their fate).
    std::vector<std::pair<std::int64_t, std::int64_t>> m_uncommittedSessionMessages;
    std::size_t m_uncommittedSessionMessagesHead = 0;
    /// TimerEvents read from the log for timers this member's services had not (yet) scheduled.
    std::unordered_map<std::int64_t, std::int32_t> m_expiredTimerCountByCorrelationId;
    std::vector<PendingServiceMessageTracker> m_pendingServiceMessages;

    // Services.
    struct ServiceAckState
    {
        std::int64_t nextAckId = 0;
        std::int64_t lastAckPosition = -1;
        std::int64_t lastRelevantId = -1;
    };
    std::vector<ServiceAckState> m_serviceAcks;

    // Snapshot and termination in progress.
    struct PendingSnapshot
    {
        std::int64_t logPosition = 0;
        std::int64_t leadershipTermId = 0;
        std::int64_t timestamp = 0;
        std::int64_t startNs = 0;
        /// Each service's ack count when the snapshot began: its snapshot ack comes after them.
        std::vector<std::int64_t> ackIdBase;
        /// The state to return to afterwards.
        ConsensusModuleState previousState = ConsensusModuleState::ACTIVE;
    };
    std::optional<PendingSnapshot> m_pendingSnapshot;
    enum class Termination : std::int8_t
    {
        NONE,
        SHUTDOWN,
        ABORT,
    };
    Termination m_termination = Termination::NONE;
    std::int64_t m_terminationPosition = -1;
    std::int64_t m_terminationLeadershipTermId = -1;
    std::int64_t m_terminationDeadlineNs = 0;
    std::vector<std::int64_t> m_terminationAckIdBase;
    bool m_serviceTerminationSent = false;
    std::vector<std::int32_t> m_terminationAckedMembers;

    std::unique_ptr<SnapshotRetrieval> m_snapshotRetrieval;
    std::unique_ptr<Election> m_election;
    /// The recording a replication from the leader created (from the archive's REPLICATE signal).
    std::int64_t m_replicatedRecordingId = RecordingLog::NULL_VALUE;
    /// Nomination delays; seeded per member so the simulator can reproduce a run.
    std::mt19937_64 m_random;
    Role m_role = Role::FOLLOWER;
    ConsensusModuleState m_state = ConsensusModuleState::INIT;
    std::int64_t m_slowTickDeadlineNs = 0;
    std::int64_t m_markFileUpdateDeadlineNs = 0;
    static constexpr std::int64_t ARCHIVE_KEEP_ALIVE_INTERVAL_NS = 1'000'000'000;
    std::int64_t m_archiveKeepAliveDeadlineNs = 0;
    /// Follower: its append position when it last moved (or was level with the leader's commit), and when.
    std::int64_t m_followerProgressPosition = -1;
    std::int64_t m_timeOfFollowerProgressNs = 0;
    std::int64_t m_nowNs = 0;
    /// Epoch nanoseconds minus the nano clock, taken at start: cluster time is nowNs plus this.
    std::int64_t m_epochOffsetNs = 0;
    /// The highest cluster time stamped or seen in the log: cluster time is held there while the clock is behind.
    mutable std::int64_t m_lastClusterTime = 0;
    std::atomic<bool> m_isTerminated{false};
    std::string m_failStopReason;
    /// The election under way (or to restart) is the one of this node's start-up.
    bool m_isStartupElection = true;
    /// When a failed election starts again; -1 when none is pending.
    std::int64_t m_electionRestartDeadlineNs = -1;
};
} // namespace cox::cluster

#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/cluster/RecoveryState.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/cluster/service/ClusteredServiceContainer.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/Position.hpp"
#include "service/ConsensusModuleProxy.hpp"
#include "service/ContainerClientSession.hpp"

namespace cox::transport
{
class Counter;
class Subscription;
} // namespace cox::transport

namespace cox::archive
{
class AeronArchive;
}

namespace cox::cluster
{
class ClusteredServiceAgent;

/// Fragment handlers the agent's assemblers call: plain structs so the assemblers' types are nameable.
struct ServiceControlHandler
{
    ClusteredServiceAgent* agent;
    void operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                    const transport::Header& header) const;
};

struct ServiceLogHandler
{
    ClusteredServiceAgent* agent;
    void operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                    const transport::Header& header) const;
};

/// Runs one ClusteredService (Aeron's ClusteredServiceAgent): waits for the consensus module's counters,
/// starts the service and acks, then follows the CM's instructions on the control channel (JoinLog,
/// ServiceTerminationPosition) and feeds it the log up to the commit position. Also the service's Cluster.
///
/// Every call, the Cluster ones included, belongs to the agent's thread. Nothing blocks: start-up, the log
/// subscription and egress publications are added asynchronously and resolved by later duty cycles.
/// Acks are sent in order before anything else happens, so a back-pressured ack holds the agent.
class ClusteredServiceAgent final : public util::Agent, public Cluster
{
public:
    static constexpr std::int64_t NULL_POSITION = -1;
    static constexpr std::int64_t NULL_VALUE = -1;
    /// Most vectors a gathered egress or inter-service message may have.
    static constexpr std::size_t MAX_PAYLOAD_VECTORS = ConsensusModuleProxy::MAX_PAYLOAD_VECTORS;
    /// Largest payload tryClaim hands out on a follower (the scratch buffer's size, header excluded).
    static constexpr std::int32_t MAX_SCRATCH_CLAIM_LENGTH = 64 * 1024;

    /// context must outlive the agent (the container owns both).
    explicit ClusteredServiceAgent(const ClusteredServiceContainerContext& context);
    ~ClusteredServiceAgent() override;

    ClusteredServiceAgent(const ClusteredServiceAgent&) = delete;
    ClusteredServiceAgent& operator=(const ClusteredServiceAgent&) = delete;

    // Agent
    void onStart() override;
    int doWork() override;
    void onClose() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "clustered-service"; }

    // Cluster
    [[nodiscard]] std::int32_t memberId() const noexcept override { return m_memberId; }
    [[nodiscard]] std::int32_t serviceId() const noexcept override { return m_context.serviceId; }
    [[nodiscard]] Role role() const noexcept override { return m_role; }
    [[nodiscard]] std::int64_t logPosition() const noexcept override { return m_logPosition; }
    [[nodiscard]] std::int64_t time() const noexcept override { return m_clusterTime; }
    [[nodiscard]] ClusterTimeUnit timeUnit() const noexcept override { return m_timeUnit; }
    [[nodiscard]] ClientSession* getClientSession(std::int64_t clusterSessionId) noexcept override;
    void forEachClientSession(const std::function<void(ClientSession&)>& consumer) override;
    bool closeClientSession(std::int64_t clusterSessionId) override;
    [[nodiscard]] bool scheduleTimer(std::int64_t correlationId, std::int64_t deadline) override;
    [[nodiscard]] bool cancelTimer(std::int64_t correlationId) override;
    [[nodiscard]] std::int64_t offer(const std::uint8_t* payload, std::int32_t length) override;
    [[nodiscard]] std::int64_t offer(std::span<const transport::BufferVector> vectors) override;
    [[nodiscard]] std::int64_t tryClaim(std::int32_t length, transport::BufferClaim& claim) override;
    [[nodiscard]] util::IdleStrategy& idleStrategy() noexcept override { return *m_idleStrategy; }
    [[nodiscard]] transport::Aeron& aeron() noexcept override { return *m_context.aeron; }

    /// ServiceTerminationPosition was reached, onTerminate ran and the CM has the ack (or the CM went away).
    [[nodiscard]] bool isTerminated() const noexcept { return m_state == State::TERMINATED; }
    /// Errors the agent handled itself (undecodable log entries, refused egress publications, ...).
    [[nodiscard]] std::int64_t errorCount() const noexcept { return m_errorCount; }
    /// The ackId the next ServiceAck will carry.
    [[nodiscard]] std::int64_t nextAckId() const noexcept { return m_nextAckId; }

    // For ContainerClientSession: egress with the session header of the entry being processed.
    [[nodiscard]] std::int64_t offerEgress(ContainerClientSession& session,
                                           std::span<const transport::BufferVector> payload) noexcept;
    [[nodiscard]] std::int64_t tryClaimEgress(ContainerClientSession& session, std::int32_t length,
                                              transport::BufferClaim& claim) noexcept;

    // For the fragment handlers.
    void onControlMessage(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length);
    void onLogEntry(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                    const transport::Header& header);

private:
    enum class State : std::int8_t
    {
        AWAITING_COUNTERS,
        AWAITING_CONTROL,
        ACTIVE,
        TERMINATED,
    };

    /// A JoinLog being acted on: the subscription is added, then the image of logSessionId awaited.
    struct ActiveLog
    {
        std::int64_t logPosition = 0;
        std::int64_t maxLogPosition = 0;
        std::int32_t memberId = -1;
        std::int32_t logSessionId = 0;
        std::int32_t logStreamId = 0;
        std::int32_t role = 0;
        bool isStartup = false;
        std::string logChannel;
        std::int64_t subscriptionRegistrationId = NULL_VALUE;
        std::shared_ptr<transport::Subscription> subscription;
        std::shared_ptr<transport::Image> image;
    };

    struct PendingAck
    {
        std::int64_t logPosition;
        std::int64_t timestamp;
        std::int64_t relevantId;
        /// The ack that ends the agent (termination).
        bool isFinal;
    };

    /// Marks the callbacks in which offering and timers are refused (Aeron's isBackgroundInvocation).
    class BackgroundInvocation
    {
    public:
        explicit BackgroundInvocation(bool& flag) noexcept : m_flag(flag) { m_flag = true; }
        ~BackgroundInvocation() { m_flag = false; }
        BackgroundInvocation(const BackgroundInvocation&) = delete;
        BackgroundInvocation& operator=(const BackgroundInvocation&) = delete;

    private:
        bool& m_flag;
    };

    int awaitCounters();
    int awaitControl();
    int resolvePending();
    int pollControl();
    int pollLog();
    int checkRole();
    int slowTick(std::int64_t nowNs);
    void checkTermination();
    void terminate(bool sendAck);
    [[nodiscard]] bool sendPendingAck();
    void queueAck(std::int64_t logPosition, std::int64_t timestamp, std::int64_t relevantId, bool isFinal);
    void awaitLogImage();
    /// Replaces the active log with a pending JoinLog once the active one is applied up to its start.
    [[nodiscard]] bool switchToPendingLog();
    [[nodiscard]] transport::Publication* awaitSessionPublication(ContainerClientSession& session) noexcept;
    void closeLog() noexcept;
    void changeRole(Role newRole);
    void checkForValidInvocation() const;
    [[nodiscard]] bool checkResult(std::int64_t result) const;
    void reportError(const std::exception& error) noexcept;
    void reportDecodeError(std::int32_t templateId, const char* what, std::int64_t position) noexcept;

    void onJoinLog(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    void onSessionMessage(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                          const transport::Header& header, std::uint16_t blockLength, std::uint16_t version);
    void onTimerEvent(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength, std::uint16_t version,
                      const transport::Header& header);
    void onSessionOpen(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength, std::uint16_t version,
                       const transport::Header& header);
    void onSessionClose(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                        std::uint16_t version, const transport::Header& header);
    void onNewLeadershipTerm(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                             std::uint16_t version, const transport::Header& header);
    void onClusterAction(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                         std::uint16_t version, const transport::Header& header);

    // Snapshots (ServiceSnapshots.cpp).
    /// Runs the Aeron client (and, in a single-threaded node, the archive and driver) while a snapshot waits.
    void invokeWhileWaiting();
    [[nodiscard]] archive::AeronArchive& snapshotArchive();
    /// Takes the snapshot at logPosition inside the log callback, so it holds exactly the state there, and acks
    /// it with the recording id (-1 if it failed).
    void onSnapshotAction(std::int64_t logPosition, std::int64_t leadershipTermId, std::int64_t timestamp);
    [[nodiscard]] std::int64_t takeSnapshot(std::int64_t logPosition, std::int64_t leadershipTermId);
    /// Restores the sessions from the snapshot and starts the service with the rest of it.
    void loadSnapshot(std::int64_t recordingId);

    const ClusteredServiceContainerContext& m_context;
    ClusteredService& m_service;
    std::unique_ptr<util::IdleStrategy> m_idleStrategy;
    std::unique_ptr<archive::AeronArchive> m_archive;
    std::int64_t m_lastSnapshotDurationNs = 0;
    std::unique_ptr<ClusterMarkFile> m_markFile;
    std::unique_ptr<util::DistinctErrorLog> m_errorLog;
    State m_state = State::AWAITING_COUNTERS;

    std::int32_t m_commitPositionId = ClusterCounters::NULL_COUNTER_ID;
    std::int32_t m_nodeRoleId = ClusterCounters::NULL_COUNTER_ID;
    util::Position m_commitPosition;
    util::Position m_nodeRole;
    RecoveryState::Values m_recoveryState;

    std::int64_t m_controlSubscriptionId = NULL_VALUE;
    std::int64_t m_controlPublicationId = NULL_VALUE;
    std::int64_t m_errorCounterRegistrationId = NULL_VALUE;
    std::shared_ptr<transport::Subscription> m_controlSubscription;
    std::shared_ptr<transport::Counter> m_errorCounter;
    ConsensusModuleProxy m_consensusModuleProxy;
    transport::FragmentAssembler<ServiceControlHandler> m_controlAssembler;
    transport::FragmentAssembler<ServiceLogHandler> m_logAssembler;
    std::optional<ActiveLog> m_activeLog;
    /// A JoinLog that waits for the current log to be applied up to its logPosition before it replaces it.
    std::optional<ActiveLog> m_pendingJoin;

    std::unordered_map<std::int64_t, std::unique_ptr<ContainerClientSession>> m_sessionById;
    /// Open order, for forEachClientSession.
    std::vector<ContainerClientSession*> m_sessions;
    std::int32_t m_connectingSessionCount = 0;

    std::optional<PendingAck> m_pendingAck;
    std::int64_t m_nextAckId = 0;
    std::int64_t m_terminationPosition = NULL_POSITION;
    std::int64_t m_logPosition = 0;
    std::int64_t m_clusterTime = 0;
    std::int64_t m_leadershipTermId = NULL_VALUE;
    std::int64_t m_nextSlowTickNs = 0;
    std::int64_t m_errorCount = 0;
    std::int32_t m_memberId = -1;
    ClusterTimeUnit m_timeUnit = ClusterTimeUnit::MILLISECONDS;
    Role m_role = Role::FOLLOWER;
    bool m_isBackgroundInvocation = false;
    bool m_isServiceStarted = false;
    bool m_isServiceTerminated = false;

    std::array<transport::BufferVector, MAX_PAYLOAD_VECTORS + 1> m_egressVectors{};
    alignas(8) std::array<std::uint8_t, Cluster::SESSION_HEADER_LENGTH> m_egressHeader{};
    std::unique_ptr<std::uint8_t[]> m_scratch;
    util::AtomicBuffer m_scratchBuffer;
};
} // namespace cox::cluster

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cox/util/Agent.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::transport
{
class Aeron;
}

namespace cox::cluster
{
class ClusteredService;
class ClusteredServiceAgent;

/// Settings of one service container (Aeron's ClusteredServiceContainer.Context); defaults as Aeron's.
struct ClusteredServiceContainerContext
{
    std::int32_t clusterId = 0;
    std::int32_t serviceId = 0;
    /// The node's cluster directory: the service's mark file `cluster-mark-service-<id>.dat` goes here.
    std::string clusterDir = "cox-cluster";
    /// Control channel shared with the consensus module: services receive on serviceStreamId and send on
    /// consensusModuleStreamId.
    std::string controlChannel = "aeron:ipc?term-length=128k";
    std::int32_t serviceStreamId = 104;
    std::int32_t consensusModuleStreamId = 105;
    std::int32_t logFragmentLimit = 50;
    std::int32_t appVersion = 0;
    std::int64_t errorBufferLength = 1024 * 1024;

    /// This node's archive, which records the service's snapshots and replays them at start-up. The response
    /// stream defaults to one per service (archiveControlResponseStreamId + serviceId) so the module's and each
    /// service's archive clients do not read each other's responses.
    std::string archiveControlChannel = "aeron:ipc?term-length=64k";
    std::int32_t archiveControlStreamId = 10;
    std::string archiveControlResponseChannel = "aeron:ipc?term-length=64k";
    std::int32_t archiveControlResponseStreamId = 31;
    /// Runs the archive and the driver while a snapshot waits on them, when they share this thread (INVOKER).
    std::function<int()> archiveInvoker;
    std::string snapshotChannel = "aeron:ipc?alias=snapshot";
    std::int32_t snapshotStreamId = 106;
    /// Where a snapshot is replayed from at start-up (the session id is added).
    std::string replayChannel = "aeron:ipc";
    std::int32_t replayStreamId = 103;
    /// Longest a snapshot may wait on the archive (to record, or to start a replay) before it fails.
    std::int64_t snapshotTimeoutNs = 30'000'000'000;

    /// The Aeron client the container uses; it must have been built with useConductorAgentInvoker so the
    /// container drives it from its own duty cycle. Required.
    std::shared_ptr<transport::Aeron> aeron;
    /// Required; not owned.
    ClusteredService* clusteredService = nullptr;
    /// Idle strategy given to the service through Cluster::idleStrategy() (by util::newIdleStrategy name).
    std::string idleStrategy = "backoff";
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    /// Errors from the duty cycle (after they are counted and written to the mark file's error log).
    util::ErrorHandler errorHandler;
};

/// Hosts one ClusteredService on a node (Aeron's ClusteredServiceContainer): an agent that follows the
/// consensus module's instructions on the control channel and feeds the committed log to the service.
/// Run it with an AgentRunner, compose it with other agents, or call agent().doWork() from a test.
class ClusteredServiceContainer
{
public:
    /// Checks the context (throws util::IllegalArgumentException naming what is wrong) and builds the agent;
    /// nothing is started until the agent's onStart.
    explicit ClusteredServiceContainer(ClusteredServiceContainerContext context);
    ~ClusteredServiceContainer();

    ClusteredServiceContainer(const ClusteredServiceContainer&) = delete;
    ClusteredServiceContainer& operator=(const ClusteredServiceContainer&) = delete;

    [[nodiscard]] util::Agent& agent() noexcept;
    [[nodiscard]] const ClusteredServiceContainerContext& context() const noexcept { return m_context; }
    /// The container has finished: the service was terminated (ServiceTerminationPosition reached) or the
    /// consensus module went away.
    [[nodiscard]] bool isTerminated() const noexcept;
    /// Errors the container handled itself (an undecodable log entry, a refused egress publication, ...):
    /// each was also recorded in the mark file's error log and given to the context's errorHandler.
    [[nodiscard]] std::int64_t errorCount() const noexcept;

private:
    ClusteredServiceContainerContext m_context;
    std::unique_ptr<ClusteredServiceAgent> m_agent;
};
} // namespace cox::cluster

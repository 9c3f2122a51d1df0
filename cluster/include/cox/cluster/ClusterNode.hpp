#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/cluster/ClusterControl.hpp"

#include "cox/cluster/ConsensusModule.hpp"
#include "cox/util/AgentGroup.hpp"
#include "cox/util/Clock.hpp"

namespace cox::transport
{
class Aeron;
class MediaDriver;
class UdpMedia;
} // namespace cox::transport

namespace cox::archive
{
class Archive;
}

namespace cox::cluster
{
class ClusteredService;
class ClusteredServiceContainer;

/// Everything one cluster member runs in one process (Aeron's ClusteredMediaDriver plus its service
/// containers): a media driver, an archive for the log, the consensus module and one container per service.
///
/// INVOKER runs nothing by itself: the caller drives the whole member with doWork(), so tests and the
/// simulator can run many members on one thread. DEDICATED gives each agent a thread (the node program).
struct ClusterNodeContext
{
    ConsensusModuleConfig config;
    /// One per service id, in order; not owned, must outlive the node. Their count overrides
    /// config.serviceCount.
    std::vector<ClusteredService*> services;
    util::ThreadingMode threadingMode = util::ThreadingMode::DEDICATED;
    /// Media driver directory; empty: `<clusterDir>/aeron`.
    std::string aeronDirectoryName;
    /// Archive directory; empty: `<clusterDir>/archive`.
    std::string archiveDir;
    /// Length of the archive's segment files (a multiple of the log's term length); 0: the archive's default.
    /// The log is purged (after snapshots) in whole segments.
    std::int32_t archiveSegmentFileLength = 0;
    /// CRC-32C of every recorded frame (log and snapshots), checked on replay: a snapshot whose bytes changed on
    /// disk is then found at start-up and the previous one used.
    bool archiveChecksums = false;
    /// At a file sync level, sync the log on the archive's own thread (archive::ArchiveContext::asyncFileSync).
    bool archiveAsyncSync = true;
    std::string idleStrategy = "backoff";
    /// Term length of the driver's publications other than the log (ingress, egress, consensus, control).
    std::int32_t publicationTermBufferLength = 1024 * 1024;
    std::int32_t ipcTermBufferLength = 1024 * 1024;
    /// Fraction of received UDP data frames the driver drops (tests of loss), and its seed.
    double receiveDataLossRate = 0.0;
    std::uint64_t receiveDataLossSeed = 0;
    /// The driver's UDP (tests inject one that can partition this member); null: real sockets.
    std::shared_ptr<transport::UdpMedia> udpMedia;
    /// Clocks of every part of the member (driver, archive, consensus module, containers, Aeron clients); null:
    /// the system clocks. The simulator gives each member its own simulated, skewed clocks.
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    /// Seed of the driver's session ids and initial term ids (MediaDriverContext::randomSeed); 0 draws one. A
    /// simulation sets it so that a replay chooses the same ids.
    std::uint64_t driverRandomSeed = 0;
    AuthenticatorSupplier authenticatorSupplier;
    /// Which sessions may ask for a snapshot by an admin request; unset refuses them all.
    AuthorisationService authorisationService;
    util::ErrorHandler errorHandler;
};

class ClusterNode
{
public:
    /// Starts the driver, archive, consensus module and containers (threads in DEDICATED mode). Throws on bad
    /// configuration, naming the setting.
    [[nodiscard]] static std::unique_ptr<ClusterNode> launch(ClusterNodeContext context);
    ~ClusterNode();

    ClusterNode(const ClusterNode&) = delete;
    ClusterNode& operator=(const ClusterNode&) = delete;

    /// INVOKER mode: one duty cycle of every agent of this member.
    int doWork();
    /// Stops every agent and closes the driver (its directory is removed; the cluster and archive directories
    /// stay for a restart). Idempotent.
    void close();

    [[nodiscard]] const ClusterNodeContext& context() const noexcept { return m_context; }
    [[nodiscard]] ConsensusModule& consensusModule() noexcept { return *m_consensusModule; }
    [[nodiscard]] const std::string& aeronDirectoryName() const noexcept { return m_aeronDirectoryName; }
    /// An Aeron client of this node's driver, for reading its counters (role, commit position, ...).
    [[nodiscard]] transport::Aeron& aeron() noexcept { return *m_toolAeron; }
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed; }
    /// Asks the cluster to act through this member's control toggle (Aeron's ClusterControl): compare-and-sets
    /// it from NEUTRAL to action (RESUME: from SUSPEND). Only a leader acts on its toggle. False if the toggle
    /// is busy with another action or the module has none.
    bool requestControlToggle(ToggleState action);
    /// The consensus module ended after a shutdown or abort.
    [[nodiscard]] bool isTerminated() const;
    /// Non-empty when the module stopped itself because continuing could diverge from the others (it had
    /// applied entries its new leader's log does not hold): restart the member; it recovers from its files.
    [[nodiscard]] std::string failStopReason() const;

private:
    explicit ClusterNode(ClusterNodeContext context);
    void start();

    ClusterNodeContext m_context;
    std::string m_aeronDirectoryName;
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::unique_ptr<archive::Archive> m_archive;
    std::shared_ptr<transport::Aeron> m_moduleAeron;
    std::vector<std::shared_ptr<transport::Aeron>> m_serviceAerons;
    std::shared_ptr<transport::Aeron> m_toolAeron;
    std::unique_ptr<ConsensusModule> m_consensusModule;
    std::vector<std::unique_ptr<ClusteredServiceContainer>> m_containers;
    std::unique_ptr<util::AgentGroup> m_agents;
    bool m_isClosed = false;
};
} // namespace cox::cluster

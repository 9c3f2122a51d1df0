#include "cox/cluster/ClusterNode.hpp"

#include "cox/cluster/ClusterCounters.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/Position.hpp"

#include <algorithm>
#include <filesystem>

#include "cox/archive/Archive.hpp"
#include "cox/cluster/service/ClusteredServiceContainer.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/SocketAddress.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
/// host:port with the port moved by delta (the member string has no field for the archive's response port).
std::string shiftPort(const std::string& endpoint, int delta)
{
    const auto colon = endpoint.rfind(':');
    if (colon == std::string::npos)
    {
        throw util::IllegalArgumentException("endpoint without a port: " + endpoint);
    }
    const int port = std::stoi(endpoint.substr(colon + 1));
    if (port == 0)
    {
        throw util::IllegalArgumentException("endpoint " + endpoint +
                                             " needs an explicit port for a multi-member cluster");
    }
    return endpoint.substr(0, colon + 1) + std::to_string(port + delta);
}
} // namespace

std::unique_ptr<ClusterNode> ClusterNode::launch(ClusterNodeContext context)
{
    std::unique_ptr<ClusterNode> node(new ClusterNode(std::move(context)));
    node->start();
    return node;
}

ClusterNode::ClusterNode(ClusterNodeContext context) : m_context(std::move(context))
{
    if (m_context.services.empty())
    {
        throw util::IllegalArgumentException("a cluster node needs at least one service");
    }
    m_context.config.serviceCount = static_cast<std::int32_t>(m_context.services.size());
    m_context.config.validate();
    m_aeronDirectoryName = m_context.aeronDirectoryName.empty()
        ? (std::filesystem::path(m_context.config.clusterDir) / "aeron").string()
        : m_context.aeronDirectoryName;
}

ClusterNode::~ClusterNode()
{
    close();
}

void ClusterNode::start()
{
    const auto& config = m_context.config;
    const bool invoker = m_context.threadingMode == util::ThreadingMode::INVOKER;
    const auto members = config.members();
    const ClusterMember* self = nullptr;
    for (const auto& member : members)
    {
        if (member.id == config.memberId)
        {
            self = &member;
        }
    }
    if (self == nullptr)
    {
        throw util::IllegalArgumentException("cluster.member-id " + std::to_string(config.memberId) +
                                             " is not in cluster.members");
    }
    std::filesystem::create_directories(config.clusterDir);

    transport::MediaDriverContext driverContext;
    driverContext.aeronDirectoryName = m_aeronDirectoryName;
    driverContext.threadingMode = invoker ? transport::ThreadingMode::INVOKER : transport::ThreadingMode::SHARED;
    driverContext.sharedIdleStrategy = m_context.idleStrategy;
    driverContext.publicationTermBufferLength = m_context.publicationTermBufferLength;
    driverContext.ipcTermBufferLength = m_context.ipcTermBufferLength;
    driverContext.receiveDataLossRate = m_context.receiveDataLossRate;
    driverContext.receiveDataLossSeed = m_context.receiveDataLossSeed;
    driverContext.errorHandler = m_context.errorHandler;
    driverContext.udpMedia = m_context.udpMedia;
    // A new term's log publication exists before its followers subscribe (they learn of it from the
    // NewLeadershipTerm); with the default 100 ms between SETUP frames a follower waited up to that long to join,
    // which was a large part of a failover. SETUP frames are sent only until a receiver answers.
    driverContext.setupIntervalNs = std::min<std::int64_t>(driverContext.setupIntervalNs, 10'000'000);
    driverContext.nanoClock = m_context.nanoClock;
    driverContext.epochClock = m_context.epochClock;
    driverContext.randomSeed = m_context.driverRandomSeed;
    m_driver = transport::MediaDriver::launch(driverContext);
    transport::MediaDriver* driver = m_driver.get();
    std::function<int()> driverInvoker;
    if (invoker)
    {
        driverInvoker = [driver] { return driver->doWork(); };
    }

    archive::ArchiveContext archiveContext;
    archiveContext.archiveDir = m_context.archiveDir.empty()
        ? (std::filesystem::path(config.clusterDir) / "archive").string()
        : m_context.archiveDir;
    archiveContext.aeronDirectoryName = m_aeronDirectoryName;
    archiveContext.driverInvoker = driverInvoker;
    archiveContext.threadingMode = invoker ? archive::ArchiveThreadingMode::INVOKER : archive::ArchiveThreadingMode::SHARED;
    archiveContext.idleStrategy = m_context.idleStrategy;
    archiveContext.fileSyncLevel = static_cast<archive::FileSyncLevel>(config.fileSyncLevel);
    archiveContext.catalogFileSyncLevel = static_cast<archive::FileSyncLevel>(config.fileSyncLevel);
    archiveContext.archiveId = config.memberId;
    if (m_context.archiveSegmentFileLength > 0)
    {
        archiveContext.segmentFileLength = m_context.archiveSegmentFileLength;
    }
    archiveContext.recordChecksum = m_context.archiveChecksums;
    archiveContext.replayChecksum = m_context.archiveChecksums;
    archiveContext.asyncFileSync = m_context.archiveAsyncSync;
    archiveContext.errorHandler = m_context.errorHandler;
    archiveContext.nanoClock = m_context.nanoClock;
    archiveContext.epochClock = m_context.epochClock;
    if (members.size() > 1)
    {
        // Followers fetch missing log from the leader's archive: a UDP control channel on the archive endpoint,
        // replays arriving on the catch-up endpoint, and the replication client's responses one port above it.
        archiveContext.controlChannel = "aeron:udp?endpoint=" + self->archiveEndpoint;
        archiveContext.replicationChannel = "aeron:udp?endpoint=" + self->catchupEndpoint;
        archiveContext.replicationResponseChannel = "aeron:udp?endpoint=" + shiftPort(self->catchupEndpoint, 1);
    }
    m_archive = archive::Archive::launch(archiveContext);
    archive::Archive* archive = m_archive.get();

    const auto newAeron = [&]
    {
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_aeronDirectoryName;
        aeronContext.useConductorAgentInvoker = true;
        aeronContext.driverInvoker = driverInvoker;
        aeronContext.nanoClock = m_context.nanoClock;
        aeronContext.epochClock = m_context.epochClock;
        return transport::Aeron::connect(aeronContext);
    };
    m_moduleAeron = newAeron();
    m_toolAeron = newAeron();

    ConsensusModuleContext moduleContext;
    moduleContext.config = config;
    moduleContext.aeron = m_moduleAeron;
    moduleContext.authenticatorSupplier = m_context.authenticatorSupplier;
    moduleContext.authorisationService = m_context.authorisationService;
    moduleContext.errorHandler = m_context.errorHandler;
    moduleContext.driverInvoker = driverInvoker;
    moduleContext.nanoClock = m_context.nanoClock;
    moduleContext.epochClock = m_context.epochClock;
    if (invoker)
    {
        moduleContext.archiveInvoker = [archive, driver] { return archive->doWork() + driver->doWork(); };
    }
    m_consensusModule = std::make_unique<ConsensusModule>(std::move(moduleContext));

    std::vector<util::Agent*> agents{&m_consensusModule->agent()};
    for (std::size_t i = 0; i < m_context.services.size(); ++i)
    {
        m_serviceAerons.push_back(newAeron());
        ClusteredServiceContainerContext serviceContext;
        serviceContext.clusterId = config.clusterId;
        serviceContext.serviceId = static_cast<std::int32_t>(i);
        serviceContext.clusterDir = config.clusterDir;
        serviceContext.controlChannel = config.controlChannel;
        serviceContext.serviceStreamId = config.serviceStreamId;
        serviceContext.consensusModuleStreamId = config.consensusModuleStreamId;
        serviceContext.logFragmentLimit = config.logFragmentLimit;
        serviceContext.errorBufferLength = config.serviceErrorBufferLength;
        serviceContext.aeron = m_serviceAerons.back();
        serviceContext.clusteredService = m_context.services[i];
        serviceContext.idleStrategy = m_context.idleStrategy;
        serviceContext.errorHandler = m_context.errorHandler;
        serviceContext.nanoClock = m_context.nanoClock;
        serviceContext.epochClock = m_context.epochClock;
        serviceContext.appVersion = config.appVersion;
        serviceContext.snapshotChannel = config.snapshotChannel;
        serviceContext.snapshotStreamId = config.serviceSnapshotStreamId;
        serviceContext.replayChannel = config.replayChannel;
        serviceContext.replayStreamId = config.replayStreamId; // replays are subscribed by session id
        if (invoker)
        {
            serviceContext.archiveInvoker = [archive, driver] { return archive->doWork() + driver->doWork(); };
        }
        m_containers.push_back(std::make_unique<ClusteredServiceContainer>(std::move(serviceContext)));
        agents.push_back(&m_containers.back()->agent());
    }
    std::vector<std::string> idleStrategies(agents.size(), m_context.idleStrategy);
    util::ErrorHandler errorHandler = m_context.errorHandler ? m_context.errorHandler
                                                             : util::ErrorHandler([](const std::exception&) {});
    m_agents = std::make_unique<util::AgentGroup>(m_context.threadingMode, agents, idleStrategies,
                                                  m_context.idleStrategy, errorHandler);
    m_agents->start();
}

bool ClusterNode::requestControlToggle(ToggleState action)
{
    if (m_isClosed)
    {
        return false;
    }
    const util::CountersReader& counters = m_toolAeron->countersReader();
    const std::int32_t id =
        ClusterCounters::find(counters, ClusterCounters::CONTROL_TOGGLE_TYPE_ID, m_context.config.clusterId);
    if (id == ClusterCounters::NULL_COUNTER_ID)
    {
        return false;
    }
    util::Position toggle(counters.valuesBuffer(), id);
    const ToggleState expected = action == ToggleState::RESUME ? ToggleState::SUSPEND : ToggleState::NEUTRAL;
    return toggle.compareAndSet(static_cast<std::int64_t>(expected), static_cast<std::int64_t>(action));
}

std::string ClusterNode::failStopReason() const
{
    return m_consensusModule ? m_consensusModule->failStopReason() : std::string();
}

bool ClusterNode::isTerminated() const
{
    return m_consensusModule && m_consensusModule->isTerminated();
}

int ClusterNode::doWork()
{
    if (m_isClosed || !m_agents->isInvoker())
    {
        return 0;
    }
    int work = m_driver->doWork();
    work += m_archive->doWork();
    work += m_agents->invoke();
    return work;
}

void ClusterNode::close()
{
    if (m_isClosed)
    {
        return;
    }
    m_isClosed = true;
    if (m_agents)
    {
        m_agents->close();
    }
    m_containers.clear();
    m_consensusModule.reset();
    for (auto& aeron : m_serviceAerons)
    {
        aeron->close();
    }
    if (m_moduleAeron)
    {
        m_moduleAeron->close();
    }
    if (m_toolAeron)
    {
        m_toolAeron->close();
    }
    if (m_archive)
    {
        m_archive->close();
    }
    if (m_driver)
    {
        m_driver->close();
    }
}
} // namespace cox::cluster

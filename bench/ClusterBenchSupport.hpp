#pragma once

// Pieces the cluster benchmarks share: an in-process cluster whose members run on their own threads (as
// separate processes would, each a ClusterNode with its own driver, archive and directories), and the
// client-side transport a ClusterClient runs on, driven from the benchmark's thread.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "BenchSupport.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMember.hpp"
#include "cox/cluster/ClusterNode.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/AgentGroup.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::bench
{
struct BenchClusterOptions
{
    /// Ports a member takes, from portBase + memberId * MEMBER_PORT_STRIDE: ingress +0, consensus +1,
    /// log +2, catch-up +3, the archive's replication responses +4 (ClusterNode derives it), archive +5.
    static constexpr int MEMBER_PORT_STRIDE = 10;

    int memberCount = 3;
    util::ThreadingMode threadingMode = util::ThreadingMode::SHARED;
    /// Every agent of every member idles with this; on a machine with fewer cores than busy threads
    /// anything that never sleeps starves the rest.
    std::string idleStrategy = "backoff";
    int portBase = 0;
    /// Cluster and archive directories go under here, in a directory of their own removed at close.
    std::filesystem::path parentDir = std::filesystem::temp_directory_path();
    /// Big enough that a benchmark run never rotates more than a few terms, small enough to map cheaply.
    std::string logTermLength = "16m";

    /// The first port above the members', free for the benchmark's own use.
    [[nodiscard]] int firstFreePort() const noexcept { return portBase + memberCount * MEMBER_PORT_STRIDE; }
};

/// The members of one cluster, all in this process but each with threads, driver, archive and directories of
/// its own. Member 0 is the appointed leader of a multi-member cluster, so that no election delays the start.
class BenchCluster
{
public:
    using ServiceFactory = std::function<std::unique_ptr<cluster::ClusteredService>(int memberId)>;

    BenchCluster(BenchClusterOptions options, const ServiceFactory& newService) : m_options(std::move(options))
    {
        m_rootDir = m_options.parentDir / ("cox-bench-cluster-" + std::to_string(::getpid()));
        std::filesystem::remove_all(m_rootDir);
        std::filesystem::create_directories(m_rootDir);
        for (int i = 0; i < m_options.memberCount; ++i)
        {
            const int port = m_options.portBase + i * BenchClusterOptions::MEMBER_PORT_STRIDE;
            const auto endpoint = [port](int offset) { return "localhost:" + std::to_string(port + offset); };
            m_members += (i == 0 ? "" : "|") + std::to_string(i) + "," + endpoint(0) + "," + endpoint(1) + "," +
                endpoint(2) + "," + endpoint(3) + "," + endpoint(5);
            m_ingressEndpoints += (i == 0 ? "" : ",") + std::to_string(i) + "=" + endpoint(0);
            m_services.push_back(newService(i));
        }
    }

    ~BenchCluster()
    {
        close();
        std::error_code ignored;
        std::filesystem::remove_all(m_rootDir, ignored);
    }

    BenchCluster(const BenchCluster&) = delete;
    BenchCluster& operator=(const BenchCluster&) = delete;

    /// Launches every member; their threads start at once.
    void start()
    {
        for (int i = 0; i < m_options.memberCount; ++i)
        {
            m_nodes.push_back(cluster::ClusterNode::launch(nodeContext(i)));
        }
    }

    /// Waits until one member is an active leader and returns its id; throws IllegalStateException after
    /// timeoutNs. The members run themselves: this only reads their counters.
    int awaitLeader(std::int64_t timeoutNs)
    {
        const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
        while (benchNanoTime() < deadlineNs)
        {
            for (int i = 0; i < static_cast<int>(m_nodes.size()); ++i)
            {
                if (isActiveLeader(i))
                {
                    return i;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        throw util::IllegalStateException("no member became an active leader within " +
                                          std::to_string(timeoutNs / 1'000'000'000) + " s");
    }

    /// Stops every member (joining their threads). Idempotent.
    void close()
    {
        for (auto& node : m_nodes)
        {
            node->close();
        }
        m_nodes.clear();
    }

    /// Every counter of every running member, one per line: what a failed run prints to say where it stuck.
    [[nodiscard]] std::string describeCounters() const
    {
        std::string text;
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
        {
            text += "member " + std::to_string(i) + " counters:\n";
            m_nodes[i]->aeron().countersReader().forEach(
                [&text](const util::CounterMetadata& counter)
                { text += "  " + std::string(counter.label) + " = " + std::to_string(counter.value) + "\n"; });
        }
        return text;
    }

    [[nodiscard]] const std::string& ingressEndpoints() const noexcept { return m_ingressEndpoints; }
    [[nodiscard]] cluster::ClusteredService& service(int memberId) { return *m_services.at(memberId); }
    [[nodiscard]] const BenchClusterOptions& options() const noexcept { return m_options; }

private:
    cluster::ClusterNodeContext nodeContext(int memberId)
    {
        cluster::ClusterNodeContext context;
        cluster::ConsensusModuleConfig& config = context.config;
        config.memberId = memberId;
        config.clusterMembers = m_members;
        config.appointedLeaderId = m_options.memberCount > 1 ? 0 : cluster::ClusterMember::NULL_MEMBER_ID;
        config.clusterDir = (m_rootDir / ("member-" + std::to_string(memberId))).string();
        config.logChannel = "aeron:udp?term-length=" + m_options.logTermLength;
        config.electionTimeoutNs = 500'000'000;
        config.leaderHeartbeatIntervalNs = 50'000'000;
        context.services.push_back(m_services.at(static_cast<std::size_t>(memberId)).get());
        context.threadingMode = m_options.threadingMode;
        context.idleStrategy = m_options.idleStrategy;
        // Log buffers in memory as a deployment would have them; the archive (the log's persistence) stays
        // on the file system under the cluster directory.
        if (std::filesystem::is_directory("/dev/shm"))
        {
            context.aeronDirectoryName =
                "/dev/shm/cox-bench-cluster-" + std::to_string(::getpid()) + "-member-" + std::to_string(memberId);
        }
        context.errorHandler = [memberId](const std::exception& e)
        { std::fprintf(stderr, "member %d error: %s\n", memberId, e.what()); };
        return context;
    }

    [[nodiscard]] bool isActiveLeader(int memberId)
    {
        const util::CountersReader& counters = m_nodes[static_cast<std::size_t>(memberId)]->aeron().countersReader();
        const auto value = [&counters](std::int32_t typeId) -> std::int64_t
        {
            const std::int32_t id = cluster::ClusterCounters::find(counters, typeId, 0);
            return id < 0 ? -1 : counters.getCounterValue(id);
        };
        return value(cluster::ClusterCounters::NODE_ROLE_TYPE_ID) == static_cast<std::int64_t>(cluster::Role::LEADER) &&
            value(cluster::ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
            static_cast<std::int64_t>(cluster::ConsensusModuleState::ACTIVE);
    }

    BenchClusterOptions m_options;
    std::filesystem::path m_rootDir;
    std::string m_members;
    std::string m_ingressEndpoints;
    std::vector<std::unique_ptr<cluster::ClusteredService>> m_services;
    std::vector<std::unique_ptr<cluster::ClusterNode>> m_nodes;
};

/// A client process's transport driven from one thread (driver and client conductor on the caller's thread).
using ClientTransport = InvokerTransport;

/// Connects a client to the cluster through transport, pumping it until the session is open; throws
/// ClusterException (or a subclass) as ClusterClient::connect does, IllegalStateException after timeoutNs.
inline std::unique_ptr<cluster::ClusterClient> connectBenchClient(ClientTransport& transport,
                                                                  const std::string& ingressEndpoints,
                                                                  int egressPort, cluster::EgressListener& listener,
                                                                  std::int64_t timeoutNs)
{
    cluster::ClusterClientContext context;
    context.aeron = transport.sharedAeron();
    context.ingressEndpoints = ingressEndpoints;
    context.egressChannel = "aeron:udp?endpoint=localhost:" + std::to_string(egressPort);
    context.egressListener = &listener;
    context.messageTimeoutNs = timeoutNs;
    auto connect = cluster::ClusterClient::asyncConnect(std::move(context));
    const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
    while (true)
    {
        std::unique_ptr<cluster::ClusterClient> client = connect->poll();
        if (client)
        {
            return client;
        }
        if (benchNanoTime() > deadlineNs)
        {
            throw util::IllegalStateException("the cluster client did not connect in time");
        }
        if (transport.pump() == 0)
        {
            std::this_thread::yield();
        }
    }
}
} // namespace cox::bench

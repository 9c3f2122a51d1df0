#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cox/cluster/ConsensusModuleConfig.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/util/AgentGroup.hpp"

namespace cox::apps::node
{
/// node.services ("kv, echo") as trimmed names, in service-id order.
[[nodiscard]] std::vector<std::string> parseServiceNames(std::string_view list);

/// node.threading-mode as the node's threading mode. Throws util::IllegalArgumentException for anything but
/// "dedicated" or "shared" (a validated config never holds anything else).
[[nodiscard]] util::ThreadingMode threadingModeOf(std::string_view name);

/// The state hash of an example service (KeyValueService, EchoService); empty for any other service.
[[nodiscard]] std::optional<std::uint64_t> exampleStateHash(const cluster::ClusteredService& service);

/// Forwards every callback to the hosted service and remembers the log position after the last log entry it
/// applied, for the node report. Every callback runs on the container's thread; read appliedLogPosition()
/// only once that thread has stopped.
class ReportingService final : public cluster::ClusteredService
{
public:
    explicit ReportingService(cluster::ClusteredService& delegate) : m_delegate(delegate) {}

    void onStart(cluster::Cluster& cluster, transport::Image* snapshotImage) override;
    void onSessionOpen(cluster::ClientSession& session, std::int64_t timestamp) override;
    void onSessionClose(cluster::ClientSession& session, std::int64_t timestamp,
                        cluster::CloseReason closeReason) override;
    void onSessionMessage(cluster::ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header& header) override;
    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) override;
    void onTakeSnapshot(transport::ExclusivePublication& snapshotPublication) override;
    void onRoleChange(cluster::Role newRole) override;
    void onTerminate(cluster::Cluster& cluster) override;
    void onNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t logPosition, std::int64_t timestamp,
                                  std::int64_t termBaseLogPosition, std::int32_t leaderMemberId,
                                  std::int32_t logSessionId, cluster::ClusterTimeUnit timeUnit,
                                  std::int32_t appVersion) override;
    int doBackgroundWork(std::int64_t nowNs) override;

    /// -1 until the service has started.
    [[nodiscard]] std::int64_t appliedLogPosition() const noexcept { return m_appliedLogPosition; }
    [[nodiscard]] cluster::ClusteredService& delegate() noexcept { return m_delegate; }
    [[nodiscard]] const cluster::ClusteredService& delegate() const noexcept { return m_delegate; }

private:
    void recordPosition() noexcept;

    cluster::ClusteredService& m_delegate;
    cluster::Cluster* m_cluster = nullptr;
    std::int64_t m_appliedLogPosition = -1;
};

/// The example services one node hosts, named by node.services, each behind a ReportingService.
class HostedServices
{
public:
    /// Throws util::ConfigException naming the origin of node.services and the key for an unknown name.
    explicit HostedServices(const cluster::ConsensusModuleConfig& config);

    /// What ClusterNodeContext::services takes; valid while this object lives.
    [[nodiscard]] std::vector<cluster::ClusteredService*> services() const;
    [[nodiscard]] const std::vector<std::string>& names() const noexcept { return m_names; }

    /// The node report: `service.<id>.name=`, `service.<id>.state-hash=<16 hex digits>` (example services
    /// only) and `service.<id>.log-position=` (once started). Call after the node has closed.
    [[nodiscard]] std::vector<std::string> reportLines() const;

private:
    std::vector<std::string> m_names;
    std::vector<std::unique_ptr<cluster::ClusteredService>> m_examples;
    std::vector<std::unique_ptr<ReportingService>> m_reporting;
};

/// Writes lines, one per line, to path (replacing it). Throws util::IoException.
void writeNodeReport(const std::string& path, const std::vector<std::string>& lines);

/// What the node prints at start: member and cluster ids, this member's endpoints, directories, services.
[[nodiscard]] std::string describeNode(const cluster::ConsensusModuleConfig& config, const std::string& aeronDir);
} // namespace cox::apps::node

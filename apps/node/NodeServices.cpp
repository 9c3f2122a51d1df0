#include "NodeServices.hpp"

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include "cox/examples/EchoService.hpp"
#include "cox/examples/ExampleServices.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Config.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps::node
{
namespace
{
std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    {
        text.remove_suffix(1);
    }
    return text;
}

std::string hex64(std::uint64_t value)
{
    char text[17];
    std::snprintf(text, sizeof(text), "%016" PRIx64, value);
    return text;
}
} // namespace

std::vector<std::string> parseServiceNames(std::string_view list)
{
    std::vector<std::string> names;
    while (true)
    {
        const std::size_t comma = list.find(',');
        names.emplace_back(trim(list.substr(0, comma)));
        if (comma == std::string_view::npos)
        {
            return names;
        }
        list.remove_prefix(comma + 1);
    }
}

util::ThreadingMode threadingModeOf(std::string_view name)
{
    if (name == "dedicated")
    {
        return util::ThreadingMode::DEDICATED;
    }
    if (name == "shared")
    {
        return util::ThreadingMode::SHARED;
    }
    throw util::IllegalArgumentException("node threading mode must be \"dedicated\" or \"shared\", not \"" +
                                         std::string(name) + "\"");
}

std::optional<std::uint64_t> exampleStateHash(const cluster::ClusteredService& service)
{
    if (const auto* kv = dynamic_cast<const examples::KeyValueService*>(&service))
    {
        return kv->stateHash();
    }
    if (const auto* echo = dynamic_cast<const examples::EchoService*>(&service))
    {
        return echo->stateHash();
    }
    return std::nullopt;
}

void ReportingService::onStart(cluster::Cluster& cluster, transport::Image* snapshotImage)
{
    m_cluster = &cluster;
    m_delegate.onStart(cluster, snapshotImage);
    recordPosition();
}

void ReportingService::onSessionOpen(cluster::ClientSession& session, std::int64_t timestamp)
{
    m_delegate.onSessionOpen(session, timestamp);
    recordPosition();
}

void ReportingService::onSessionClose(cluster::ClientSession& session, std::int64_t timestamp,
                                      cluster::CloseReason closeReason)
{
    m_delegate.onSessionClose(session, timestamp, closeReason);
    recordPosition();
}

void ReportingService::onSessionMessage(cluster::ClientSession* session, std::int64_t timestamp,
                                        const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                        const transport::Header& header)
{
    m_delegate.onSessionMessage(session, timestamp, buffer, offset, length, header);
    recordPosition();
}

void ReportingService::onTimerEvent(std::int64_t correlationId, std::int64_t timestamp)
{
    m_delegate.onTimerEvent(correlationId, timestamp);
    recordPosition();
}

void ReportingService::onTakeSnapshot(transport::ExclusivePublication& snapshotPublication)
{
    m_delegate.onTakeSnapshot(snapshotPublication);
}

void ReportingService::onRoleChange(cluster::Role newRole)
{
    m_delegate.onRoleChange(newRole);
}

void ReportingService::onTerminate(cluster::Cluster& cluster)
{
    m_delegate.onTerminate(cluster);
}

void ReportingService::onNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t logPosition,
                                                std::int64_t timestamp, std::int64_t termBaseLogPosition,
                                                std::int32_t leaderMemberId, std::int32_t logSessionId,
                                                cluster::ClusterTimeUnit timeUnit, std::int32_t appVersion)
{
    m_delegate.onNewLeadershipTermEvent(leadershipTermId, logPosition, timestamp, termBaseLogPosition,
                                        leaderMemberId, logSessionId, timeUnit, appVersion);
    recordPosition();
}

int ReportingService::doBackgroundWork(std::int64_t nowNs)
{
    return m_delegate.doBackgroundWork(nowNs);
}

void ReportingService::recordPosition() noexcept
{
    if (m_cluster != nullptr)
    {
        m_appliedLogPosition = m_cluster->logPosition();
    }
}

HostedServices::HostedServices(const cluster::ConsensusModuleConfig& config)
{
    m_names = parseServiceNames(config.nodeServices);
    for (const std::string& name : m_names)
    {
        try
        {
            m_examples.push_back(examples::newExampleService(name));
        }
        catch (const util::IllegalArgumentException& ex)
        {
            throw util::ConfigException(config.origin("node.services") + ": key 'node.services': " + ex.what());
        }
        m_reporting.push_back(std::make_unique<ReportingService>(*m_examples.back()));
    }
}

std::vector<cluster::ClusteredService*> HostedServices::services() const
{
    std::vector<cluster::ClusteredService*> services;
    for (const auto& service : m_reporting)
    {
        services.push_back(service.get());
    }
    return services;
}

std::vector<std::string> HostedServices::reportLines() const
{
    std::vector<std::string> lines;
    for (std::size_t id = 0; id < m_reporting.size(); ++id)
    {
        const std::string prefix = "service." + std::to_string(id) + ".";
        lines.push_back(prefix + "name=" + m_names[id]);
        if (const auto hash = exampleStateHash(m_reporting[id]->delegate()))
        {
            lines.push_back(prefix + "state-hash=" + hex64(*hash));
        }
        if (m_reporting[id]->appliedLogPosition() >= 0)
        {
            lines.push_back(prefix + "log-position=" + std::to_string(m_reporting[id]->appliedLogPosition()));
        }
    }
    return lines;
}

void writeNodeReport(const std::string& path, const std::vector<std::string>& lines)
{
    std::ofstream file(path, std::ios::trunc);
    for (const std::string& line : lines)
    {
        file << line << '\n';
    }
    file.flush();
    if (!file)
    {
        throw util::IoException("cannot write the node report " + path);
    }
}

std::string describeNode(const cluster::ConsensusModuleConfig& config, const std::string& aeronDir)
{
    const auto members = config.members();
    std::string text = "member " + std::to_string(config.memberId) + " of cluster " + std::to_string(config.clusterId) +
        " (" + std::to_string(members.size()) + " member" + (members.size() == 1 ? "" : "s") + ", appointed leader " +
        (config.appointedLeaderId < 0 ? std::string("none") : std::to_string(config.appointedLeaderId)) + ")\n";
    for (const auto& member : members)
    {
        if (member.id == config.memberId)
        {
            text += "  ingress " + member.ingressEndpoint + "  consensus " + member.consensusEndpoint + "  log " +
                member.logEndpoint + "  catchup " + member.catchupEndpoint + "  archive " + member.archiveEndpoint +
                "\n";
        }
    }
    text += "  services " + config.nodeServices + "  threading " + config.nodeThreadingMode + "  idle " +
        config.nodeIdleStrategy + "\n";
    text += "  cluster dir " + config.clusterDir + "  aeron dir " + aeronDir + "\n";
    return text;
}
} // namespace cox::apps::node

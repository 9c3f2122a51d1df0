#include "consensus/SnapshotRetrieval.hpp"

#include <algorithm>
#include <iostream>
#include <string>

#include "consensus/ConsensusModuleAgent.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/transport/ChannelText.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
constexpr std::int64_t QUERY_INTERVAL_NS = 100'000'000;
constexpr std::int64_t NULL_POSITION = -1;

/// The value of key in "member=1;role=LEADER;log=1", or empty.
std::string_view statusField(std::string_view status, std::string_view key)
{
    while (!status.empty())
    {
        const auto end = status.find(';');
        const std::string_view field = status.substr(0, end);
        if (field.size() > key.size() && field.substr(0, key.size()) == key && field[key.size()] == '=')
        {
            return field.substr(key.size() + 1);
        }
        status = end == std::string_view::npos ? std::string_view() : status.substr(end + 1);
    }
    return {};
}
} // namespace

SnapshotRetrieval::SnapshotRetrieval(ConsensusModuleAgent& agent, std::int64_t nowNs)
    : m_agent(agent),
      m_correlationId(static_cast<std::int64_t>(agent.m_random() >> 1)),
      m_deadlineNs(nowNs + agent.m_config.startupCanvassTimeoutNs)
{
    m_emptyMembers.push_back(agent.m_thisMember->id);
    std::cout << "consensus-module: member " << agent.m_thisMember->id
              << " starts with an empty directory: asking the other members for their latest snapshot" << std::endl;
}

int SnapshotRetrieval::doWork(std::int64_t nowNs)
{
    switch (m_state)
    {
    case State::QUERY:
        return query(nowNs);
    case State::REPLICATE:
        return replicate(nowNs);
    case State::AWAIT_REPLICATION:
        return awaitReplication(nowNs);
    case State::DONE:
        break;
    }
    return 0;
}

int SnapshotRetrieval::query(std::int64_t nowNs)
{
    if (nowNs >= m_deadlineNs)
    {
        // Nobody could say (the others are down or still electing without us): start with what we have, an
        // empty log, so this member can at least vote.
        finish("no leader answered within the start-up canvass timeout; starting with an empty log");
        return 1;
    }
    if (nowNs < m_nextQueryNs)
    {
        return 0;
    }
    m_nextQueryNs = nowNs + QUERY_INTERVAL_NS;
    for (auto& [memberId, publication] : m_agent.m_consensusPublications)
    {
        static_cast<void>(memberId);
        m_agent.m_consensusPublisher.snapshotRecordingQuery(*publication, m_correlationId, m_agent.m_thisMember->id);
    }
    return 1;
}

void SnapshotRetrieval::onSnapshotRecordings(std::int64_t correlationId,
                                             const std::vector<RecoveryPlan::Snapshot>& snapshots,
                                             std::string_view status)
{
    if (m_state != State::QUERY || correlationId != m_correlationId)
    {
        return;
    }
    std::int32_t memberId = -1;
    try
    {
        memberId = std::stoi(std::string(statusField(status, "member")));
    }
    catch (const std::exception&)
    {
        m_agent.onInvalidIngress("SnapshotRecordings without a member id");
        return;
    }
    const bool isLeader = statusField(status, "role") == "LEADER";
    const bool hasLog = statusField(status, "log") == "1";
    if (isLeader)
    {
        if (snapshots.empty())
        {
            finish("the leader has no snapshot: the election brings its whole log");
            return;
        }
        m_leaderMemberId = memberId;
        m_leaderSnapshots = snapshots;
        m_state = State::REPLICATE;
        m_stateEnteredNs = m_agent.m_nowNs;
        std::cout << "consensus-module: member " << m_agent.m_thisMember->id << " copies leader " << memberId
                  << "'s snapshot at log position " << snapshots.front().logPosition << " (" << snapshots.size()
                  << " recordings)" << std::endl;
        return;
    }
    if (!hasLog && std::find(m_emptyMembers.begin(), m_emptyMembers.end(), memberId) == m_emptyMembers.end())
    {
        m_emptyMembers.push_back(memberId);
        if (m_emptyMembers.size() > m_agent.m_members.size() / 2)
        {
            finish("a majority of members has no log: this is the cluster's first start");
        }
    }
}

int SnapshotRetrieval::replicate(std::int64_t nowNs)
{
    static_cast<void>(nowNs);
    if (m_next >= m_leaderSnapshots.size())
    {
        // Written as the leader wrote them: services first, then the module, one set at one position.
        auto& recordingLog = *m_agent.m_recordingLog;
        for (std::size_t i = 0; i < m_leaderSnapshots.size(); ++i)
        {
            const auto& snapshot = m_leaderSnapshots[i];
            recordingLog.appendSnapshot(m_localRecordingIds[i], snapshot.leadershipTermId,
                                        snapshot.termBaseLogPosition, snapshot.logPosition, snapshot.timestamp,
                                        snapshot.serviceId);
        }
        recordingLog.force(static_cast<archive::FileSyncLevel>(m_agent.m_config.fileSyncLevel));
        finish("snapshot copied from the leader");
        return 1;
    }
    const ClusterMember* leader = nullptr;
    for (const auto& member : m_agent.m_members)
    {
        if (member.id == m_leaderMemberId)
        {
            leader = &member;
        }
    }
    if (leader == nullptr)
    {
        throw util::IllegalStateException("snapshot retrieval: unknown leader member " +
                                          std::to_string(m_leaderMemberId));
    }
    archive::ReplicationParams params;
    params.replicationChannel =
        transport::withParam("aeron:udp", "endpoint", m_agent.m_thisMember->catchupEndpoint);
    m_agent.m_replicatedRecordingId = RecordingLog::NULL_VALUE;
    m_agent.m_archive->replicate(m_leaderSnapshots[m_next].recordingId, m_agent.m_context.archiveControlStreamId,
                                 transport::withParam(m_agent.m_config.leaderArchiveControlChannel, "endpoint",
                                                      leader->archiveEndpoint),
                                 params);
    m_state = State::AWAIT_REPLICATION;
    m_stateEnteredNs = m_agent.m_nowNs;
    return 1;
}

int SnapshotRetrieval::awaitReplication(std::int64_t nowNs)
{
    auto& archive = *m_agent.m_archive;
    archive.pollForRecordingSignals();
    const std::int64_t recordingId = m_agent.m_replicatedRecordingId;
    if (recordingId >= 0 && archive.getRecordingPosition(recordingId) == NULL_POSITION)
    {
        // Not recording: either finished (a stop position) or not started yet (none): wait for the former.
        if (archive.getStopPosition(recordingId) > 0)
        {
            m_localRecordingIds.push_back(recordingId);
            ++m_next;
            m_state = State::REPLICATE;
            return 1;
        }
    }
    if (nowNs - m_stateEnteredNs > m_agent.m_config.replicationProgressTimeoutNs)
    {
        throw util::IllegalStateException("snapshot retrieval: copying leader recording " +
                                          std::to_string(m_leaderSnapshots[m_next].recordingId) +
                                          " made no progress");
    }
    return 0;
}

void SnapshotRetrieval::finish(const char* outcome)
{
    std::cout << "consensus-module: member " << m_agent.m_thisMember->id << ": " << outcome << std::endl;
    m_state = State::DONE;
}
} // namespace cox::cluster

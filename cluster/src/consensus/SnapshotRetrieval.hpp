#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cox/cluster/RecoveryPlan.hpp"

namespace cox::cluster
{
class ConsensusModuleAgent;

/// How a member started on an empty directory (a replaced machine) catches up when the others have snapshots:
/// before its services start, it asks the other members for their latest snapshot set, copies the leader's by
/// archive replication, and writes it into its own recording log; it then starts as any member restarting from
/// a snapshot, and the election brings the log after it. A cluster where nobody has a log yet (a first start)
/// is recognised by a majority answering so, and goes straight to its election.
class SnapshotRetrieval
{
public:
    SnapshotRetrieval(ConsensusModuleAgent& agent, std::int64_t nowNs);

    /// Returns the work done; isDone() once the member may go on to its recovery plan.
    int doWork(std::int64_t nowNs);
    [[nodiscard]] bool isDone() const noexcept { return m_state == State::DONE; }

    void onSnapshotRecordings(std::int64_t correlationId, const std::vector<RecoveryPlan::Snapshot>& snapshots,
                              std::string_view status);

private:
    enum class State : std::int8_t
    {
        QUERY,
        REPLICATE,
        AWAIT_REPLICATION,
        DONE,
    };

    int query(std::int64_t nowNs);
    int replicate(std::int64_t nowNs);
    int awaitReplication(std::int64_t nowNs);
    void finish(const char* outcome);

    ConsensusModuleAgent& m_agent;
    State m_state = State::QUERY;
    std::int64_t m_correlationId;
    std::int64_t m_deadlineNs;
    std::int64_t m_nextQueryNs = 0;
    std::int64_t m_stateEnteredNs = 0;
    /// Members that answered with no log and no leadership (this member counts as one).
    std::vector<std::int32_t> m_emptyMembers;
    std::vector<RecoveryPlan::Snapshot> m_leaderSnapshots;
    std::int32_t m_leaderMemberId = -1;
    std::size_t m_next = 0;
    std::vector<std::int64_t> m_localRecordingIds;
};
} // namespace cox::cluster

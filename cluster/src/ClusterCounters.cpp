#include "cox/cluster/ClusterCounters.hpp"

#include <array>
#include <cstring>
#include <vector>

#include "cox/util/CountersManager.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
constexpr std::array<std::string_view, 7> MODULE_STATE_NAMES = {
    "INIT", "ACTIVE", "SUSPENDED", "SNAPSHOT", "QUITTING", "TERMINATING", "CLOSED",
};
constexpr std::array<std::string_view, 3> ROLE_NAMES = {"FOLLOWER", "CANDIDATE", "LEADER"};
constexpr std::array<std::string_view, 18> ELECTION_STATE_NAMES = {
    "INIT",
    "CANVASS",
    "NOMINATE",
    "CANDIDATE_BALLOT",
    "FOLLOWER_BALLOT",
    "LEADER_LOG_REPLICATION",
    "LEADER_REPLAY",
    "LEADER_INIT",
    "LEADER_READY",
    "FOLLOWER_LOG_REPLICATION",
    "FOLLOWER_REPLAY",
    "FOLLOWER_CATCHUP_INIT",
    "FOLLOWER_CATCHUP_AWAIT",
    "FOLLOWER_CATCHUP",
    "FOLLOWER_LOG_INIT",
    "FOLLOWER_LOG_AWAIT",
    "FOLLOWER_READY",
    "CLOSED",
};

template <std::size_t N> std::string_view nameOf(const std::array<std::string_view, N>& names, std::int64_t code)
{
    return code >= 0 && code < static_cast<std::int64_t>(N) ? names[static_cast<std::size_t>(code)] : "UNKNOWN";
}

template <typename Enum, std::size_t N>
std::optional<Enum> fromCode(const std::array<std::string_view, N>& /*names*/, std::int64_t code)
{
    if (code < 0 || code >= static_cast<std::int64_t>(N))
    {
        return std::nullopt;
    }
    return static_cast<Enum>(code);
}

std::array<std::uint8_t, ClusterCounters::CLUSTER_ID_KEY_LENGTH> clusterIdKey(std::int32_t clusterId)
{
    std::array<std::uint8_t, ClusterCounters::CLUSTER_ID_KEY_LENGTH> key{};
    std::memcpy(key.data(), &clusterId, sizeof(clusterId));
    return key;
}
} // namespace

std::string_view toString(ConsensusModuleState state) noexcept
{
    return nameOf(MODULE_STATE_NAMES, static_cast<std::int64_t>(state));
}

std::string_view toString(Role role) noexcept
{
    return nameOf(ROLE_NAMES, static_cast<std::int64_t>(role));
}

std::string_view toString(ElectionState state) noexcept
{
    return nameOf(ELECTION_STATE_NAMES, static_cast<std::int64_t>(state));
}

std::optional<ConsensusModuleState> consensusModuleStateFromCode(std::int64_t code) noexcept
{
    return fromCode<ConsensusModuleState>(MODULE_STATE_NAMES, code);
}

std::optional<Role> roleFromCode(std::int64_t code) noexcept
{
    return fromCode<Role>(ROLE_NAMES, code);
}

std::optional<ElectionState> electionStateFromCode(std::int64_t code) noexcept
{
    return fromCode<ElectionState>(ELECTION_STATE_NAMES, code);
}

std::string ClusterCounters::label(std::string_view name, std::int32_t clusterId)
{
    return std::string(name) + " - clusterId=" + std::to_string(clusterId);
}

std::int32_t ClusterCounters::allocate(util::CountersManager& counters, std::string_view name, std::int32_t typeId,
                                       std::int32_t clusterId)
{
    const auto key = clusterIdKey(clusterId);
    return counters.allocate(label(name, clusterId), typeId, key);
}

util::AtomicCounter ClusterCounters::newCounter(util::CountersManager& counters, std::string_view name,
                                                std::int32_t typeId, std::int32_t clusterId)
{
    const auto key = clusterIdKey(clusterId);
    return counters.newCounter(label(name, clusterId), typeId, key);
}

std::int32_t ClusterCounters::find(const util::CountersReader& counters, std::int32_t typeId, std::int32_t clusterId)
{
    std::int32_t found = NULL_COUNTER_ID;
    counters.forEach(
        [&](const util::CounterMetadata& metadata)
        {
            if (found != NULL_COUNTER_ID || metadata.typeId != typeId ||
                metadata.key.size() < CLUSTER_ID_OFFSET + CLUSTER_ID_KEY_LENGTH)
            {
                return;
            }
            std::int32_t keyClusterId = 0;
            std::memcpy(&keyClusterId, metadata.key.data() + CLUSTER_ID_OFFSET, sizeof(keyClusterId));
            if (keyClusterId == clusterId)
            {
                found = metadata.id;
            }
        });
    return found;
}

ConsensusModuleCounters ConsensusModuleCounters::allocate(util::CountersManager& counters, std::int32_t clusterId,
                                                          std::int64_t cycleThresholdNs,
                                                          std::int64_t totalSnapshotDurationThresholdNs)
{
    if (ClusterCounters::find(counters, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, clusterId) !=
        ClusterCounters::NULL_COUNTER_ID)
    {
        throw util::IllegalStateException("a consensus module for clusterId=" + std::to_string(clusterId) +
                                          " is already active in this counters file");
    }

    ConsensusModuleCounters result;
    struct Spec
    {
        util::AtomicCounter ConsensusModuleCounters::*field;
        std::string name;
        std::int32_t typeId;
        std::int64_t initialValue;
    };
    const std::vector<Spec> specs = {
        {&ConsensusModuleCounters::moduleState, "Consensus Module state",
         ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, static_cast<std::int64_t>(ConsensusModuleState::INIT)},
        {&ConsensusModuleCounters::nodeRole, "Cluster node role", ClusterCounters::NODE_ROLE_TYPE_ID,
         static_cast<std::int64_t>(Role::FOLLOWER)},
        {&ConsensusModuleCounters::controlToggle, "Cluster control toggle", ClusterCounters::CONTROL_TOGGLE_TYPE_ID, 0},
        {&ConsensusModuleCounters::nodeControlToggle, "Cluster node control toggle",
         ClusterCounters::NODE_CONTROL_TOGGLE_TYPE_ID, 0},
        {&ConsensusModuleCounters::commitPosition, "Cluster commit-pos:", ClusterCounters::COMMIT_POSITION_TYPE_ID, 0},
        {&ConsensusModuleCounters::electionState, "Cluster election state", ClusterCounters::ELECTION_STATE_TYPE_ID,
         static_cast<std::int64_t>(ElectionState::INIT)},
        {&ConsensusModuleCounters::electionCount, "Cluster election count", ClusterCounters::ELECTION_COUNT_TYPE_ID, 0},
        {&ConsensusModuleCounters::leadershipTermId, "Cluster leadership term id",
         ClusterCounters::LEADERSHIP_TERM_ID_TYPE_ID, -1},
        {&ConsensusModuleCounters::snapshotCount, "Cluster snapshot count", ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID,
         0},
        {&ConsensusModuleCounters::errorCount, "Cluster errors", ClusterCounters::CONSENSUS_MODULE_ERROR_COUNT_TYPE_ID,
         0},
        {&ConsensusModuleCounters::timedOutClientCount, "Cluster timed out client count",
         ClusterCounters::CLUSTER_CLIENT_TIMEOUT_COUNT_TYPE_ID, 0},
        {&ConsensusModuleCounters::invalidRequestCount, "Cluster invalid request count",
         ClusterCounters::CLUSTER_INVALID_REQUEST_COUNT_TYPE_ID, 0},
        {&ConsensusModuleCounters::maxCycleTimeNs, "Cluster max cycle time in ns",
         ClusterCounters::CLUSTER_MAX_CYCLE_TIME_TYPE_ID, 0},
        {&ConsensusModuleCounters::cycleTimeThresholdExceededCount,
         "Cluster work cycle time exceeded count: threshold=" + std::to_string(cycleThresholdNs) + "ns",
         ClusterCounters::CLUSTER_CYCLE_TIME_THRESHOLD_EXCEEDED_TYPE_ID, 0},
        {&ConsensusModuleCounters::totalMaxSnapshotDurationNs, "Cluster total max snapshot duration in ns",
         ClusterCounters::CLUSTER_TOTAL_MAX_SNAPSHOT_DURATION_TYPE_ID, 0},
        {&ConsensusModuleCounters::totalSnapshotDurationThresholdExceededCount,
         "Cluster total snapshot duration exceeded count: threshold=" +
             std::to_string(totalSnapshotDurationThresholdNs) + "ns",
         ClusterCounters::CLUSTER_TOTAL_SNAPSHOT_DURATION_THRESHOLD_EXCEEDED_TYPE_ID, 0},
    };

    std::vector<std::int32_t> allocated;
    try
    {
        for (const Spec& spec : specs)
        {
            util::AtomicCounter counter = ClusterCounters::newCounter(counters, spec.name, spec.typeId, clusterId);
            allocated.push_back(counter.id());
            counter.setOrdered(spec.initialValue);
            result.*spec.field = counter;
        }
    }
    catch (...)
    {
        for (const std::int32_t id : allocated)
        {
            counters.free(id);
        }
        throw;
    }
    return result;
}

void ConsensusModuleCounters::free(util::CountersManager& counters)
{
    for (util::AtomicCounter* counter :
         {&moduleState, &nodeRole, &controlToggle, &nodeControlToggle, &commitPosition, &electionState, &electionCount,
          &leadershipTermId, &snapshotCount, &errorCount, &timedOutClientCount, &invalidRequestCount, &maxCycleTimeNs,
          &cycleTimeThresholdExceededCount, &totalMaxSnapshotDurationNs, &totalSnapshotDurationThresholdExceededCount})
    {
        if (counter->id() >= 0)
        {
            counters.free(counter->id());
            *counter = util::AtomicCounter();
        }
    }
}
} // namespace cox::cluster

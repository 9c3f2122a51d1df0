#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cox/util/AtomicCounter.hpp"

namespace cox::util
{
class CountersManager;
class CountersReader;
} // namespace cox::util

namespace cox::cluster
{
/// The consensus module's lifecycle, held in the CONSENSUS_MODULE_STATE counter (Aeron's ConsensusModule.State).
enum class ConsensusModuleState : std::int32_t
{
    INIT = 0,
    ACTIVE = 1,
    SUSPENDED = 2,
    SNAPSHOT = 3,
    /// Left over from dynamic membership in Aeron; kept so the codes match.
    QUITTING = 4,
    TERMINATING = 5,
    CLOSED = 6,
};

/// This node's role, held in the NODE_ROLE counter (Aeron's Cluster.Role).
enum class Role : std::int32_t
{
    FOLLOWER = 0,
    CANDIDATE = 1,
    LEADER = 2,
};

/// The election's state, held in the ELECTION_STATE counter; codes in Aeron's order (facts §3.1).
enum class ElectionState : std::int32_t
{
    INIT = 0,
    CANVASS = 1,
    NOMINATE = 2,
    CANDIDATE_BALLOT = 3,
    FOLLOWER_BALLOT = 4,
    LEADER_LOG_REPLICATION = 5,
    LEADER_REPLAY = 6,
    LEADER_INIT = 7,
    LEADER_READY = 8,
    FOLLOWER_LOG_REPLICATION = 9,
    FOLLOWER_REPLAY = 10,
    FOLLOWER_CATCHUP_INIT = 11,
    FOLLOWER_CATCHUP_AWAIT = 12,
    FOLLOWER_CATCHUP = 13,
    FOLLOWER_LOG_INIT = 14,
    FOLLOWER_LOG_AWAIT = 15,
    FOLLOWER_READY = 16,
    CLOSED = 17,
};

/// Names as Aeron spells them (e.g. "LEADER_LOG_REPLICATION"); "UNKNOWN" for a value outside the enum.
[[nodiscard]] std::string_view toString(ConsensusModuleState state) noexcept;
[[nodiscard]] std::string_view toString(Role role) noexcept;
[[nodiscard]] std::string_view toString(ElectionState state) noexcept;

/// Decoders for counter values read from another process; std::nullopt for a code outside the enum.
[[nodiscard]] std::optional<ConsensusModuleState> consensusModuleStateFromCode(std::int64_t code) noexcept;
[[nodiscard]] std::optional<Role> roleFromCode(std::int64_t code) noexcept;
[[nodiscard]] std::optional<ElectionState> electionStateFromCode(std::int64_t code) noexcept;

/// Cluster counter type ids (Aeron's AeronCounters, facts §9.4) and the helpers that allocate and find them.
///
/// Every cluster counter's key starts with the clusterId (int32 at CLUSTER_ID_OFFSET), so several clusters can
/// share one counters file and a tool can pick out one cluster's counters. Labels end in " - clusterId=<id>".
struct ClusterCounters
{
    static constexpr std::int32_t CONSENSUS_MODULE_STATE_TYPE_ID = 200;
    static constexpr std::int32_t NODE_ROLE_TYPE_ID = 201;
    static constexpr std::int32_t CONTROL_TOGGLE_TYPE_ID = 202;
    static constexpr std::int32_t COMMIT_POSITION_TYPE_ID = 203;
    static constexpr std::int32_t RECOVERY_STATE_TYPE_ID = 204;
    static constexpr std::int32_t SNAPSHOT_COUNTER_TYPE_ID = 205;
    static constexpr std::int32_t ELECTION_STATE_TYPE_ID = 207;
    static constexpr std::int32_t BACKUP_STATE_TYPE_ID = 208;
    static constexpr std::int32_t BACKUP_LIVE_LOG_POSITION_TYPE_ID = 209;
    static constexpr std::int32_t BACKUP_QUERY_DEADLINE_TYPE_ID = 210;
    static constexpr std::int32_t BACKUP_ERROR_COUNT_TYPE_ID = 211;
    static constexpr std::int32_t CONSENSUS_MODULE_ERROR_COUNT_TYPE_ID = 212;
    static constexpr std::int32_t CLUSTER_CLIENT_TIMEOUT_COUNT_TYPE_ID = 213;
    static constexpr std::int32_t CLUSTER_INVALID_REQUEST_COUNT_TYPE_ID = 214;
    static constexpr std::int32_t CLUSTERED_SERVICE_ERROR_COUNT_TYPE_ID = 215;
    static constexpr std::int32_t CLUSTER_MAX_CYCLE_TIME_TYPE_ID = 216;
    static constexpr std::int32_t CLUSTER_CYCLE_TIME_THRESHOLD_EXCEEDED_TYPE_ID = 217;
    static constexpr std::int32_t CLUSTERED_SERVICE_MAX_CYCLE_TIME_TYPE_ID = 218;
    static constexpr std::int32_t CLUSTERED_SERVICE_CYCLE_TIME_THRESHOLD_EXCEEDED_TYPE_ID = 219;
    static constexpr std::int32_t CLUSTER_STANDBY_SNAPSHOTS_RECEIVED_TYPE_ID = 232;
    static constexpr std::int32_t NODE_CONTROL_TOGGLE_TYPE_ID = 233;
    static constexpr std::int32_t CLUSTER_TOTAL_MAX_SNAPSHOT_DURATION_TYPE_ID = 234;
    static constexpr std::int32_t CLUSTER_TOTAL_SNAPSHOT_DURATION_THRESHOLD_EXCEEDED_TYPE_ID = 235;
    static constexpr std::int32_t CLUSTERED_SERVICE_MAX_SNAPSHOT_DURATION_TYPE_ID = 236;
    static constexpr std::int32_t CLUSTERED_SERVICE_SNAPSHOT_DURATION_THRESHOLD_EXCEEDED_TYPE_ID = 237;
    static constexpr std::int32_t ELECTION_COUNT_TYPE_ID = 238;
    static constexpr std::int32_t LEADERSHIP_TERM_ID_TYPE_ID = 239;
    static constexpr std::int32_t BACKUP_SNAPSHOT_RETRIEVE_COUNT_TYPE_ID = 240;

    static constexpr std::size_t CLUSTER_ID_OFFSET = 0;
    static constexpr std::size_t CLUSTER_ID_KEY_LENGTH = sizeof(std::int32_t);
    static constexpr std::int32_t NULL_COUNTER_ID = -1;

    /// "<name> - clusterId=<clusterId>".
    [[nodiscard]] static std::string label(std::string_view name, std::int32_t clusterId);

    /// Allocates a counter of typeId with the clusterId key and the label above; returns its id. Throws as
    /// CountersManager::allocate does (IllegalStateException when the file is full).
    static std::int32_t allocate(util::CountersManager& counters, std::string_view name, std::int32_t typeId,
                                 std::int32_t clusterId);

    /// allocate() and a handle on the new counter.
    [[nodiscard]] static util::AtomicCounter newCounter(util::CountersManager& counters, std::string_view name,
                                                        std::int32_t typeId, std::int32_t clusterId);

    /// The first allocated counter of typeId whose key carries clusterId, or NULL_COUNTER_ID: how a service
    /// finds the commit position, and how a second consensus module for the same cluster is detected.
    [[nodiscard]] static std::int32_t find(const util::CountersReader& counters, std::int32_t typeId,
                                           std::int32_t clusterId);
};

/// The counters one consensus module owns, allocated together at start-up and freed together at close.
/// Handles are plain values; they must not be used after free().
struct ConsensusModuleCounters
{
    util::AtomicCounter moduleState;
    util::AtomicCounter nodeRole;
    util::AtomicCounter controlToggle;
    util::AtomicCounter nodeControlToggle;
    util::AtomicCounter commitPosition;
    util::AtomicCounter electionState;
    util::AtomicCounter electionCount;
    util::AtomicCounter leadershipTermId;
    util::AtomicCounter snapshotCount;
    util::AtomicCounter errorCount;
    util::AtomicCounter timedOutClientCount;
    util::AtomicCounter invalidRequestCount;
    util::AtomicCounter maxCycleTimeNs;
    util::AtomicCounter cycleTimeThresholdExceededCount;
    util::AtomicCounter totalMaxSnapshotDurationNs;
    util::AtomicCounter totalSnapshotDurationThresholdExceededCount;

    /// Allocates every counter with Aeron's labels and initial values (state INIT, role FOLLOWER, election
    /// state INIT, leadership term id -1). Throws IllegalStateException if a consensus module for clusterId
    /// already has a state counter in this file, or when the file is full (freeing what it allocated).
    [[nodiscard]] static ConsensusModuleCounters allocate(util::CountersManager& counters, std::int32_t clusterId,
                                                          std::int64_t cycleThresholdNs,
                                                          std::int64_t totalSnapshotDurationThresholdNs);

    /// Frees every counter allocated above.
    void free(util::CountersManager& counters);
};
} // namespace cox::cluster

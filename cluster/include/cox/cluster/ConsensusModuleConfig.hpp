#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cox/cluster/ClusterMember.hpp"
#include "cox/cluster/ClusterTime.hpp"

namespace cox::util
{
class Config;
}

namespace cox::cluster
{
/// One configuration key as documented: the TOML key, its type ("string", "integer", "boolean", "duration",
/// "size"), its default as it would be written in the file, and what it means.
struct ConfigKeyInfo
{
    std::string_view key;
    std::string_view type;
    std::string defaultValue;
    std::string_view description;
};

/// Every setting of a cluster node's consensus module and service containers (Aeron's ConsensusModule.Context
/// and ClusteredServiceContainer.Context properties, facts §9.2-9.3), with Aeron's defaults.
///
/// A node reads it from one TOML file (`[cluster] member-id = 1`, i.e. key "cluster.member-id") with
/// "key=value" overrides from the command line. Every key has a default, so an empty file (or none) gives a
/// working single-node cluster on localhost. Durations are written with units ("10s", "200ms"), sizes with
/// binary suffixes ("1m"). keys() is the single list behind loading, toToml() and docs/CONFIGURATION.md.
///
/// Set-up only: everything here allocates and throws util::ConfigException with a message naming where the
/// value came from (file name or "command line"), the key, and what is wrong.
struct ConsensusModuleConfig
{
    // [cluster]
    std::int32_t clusterId = 0;
    std::int32_t memberId = 0;
    std::string clusterMembers = "0,localhost:20110,localhost:20220,localhost:20330,localhost:0,localhost:8010";
    std::string clusterDir = "cox-cluster";
    std::int32_t appointedLeaderId = ClusterMember::NULL_MEMBER_ID;
    std::int32_t serviceCount = 1;
    std::int32_t appVersion = 0;
    std::string timeUnit = "ms";
    std::int32_t fileSyncLevel = 0;
    std::int64_t errorBufferLength = 1024 * 1024;
    std::int64_t terminationTimeoutNs = 10'000'000'000;
    std::int64_t cycleThresholdNs = 1'000'000'000;
    std::int64_t totalSnapshotDurationThresholdNs = 1'000'000'000;

    // [session]
    std::int64_t sessionTimeoutNs = 10'000'000'000;
    std::int32_t maxConcurrentSessions = 10;

    // [leader]
    // Failover well under a second by default (Aeron's 10 s / 200 ms / 1 s / 100 ms / 60 s are for WANs).
    std::int64_t leaderHeartbeatTimeoutNs = 500'000'000;
    std::int64_t leaderHeartbeatIntervalNs = 50'000'000;

    // [election]
    std::int64_t electionTimeoutNs = 200'000'000;
    std::int64_t electionStatusIntervalNs = 20'000'000;
    std::int64_t startupCanvassTimeoutNs = 5'000'000'000;

    // [ingress] and [egress]
    std::string ingressChannel = "aeron:udp";
    std::int32_t ingressStreamId = 101;
    std::int32_t ingressFragmentLimit = 50;
    bool ingressIpcAllowed = false;
    std::string egressChannel;

    // [log]
    std::string logChannel = "aeron:udp?term-length=64m";
    std::int32_t logStreamId = 100;
    std::int32_t logFragmentLimit = 50;

    // [consensus]
    std::string consensusChannel = "aeron:udp?term-length=64k";
    std::int32_t consensusStreamId = 108;

    // [replication]
    std::string replicationChannel = "aeron:udp?endpoint=localhost:0";
    std::string followerCatchupChannel = "aeron:udp";
    std::string leaderArchiveControlChannel = "aeron:udp?term-length=64k";
    std::int64_t replicationProgressTimeoutNs = 10'000'000'000;

    // [snapshot]
    std::string snapshotChannel = "aeron:ipc?alias=snapshot";
    std::int32_t consensusModuleSnapshotStreamId = 107;
    std::int32_t serviceSnapshotStreamId = 106;
    std::int32_t snapshotRetentionCount = 2;

    // [service]
    std::string controlChannel = "aeron:ipc?term-length=128k";
    std::int32_t serviceStreamId = 104;
    std::int32_t consensusModuleStreamId = 105;
    std::string replayChannel = "aeron:ipc";
    std::int32_t replayStreamId = 103;
    std::int64_t serviceErrorBufferLength = 1024 * 1024;
    std::int64_t serviceCycleThresholdNs = 1'000'000'000;
    std::int64_t serviceSnapshotDurationThresholdNs = 1'000'000'000;

    // [node]: read by the coxswain-node program only; an embedding process sets ClusterNodeContext instead.
    std::string nodeServices = "echo";
    std::string nodeThreadingMode = "dedicated";
    std::string nodeIdleStrategy = "backoff";
    bool nodeArchiveChecksums = false;
    bool nodeArchiveAsyncSync = true;

    /// Where the values came from, for error messages: the file name, or "defaults".
    std::string sourceName = "defaults";
    /// Keys set on the command line; errors about them say "command line" instead of the file.
    std::vector<std::string> commandLineKeys;

    /// Every key in file order, with defaults taken from a default-constructed config.
    [[nodiscard]] static std::vector<ConfigKeyInfo> keys();
    [[nodiscard]] static std::vector<std::string> keyNames();

    /// Reads every key (absent keys keep their defaults), rejects unknown keys, then validate()s.
    [[nodiscard]] static ConsensusModuleConfig fromConfig(const util::Config& config,
                                                          std::span<const std::string> commandLineKeys = {});

    /// Loads the TOML file at path (none if path is empty), applies "key=value" overrides in order, and
    /// returns the validated result.
    [[nodiscard]] static ConsensusModuleConfig load(const std::string& path,
                                                    std::span<const std::string> overrides = {});

    /// Checks ranges and relations between values (e.g. heartbeat interval below heartbeat timeout, member id in
    /// the members list). Throws util::ConfigException naming the origin and key.
    void validate() const;

    /// The effective configuration as TOML, every key, grouped in sections; fromConfig() of it gives back this
    /// configuration.
    [[nodiscard]] std::string toToml() const;

    /// The Markdown table of every key that docs/CONFIGURATION.md carries.
    [[nodiscard]] static std::string markdownKeyTable();

    /// clusterMembers parsed (throws like validate()).
    [[nodiscard]] std::vector<ClusterMember> members() const;

    [[nodiscard]] ClusterTimeUnit clusterTimeUnit() const;

    /// "file" or "command line" for a key, as errors name it.
    [[nodiscard]] std::string origin(std::string_view key) const;
};
} // namespace cox::cluster

#include "cox/cluster/ConsensusModuleConfig.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <variant>

#include "cox/util/Config.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::cluster
{
namespace
{
using C = ConsensusModuleConfig;

enum class Kind
{
    STRING,
    INT32,
    BOOL,
    DURATION,
    SIZE,
};

using MemberPtr = std::variant<std::string C::*, std::int32_t C::*, std::int64_t C::*, bool C::*>;

struct Field
{
    std::string_view key;
    Kind kind;
    MemberPtr member;
    std::string_view description;
};

constexpr std::int64_t ONE_MIB = 1024 * 1024;
constexpr std::int64_t NS_PER_MIN = 60'000'000'000;

// The one list of keys: loading, toToml(), validation messages and docs/CONFIGURATION.md all come from it.
// Keys stay grouped by section so toToml() can print each [section] once.
const std::vector<Field>& fields()
{
    static const std::vector<Field> FIELDS = {
        {"cluster.id", Kind::INT32, &C::clusterId,
         "Cluster id (aeron.cluster.id): lets several clusters share a driver, archive and counters file."},
        {"cluster.member-id", Kind::INT32, &C::memberId,
         "This node's id in cluster.members (aeron.cluster.member.id)."},
        {"cluster.members", Kind::STRING, &C::clusterMembers,
         "Every member: `id,ingress,consensus,log,catchup,archive[,archiveResponse[,egressResponse]]` joined by "
         "`|`, each endpoint host:port (aeron.cluster.members). The default is a single node on localhost."},
        {"cluster.dir", Kind::STRING, &C::clusterDir,
         "Directory for the recording log, node state and mark files (aeron.cluster.dir)."},
        {"cluster.appointed-leader-id", Kind::INT32, &C::appointedLeaderId,
         "If not -1, only this member may become leader; there is then no automatic fail-over "
         "(aeron.cluster.appointed.leader.id)."},
        {"cluster.service-count", Kind::INT32, &C::serviceCount,
         "Clustered services per node, with ids 0..n-1; 0 to 127 (aeron.cluster.service.count)."},
        {"cluster.app-version", Kind::INT32, &C::appVersion,
         "Version of the services' state (major << 16 | minor << 8 | patch), written in every snapshot; a snapshot "
         "with another major version is not loaded (aeron.cluster.app.version)."},
        {"cluster.time-unit", Kind::STRING, &C::timeUnit,
         "Unit of cluster time stamped on log entries and used by timers: `ms`, `us` or `ns` (aeron.cluster.clock)."},
        {"cluster.file-sync-level", Kind::INT32, &C::fileSyncLevel,
         "0: no forced sync; 1: sync data; 2: sync data and metadata, for the recording log and node state "
         "(aeron.cluster.file.sync.level)."},
        {"cluster.error-buffer-length", Kind::SIZE, &C::errorBufferLength,
         "Distinct error log in the consensus module's mark file; at least 1m (aeron.cluster.error.buffer.length)."},
        {"cluster.termination-timeout", Kind::DURATION, &C::terminationTimeoutNs,
         "How long a leader waits for members to acknowledge termination (aeron.cluster.termination.timeout)."},
        {"cluster.cycle-threshold", Kind::DURATION, &C::cycleThresholdNs,
         "A consensus module duty cycle longer than this is counted as exceeded (aeron.cluster.cycle.threshold)."},
        {"cluster.total-snapshot-duration-threshold", Kind::DURATION, &C::totalSnapshotDurationThresholdNs,
         "A snapshot taking longer than this is counted as exceeded (aeron.cluster.total.snapshot.threshold)."},

        {"session.timeout", Kind::DURATION, &C::sessionTimeoutNs,
         "A client session silent for this long is closed with TIMEOUT (aeron.cluster.session.timeout)."},
        {"session.max-sessions", Kind::INT32, &C::maxConcurrentSessions,
         "Concurrent client sessions the leader accepts (aeron.cluster.max.sessions)."},

        {"leader.heartbeat-timeout", Kind::DURATION, &C::leaderHeartbeatTimeoutNs,
         "A follower that hears nothing from the leader for this long starts an election; a leader without an "
         "active quorum of followers for this long steps down (aeron.cluster.leader.heartbeat.timeout)."},
        {"leader.heartbeat-interval", Kind::DURATION, &C::leaderHeartbeatIntervalNs,
         "How often the leader sends CommitPosition and followers send AppendPosition when idle; below "
         "leader.heartbeat-timeout (aeron.cluster.leader.heartbeat.interval)."},

        {"election.timeout", Kind::DURATION, &C::electionTimeoutNs,
         "Ballot timeout; the random nomination delay is at most half of it (aeron.cluster.election.timeout)."},
        {"election.status-interval", Kind::DURATION, &C::electionStatusIntervalNs,
         "How often canvass positions are sent during an election; below election.timeout "
         "(aeron.cluster.election.status.interval)."},
        {"election.startup-canvass-timeout", Kind::DURATION, &C::startupCanvassTimeoutNs,
         "How long a starting node canvasses for a unanimous view before settling for a quorum; at least twice "
         "leader.heartbeat-timeout (aeron.cluster.startup.canvass.timeout)."},

        {"ingress.channel", Kind::STRING, &C::ingressChannel,
         "Channel template for client ingress; the member's ingress endpoint is filled in "
         "(aeron.cluster.ingress.channel)."},
        {"ingress.stream-id", Kind::INT32, &C::ingressStreamId, "Ingress stream id (aeron.cluster.ingress.stream.id)."},
        {"ingress.fragment-limit", Kind::INT32, &C::ingressFragmentLimit,
         "Ingress fragments polled per duty cycle (aeron.cluster.ingress.fragment.limit)."},
        {"ingress.ipc-allowed", Kind::BOOL, &C::ingressIpcAllowed,
         "Accept clients on an IPC ingress channel (aeron.cluster.ingress.ipc.allowed)."},
        {"egress.channel", Kind::STRING, &C::egressChannel,
         "If set, a template whose parameters are merged into each client's response channel "
         "(aeron.cluster.egress.channel)."},

        {"log.channel", Kind::STRING, &C::logChannel,
         "Channel of the replicated log; without an endpoint it is multi-destination with each follower's log "
         "endpoint added. Must not set init-term-id, term-id or term-offset (aeron.cluster.log.channel)."},
        {"log.stream-id", Kind::INT32, &C::logStreamId, "Log stream id (aeron.cluster.log.stream.id)."},
        {"log.fragment-limit", Kind::INT32, &C::logFragmentLimit,
         "Log fragments a service polls per duty cycle (aeron.cluster.log.fragment.limit)."},

        {"consensus.channel", Kind::STRING, &C::consensusChannel,
         "Channel template for member-to-member consensus messages; each member's consensus endpoint is filled "
         "in (aeron.cluster.consensus.channel)."},
        {"consensus.stream-id", Kind::INT32, &C::consensusStreamId,
         "Consensus stream id (aeron.cluster.consensus.stream.id)."},

        {"replication.channel", Kind::STRING, &C::replicationChannel,
         "Channel on which this node's archive receives replicated log and snapshots from the leader's "
         "(aeron.cluster.replication.channel)."},
        {"replication.follower-catchup-channel", Kind::STRING, &C::followerCatchupChannel,
         "Template for catch-up replays from the leader's archive (aeron.cluster.follower.catchup.channel)."},
        {"replication.leader-archive-control-channel", Kind::STRING, &C::leaderArchiveControlChannel,
         "Channel for control requests to the leader's archive (aeron.cluster.leader.archive.control.channel)."},
        {"replication.progress-timeout", Kind::DURATION, &C::replicationProgressTimeoutNs,
         "A replication or catch-up that makes no progress for this long fails "
         "(aeron.cluster.replication.progress.timeout)."},

        {"snapshot.channel", Kind::STRING, &C::snapshotChannel,
         "Channel snapshots are written on, to the local archive (aeron.cluster.snapshot.channel)."},
        {"snapshot.consensus-module-stream-id", Kind::INT32, &C::consensusModuleSnapshotStreamId,
         "Stream id of the consensus module's snapshot (the consensus module's snapshot stream)."},
        {"snapshot.service-stream-id", Kind::INT32, &C::serviceSnapshotStreamId,
         "Stream id of the services' snapshots (aeron.cluster.snapshot.stream.id)."},
        {"snapshot.retention-count", Kind::INT32, &C::snapshotRetentionCount,
         "Coxswain addition: snapshot sets to keep; after each snapshot, older snapshot recordings and the log's "
         "whole segments before the oldest kept one are purged. 0 keeps everything, as Aeron (which never purges)."},

        {"service.control-channel", Kind::STRING, &C::controlChannel,
         "IPC channel between the consensus module and its services (aeron.cluster.control.channel)."},
        {"service.stream-id", Kind::INT32, &C::serviceStreamId,
         "Stream id from the consensus module to services (aeron.cluster.service.stream.id)."},
        {"service.consensus-module-stream-id", Kind::INT32, &C::consensusModuleStreamId,
         "Stream id from services to the consensus module (aeron.cluster.consensus.module.stream.id)."},
        {"service.replay-channel", Kind::STRING, &C::replayChannel,
         "Channel on which services replay the log at start-up (aeron.cluster.replay.channel)."},
        {"service.replay-stream-id", Kind::INT32, &C::replayStreamId,
         "Stream id of log replays to services (aeron.cluster.replay.stream.id)."},
        {"service.error-buffer-length", Kind::SIZE, &C::serviceErrorBufferLength,
         "Distinct error log in each service's mark file; at least 1m (aeron.cluster.service.error.buffer.length)."},
        {"service.cycle-threshold", Kind::DURATION, &C::serviceCycleThresholdNs,
         "A service duty cycle longer than this is counted as exceeded (aeron.cluster.service.cycle.threshold)."},
        {"service.snapshot-duration-threshold", Kind::DURATION, &C::serviceSnapshotDurationThresholdNs,
         "A service snapshot longer than this is counted as exceeded (aeron.cluster.service.snapshot.threshold)."},

        {"node.services", Kind::STRING, &C::nodeServices,
         "coxswain-node: example services to host, comma separated, one container each with ids in order "
         "(`kv`, `echo`); their count replaces cluster.service-count."},
        {"node.threading-mode", Kind::STRING, &C::nodeThreadingMode,
         "coxswain-node: `dedicated` (a thread per agent) or `shared` (the consensus module and services on one "
         "thread); the driver and archive each keep one thread."},
        {"node.idle-strategy", Kind::STRING, &C::nodeIdleStrategy,
         "coxswain-node: how idle agent threads wait: `backoff`, `sleeping`, `yielding`, `busy-spin` or `noop`, "
         "optionally with parameters, e.g. `backoff:max-park=100us` (also `min-park`, `max-spins`, `max-yields`; "
         "`sleeping:sleep=50us`). The longest park bounds how long a message waits for an idle thread to look "
         "again: the default 1 ms costs latency at low rates."},
        {"node.archive-checksums", Kind::BOOL, &C::nodeArchiveChecksums,
         "coxswain-node: CRC-32C of every recorded frame (log and snapshots), checked on replay, so a flipped bit "
         "in a segment or snapshot file stops a replay instead of being applied "
         "(aeron.archive.record.checksum / replay.checksum). Turn it on with file-sync-level 1 or 2: a power loss "
         "can tear a write inside a frame, and only the checksum tells the torn frame from a whole one when the "
         "archive recovers."},
        {"node.archive-async-sync", Kind::BOOL, &C::nodeArchiveAsyncSync,
         "coxswain-node: at file-sync-level 1 or 2 the archive syncs the log on a thread of its own, and a position "
         "counts towards commit only once a sync covering it has finished; the member's other work goes on "
         "meanwhile, and the bytes written during one sync ride on the next. `false`: the recorder waits for each "
         "sync itself (the member's thread stops for it when its agents share a thread)."},
    };
    return FIELDS;
}

const Field& fieldFor(std::string_view key)
{
    for (const Field& field : fields())
    {
        if (field.key == key)
        {
            return field;
        }
    }
    throw util::IllegalArgumentException("no configuration key '" + std::string(key) + "'");
}

std::string_view typeName(Kind kind)
{
    switch (kind)
    {
    case Kind::STRING:
        return "string";
    case Kind::INT32:
        return "integer";
    case Kind::BOOL:
        return "boolean";
    case Kind::DURATION:
        return "duration";
    case Kind::SIZE:
        return "size";
    }
    return "?";
}

std::string formatDuration(std::int64_t ns)
{
    struct Unit
    {
        std::int64_t nanos;
        std::string_view suffix;
    };
    static constexpr std::array<Unit, 5> UNITS = {{
        {60 * NS_PER_MIN, "h"},
        {NS_PER_MIN, "min"},
        {1'000'000'000, "s"},
        {1'000'000, "ms"},
        {1'000, "us"},
    }};
    if (ns == 0)
    {
        return "0s";
    }
    for (const Unit& unit : UNITS)
    {
        if (ns % unit.nanos == 0)
        {
            return std::to_string(ns / unit.nanos) + std::string(unit.suffix);
        }
    }
    return std::to_string(ns) + "ns";
}

std::string formatSize(std::int64_t bytes)
{
    static constexpr std::array<std::pair<int, char>, 4> UNITS = {{{40, 't'}, {30, 'g'}, {20, 'm'}, {10, 'k'}}};
    for (const auto& [shift, suffix] : UNITS)
    {
        const std::int64_t unit = std::int64_t{1} << shift;
        if (bytes != 0 && bytes % unit == 0)
        {
            return std::to_string(bytes / unit) + suffix;
        }
    }
    return std::to_string(bytes);
}

std::string quoteToml(std::string_view text)
{
    static constexpr std::string_view HEX = "0123456789ABCDEF";
    std::string quoted = "\"";
    for (const char c : text)
    {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\')
        {
            quoted += '\\';
            quoted += c;
        }
        else if (byte < 0x20 || byte == 0x7f)
        {
            quoted += "\\u00";
            quoted += HEX[byte >> 4];
            quoted += HEX[byte & 0xf];
        }
        else
        {
            quoted += c;
        }
    }
    return quoted + "\"";
}

/// The value as written in TOML.
std::string formatValue(const C& config, const Field& field)
{
    switch (field.kind)
    {
    case Kind::STRING:
        return quoteToml(config.*std::get<std::string C::*>(field.member));
    case Kind::INT32:
        return std::to_string(config.*std::get<std::int32_t C::*>(field.member));
    case Kind::BOOL:
        return config.*std::get<bool C::*>(field.member) ? "true" : "false";
    case Kind::DURATION:
        return quoteToml(formatDuration(config.*std::get<std::int64_t C::*>(field.member)));
    case Kind::SIZE:
        return quoteToml(formatSize(config.*std::get<std::int64_t C::*>(field.member)));
    }
    return {};
}

void readField(C& config, const util::Config& source, const Field& field)
{
    const std::string key(field.key);
    switch (field.kind)
    {
    case Kind::STRING:
    {
        auto& value = config.*std::get<std::string C::*>(field.member);
        value = source.getString(key, value);
        break;
    }
    case Kind::INT32:
    {
        auto& value = config.*std::get<std::int32_t C::*>(field.member);
        value = source.getInt32(key, value);
        break;
    }
    case Kind::BOOL:
    {
        auto& value = config.*std::get<bool C::*>(field.member);
        value = source.getBool(key, value);
        break;
    }
    case Kind::DURATION:
    {
        auto& value = config.*std::get<std::int64_t C::*>(field.member);
        value = source.getDurationNs(key, value);
        break;
    }
    case Kind::SIZE:
    {
        auto& value = config.*std::get<std::int64_t C::*>(field.member);
        value = source.getSize(key, value);
        break;
    }
    }
}

std::string_view sectionOf(std::string_view key)
{
    return key.substr(0, key.find('.'));
}

std::string keyOverridden(std::string_view assignment)
{
    std::string_view key = assignment.substr(0, assignment.find('='));
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t'))
    {
        key.remove_prefix(1);
    }
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
    {
        key.remove_suffix(1);
    }
    return std::string(key);
}

/// Collects validation failures for one config so each message names origin and key the same way.
class Checker
{
public:
    explicit Checker(const C& config) : m_config(config) {}

    [[noreturn]] void fail(std::string_view key, const std::string& reason) const
    {
        throw util::ConfigException(m_config.origin(key) + ": key '" + std::string(key) + "': " + reason);
    }

    void positive(std::string_view key, std::int64_t value) const
    {
        if (value <= 0)
        {
            fail(key, "must be greater than zero, got " + describe(key, value));
        }
    }

    void range(std::string_view key, std::int64_t value, std::int64_t min, std::int64_t max) const
    {
        if (value < min || value > max)
        {
            fail(key, "must be between " + describe(key, min) + " and " + describe(key, max) + ", got " +
                          describe(key, value));
        }
    }

    void lessThan(std::string_view key, std::int64_t value, std::string_view otherKey, std::int64_t other) const
    {
        if (value >= other)
        {
            fail(key, "must be less than '" + std::string(otherKey) + "' (" + describe(otherKey, other) + "), got " +
                          describe(key, value));
        }
    }

    void channel(std::string_view key, const std::string& value, bool required) const
    {
        if (value.empty())
        {
            if (required)
            {
                fail(key, "a channel is required, e.g. \"aeron:udp?endpoint=host:port\"");
            }
            return;
        }
        const bool udp = value.starts_with("aeron:udp");
        const bool ipc = value.starts_with("aeron:ipc");
        const std::size_t mediaEnd = std::string_view("aeron:udp").size();
        if ((!udp && !ipc) || (value.size() > mediaEnd && value[mediaEnd] != '?'))
        {
            fail(key, "expected a channel \"aeron:udp[?...]\" or \"aeron:ipc[?...]\", got \"" + value + "\"");
        }
    }

    void distinct(std::string_view key, std::int32_t value, std::string_view otherKey, std::int32_t other) const
    {
        if (value == other)
        {
            fail(key, "must differ from '" + std::string(otherKey) + "' (both " + std::to_string(value) +
                          "): they share a channel");
        }
    }

private:
    static std::string describe(std::string_view key, std::int64_t value)
    {
        switch (fieldFor(key).kind)
        {
        case Kind::DURATION:
            return formatDuration(value);
        case Kind::SIZE:
            return formatSize(value);
        default:
            return std::to_string(value);
        }
    }

    const C& m_config;
};

bool hasParam(const std::string& channel, std::string_view name)
{
    const std::size_t query = channel.find('?');
    if (query == std::string::npos)
    {
        return false;
    }
    std::string_view params = std::string_view(channel).substr(query + 1);
    while (!params.empty())
    {
        const std::size_t bar = params.find('|');
        const std::string_view param = params.substr(0, bar);
        if (param.substr(0, param.find('=')) == name)
        {
            return true;
        }
        params = bar == std::string_view::npos ? std::string_view() : params.substr(bar + 1);
    }
    return false;
}

// The [node] keys are strings with a closed set of values; the service names themselves are checked by the
// node program, since the example services live in a layer above this one.
void validateNodeKeys(const Checker& check, const C& config)
{
    std::size_t serviceCount = 0;
    std::string_view names = config.nodeServices;
    while (true)
    {
        const std::size_t comma = names.find(',');
        std::string_view name = names.substr(0, comma);
        while (!name.empty() && name.front() == ' ')
        {
            name.remove_prefix(1);
        }
        while (!name.empty() && name.back() == ' ')
        {
            name.remove_suffix(1);
        }
        if (name.empty())
        {
            check.fail("node.services", "expected service names separated by commas, e.g. \"kv\" or \"kv,echo\", "
                                        "got \"" + config.nodeServices + "\"");
        }
        ++serviceCount;
        if (comma == std::string_view::npos)
        {
            break;
        }
        names.remove_prefix(comma + 1);
    }
    if (serviceCount > 127)
    {
        check.fail("node.services", "at most 127 services, got " + std::to_string(serviceCount));
    }
    if (config.nodeThreadingMode == "invoker")
    {
        check.fail("node.threading-mode", "\"invoker\" is for processes that embed a ClusterNode and drive it; "
                                          "use \"dedicated\" or \"shared\"");
    }
    if (config.nodeThreadingMode != "dedicated" && config.nodeThreadingMode != "shared")
    {
        check.fail("node.threading-mode",
                   "expected \"dedicated\" or \"shared\", got \"" + config.nodeThreadingMode + "\"");
    }
    try
    {
        (void)util::newIdleStrategy(config.nodeIdleStrategy);
    }
    catch (const util::IllegalArgumentException& ex)
    {
        check.fail("node.idle-strategy", ex.what());
    }
}
} // namespace

std::vector<ConfigKeyInfo> ConsensusModuleConfig::keys()
{
    const ConsensusModuleConfig defaults;
    std::vector<ConfigKeyInfo> result;
    for (const Field& field : fields())
    {
        result.push_back({field.key, typeName(field.kind), formatValue(defaults, field), field.description});
    }
    return result;
}

std::vector<std::string> ConsensusModuleConfig::keyNames()
{
    std::vector<std::string> names;
    for (const Field& field : fields())
    {
        names.emplace_back(field.key);
    }
    return names;
}

ConsensusModuleConfig ConsensusModuleConfig::fromConfig(const util::Config& config,
                                                        std::span<const std::string> commandLineKeys)
{
    config.checkUnknownKeys(keyNames());
    ConsensusModuleConfig result;
    result.sourceName = config.sourceName();
    result.commandLineKeys.assign(commandLineKeys.begin(), commandLineKeys.end());
    for (const Field& field : fields())
    {
        readField(result, config, field);
    }
    result.validate();
    return result;
}

ConsensusModuleConfig ConsensusModuleConfig::load(const std::string& path, std::span<const std::string> overrides)
{
    util::Config config = path.empty() ? util::Config::parse("", "defaults") : util::Config::loadFile(path);
    std::vector<std::string> overriddenKeys;
    for (const std::string& assignment : overrides)
    {
        config.applyOverride(assignment);
        overriddenKeys.push_back(keyOverridden(assignment));
    }
    return fromConfig(config, overriddenKeys);
}

std::string ConsensusModuleConfig::origin(std::string_view key) const
{
    const bool fromCommandLine =
        std::find(commandLineKeys.begin(), commandLineKeys.end(), key) != commandLineKeys.end();
    return fromCommandLine ? "command line" : sourceName;
}

std::vector<ClusterMember> ConsensusModuleConfig::members() const
{
    const Checker check(*this);
    std::vector<ClusterMember> parsed;
    try
    {
        parsed = parseClusterMembers(clusterMembers);
    }
    catch (const util::IllegalArgumentException& ex)
    {
        check.fail("cluster.members", ex.what());
    }
    if (parsed.empty())
    {
        check.fail("cluster.members", "at least one member is required");
    }
    return parsed;
}

ClusterTimeUnit ConsensusModuleConfig::clusterTimeUnit() const
{
    const std::optional<ClusterTimeUnit> unit = parseClusterTimeUnit(timeUnit);
    if (!unit)
    {
        Checker(*this).fail("cluster.time-unit", "expected \"ms\", \"us\" or \"ns\", got \"" + timeUnit + "\"");
    }
    return *unit;
}

void ConsensusModuleConfig::validate() const
{
    const Checker check(*this);
    constexpr std::int64_t INT32_MAX_VALUE = std::numeric_limits<std::int32_t>::max();

    check.range("cluster.id", clusterId, 0, INT32_MAX_VALUE);
    check.range("cluster.member-id", memberId, 0, INT32_MAX_VALUE);
    const std::vector<ClusterMember> parsed = members();
    try
    {
        (void)requireMember(parsed, memberId);
    }
    catch (const util::IllegalArgumentException& ex)
    {
        check.fail("cluster.member-id", ex.what());
    }
    if (appointedLeaderId != ClusterMember::NULL_MEMBER_ID && findMember(parsed, appointedLeaderId) == nullptr)
    {
        check.fail("cluster.appointed-leader-id",
                   "member " + std::to_string(appointedLeaderId) + " is not in cluster.members (use -1 for none)");
    }
    if (clusterDir.empty())
    {
        check.fail("cluster.dir", "must not be empty");
    }
    // Service ids go into the top byte of service session ids ((serviceId << 56) | INT64_MIN), so at most 127.
    check.range("cluster.service-count", serviceCount, 0, 127);
    (void)clusterTimeUnit();
    check.range("cluster.file-sync-level", fileSyncLevel, 0, 2);
    check.range("cluster.error-buffer-length", errorBufferLength, ONE_MIB, INT32_MAX_VALUE);
    check.range("service.error-buffer-length", serviceErrorBufferLength, ONE_MIB, INT32_MAX_VALUE);

    for (const Field& field : fields())
    {
        if (field.kind == Kind::DURATION)
        {
            check.positive(field.key, this->*std::get<std::int64_t C::*>(field.member));
        }
    }
    check.lessThan("leader.heartbeat-interval", leaderHeartbeatIntervalNs, "leader.heartbeat-timeout",
                   leaderHeartbeatTimeoutNs);
    check.lessThan("election.status-interval", electionStatusIntervalNs, "election.timeout", electionTimeoutNs);
    if (startupCanvassTimeoutNs / 2 < leaderHeartbeatTimeoutNs)
    {
        check.fail("election.startup-canvass-timeout", "must be at least twice 'leader.heartbeat-timeout' (" +
                                                           formatDuration(leaderHeartbeatTimeoutNs) + "), got " +
                                                           formatDuration(startupCanvassTimeoutNs));
    }

    check.range("session.max-sessions", maxConcurrentSessions, 0, INT32_MAX_VALUE);
    check.range("ingress.fragment-limit", ingressFragmentLimit, 1, INT32_MAX_VALUE);
    check.range("log.fragment-limit", logFragmentLimit, 1, INT32_MAX_VALUE);
    check.range("snapshot.retention-count", snapshotRetentionCount, 0, INT32_MAX_VALUE);

    check.channel("ingress.channel", ingressChannel, true);
    check.channel("egress.channel", egressChannel, false);
    check.channel("log.channel", logChannel, true);
    for (const std::string_view param : {"init-term-id", "term-id", "term-offset"})
    {
        if (hasParam(logChannel, param))
        {
            check.fail("log.channel", "must not set '" + std::string(param) +
                                          "': the consensus module sets it for each leadership term");
        }
    }
    check.channel("consensus.channel", consensusChannel, true);
    check.channel("replication.channel", replicationChannel, true);
    check.channel("replication.follower-catchup-channel", followerCatchupChannel, true);
    check.channel("replication.leader-archive-control-channel", leaderArchiveControlChannel, true);
    check.channel("snapshot.channel", snapshotChannel, true);
    check.channel("service.control-channel", controlChannel, true);
    check.channel("service.replay-channel", replayChannel, true);

    validateNodeKeys(check, *this);

    check.distinct("service.consensus-module-stream-id", consensusModuleStreamId, "service.stream-id", serviceStreamId);
    check.distinct("snapshot.consensus-module-stream-id", consensusModuleSnapshotStreamId, "snapshot.service-stream-id",
                   serviceSnapshotStreamId);
}

std::string ConsensusModuleConfig::toToml() const
{
    std::string toml = "# Effective Coxswain node configuration (see docs/CONFIGURATION.md).\n";
    std::string_view section;
    for (const Field& field : fields())
    {
        const std::string_view fieldSection = sectionOf(field.key);
        if (fieldSection != section)
        {
            section = fieldSection;
            toml += "\n[" + std::string(section) + "]\n";
        }
        toml += std::string(field.key.substr(section.size() + 1)) + " = " + formatValue(*this, field) + "\n";
    }
    return toml;
}

std::string ConsensusModuleConfig::markdownKeyTable()
{
    // A literal '|' would end a table cell, even inside backticks.
    const auto escapeCell = [](std::string_view text)
    {
        std::string cell;
        for (const char c : text)
        {
            cell += c == '|' ? std::string("\\|") : std::string(1, c);
        }
        return cell;
    };
    std::string table = "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const ConfigKeyInfo& info : keys())
    {
        table += "| `" + std::string(info.key) + "` | " + std::string(info.type) + " | `" +
                 escapeCell(info.defaultValue) + "` | " + escapeCell(info.description) + " |\n";
    }
    return table;
}
} // namespace cox::cluster

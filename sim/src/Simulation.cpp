#include "cox/sim/Simulation.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "cox/archive/RecordingPos.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ConsensusModuleConfig.hpp"
#include "cox/cluster/NodeStateFile.hpp"
#include "cox/cluster/ClusterNode.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/codecs/kv/KvCodecs.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/sim/LinearizabilityChecker.hpp"
#include "cox/sim/LogCheckers.hpp"
#include "cox/sim/ReplicaCheckers.hpp"
#include "cox/sim/SimDisk.hpp"
#include "cox/sim/SimClock.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/CountersReader.hpp"

namespace cox::sim
{
namespace
{
using cluster::ClusterCounters;

constexpr std::int32_t CLIENT_HOST_BASE = 100;
constexpr std::int32_t BASE_PORT = 20000;
constexpr std::int32_t CLIENT_EGRESS_PORT_BASE = 20500;
constexpr std::int32_t KEY_COUNT = 4;
constexpr std::int64_t KEEP_ALIVE_INTERVAL_NS = 500'000'000;
constexpr std::int64_t FIRST_FAULT_STEP = 1200;
/// Consecutive steps with equal commit positions everywhere and nothing outstanding that end the final phase.
constexpr std::int64_t QUIET_STEPS_TO_END = 300;
/// An SBE message header, then the request's int64 correlation id (every kv request starts so).
constexpr std::int32_t SBE_HEADER_LENGTH = 8;
/// Cluster-time units (milliseconds) ahead of its request that a timer of the workload is due.
constexpr std::int64_t MIN_TIMER_OFFSET = 20;
constexpr std::int64_t MAX_TIMER_OFFSET = 1500;

/// The kv template of a session message payload, or 0 when it is not a kv message.
std::uint16_t kvTemplateOf(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length)
{
    if (length < SBE_HEADER_LENGTH ||
        buffer.getUInt16(static_cast<std::size_t>(offset + 4)) != codecs::kv::SCHEMA_ID)
    {
        return 0;
    }
    return buffer.getUInt16(static_cast<std::size_t>(offset + 2));
}

bool isTimerRequest(std::uint16_t kvTemplate)
{
    return kvTemplate == codecs::kv::TemplateId::SCHEDULE_TIMER_REQUEST ||
        kvTemplate == codecs::kv::TemplateId::CANCEL_TIMER_REQUEST;
}

std::int64_t correlationIdOf(std::int64_t clientId, std::int64_t sequence)
{
    return clientId << 32 | sequence;
}

std::uint64_t hashBytes(const std::uint8_t* data, std::size_t length)
{
    TraceHash hash;
    hash.add(data, length);
    return hash.value();
}

/// What every member records of the log it applies, shared across restarts (keyed by log position, so a member
/// replaying its log after a restart records nothing twice).
struct Journal
{
    std::vector<AppliedEntry> entries;
    std::vector<StateHash> stateHashes;
    /// The union over members of the requests applied, by log position; a second member applying a different
    /// request at a position is a divergence.
    std::map<std::int64_t, AppliedMessage> applied;
    std::vector<std::string> divergences;
    std::array<std::int64_t, 16> highestRecorded{};
    /// Timers as the services applied their requests (the first member to apply one records it), and every
    /// member's firings, each once per member and position.
    std::map<std::int64_t, TimerSchedule> timerSchedules;
    std::vector<TimerEvent> timerEvents;

    Journal() { highestRecorded.fill(-1); }
};

/// The example KeyValueService, unchanged, with the member's applied log journalled around it.
class RecordingService final : public cluster::ClusteredService
{
public:
    RecordingService(std::int32_t memberId, Journal& journal) : m_memberId(memberId), m_journal(journal) {}

    void onStart(cluster::Cluster& cluster, transport::Image* snapshotImage) override
    {
        m_cluster = &cluster;
        m_kv.onStart(cluster, snapshotImage);
    }

    void onSessionOpen(cluster::ClientSession& session, std::int64_t timestamp) override
    {
        m_kv.onSessionOpen(session, timestamp);
    }

    void onSessionClose(cluster::ClientSession& session, std::int64_t timestamp,
                        cluster::CloseReason closeReason) override
    {
        m_kv.onSessionClose(session, timestamp, closeReason);
    }

    void onSessionMessage(cluster::ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header& header) override
    {
        const std::uint16_t kvTemplate = kvTemplateOf(buffer, offset, length);
        const std::int64_t timerId = isTimerRequest(kvTemplate) && length >= SBE_HEADER_LENGTH + 16
            ? buffer.getInt64(static_cast<std::size_t>(offset + SBE_HEADER_LENGTH + 8))
            : -1;
        const auto wasPendingIt = m_kv.pendingTimers().find(timerId);
        const bool wasPending = wasPendingIt != m_kv.pendingTimers().end();
        const std::int64_t deadlineBefore = wasPending ? wasPendingIt->second : -1;
        m_kv.onSessionMessage(session, timestamp, buffer, offset, length, header);
        const auto pendingIt = m_kv.pendingTimers().find(timerId);
        const bool isPending = pendingIt != m_kv.pendingTimers().end();
        if (kvTemplate == codecs::kv::TemplateId::SCHEDULE_TIMER_REQUEST && isPending && !wasPending)
        {
            m_journal.timerSchedules.emplace(timerId, TimerSchedule{timerId, pendingIt->second, false});
        }
        // A cancel that found the timer pending may still be followed by its TimerEvent (the leader fired it before
        // the cancel reached its consensus module): C8 accepts that one firing after cancelPosition as suppressed.
        else if (kvTemplate == codecs::kv::TemplateId::CANCEL_TIMER_REQUEST && wasPending && !isPending)
        {
            // Whoever applies the cancel first may not have recorded the schedule (it started from a snapshot).
            auto& schedule =
                m_journal.timerSchedules.emplace(timerId, TimerSchedule{timerId, deadlineBefore, false}).first->second;
            schedule.cancelled = true;
            schedule.cancelPosition = header.position();
        }
        const std::int64_t position = header.position();
        m_lastPosition = position;
        auto& highest = m_journal.highestRecorded[static_cast<std::size_t>(m_memberId)];
        if (position <= highest)
        {
            return;
        }
        highest = position;
        const std::uint8_t* data = buffer.buffer() + offset;
        m_journal.entries.push_back(
            AppliedEntry{m_memberId, position, hashBytes(data, static_cast<std::size_t>(length)), timestamp});
        m_journal.stateHashes.push_back(StateHash{m_memberId, position, m_kv.stateHash()});
        // Timer requests are not operations of the kv register history: C8 checks them.
        if (length >= SBE_HEADER_LENGTH + 8 && !isTimerRequest(kvTemplate))
        {
            const std::int64_t correlationId = buffer.getInt64(static_cast<std::size_t>(offset + SBE_HEADER_LENGTH));
            const AppliedMessage message{position, correlationId >> 32, correlationId & 0xFFFFFFFF};
            const auto [it, inserted] = m_journal.applied.emplace(position, message);
            if (!inserted && (it->second.clientId != message.clientId || it->second.sequence != message.sequence))
            {
                m_journal.divergences.push_back("member " + std::to_string(m_memberId) + " applied client " +
                                                std::to_string(message.clientId) + " seq " +
                                                std::to_string(message.sequence) + " at position " +
                                                std::to_string(position) + " where another applied client " +
                                                std::to_string(it->second.clientId) + " seq " +
                                                std::to_string(it->second.sequence));
            }
        }
    }

    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) override
    {
        const auto pendingIt = m_kv.pendingTimers().find(correlationId);
        const std::int64_t deadline = pendingIt != m_kv.pendingTimers().end() ? pendingIt->second : -1;
        m_kv.onTimerEvent(correlationId, timestamp);
        const std::int64_t position = m_cluster != nullptr ? m_cluster->logPosition() : -1;
        m_lastPosition = position;
        auto& highest = m_journal.highestRecorded[static_cast<std::size_t>(m_memberId)];
        if (position <= highest)
        {
            return;
        }
        highest = position;
        m_journal.timerEvents.push_back(TimerEvent{correlationId, deadline, timestamp, position, m_memberId});
        m_journal.stateHashes.push_back(StateHash{m_memberId, position, m_kv.stateHash()});
    }

    void onTakeSnapshot(transport::ExclusivePublication& snapshotPublication) override
    {
        m_kv.onTakeSnapshot(snapshotPublication);
    }

    void onRoleChange(cluster::Role newRole) override { m_kv.onRoleChange(newRole); }
    void onTerminate(cluster::Cluster& cluster) override { m_kv.onTerminate(cluster); }

    [[nodiscard]] std::uint64_t stateHash() const noexcept { return m_kv.stateHash(); }
    [[nodiscard]] std::int64_t lastPosition() const noexcept { return m_lastPosition; }

private:
    std::int32_t m_memberId;
    Journal& m_journal;
    cluster::Cluster* m_cluster = nullptr;
    examples::KeyValueService m_kv;
    std::int64_t m_lastPosition = -1;
};

struct Member
{
    std::int32_t id = 0;
    std::shared_ptr<SimNanoClock> nanoClock;
    std::shared_ptr<SimEpochClock> epochClock;
    std::unique_ptr<RecordingService> service;
    std::unique_ptr<cluster::ClusterNode> node;
    bool paused = false;
    std::int32_t launches = 0;
    /// Counter ids of this run of the node; looked up until found.
    std::int32_t roleCounterId = -1;
    std::int32_t termCounterId = -1;
    std::int32_t commitCounterId = -1;
    std::int64_t lastCommit = -1;
    std::int64_t lastTerm = -1;
    /// Where this member's archive has recorded the log to, as last seen (kept while it is down: its files are).
    std::int64_t recordedLog = -1;
    /// A power loss is armed (KILL at sync level >= 1): the member stops at the end of this step.
    bool powerLossPending = false;
    /// The candidate term its node-state file held when the power loss struck; what it holds after must not be less.
    std::int64_t candidateTermAtStrike = -1;
    std::int64_t errors = 0;

    [[nodiscard]] bool isRunning() const noexcept { return node != nullptr; }
};

struct Client;

class Listener final : public cluster::EgressListener
{
public:
    explicit Listener(Client& client) : m_client(client) {}
    void onMessage(std::int64_t clusterSessionId, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                   std::int32_t offset, std::int32_t length, const transport::Header& header) override;

private:
    Client& m_client;
};

struct PendingOp
{
    Operation op;
    std::int64_t correlationId = 0;
    std::vector<std::uint8_t> request;
    /// Index in the history once offered; before that the request has not left the client.
    std::optional<std::size_t> index;
    std::int64_t createdNs = 0;
    /// A timer request: not an operation of the history (index stays empty once offered), checked by C8.
    bool timer = false;
    bool offered = false;
};

struct Client
{
    std::int32_t id = 0;
    std::shared_ptr<SimNanoClock> nanoClock;
    std::shared_ptr<SimEpochClock> epochClock;
    std::unique_ptr<transport::MediaDriver> driver;
    std::shared_ptr<transport::Aeron> aeron;
    std::unique_ptr<cluster::AsyncClusterConnect> connecting;
    std::unique_ptr<cluster::ClusterClient> session;
    std::unique_ptr<Listener> listener;
    std::optional<PendingOp> pending;
    std::int64_t nextSequence = 1;
    std::int64_t nextOpNs = 0;
    std::int64_t reconnectNs = 0;
    std::int64_t lastKeepAliveNs = 0;
    /// Filled by the listener during pollEgress.
    std::vector<std::pair<std::int64_t, examples::KeyValueClient::Response>> responses;
    std::vector<std::string> responseValues;
    /// Timers this client asked for and has not cancelled, some of which may have fired.
    std::vector<std::int64_t> timerIds;
};

void Listener::onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                         std::int32_t length, const transport::Header&)
{
    examples::KeyValueClient::Response response;
    if (examples::KeyValueClient::decodeResponse(buffer.buffer() + offset, static_cast<std::size_t>(length), response))
    {
        m_client.responseValues.emplace_back(response.value);
        response.value = {};
        m_client.responses.emplace_back(response.correlationId, response);
    }
}
} // namespace

std::string_view faultKindName(FaultKind kind) noexcept
{
    switch (kind)
    {
        case FaultKind::KILL: return "kill";
        case FaultKind::RESTART: return "restart";
        case FaultKind::ISOLATE: return "isolate";
        case FaultKind::ONE_WAY_OUT: return "one-way-out";
        case FaultKind::ONE_WAY_IN: return "one-way-in";
        case FaultKind::HEAL: return "heal";
        case FaultKind::PAUSE: return "pause";
        case FaultKind::RESUME: return "resume";
        case FaultKind::CLOCK_JUMP: return "clock-jump";
        case FaultKind::SNAPSHOT: return "snapshot";
    }
    return "unknown";
}

std::string FaultEvent::describe() const
{
    std::string text = "step " + std::to_string(step) + ": " + std::string(faultKindName(kind));
    if (kind != FaultKind::HEAL)
    {
        text += member == LEADER_TARGET ? " leader" : " member " + std::to_string(member);
    }
    if (kind == FaultKind::CLOCK_JUMP)
    {
        text += " +" + std::to_string(amount) + "ms";
    }
    return text;
}

class Simulation::Impl
{
public:
    explicit Impl(SimulationOptions options)
        : m_options(std::move(options)),
          m_random(m_options.seed),
          m_network(m_time, m_random.fork(), drawNetwork()),
          m_schedule(drawSchedule(m_options)),
          m_workload(m_random.fork()),
          m_timerWorkload(m_options.seed ^ 0x713E2ULL)
    {
        if (m_options.memberCount < 1 || m_options.memberCount > 9)
        {
            throw util::IllegalArgumentException("memberCount must be 1..9");
        }
        m_clientCount = m_options.clientCount > 0 ? m_options.clientCount
                                                  : static_cast<std::int32_t>(2 + m_random.nextInt(2));
        static int instance = 0;
        if (m_options.rootDir.empty())
        {
            const std::filesystem::path base =
                std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                    : std::filesystem::temp_directory_path();
            m_root = base / ("cox-sim-" + std::to_string(::getpid()) + "-" + std::to_string(instance++));
            m_ownsRoot = true;
        }
        else
        {
            m_root = m_options.rootDir;
        }
        std::filesystem::remove_all(m_root);
        std::filesystem::create_directories(m_root);
        m_diskRandom = SimRandom(m_options.seed ^ 0xD15CD15CULL);
        m_fileSyncLevel = m_options.fileSyncLevel >= 0 ? m_options.fileSyncLevel
            : m_options.faults                          ? static_cast<std::int32_t>(m_diskRandom.nextInt(2))
                                                        : 0;
        m_result.fileSyncLevel = m_fileSyncLevel;
        if (m_options.powerLoss > 0 || (m_options.powerLoss < 0 && m_fileSyncLevel >= 1))
        {
            m_disk = std::make_unique<SimDisk>(m_root.string());
        }
        for (std::int32_t i = 0; i < m_options.memberCount; ++i)
        {
            const int p = BASE_PORT + i * 10;
            const auto endpoint = [](int port) { return "localhost:" + std::to_string(port); };
            m_members += (i == 0 ? "" : "|") + std::to_string(i) + "," + endpoint(p) + "," + endpoint(p + 1) + "," +
                endpoint(p + 2) + "," + endpoint(p + 3) + "," + endpoint(p + 5);
            m_ingressEndpoints += (i == 0 ? "" : ",") + std::to_string(i) + "=" + endpoint(p);
            m_hosts.push_back(i);
        }
        for (std::int32_t c = 1; c <= m_clientCount; ++c)
        {
            m_hosts.push_back(CLIENT_HOST_BASE + c);
        }
    }

    ~Impl()
    {
        shutdown();
        if (m_ownsRoot)
        {
            std::error_code ignored;
            std::filesystem::remove_all(m_root, ignored);
        }
    }

    SimulationResult run()
    {
        m_result.seed = m_options.seed;
        m_result.schedule = m_schedule;
        // Members are referred to by address (error handlers, journals), so they must never move.
        m_memberState.reserve(static_cast<std::size_t>(m_options.memberCount));
        for (std::int32_t i = 0; i < m_options.memberCount; ++i)
        {
            auto& member = m_memberState.emplace_back();
            member.id = i;
            member.nanoClock = std::make_shared<SimNanoClock>(m_time, m_random.nextInt(0, 50'000'000),
                                                              m_random.nextInt(-100, 100));
            member.epochClock = std::make_shared<SimEpochClock>(*member.nanoClock, m_random.nextInt(-500, 500));
            startMember(member);
        }
        for (std::int32_t c = 1; c <= m_clientCount; ++c)
        {
            startClient(c);
        }

        std::size_t nextEvent = 0;
        std::int64_t step = 0;
        for (; step < m_options.steps && m_result.failures.empty(); ++step)
        {
            while (nextEvent < m_schedule.size() && m_schedule[nextEvent].step <= step)
            {
                apply(m_schedule[nextEvent++]);
            }
            doStep(true);
        }

        // Final phase: everything healed and running, no new requests; wait for every member to reach the same
        // commit position and every client to hear back.
        if (m_result.failures.empty())
        {
            m_network.healAll();
            m_network.options(NetworkOptions{});
            for (auto& member : m_memberState)
            {
                member.paused = false;
                if (!member.isRunning())
                {
                    startMember(member);
                }
            }
            std::int64_t quiet = 0;
            std::int64_t lastCommit = -1;
            const std::int64_t end = step + m_options.quiesceSteps;
            for (; step < end && m_result.failures.empty() && quiet < QUIET_STEPS_TO_END; ++step)
            {
                doStep(false);
                const std::int64_t commit = commonCommitPosition();
                const bool outstanding = std::any_of(m_clients.begin(), m_clients.end(),
                                                     [](const auto& client) { return client->pending.has_value(); });
                quiet = commit >= 0 && commit == lastCommit && !outstanding && servicesCaughtUp(commit) ? quiet + 1 : 0;
                lastCommit = commit;
            }
            if (m_result.failures.empty() && quiet < QUIET_STEPS_TO_END)
            {
                fail("liveness: members did not converge within " + std::to_string(m_options.quiesceSteps) +
                     " steps of the final phase (" + commitSummary() + ")");
            }
            m_result.finalCommitPosition = lastCommit;
        }
        m_result.steps = step;
        m_result.simulatedNs = m_time.nowNs();
        for (auto& client : m_clients)
        {
            if (client->pending && client->pending->index)
            {
                m_history.operations[*client->pending->index].outcome = OpOutcome::UNKNOWN;
            }
        }
        for (const auto& [timerId, schedule] : m_journal.timerSchedules)
        {
            m_history.timerSchedules.push_back(schedule);
        }
        m_history.timerEvents = m_journal.timerEvents;
        for (const auto& entry : m_journal.entries)
        {
            m_history.finalClusterTimeNs = std::max(m_history.finalClusterTimeNs, entry.clusterTimeNs);
        }
        for (const auto& event : m_journal.timerEvents)
        {
            m_history.finalClusterTimeNs = std::max(m_history.finalClusterTimeNs, event.firedAtNs);
        }
        if (m_result.failures.empty())
        {
            finalChecks();
        }
        for (const auto& member : m_memberState)
        {
            m_result.memberErrors += member.errors;
        }
        m_result.network = m_network.stats();
        m_trace.add(static_cast<std::int64_t>(m_network.traceHash()));
        m_result.traceHash = m_trace.value();
        for (const auto& op : m_history.operations)
        {
            ++m_result.operations;
            m_result.acknowledged += op.isAcknowledged() ? 1 : 0;
            m_result.indeterminate += op.isIndeterminate() ? 1 : 0;
        }
        m_history.entries = m_journal.entries;
        m_history.stateHashes = m_journal.stateHashes;
        for (const auto& [position, message] : m_journal.applied)
        {
            m_history.applied.push_back(message);
        }
        m_result.timers = tallyTimers(m_history.timerSchedules, m_history.timerEvents);
        m_result.history = m_history;
        m_result.passed = m_result.failures.empty();
        shutdown();
        return std::move(m_result);
    }

private:
    NetworkOptions drawNetwork()
    {
        NetworkOptions network;
        SimRandom random(m_options.seed ^ 0x4E7D0C5ULL);
        network.minDelayNs = random.nextInt(10'000, 100'000);
        network.maxDelayNs = network.minDelayNs + random.nextInt(0, 1'000'000);
        if (m_options.faults)
        {
            network.lossRate = static_cast<double>(random.nextInt(0, 20)) / 1000.0;
            network.duplicateRate = static_cast<double>(random.nextInt(0, 20)) / 1000.0;
            network.reorderRate = static_cast<double>(random.nextInt(0, 50)) / 1000.0;
        }
        return network;
    }

    void startMember(Member& member)
    {
        const auto memberId = member.id;
        cluster::ClusterNodeContext context;
        auto& config = context.config;
        config.memberId = memberId;
        config.clusterMembers = m_members;
        config.clusterDir = (m_root / ("member-" + std::to_string(memberId))).string();
        config.logChannel = "aeron:udp?term-length=64k";
        config.leaderHeartbeatTimeoutNs = 300'000'000;
        config.leaderHeartbeatIntervalNs = 50'000'000;
        config.electionTimeoutNs = 200'000'000;
        config.electionStatusIntervalNs = 20'000'000;
        config.startupCanvassTimeoutNs = 600'000'000;
        config.sessionTimeoutNs = 10'000'000'000;
        config.snapshotRetentionCount = 0;
        config.replicationProgressTimeoutNs = 1'000'000'000; // scaled down with the heartbeat timeout
        config.fileSyncLevel = m_fileSyncLevel;
        // A power loss can tear a write inside a frame: its header lands, part of its body does not. Only a
        // checksum tells such a frame from a whole one when the archive recovers, so a deployment that syncs to
        // survive power loss records them too (seed 828 applied a torn frame's zeroed body).
        context.archiveChecksums = m_fileSyncLevel >= 1;
        context.threadingMode = util::ThreadingMode::INVOKER;
        context.publicationTermBufferLength = 64 * 1024;
        context.ipcTermBufferLength = 64 * 1024;
        context.udpMedia = m_network.media(memberId);
        context.nanoClock = member.nanoClock;
        context.epochClock = member.epochClock;
        context.driverRandomSeed = m_options.seed * 1000 + static_cast<std::uint64_t>(memberId * 100 + member.launches) + 1;
        Member* self = &member;
        const bool verbose = m_options.verbose;
        context.errorHandler = [self, verbose](const std::exception& e)
        {
            ++self->errors;
            if (verbose)
            {
                std::cerr << "member " << self->id << " error: " << e.what() << '\n';
            }
        };
        member.service = std::make_unique<RecordingService>(memberId, m_journal);
        context.services.push_back(member.service.get());
        member.node = cluster::ClusterNode::launch(std::move(context));
        member.roleCounterId = member.termCounterId = member.commitCounterId = -1;
        member.lastCommit = -1;
        member.lastTerm = -1;
        ++member.launches;
    }

    void stopMember(Member& member)
    {
        if (member.node)
        {
            member.node->close();
            member.node.reset();
        }
        member.service.reset();
        member.paused = false;
    }

    void startClient(std::int32_t id)
    {
        auto client = std::make_unique<Client>();
        client->id = id;
        client->nanoClock = std::make_shared<SimNanoClock>(m_time, m_random.nextInt(0, 50'000'000));
        client->epochClock = std::make_shared<SimEpochClock>(*client->nanoClock);
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.aeronDirectoryName = (m_root / ("client-" + std::to_string(id))).string();
        driverContext.publicationTermBufferLength = 64 * 1024;
        driverContext.ipcTermBufferLength = 64 * 1024;
        driverContext.nanoClock = client->nanoClock;
        driverContext.epochClock = client->epochClock;
        driverContext.udpMedia = m_network.media(CLIENT_HOST_BASE + id);
        driverContext.randomSeed = m_options.seed * 1000 + 900 + static_cast<std::uint64_t>(id);
        client->driver = transport::MediaDriver::launch(driverContext);
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = client->driver->aeronDirectoryName();
        aeronContext.useConductorAgentInvoker = true;
        transport::MediaDriver* driver = client->driver.get();
        aeronContext.driverInvoker = [driver] { return driver->doWork(); };
        aeronContext.nanoClock = client->nanoClock;
        aeronContext.epochClock = client->epochClock;
        client->aeron = transport::Aeron::connect(aeronContext);
        client->aeron->conductorAgentInvoker().start();
        client->listener = std::make_unique<Listener>(*client);
        client->nextOpNs = 0;
        m_clients.push_back(std::move(client));
    }

    void shutdown()
    {
        for (auto& client : m_clients)
        {
            if (client->session)
            {
                client->session->close();
                client->session.reset();
            }
            client->connecting.reset();
            if (client->aeron)
            {
                client->aeron->close();
            }
            if (client->driver)
            {
                client->driver->close();
            }
        }
        m_clients.clear();
        for (auto& member : m_memberState)
        {
            stopMember(member);
        }
    }

    Member* leader()
    {
        for (auto& member : m_memberState)
        {
            if (member.isRunning() && !member.paused && counter(member, member.roleCounterId,
                                                                 ClusterCounters::NODE_ROLE_TYPE_ID) ==
                static_cast<std::int64_t>(cluster::Role::LEADER))
            {
                return &member;
            }
        }
        return nullptr;
    }

    Member* target(const FaultEvent& event)
    {
        if (event.member == FaultEvent::LEADER_TARGET)
        {
            return leader();
        }
        return &m_memberState[static_cast<std::size_t>(event.member)];
    }

    void apply(const FaultEvent& event)
    {
        Member* member = event.kind == FaultKind::HEAL ? nullptr : target(event);
        if (m_options.verbose)
        {
            std::cerr << "[seed " << m_options.seed << "] " << event.describe()
                      << (member != nullptr ? " (member " + std::to_string(member->id) + ")" : std::string()) << '\n';
        }
        m_trace.add(static_cast<std::int64_t>(event.kind));
        m_trace.add(member != nullptr ? member->id : -1);
        switch (event.kind)
        {
            case FaultKind::KILL:
                if (member != nullptr && m_disk)
                {
                    armPowerLoss(*member);
                    m_killed = member->id;
                }
                else if (member != nullptr)
                {
                    stopMember(*member);
                    m_killed = member->id;
                }
                break;
            case FaultKind::RESTART:
                // Restarts whichever member the matching KILL stopped (its target may have been "the leader").
                if (m_killed >= 0 && m_memberState[static_cast<std::size_t>(m_killed)].powerLossPending)
                {
                    completePowerLoss(m_memberState[static_cast<std::size_t>(m_killed)]);
                }
                if (m_killed >= 0 && !m_memberState[static_cast<std::size_t>(m_killed)].isRunning())
                {
                    startMember(m_memberState[static_cast<std::size_t>(m_killed)]);
                }
                m_killed = -1;
                break;
            case FaultKind::ISOLATE:
                if (member != nullptr)
                {
                    m_network.isolate(member->id, m_hosts);
                }
                break;
            case FaultKind::ONE_WAY_OUT:
            case FaultKind::ONE_WAY_IN:
                if (member != nullptr)
                {
                    for (const std::int32_t host : m_hosts)
                    {
                        if (host != member->id)
                        {
                            event.kind == FaultKind::ONE_WAY_OUT ? m_network.block(member->id, host)
                                                                 : m_network.block(host, member->id);
                        }
                    }
                }
                break;
            case FaultKind::HEAL:
                m_network.healAll();
                break;
            case FaultKind::PAUSE:
                if (member != nullptr)
                {
                    member->paused = true;
                    m_paused = member->id;
                }
                break;
            case FaultKind::RESUME:
                if (m_paused >= 0)
                {
                    m_memberState[static_cast<std::size_t>(m_paused)].paused = false;
                }
                m_paused = -1;
                break;
            case FaultKind::CLOCK_JUMP:
                if (member != nullptr)
                {
                    member->nanoClock->jumpForward(event.amount * 1'000'000);
                    member->epochClock->jump(event.amount);
                }
                break;
            case FaultKind::SNAPSHOT:
                if (member != nullptr && member->isRunning())
                {
                    static_cast<void>(member->node->requestControlToggle(cluster::ToggleState::SNAPSHOT));
                }
                break;
        }
    }

    std::string memberDirectory(const Member& member) const
    {
        return (m_root / ("member-" + std::to_string(member.id))).string();
    }

    std::int64_t persistedCandidateTerm(const Member& member) const
    {
        try
        {
            return cluster::NodeStateFile(memberDirectory(member), false).candidateTermId();
        }
        catch (const std::exception&)
        {
            return -1; // no node-state file yet
        }
    }

    /// The power loss strikes at one of the next writes to the member's files (or at the end of the step if it
    /// writes less), maybe tearing that write. From then on nothing it sends leaves the machine.
    void armPowerLoss(Member& member)
    {
        member.powerLossPending = true;
        member.candidateTermAtStrike = -1;
        const std::int64_t writes = m_diskRandom.nextInt(1, 40);
        const double tear = m_diskRandom.chance(0.5) ? m_diskRandom.nextDouble() : 0.0;
        Member* target = &member;
        m_disk->arm(memberDirectory(member), writes, tear,
                    [this, target]
                    {
                        target->candidateTermAtStrike = persistedCandidateTerm(*target);
                        for (const std::int32_t host : m_hosts)
                        {
                            if (host != target->id)
                            {
                                m_network.block(target->id, host);
                            }
                        }
                    });
    }

    void completePowerLoss(Member& member)
    {
        member.powerLossPending = false;
        if (!m_disk->hasStruck(memberDirectory(member)))
        {
            member.candidateTermAtStrike = persistedCandidateTerm(member);
        }
        stopMember(member);
        m_result.writesUndone += m_disk->powerLoss(memberDirectory(member));
        ++m_result.powerLosses;
        for (const std::int32_t host : m_hosts)
        {
            if (host != member.id)
            {
                m_network.unblock(member.id, host);
            }
        }
        const std::int64_t after = persistedCandidateTerm(member);
        if (after < member.candidateTermAtStrike)
        {
            fail("member " + std::to_string(member.id) + " lost its vote in a power loss: its node-state file held " +
                 "candidate term " + std::to_string(member.candidateTermAtStrike) + ", and " + std::to_string(after) +
                 " after it");
        }
    }

    void doStep(bool issueRequests)
    {
        m_time.advance(m_options.stepNs);
        for (auto& member : m_memberState)
        {
            if (member.isRunning() && !member.paused)
            {
                member.node->doWork();
            }
        }
        for (auto& member : m_memberState)
        {
            if (member.powerLossPending)
            {
                completePowerLoss(member);
            }
            else if (member.isRunning() && member.node->isTerminated() && !member.node->failStopReason().empty())
            {
                // As an operator (or systemd) would: a member that stopped itself to stay consistent is restarted
                // and rebuilds its state from its files.
                if (m_options.verbose)
                {
                    std::cerr << "[seed " << m_options.seed << "] member " << member.id << " stopped itself ("
                              << member.node->failStopReason() << "); restarting it" << std::endl;
                }
                ++m_result.failStops;
                stopMember(member);
                startMember(member);
            }
        }
        for (auto& client : m_clients)
        {
            stepClient(*client, issueRequests);
        }
        checkInvariants();
    }

    std::int64_t counter(Member& member, std::int32_t& id, std::int32_t typeId)
    {
        const auto& reader = member.node->aeron().countersReader();
        // A cached id is only good while it still names an allocated counter of this type: a freed counter's id
        // is reused for whatever is allocated next.
        if (id >= 0 &&
            (reader.getCounterState(id) != util::CountersDescriptor::RECORD_ALLOCATED || reader.getCounterTypeId(id) != typeId))
        {
            id = -1;
        }
        if (id < 0)
        {
            id = ClusterCounters::find(reader, typeId, 0);
            if (id < 0)
            {
                return -1;
            }
        }
        return reader.getCounterValue(id);
    }

    void fail(const std::string& failure)
    {
        m_result.failures.push_back(failure);
    }

    /// The member's archive's recording position for the log stream, or -1 while it records no log. Read from
    /// the archive's own counters, not from anything the consensus module says about itself.
    static std::int64_t recordedLogPosition(Member& member)
    {
        static const std::string logStream = " " + std::to_string(cluster::ConsensusModuleConfig{}.logStreamId) + " ";
        std::int64_t position = -1;
        member.node->aeron().countersReader().forEach(
            [&](const util::CounterMetadata& counter)
            {
                // "rec-pos: <recording id> <session id> <stream id> <channel> ..."
                if (counter.typeId != archive::RecordingPos::RECORDING_POSITION_TYPE_ID)
                {
                    return;
                }
                const std::size_t session = counter.label.find(' ', counter.label.find(' ', 9) + 1);
                if (session != std::string_view::npos && counter.label.substr(session, logStream.size()) == logStream)
                {
                    position = std::max(position, counter.value);
                }
            });
        return position;
    }

    /// Commit never runs ahead of a quorum: whatever a leader counts as committed, a majority of members have
    /// recorded (the archive's counters, or what a stopped member's files held when it stopped).
    void checkCommitWithinQuorum(std::int64_t step)
    {
        for (auto& member : m_memberState)
        {
            if (member.isRunning())
            {
                const std::int64_t recorded = recordedLogPosition(member);
                if (recorded >= 0)
                {
                    member.recordedLog = recorded;
                }
            }
        }
        const std::size_t majority = m_memberState.size() / 2 + 1;
        for (auto& leader : m_memberState)
        {
            if (!leader.isRunning() ||
                counter(leader, leader.roleCounterId, ClusterCounters::NODE_ROLE_TYPE_ID) !=
                    static_cast<std::int64_t>(cluster::Role::LEADER))
            {
                continue;
            }
            const std::int64_t commit = counter(leader, leader.commitCounterId, ClusterCounters::COMMIT_POSITION_TYPE_ID);
            const auto recordedIt = std::count_if(m_memberState.begin(), m_memberState.end(),
                                                  [&](const Member& member) { return member.recordedLog >= commit; });
            if (commit > 0 && static_cast<std::size_t>(recordedIt) < majority)
            {
                std::string positions;
                for (const auto& member : m_memberState)
                {
                    positions += " " + std::to_string(member.id) + "@" + std::to_string(member.recordedLog);
                }
                fail("step " + std::to_string(step) + ": leader member " + std::to_string(leader.id) +
                     " has committed " + std::to_string(commit) + " but only " + std::to_string(recordedIt) +
                     " members have recorded it (recorded:" + positions + ")");
            }
        }
    }

    void checkInvariants()
    {
        if (!m_options.stepInvariants)
        {
            return;
        }
        const std::int64_t step = m_time.nowNs() / m_options.stepNs;
        checkCommitWithinQuorum(step);
        for (auto& member : m_memberState)
        {
            if (!member.isRunning())
            {
                continue;
            }
            const std::int64_t role = counter(member, member.roleCounterId, ClusterCounters::NODE_ROLE_TYPE_ID);
            const std::int64_t term = counter(member, member.termCounterId, ClusterCounters::LEADERSHIP_TERM_ID_TYPE_ID);
            const std::int64_t commit = counter(member, member.commitCounterId, ClusterCounters::COMMIT_POSITION_TYPE_ID);
            if (role == static_cast<std::int64_t>(cluster::Role::LEADER) && term >= 0)
            {
                const auto [it, inserted] = m_leaderOfTerm.emplace(term, member.id);
                if (!inserted && it->second != member.id)
                {
                    fail("step " + std::to_string(step) + ": two leaders in term " + std::to_string(term) +
                         ": members " + std::to_string(it->second) + " and " + std::to_string(member.id));
                }
            }
            if (commit >= 0)
            {
                if (commit < member.lastCommit)
                {
                    fail("step " + std::to_string(step) + ": member " + std::to_string(member.id) +
                         " commit position went back from " + std::to_string(member.lastCommit) + " to " +
                         std::to_string(commit));
                }
                member.lastCommit = std::max(member.lastCommit, commit);
            }
            if (term >= 0)
            {
                if (term < member.lastTerm)
                {
                    fail("step " + std::to_string(step) + ": member " + std::to_string(member.id) +
                         " leadership term went back from " + std::to_string(member.lastTerm) + " to " +
                         std::to_string(term));
                }
                member.lastTerm = std::max(member.lastTerm, term);
                m_result.highestTerm = std::max(m_result.highestTerm, term);
            }
        }
        for (const auto& divergence : m_journal.divergences)
        {
            fail("step " + std::to_string(step) + ": " + divergence);
        }
        m_journal.divergences.clear();
    }

    std::int64_t commonCommitPosition()
    {
        std::int64_t common = -2;
        for (auto& member : m_memberState)
        {
            const std::int64_t commit = member.isRunning()
                ? counter(member, member.commitCounterId, ClusterCounters::COMMIT_POSITION_TYPE_ID)
                : -1;
            if (common == -2)
            {
                common = commit;
            }
            else if (common != commit)
            {
                return -1;
            }
        }
        return common;
    }

    bool servicesCaughtUp(std::int64_t commit) const
    {
        // A member's service has applied everything committed once its last applied message is the last one
        // anywhere; members that never saw a message (none sent) pass trivially.
        std::int64_t highest = -1;
        for (const auto& member : m_memberState)
        {
            highest = std::max(highest, member.service->lastPosition());
        }
        return std::all_of(m_memberState.begin(), m_memberState.end(),
                           [&](const Member& member)
                           {
                               return member.service->lastPosition() == highest ||
                                   member.service->lastPosition() > commit;
                           });
    }

    std::string commitSummary()
    {
        std::string summary;
        for (auto& member : m_memberState)
        {
            summary += (summary.empty() ? "" : ", ") + std::string("member ") + std::to_string(member.id) + " commit " +
                (member.isRunning()
                     ? std::to_string(counter(member, member.commitCounterId, ClusterCounters::COMMIT_POSITION_TYPE_ID))
                     : std::string("down")) +
                " applied " + std::to_string(member.service ? member.service->lastPosition() : -1);
        }
        for (const auto& client : m_clients)
        {
            summary += ", client " + std::to_string(client->id) +
                (client->pending ? " waiting" : client->session ? " idle" : " disconnected");
        }
        return summary;
    }

    void stepClient(Client& client, bool issueRequests)
    {
        const std::int64_t now = m_time.nowNs();
        client.driver->doWork();
        client.aeron->conductorAgentInvoker().invoke();
        if (client.session == nullptr)
        {
            connect(client, now);
            if (client.session == nullptr)
            {
                expirePending(client, now, issueRequests);
                return;
            }
        }
        if (client.session->isClosed())
        {
            giveUp(client, now, false);
            client.session.reset();
            client.reconnectNs = now + 100'000'000;
            return;
        }
        try
        {
            client.session->pollEgress();
        }
        catch (const std::exception& e)
        {
            if (m_options.verbose)
            {
                std::cerr << "client " << client.id << " egress error: " << e.what() << '\n';
            }
        }
        for (std::size_t i = 0; i < client.responses.size(); ++i)
        {
            onResponse(client, client.responses[i].second, client.responseValues[i], now);
        }
        client.responses.clear();
        client.responseValues.clear();
        if (now - client.lastKeepAliveNs > KEEP_ALIVE_INTERVAL_NS)
        {
            static_cast<void>(client.session->sendKeepAlive());
            client.lastKeepAliveNs = now;
        }
        expirePending(client, now, issueRequests);
        if (!client.pending && issueRequests && now >= client.nextOpNs)
        {
            client.pending = newOp(client, now);
        }
        if (client.pending && !client.pending->index && !client.pending->offered)
        {
            const auto& request = client.pending->request;
            const std::int64_t result =
                client.session->offer(request.data(), static_cast<std::int32_t>(request.size()));
            if (result > 0 && client.pending->timer)
            {
                client.pending->op.invokeNs = now;
                client.pending->offered = true;
            }
            else if (result > 0)
            {
                client.pending->op.invokeNs = now;
                client.pending->index = m_history.operations.size();
                m_history.operations.push_back(client.pending->op);
            }
        }
    }

    void connect(Client& client, std::int64_t now)
    {
        if (now < client.reconnectNs)
        {
            return;
        }
        try
        {
            if (!client.connecting)
            {
                cluster::ClusterClientContext context;
                context.ingressEndpoints = m_ingressEndpoints;
                context.egressChannel =
                    "aeron:udp?endpoint=localhost:" + std::to_string(CLIENT_EGRESS_PORT_BASE + client.id);
                context.egressListener = client.listener.get();
                context.aeron = client.aeron;
                context.nanoClock = client.nanoClock;
                context.messageTimeoutNs = 1'000'000'000;
                client.connecting = cluster::ClusterClient::asyncConnect(context);
            }
            client.session = client.connecting->poll();
            if (client.session)
            {
                client.connecting.reset();
                client.lastKeepAliveNs = now;
                m_trace.add(client.session->clusterSessionId());
            }
        }
        catch (const std::exception& e)
        {
            // A connect that timed out (no leader yet, or one unreachable): try again a little later.
            if (m_options.verbose)
            {
                std::cerr << "client " << client.id << " connect failed: " << e.what() << '\n';
            }
            client.connecting.reset();
            client.reconnectNs = now + 100'000'000;
        }
    }

    void expirePending(Client& client, std::int64_t now, bool issueRequests)
    {
        if (!client.pending)
        {
            return;
        }
        const std::int64_t since = client.pending->index || client.pending->offered ? client.pending->op.invokeNs
                                                                                     : client.pending->createdNs;
        if (now - since > m_options.requestTimeoutNs)
        {
            giveUp(client, now, issueRequests);
        }
    }

    /// The request's outcome is unknown: it stays in the history as indeterminate, and the client retries it as a
    /// new request (a new sequence, so the log may hold both).
    void giveUp(Client& client, std::int64_t now, bool retry)
    {
        if (!client.pending)
        {
            return;
        }
        m_trace.add(client.pending->correlationId);
        m_trace.add(-1);
        Operation op = client.pending->op;
        const bool wasInvoked = client.pending->index.has_value();
        client.pending.reset();
        // A timer request whose answer was lost is not resent: its timer may exist, and a second request for the
        // same id would be refused anyway.
        if (retry && wasInvoked)
        {
            client.pending = makeOp(client, now, op.kind, op.key, op.kind == OpKind::GET ? std::string() : op.value,
                                    op.expected);
        }
    }

    std::optional<PendingOp> newOp(Client& client, std::int64_t now)
    {
        client.nextOpNs = now + m_workload.nextInt(2'000'000, 30'000'000);
        if (m_timerWorkload.chance(0.15))
        {
            return newTimerOp(client, now);
        }
        const std::int64_t roll = m_workload.nextInt(100);
        const OpKind kind = roll < 35 ? OpKind::PUT : roll < 65 ? OpKind::GET : roll < 85 ? OpKind::CAS : OpKind::DELETE;
        const std::string key = "k" + std::to_string(m_workload.nextInt(KEY_COUNT));
        const std::string value = "c" + std::to_string(client.id) + "-" + std::to_string(client.nextSequence);
        std::string expected;
        if (kind == OpKind::CAS)
        {
            const auto it = m_lastWritten.find(key);
            expected = it != m_lastWritten.end() ? it->second : "none";
        }
        if (kind == OpKind::PUT || kind == OpKind::CAS)
        {
            m_lastWritten[key] = value;
        }
        return makeOp(client, now, kind, key, kind == OpKind::GET || kind == OpKind::DELETE ? std::string() : value,
                      expected);
    }

    /// Schedules a timer 20..1500 ms ahead, or (about a quarter of the time) cancels one the client scheduled.
    PendingOp newTimerOp(Client& client, std::int64_t now)
    {
        PendingOp pending;
        pending.createdNs = now;
        pending.timer = true;
        pending.op.clientId = client.id;
        pending.op.sequence = client.nextSequence++;
        pending.correlationId = correlationIdOf(client.id, pending.op.sequence);
        pending.request.resize(static_cast<std::size_t>(examples::KeyValueClient::scheduleTimerRequestLength()));
        std::int32_t length = 0;
        if (!client.timerIds.empty() && m_timerWorkload.chance(0.25))
        {
            const auto which = static_cast<std::size_t>(
                m_timerWorkload.nextInt(static_cast<std::int64_t>(client.timerIds.size())));
            const std::int64_t timerId = client.timerIds[which];
            client.timerIds.erase(client.timerIds.begin() + static_cast<std::ptrdiff_t>(which));
            length = examples::KeyValueClient::encodeCancelTimer(pending.request.data(), pending.request.size(),
                                                                 pending.correlationId, timerId);
        }
        else
        {
            const std::int64_t offset = m_timerWorkload.nextInt(MIN_TIMER_OFFSET, MAX_TIMER_OFFSET);
            client.timerIds.push_back(pending.correlationId);
            length = examples::KeyValueClient::encodeScheduleTimer(pending.request.data(), pending.request.size(),
                                                                   pending.correlationId, pending.correlationId,
                                                                   offset);
        }
        pending.request.resize(static_cast<std::size_t>(length));
        return pending;
    }

    PendingOp makeOp(Client& client, std::int64_t now, OpKind kind, const std::string& key, const std::string& value,
                     const std::string& expected)
    {
        PendingOp pending;
        pending.createdNs = now;
        pending.op.clientId = client.id;
        pending.op.sequence = client.nextSequence++;
        pending.op.kind = kind;
        pending.op.key = key;
        pending.op.value = value;
        pending.op.expected = expected;
        pending.correlationId = correlationIdOf(client.id, pending.op.sequence);
        pending.request.resize(static_cast<std::size_t>(
            examples::KeyValueClient::compareAndSetRequestLength(key.size(), expected.size(), value.size()) +
            examples::KeyValueClient::putRequestLength(key.size(), value.size())));
        std::int32_t length = 0;
        auto* buffer = pending.request.data();
        const std::size_t capacity = pending.request.size();
        switch (kind)
        {
            case OpKind::PUT:
                length = examples::KeyValueClient::encodePut(buffer, capacity, pending.correlationId, key, value);
                break;
            case OpKind::GET:
                length = examples::KeyValueClient::encodeGet(buffer, capacity, pending.correlationId, key);
                break;
            case OpKind::CAS:
                length = examples::KeyValueClient::encodeCompareAndSet(buffer, capacity, pending.correlationId, key,
                                                                       expected, value);
                break;
            case OpKind::DELETE:
            case OpKind::SEND:
                length = examples::KeyValueClient::encodeDelete(buffer, capacity, pending.correlationId, key);
                break;
        }
        pending.request.resize(static_cast<std::size_t>(length));
        return pending;
    }

    void onResponse(Client& client, const examples::KeyValueClient::Response& response, const std::string& value,
                    std::int64_t now)
    {
        if (client.pending && client.pending->offered && response.correlationId == client.pending->correlationId)
        {
            m_trace.add(response.correlationId);
            m_trace.add(now);
            client.pending.reset();
            return;
        }
        if (!client.pending || !client.pending->index || response.correlationId != client.pending->correlationId)
        {
            return; // a late answer to a request already given up on
        }
        Operation& op = m_history.operations[*client.pending->index];
        op.completeNs = now;
        using codecs::kv::ResponseCode;
        switch (response.code)
        {
            case ResponseCode::OK:
                op.outcome = OpOutcome::OK;
                if (op.kind == OpKind::GET)
                {
                    op.value = value;
                }
                break;
            case ResponseCode::NOT_FOUND: op.outcome = OpOutcome::NOT_FOUND; break;
            case ResponseCode::CAS_MISMATCH: op.outcome = OpOutcome::FAIL; break;
            default: op.outcome = OpOutcome::REJECTED; break;
        }
        m_trace.add(response.correlationId);
        m_trace.add(now);
        m_trace.add(static_cast<std::int64_t>(op.outcome));
        m_trace.add(value.data(), value.size());
        client.pending.reset();
    }

    void finalChecks()
    {
        std::optional<std::uint64_t> hash;
        std::int64_t position = -1;
        for (const auto& member : m_memberState)
        {
            if (!hash)
            {
                hash = member.service->stateHash();
                position = member.service->lastPosition();
            }
            else if (*hash != member.service->stateHash() || position != member.service->lastPosition())
            {
                fail("state hashes differ at the end: member 0 at " + std::to_string(position) + " vs member " +
                     std::to_string(member.id) + " at " + std::to_string(member.service->lastPosition()));
            }
            m_history.stateHashes.push_back(
                StateHash{member.id, member.service->lastPosition(), member.service->stateHash()});
        }
        std::vector<AppliedMessage> applied;
        for (const auto& [pos, message] : m_journal.applied)
        {
            applied.push_back(message);
        }
        const CheckResult results[] = {
            checkLogAgreement(m_journal.entries),
            checkStateAgreement(m_journal.stateHashes),
            checkClusterTimeMonotonic(m_journal.entries),
            checkNoLostAcks(m_history.operations, applied),
            checkNoDuplicatesOrPhantoms(m_history.operations, applied),
            checkOrdering(m_history.operations, applied),
            checkLinearizable(m_history.operations),
            checkTimers(m_history.timerSchedules, m_history.timerEvents, m_history.finalClusterTimeNs),
        };
        for (const auto& result : results)
        {
            if (result.failed())
            {
                fail(result.checkName + ": " + result.explanation);
            }
            else if (!result.passed())
            {
                m_result.unknowns.push_back(result.checkName + ": " + result.explanation);
            }
        }
    }

    SimulationOptions m_options;
    SimRandom m_random;
    SimulatedTime m_time;
    SimNetwork m_network;
    std::vector<FaultEvent> m_schedule;
    SimRandom m_workload;
    /// Timer requests draw from their own stream, seeded apart, so the kv requests a seed makes stay the same.
    SimRandom m_timerWorkload;
    std::int32_t m_clientCount = 0;
    std::filesystem::path m_root;
    bool m_ownsRoot = false;
    std::string m_members;
    std::string m_ingressEndpoints;
    std::vector<std::int32_t> m_hosts;
    std::vector<Member> m_memberState;
    std::vector<std::unique_ptr<Client>> m_clients;
    Journal m_journal;
    History m_history;
    SimulationResult m_result;
    TraceHash m_trace;
    std::map<std::int64_t, std::int32_t> m_leaderOfTerm;
    std::map<std::string, std::string> m_lastWritten;
    std::int32_t m_killed = -1;
    std::int32_t m_paused = -1;
    std::int32_t m_fileSyncLevel = 0;
    /// Draws of the disk model, apart from m_random so that turning it on does not change a seed's schedule.
    SimRandom m_diskRandom{0};
    std::unique_ptr<SimDisk> m_disk;
};

std::vector<FaultEvent> Simulation::drawSchedule(const SimulationOptions& options)
{
    std::vector<FaultEvent> schedule;
    if (!options.faults)
    {
        return schedule;
    }
    SimRandom random(options.seed ^ 0x5C4ED01EULL);
    const auto pickMember = [&]
    {
        return random.chance(0.5) ? FaultEvent::LEADER_TARGET
                                  : static_cast<std::int32_t>(random.nextInt(options.memberCount));
    };
    std::int64_t step = FIRST_FAULT_STEP + random.nextInt(0, 300);
    while (step < options.steps - 300)
    {
        const std::int64_t duration = random.nextInt(150, 1200);
        const std::int64_t roll = random.nextInt(100);
        const std::int32_t member = pickMember();
        const std::int64_t end = std::min(step + duration, options.steps - 1);
        if (roll < 25)
        {
            schedule.push_back({step, FaultKind::KILL, member, 0});
            schedule.push_back({end, FaultKind::RESTART, member, 0});
        }
        else if (roll < 45)
        {
            schedule.push_back({step, FaultKind::ISOLATE, member, 0});
            schedule.push_back({end, FaultKind::HEAL, member, 0});
        }
        else if (roll < 60)
        {
            const FaultKind kind = random.chance(0.5) ? FaultKind::ONE_WAY_OUT : FaultKind::ONE_WAY_IN;
            schedule.push_back({step, kind, member, 0});
            schedule.push_back({end, FaultKind::HEAL, member, 0});
        }
        else if (roll < 75)
        {
            schedule.push_back({step, FaultKind::PAUSE, member, 0});
            schedule.push_back({end, FaultKind::RESUME, member, 0});
        }
        else if (roll < 88)
        {
            schedule.push_back({step, FaultKind::CLOCK_JUMP, member, random.nextInt(10, 2000)});
        }
        else
        {
            schedule.push_back({step, FaultKind::SNAPSHOT, FaultEvent::LEADER_TARGET, 0});
        }
        step = end + random.nextInt(100, 600);
    }
    return schedule;
}

Simulation::Simulation(SimulationOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) {}

Simulation::~Simulation() = default;

SimulationResult Simulation::run()
{
    return m_impl->run();
}
} // namespace cox::sim

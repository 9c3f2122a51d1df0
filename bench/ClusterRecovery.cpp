// `cox-bench recovery`: how long a member takes to snapshot its service state, to recover from that snapshot, and to
// recover by replaying its log (issue 7). One single-member cluster (ClusterNode, in this process, on directories of
// its own) with a service written here:
//
//   1. snapshot: the service holds --state-mib MiB derived from a seed; the snapshot toggle is set and the time runs
//      until the module's snapshot counter moves;
//   2. snapshot recovery: the node is closed and a new one, with a fresh service, launched on the same directories;
//      the time runs until the service has loaded every byte (hash-checked against what was written) and the member
//      is an ACTIVE leader again;
//   3. replay recovery: on a fresh directory a ClusterClient sends --messages messages, the node is closed without a
//      snapshot and relaunched; the time runs until the fresh service has applied them all again (count and hash
//      checked) and the member leads.
//
// Beside them, the disk's own figures for the same number of bytes in the same directory: a sequential write with
// fsync and a sequential read, so that the snapshot and recovery rates read as fractions of what the disk does.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "BenchCommand.hpp"
#include "BenchSupport.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMember.hpp"
#include "cox/cluster/ClusterNode.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace
{
using namespace cox;
using bench::benchNanoTime;

constexpr std::int64_t NS_PER_MS = 1'000'000;
constexpr std::int64_t NS_PER_S = 1'000'000'000;
constexpr std::int64_t MIB = 1024 * 1024;
constexpr double BYTES_PER_MB = 1e6;
constexpr std::int64_t MAX_STATE_MIB = 64 * 1024;
/// Every phase must finish within this, or the run fails rather than hangs.
constexpr std::int64_t PHASE_TIMEOUT_NS = 600 * NS_PER_S;
constexpr std::int64_t LEADER_TIMEOUT_NS = 30 * NS_PER_S;
constexpr std::int64_t PROGRESS_INTERVAL_NS = 2 * NS_PER_S;
/// How often a waiting benchmark thread looks at the members' threads' progress (non-invoker modes).
constexpr auto POLL_INTERVAL = std::chrono::microseconds(100);
/// Ports of the member: base + 0..5 as BenchCluster lays them out; the client's egress above them.
constexpr int CLIENT_EGRESS_PORT_OFFSET = 10;
/// The service echoes every ECHO_INTERVAL-th message (and the last): enough for a client window, cheap enough
/// that egress is not what limits the load.
constexpr std::int64_t ECHO_INTERVAL = 1000;
/// A load message: sequence, echo flag, padding to --message-length.
constexpr std::int32_t MIN_MESSAGE_LENGTH = 16;
constexpr std::size_t ECHO_FLAG_OFFSET = 8;
constexpr std::uint8_t ECHO_FLAG = 1;
constexpr std::int32_t ECHO_LENGTH = 16;
constexpr int SEND_BATCH = 256;
constexpr std::int64_t KEEPALIVE_INTERVAL_NS = 1 * NS_PER_S;
constexpr std::size_t DISK_BLOCK_LENGTH = 1 << 20;
/// Attempts at an echo before giving up on it (the client would then stall and fail the run, loudly).
constexpr int ECHO_OFFER_ATTEMPTS = 100'000;

struct RecoveryConfig
{
    std::int64_t stateMib = 0;
    std::int64_t messages = 0;
    std::int32_t messageLength = 0;
    std::int64_t window = 0;
    std::int32_t chunkBytes = 0;
    std::uint64_t seed = 0;
    util::ThreadingMode threadingMode = util::ThreadingMode::SHARED;
    std::string threadingName;
    std::string idleStrategy;
    std::string logTermLength;
    std::int32_t ipcTermLength = 0;
    int portBase = 0;
    std::filesystem::path parentDir;
    bool keep = false;
    bool cold = false;
};

// ---- state and hashes ---------------------------------------------------------------------------------------

/// splitmix64: the state pattern, one word per step.
inline std::uint64_t splitMix(std::uint64_t& state) noexcept
{
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

constexpr std::uint64_t PRIME_1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t PRIME_2 = 0xC2B2AE3D27D4EB4FULL;

/// A hash of a byte range in four independent lanes of words, so that hashing a GiB costs a fraction of reading it
/// (a byte-at-a-time FNV would take longer than the recovery it checks).
std::uint64_t hashBytes(const std::uint8_t* data, std::size_t length) noexcept
{
    std::uint64_t lanes[4] = {PRIME_1 + PRIME_2, PRIME_2, 0, 0 - PRIME_1};
    std::size_t i = 0;
    for (; i + 32 <= length; i += 32)
    {
        for (std::size_t lane = 0; lane < 4; ++lane)
        {
            std::uint64_t word = 0;
            std::memcpy(&word, data + i + lane * 8, sizeof(word));
            lanes[lane] = std::rotl(lanes[lane] + word * PRIME_2, 31) * PRIME_1;
        }
    }
    std::uint64_t hash = std::rotl(lanes[0], 1) + std::rotl(lanes[1], 7) + std::rotl(lanes[2], 12) +
        std::rotl(lanes[3], 18) + static_cast<std::uint64_t>(length);
    for (; i < length; ++i)
    {
        hash = std::rotl(hash ^ (data[i] * PRIME_1), 11) * PRIME_2;
    }
    hash ^= hash >> 33;
    hash *= PRIME_2;
    hash ^= hash >> 29;
    return hash;
}

/// A running hash of every message applied, in order: replay must give back exactly the same value.
inline std::uint64_t foldMessage(std::uint64_t hash, const std::uint8_t* data, std::size_t length) noexcept
{
    return std::rotl((hash ^ hashBytes(data, length)) * PRIME_1, 27) + PRIME_2;
}

// ---- the service --------------------------------------------------------------------------------------------

/// How far a service got with loading a snapshot; read by the benchmark thread.
enum class LoadState : int
{
    NONE,
    LOADING,
    LOADED,
    FAILED,
};

/// The service under test: N MiB of state plus a hash of it, and a count and hash of the messages applied. Its
/// snapshot is a header message, the state in chunk-sized messages and an end message carrying both hashes.
///
/// It runs on the container's thread; the benchmark thread only reads the atomics (progress, results) and, once
/// loadState() is LOADED or FAILED (release/acquire), the fields written before it.
class RecoveryService final : public cluster::ClusteredService
{
public:
    /// stateBytes 0: an empty service, as a member starts before it loads a snapshot or replays its log.
    RecoveryService(std::int64_t stateBytes, std::uint64_t seed, std::int32_t chunkBytes) : m_chunkBytes(chunkBytes)
    {
        m_state.resize(static_cast<std::size_t>(stateBytes));
        std::uint64_t generator = seed;
        std::size_t i = 0;
        for (; i + sizeof(std::uint64_t) <= m_state.size(); i += sizeof(std::uint64_t))
        {
            const std::uint64_t word = splitMix(generator);
            std::memcpy(m_state.data() + i, &word, sizeof(word));
        }
        for (; i < m_state.size(); ++i)
        {
            m_state[i] = static_cast<std::uint8_t>(splitMix(generator));
        }
        m_stateHash = hashBytes(m_state.data(), m_state.size());
    }

    void onStart(cluster::Cluster& cluster, transport::Image* snapshotImage) override
    {
        m_cluster = &cluster;
        if (snapshotImage != nullptr)
        {
            m_loadState.store(LoadState::LOADING, std::memory_order_release);
            try
            {
                loadSnapshot(*snapshotImage);
                m_loadState.store(LoadState::LOADED, std::memory_order_release);
            }
            catch (const std::exception& e)
            {
                m_loadError = e.what();
                m_loadState.store(LoadState::FAILED, std::memory_order_release);
                throw;
            }
        }
    }

    void onSessionOpen(cluster::ClientSession&, std::int64_t) override {}
    void onSessionClose(cluster::ClientSession&, std::int64_t, cluster::CloseReason) override {}

    void onSessionMessage(cluster::ClientSession* session, std::int64_t, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header&) override
    {
        if (offset < 0 || length < MIN_MESSAGE_LENGTH ||
            !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
        {
            m_malformed.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        const std::uint8_t* data = buffer.buffer() + offset;
        m_messageHash.store(foldMessage(m_messageHash.load(std::memory_order_relaxed), data,
                                        static_cast<std::size_t>(length)),
                            std::memory_order_relaxed);
        const std::int64_t applied = m_applied.load(std::memory_order_relaxed) + 1;
        m_applied.store(applied, std::memory_order_release);
        if (session != nullptr && (data[ECHO_FLAG_OFFSET] & ECHO_FLAG) != 0)
        {
            echo(*session, data, applied);
        }
    }

    void onTimerEvent(std::int64_t, std::int64_t) override {}

    void onTakeSnapshot(transport::ExclusivePublication& publication) override
    {
        const std::int32_t chunk = std::min(m_chunkBytes, publication.maxMessageLength());
        m_snapshotChunkBytes.store(chunk, std::memory_order_relaxed);
        const std::uint64_t header[4] = {SNAPSHOT_BEGIN, m_state.size(), static_cast<std::uint64_t>(chunk), 0};
        offerSnapshotMessage(publication, reinterpret_cast<const std::uint8_t*>(header), sizeof(header));
        for (std::size_t offset = 0; offset < m_state.size(); offset += static_cast<std::size_t>(chunk))
        {
            const std::size_t length = std::min(m_state.size() - offset, static_cast<std::size_t>(chunk));
            offerSnapshotMessage(publication, m_state.data() + offset, static_cast<std::int32_t>(length));
            m_snapshotBytes.store(static_cast<std::int64_t>(offset + length), std::memory_order_relaxed);
        }
        const std::uint64_t end[4] = {SNAPSHOT_END, m_stateHash, static_cast<std::uint64_t>(appliedCount()),
                                      m_messageHash.load(std::memory_order_relaxed)};
        offerSnapshotMessage(publication, reinterpret_cast<const std::uint8_t*>(end), sizeof(end));
    }

    void onRoleChange(cluster::Role) override {}
    void onTerminate(cluster::Cluster&) override {}

    [[nodiscard]] std::int64_t stateBytes() const noexcept { return static_cast<std::int64_t>(m_state.size()); }
    /// Valid before the node starts and, on a service that loaded a snapshot, once loadState() is LOADED: then it
    /// is the hash the snapshot carried, which hashState() checks.
    [[nodiscard]] std::uint64_t stateHash() const noexcept { return m_stateHash; }
    /// The hash of the state as held now; from another thread only once loadState() is LOADED (the container no
    /// longer writes it).
    [[nodiscard]] std::uint64_t hashState() const noexcept { return hashBytes(m_state.data(), m_state.size()); }
    [[nodiscard]] LoadState loadState() const noexcept { return m_loadState.load(std::memory_order_acquire); }
    /// Once loadState() is FAILED.
    [[nodiscard]] const std::string& loadError() const noexcept { return m_loadError; }
    [[nodiscard]] std::int64_t loadedBytes() const noexcept { return m_loadedBytes.load(std::memory_order_relaxed); }
    [[nodiscard]] std::int64_t snapshotBytes() const noexcept
    {
        return m_snapshotBytes.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::int32_t snapshotChunkBytes() const noexcept
    {
        return m_snapshotChunkBytes.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::int64_t appliedCount() const noexcept { return m_applied.load(std::memory_order_acquire); }
    /// Read after appliedCount() reached the count expected: the container wrote it before that count.
    [[nodiscard]] std::uint64_t messageHash() const noexcept
    {
        return m_messageHash.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::int64_t malformedCount() const noexcept { return m_malformed.load(std::memory_order_relaxed); }
    [[nodiscard]] std::int64_t echoFailures() const noexcept { return m_echoFailures.load(std::memory_order_relaxed); }

private:
    static constexpr std::uint64_t SNAPSHOT_BEGIN = 0x424547494E535452ULL; // "RTSNIGEB"
    static constexpr std::uint64_t SNAPSHOT_END = 0x454E44534E535452ULL;   // "RTSNSDNE"
    static constexpr int SNAPSHOT_FRAGMENT_LIMIT = 64;
    static constexpr std::int64_t SNAPSHOT_STALL_NS = 30 * NS_PER_S;

    enum class Expect
    {
        HEADER,
        DATA,
        END,
        DONE,
    };

    void offerSnapshotMessage(transport::ExclusivePublication& publication, const std::uint8_t* data,
                              std::int32_t length)
    {
        util::IdleStrategy& idle = m_cluster->idleStrategy();
        idle.reset();
        while (true)
        {
            const std::int64_t result = publication.offer(data, length);
            if (result > 0)
            {
                return;
            }
            if (result == transport::PublicationResult::CLOSED ||
                result == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
                result == transport::PublicationResult::ERROR)
            {
                throw util::IllegalStateException(std::string("snapshot publication: ") +
                                                  transport::PublicationResult::name(result));
            }
            idle.idle();
        }
    }

    void echo(cluster::ClientSession& session, const std::uint8_t* request, std::int64_t applied)
    {
        std::uint8_t reply[ECHO_LENGTH];
        std::memcpy(reply, request, sizeof(std::int64_t));
        std::memcpy(reply + sizeof(std::int64_t), &applied, sizeof(applied));
        util::IdleStrategy& idle = m_cluster->idleStrategy();
        idle.reset();
        for (int attempt = 0; attempt < ECHO_OFFER_ATTEMPTS; ++attempt)
        {
            const std::int64_t result = session.offer(reply, ECHO_LENGTH);
            if (result > 0)
            {
                return;
            }
            if (result != transport::PublicationResult::BACK_PRESSURED &&
                result != transport::PublicationResult::ADMIN_ACTION)
            {
                // No client to send to (during a replay, or it left): the state is the same either way.
                break;
            }
            idle.idle();
        }
        m_echoFailures.fetch_add(1, std::memory_order_relaxed);
    }

    /// Reads the header, the state and the end message; throws IllegalStateException on anything else. Every
    /// length comes from disk, so each is checked against what the header announced.
    void loadSnapshot(transport::Image& image)
    {
        Expect expect = Expect::HEADER;
        std::uint64_t expectedBytes = 0;
        std::string error;
        auto onMessage = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                             const transport::Header&)
        {
            if (expect == Expect::DONE || !error.empty())
            {
                return;
            }
            const std::uint8_t* data = buffer.buffer() + offset;
            const auto size = static_cast<std::size_t>(length);
            std::uint64_t words[4] = {};
            switch (expect)
            {
            case Expect::HEADER:
                std::memcpy(words, data, std::min(size, sizeof(words)));
                if (size != sizeof(words) || words[0] != SNAPSHOT_BEGIN ||
                    words[1] > static_cast<std::uint64_t>(MAX_STATE_MIB * MIB))
                {
                    error = "snapshot does not begin with a valid header";
                    return;
                }
                expectedBytes = words[1];
                m_state.clear();
                m_state.shrink_to_fit();
                // Appending to reserved capacity: no pass zero-filling a GiB that is overwritten at once.
                m_state.reserve(static_cast<std::size_t>(expectedBytes));
                expect = expectedBytes > 0 ? Expect::DATA : Expect::END;
                return;
            case Expect::DATA:
                if (size > expectedBytes - m_state.size())
                {
                    error = "snapshot holds more state than its header announced";
                    return;
                }
                m_state.insert(m_state.end(), data, data + size);
                m_loadedBytes.store(static_cast<std::int64_t>(m_state.size()), std::memory_order_relaxed);
                if (m_state.size() == expectedBytes)
                {
                    expect = Expect::END;
                }
                return;
            case Expect::END:
                std::memcpy(words, data, std::min(size, sizeof(words)));
                if (size != sizeof(words) || words[0] != SNAPSHOT_END)
                {
                    error = "snapshot state is not followed by its end message";
                    return;
                }
                // Verified by the benchmark after the clock stops (hashState()): the check is ours, not a cost of
                // recovery.
                m_stateHash = words[1];
                m_applied.store(static_cast<std::int64_t>(words[2]), std::memory_order_release);
                m_messageHash.store(words[3], std::memory_order_relaxed);
                expect = Expect::DONE;
                return;
            case Expect::DONE:
                return;
            }
        };
        transport::FragmentAssembler<decltype(onMessage)> assembler(onMessage, m_chunkBytes + 64);
        auto handler = assembler.handler();
        util::IdleStrategy& idle = m_cluster->idleStrategy();
        idle.reset();
        std::int64_t lastProgressNs = benchNanoTime();
        bool progressed = false;
        while (expect != Expect::DONE)
        {
            // The service polls until its own end message only: the container's fragments after it stay unread.
            const int fragments = image.poll(handler, expect == Expect::DATA ? SNAPSHOT_FRAGMENT_LIMIT : 1);
            if (!error.empty())
            {
                throw util::IllegalStateException(error);
            }
            if (fragments > 0)
            {
                progressed = true;
                idle.reset();
                continue;
            }
            if (image.isClosed() || image.isEndOfStream())
            {
                throw util::IllegalStateException("snapshot image ended before the service's end message");
            }
            // Set-up path, and a benchmark's: the clock is read only when there was nothing to read.
            const std::int64_t nowNs = benchNanoTime();
            if (progressed)
            {
                progressed = false;
                lastProgressNs = nowNs;
            }
            else if (nowNs - lastProgressNs > SNAPSHOT_STALL_NS)
            {
                throw util::IllegalStateException("snapshot replay stalled for 30 s");
            }
            idle.idle();
        }
    }

    std::int32_t m_chunkBytes;
    cluster::Cluster* m_cluster = nullptr;
    std::vector<std::uint8_t> m_state;
    std::uint64_t m_stateHash = 0;
    std::string m_loadError;
    std::atomic<LoadState> m_loadState{LoadState::NONE};
    std::atomic<std::int64_t> m_loadedBytes{0};
    std::atomic<std::int64_t> m_snapshotBytes{0};
    std::atomic<std::int32_t> m_snapshotChunkBytes{0};
    std::atomic<std::int64_t> m_applied{0};
    std::atomic<std::uint64_t> m_messageHash{0};
    std::atomic<std::int64_t> m_malformed{0};
    std::atomic<std::int64_t> m_echoFailures{0};
};

// ---- the member ---------------------------------------------------------------------------------------------

/// One single-member cluster on a directory that outlives the node, so that a new node (with a new service) can be
/// launched on what the last one left.
class RecoveryMember
{
public:
    RecoveryMember(const RecoveryConfig& config, std::filesystem::path clusterDir, std::string aeronDir)
        : m_config(config), m_clusterDir(std::move(clusterDir)), m_aeronDir(std::move(aeronDir))
    {
        const auto endpoint = [this](int offset) { return "localhost:" + std::to_string(m_config.portBase + offset); };
        m_members = "0," + endpoint(0) + "," + endpoint(1) + "," + endpoint(2) + "," + endpoint(3) + "," + endpoint(5);
        m_ingressEndpoints = "0=" + endpoint(0);
    }

    ~RecoveryMember() { close(); }

    RecoveryMember(const RecoveryMember&) = delete;
    RecoveryMember& operator=(const RecoveryMember&) = delete;

    void launch(std::unique_ptr<RecoveryService> service)
    {
        close();
        m_service = std::move(service);
        cluster::ClusterNodeContext context;
        cluster::ConsensusModuleConfig& moduleConfig = context.config;
        moduleConfig.memberId = 0;
        moduleConfig.clusterMembers = m_members;
        moduleConfig.appointedLeaderId = cluster::ClusterMember::NULL_MEMBER_ID;
        moduleConfig.clusterDir = m_clusterDir.string();
        moduleConfig.logChannel = "aeron:udp?term-length=" + m_config.logTermLength;
        moduleConfig.electionTimeoutNs = 500'000'000;
        moduleConfig.leaderHeartbeatIntervalNs = 50'000'000;
        // A snapshot of a GiB takes seconds; the threshold only counts, but a count on every run is noise.
        moduleConfig.totalSnapshotDurationThresholdNs = 600 * NS_PER_S;
        moduleConfig.serviceSnapshotDurationThresholdNs = 600 * NS_PER_S;
        moduleConfig.cycleThresholdNs = 600 * NS_PER_S;
        moduleConfig.serviceCycleThresholdNs = 600 * NS_PER_S;
        context.services.push_back(m_service.get());
        context.threadingMode = m_config.threadingMode;
        context.idleStrategy = m_config.idleStrategy;
        context.ipcTermBufferLength = m_config.ipcTermLength;
        context.aeronDirectoryName = m_aeronDir;
        context.errorHandler = [](const std::exception& e) { std::fprintf(stderr, "member error: %s\n", e.what()); };
        m_node = cluster::ClusterNode::launch(std::move(context));
    }

    /// Stops the node (its directories stay) and drops its service.
    void close()
    {
        if (m_node)
        {
            m_node->close();
            m_node.reset();
        }
        m_service.reset();
    }

    /// Invoker mode: a duty cycle of every agent of the member; otherwise nothing (its threads run it).
    int doWork() { return m_node ? m_node->doWork() : 0; }

    [[nodiscard]] bool isInvoker() const noexcept { return m_config.threadingMode == util::ThreadingMode::INVOKER; }

    [[nodiscard]] std::int64_t counter(std::int32_t typeId) const
    {
        const util::CountersReader& counters = m_node->aeron().countersReader();
        const std::int32_t id = cluster::ClusterCounters::find(counters, typeId, 0);
        return id == cluster::ClusterCounters::NULL_COUNTER_ID ? -1 : counters.getCounterValue(id);
    }

    [[nodiscard]] bool isActiveLeader() const
    {
        return counter(cluster::ClusterCounters::NODE_ROLE_TYPE_ID) ==
            static_cast<std::int64_t>(cluster::Role::LEADER) &&
            counter(cluster::ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
            static_cast<std::int64_t>(cluster::ConsensusModuleState::ACTIVE);
    }

    [[nodiscard]] std::string describeState() const
    {
        const auto name = [](auto decoded) { return decoded ? std::string(cluster::toString(*decoded)) : "?"; };
        return "role " + name(cluster::roleFromCode(counter(cluster::ClusterCounters::NODE_ROLE_TYPE_ID))) +
            ", module " +
            name(cluster::consensusModuleStateFromCode(
                counter(cluster::ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID))) +
            ", election " +
            name(cluster::electionStateFromCode(counter(cluster::ClusterCounters::ELECTION_STATE_TYPE_ID))) +
            ", snapshots " + std::to_string(counter(cluster::ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID));
    }

    [[nodiscard]] cluster::ClusterNode& node() { return *m_node; }
    [[nodiscard]] RecoveryService& service() { return *m_service; }
    [[nodiscard]] const std::string& ingressEndpoints() const noexcept { return m_ingressEndpoints; }
    [[nodiscard]] const std::filesystem::path& clusterDir() const noexcept { return m_clusterDir; }

private:
    const RecoveryConfig& m_config;
    std::filesystem::path m_clusterDir;
    std::string m_aeronDir;
    std::string m_members;
    std::string m_ingressEndpoints;
    std::unique_ptr<RecoveryService> m_service;
    std::unique_ptr<cluster::ClusterNode> m_node;
};

/// Runs the member (invoker mode) and whatever else must keep going (a client) until done() holds; prints
/// progress() every PROGRESS_INTERVAL_NS; throws IllegalStateException naming what after timeoutNs. Returns the
/// time at which done() was first seen to hold.
template <typename Done, typename Other, typename Progress>
std::int64_t awaitUntil(RecoveryMember& member, Done&& done, Other&& other, Progress&& progress, const char* what,
                        std::int64_t timeoutNs)
{
    const std::int64_t startNs = benchNanoTime();
    std::int64_t nextProgressNs = startNs + PROGRESS_INTERVAL_NS;
    while (true)
    {
        const std::int64_t nowNs = benchNanoTime();
        if (done())
        {
            return nowNs;
        }
        if (nowNs - startNs > timeoutNs)
        {
            throw util::IllegalStateException(std::string("timed out waiting for ") + what + " (" +
                                              member.describeState() + ")");
        }
        if (nowNs >= nextProgressNs)
        {
            nextProgressNs = nowNs + PROGRESS_INTERVAL_NS;
            progress(static_cast<double>(nowNs - startNs) / NS_PER_S);
        }
        const int work = member.doWork() + other();
        if (work == 0)
        {
            if (member.isInvoker())
            {
                std::this_thread::yield();
            }
            else
            {
                std::this_thread::sleep_for(POLL_INTERVAL);
            }
        }
    }
}

int noOther()
{
    return 0;
}

void noProgress(double)
{
}

/// CPU time of every thread of this process: beside wall time, it says what a phase cost when other processes
/// compete for the cores.
std::int64_t processCpuNs()
{
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<std::int64_t>(now.tv_sec) * NS_PER_S + now.tv_nsec;
}

double msBetween(std::int64_t startNs, std::int64_t endNs)
{
    return static_cast<double>(endNs - startNs) / NS_PER_MS;
}

double mbPerSec(std::int64_t bytes, double ms)
{
    return ms > 0 ? static_cast<double>(bytes) / BYTES_PER_MB / (ms / 1000.0) : 0.0;
}

void progressLine(const char* format, ...) __attribute__((format(printf, 1, 2)));

void progressLine(const char* format, ...)
{
    std::va_list args;
    va_start(args, format);
    std::vprintf(format, args);
    va_end(args);
    std::printf("\n");
    std::fflush(stdout);
}

// ---- the disk baseline --------------------------------------------------------------------------------------

struct DiskFigures
{
    double writeMbS = 0;
    double writeNoSyncMbS = 0;
    double readMbS = 0;
};

/// Flushes and drops every file under dir from the page cache, so that what is read next comes from the disk.
void evictFromPageCache(const std::filesystem::path& dir)
{
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, error))
    {
        if (!entry.is_regular_file(error))
        {
            continue;
        }
        const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            continue;
        }
        ::fdatasync(fd);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

/// A sequential write of bytes in 1 MiB blocks then fsync, and a sequential read of the file, in dir.
DiskFigures measureDisk(const std::filesystem::path& dir, std::int64_t bytes, bool cold)
{
    const std::filesystem::path path = dir / "raw-baseline.dat";
    std::vector<std::uint8_t> block(DISK_BLOCK_LENGTH);
    std::uint64_t generator = 12345;
    for (std::size_t i = 0; i + sizeof(std::uint64_t) <= block.size(); i += sizeof(std::uint64_t))
    {
        const std::uint64_t word = splitMix(generator);
        std::memcpy(block.data() + i, &word, sizeof(word));
    }
    DiskFigures figures;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
    {
        throw util::IoException("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    const std::int64_t writeStartNs = benchNanoTime();
    for (std::int64_t written = 0; written < bytes;)
    {
        const auto length = static_cast<std::size_t>(std::min<std::int64_t>(bytes - written, DISK_BLOCK_LENGTH));
        // Each block differs from the last, so that no layer below can deduplicate the file away.
        block[0] = static_cast<std::uint8_t>(written / static_cast<std::int64_t>(DISK_BLOCK_LENGTH));
        const ssize_t result = ::write(fd, block.data(), length);
        if (result <= 0)
        {
            ::close(fd);
            throw util::IoException("write to " + path.string() + " failed: " + std::strerror(errno));
        }
        written += result;
    }
    const std::int64_t writtenNs = benchNanoTime();
    if (::fsync(fd) != 0)
    {
        ::close(fd);
        throw util::IoException("fsync of " + path.string() + " failed: " + std::strerror(errno));
    }
    const std::int64_t syncedNs = benchNanoTime();
    ::close(fd);
    figures.writeNoSyncMbS = mbPerSec(bytes, msBetween(writeStartNs, writtenNs));
    figures.writeMbS = mbPerSec(bytes, msBetween(writeStartNs, syncedNs));

    if (cold)
    {
        evictFromPageCache(dir);
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
    {
        throw util::IoException("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    const std::int64_t readStartNs = benchNanoTime();
    std::int64_t readBytes = 0;
    std::uint64_t sum = 0;
    while (true)
    {
        const ssize_t result = ::read(fd, block.data(), block.size());
        if (result < 0)
        {
            ::close(fd);
            throw util::IoException("read of " + path.string() + " failed: " + std::strerror(errno));
        }
        if (result == 0)
        {
            break;
        }
        // Touch what was read, as a loader would: a read that never looks at the bytes flatters the disk.
        sum += block[static_cast<std::size_t>(result) - 1];
        readBytes += result;
    }
    const std::int64_t readEndNs = benchNanoTime();
    ::close(fd);
    std::filesystem::remove(path);
    if (readBytes != bytes)
    {
        throw util::IoException("read back " + std::to_string(readBytes) + " of " + std::to_string(bytes) +
                                " bytes (checksum " + std::to_string(sum) + ")");
    }
    figures.readMbS = mbPerSec(bytes, msBetween(readStartNs, readEndNs));
    return figures;
}

// ---- the load client ----------------------------------------------------------------------------------------

/// Counts the service's echoes: each carries the sequence of the message it answers, in order.
class EchoCounter final : public cluster::EgressListener
{
public:
    void onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                   std::int32_t length, const transport::Header&) override
    {
        if (offset < 0 || length != ECHO_LENGTH ||
            !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
        {
            ++m_invalid;
            return;
        }
        std::int64_t sequence = 0;
        std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
        if (sequence < m_acknowledged)
        {
            ++m_invalid;
            return;
        }
        m_acknowledged = sequence + 1;
    }

    /// Every message before this sequence has been applied.
    [[nodiscard]] std::int64_t acknowledged() const noexcept { return m_acknowledged; }
    [[nodiscard]] std::int64_t invalid() const noexcept { return m_invalid; }

private:
    std::int64_t m_acknowledged = 0;
    std::int64_t m_invalid = 0;
};

struct LoadFigures
{
    double ms = 0;
    double msgsPerSec = 0;
    std::int64_t backPressured = 0;
};

/// Sends config.messages messages as fast as the window allows; returns when the last has been echoed.
LoadFigures sendLoad(const RecoveryConfig& config, RecoveryMember& member)
{
    bench::InvokerTransport transport;
    EchoCounter echoes;
    cluster::ClusterClientContext context;
    context.aeron = transport.sharedAeron();
    context.ingressEndpoints = member.ingressEndpoints();
    context.egressChannel =
        "aeron:udp?endpoint=localhost:" + std::to_string(config.portBase + CLIENT_EGRESS_PORT_OFFSET);
    context.egressListener = &echoes;
    context.messageTimeoutNs = 10 * NS_PER_S;
    auto connect = cluster::ClusterClient::asyncConnect(std::move(context));
    std::unique_ptr<cluster::ClusterClient> client;
    awaitUntil(
        member,
        [&]
        {
            client = connect->poll();
            return client != nullptr;
        },
        [&] { return transport.pump(); }, noProgress, "the client to connect", LEADER_TIMEOUT_NS);

    std::vector<std::uint8_t> message(static_cast<std::size_t>(config.messageLength), 0x5A);
    std::int64_t sent = 0;
    LoadFigures figures;
    std::int64_t lastKeepAliveNs = benchNanoTime();
    const std::int64_t startNs = benchNanoTime();
    const std::int64_t endNs = awaitUntil(
        member, [&] { return echoes.acknowledged() >= config.messages; },
        [&]
        {
            int work = 0;
            for (int i = 0; i < SEND_BATCH && sent < config.messages && sent - echoes.acknowledged() < config.window;
                 ++i)
            {
                std::memcpy(message.data(), &sent, sizeof(sent));
                const bool wantEcho = (sent + 1) % ECHO_INTERVAL == 0 || sent + 1 == config.messages;
                message[ECHO_FLAG_OFFSET] = wantEcho ? ECHO_FLAG : 0;
                if (client->offer(message.data(), config.messageLength) < 0)
                {
                    ++figures.backPressured;
                    break;
                }
                ++sent;
                ++work;
            }
            work += client->pollEgress() + transport.pump();
            const std::int64_t nowNs = benchNanoTime();
            if (nowNs - lastKeepAliveNs > KEEPALIVE_INTERVAL_NS)
            {
                lastKeepAliveNs = nowNs;
                static_cast<void>(client->sendKeepAlive());
            }
            if (client->isClosed())
            {
                throw util::IllegalStateException("the cluster closed the client's session");
            }
            return work;
        },
        [&](double seconds)
        {
            progressLine("  load: %lld of %lld messages applied after %.1f s", static_cast<long long>(echoes.acknowledged()),
                         static_cast<long long>(config.messages), seconds);
        },
        "every message to be echoed", PHASE_TIMEOUT_NS);
    if (echoes.invalid() != 0)
    {
        throw util::IllegalStateException(std::to_string(echoes.invalid()) + " echoes out of order or malformed");
    }
    figures.ms = msBetween(startNs, endNs);
    figures.msgsPerSec = static_cast<double>(config.messages) / (figures.ms / 1000.0);
    client->close();
    // Lets the session close reach the log, so that the member is closed with nothing in flight.
    const std::int64_t settleEndNs = benchNanoTime() + 200 * NS_PER_MS;
    awaitUntil(
        member, [&] { return benchNanoTime() >= settleEndNs; }, [&] { return transport.pump(); }, noProgress,
        "the client to close", NS_PER_S);
    return figures;
}

// ---- the phases ---------------------------------------------------------------------------------------------

struct RecoveryResult
{
    DiskFigures disk;
    std::int64_t stateBytes = 0;
    std::int32_t chunkBytes = 0;
    double snapshotMs = 0;
    double snapshotCpuMs = 0;
    double snapshotRecoveryMs = 0;
    double snapshotRecoveryCpuMs = 0;
    double replayRecoveryCpuMs = 0;
    double stateLoadedMs = 0;
    double snapshotLeaderMs = 0;
    bool stateHashMatches = false;
    LoadFigures load;
    double replayRecoveryMs = 0;
    double replayLeaderMs = 0;
    bool messageHashMatches = false;
};

std::int64_t awaitActiveLeader(RecoveryMember& member)
{
    return awaitUntil(member, [&] { return member.isActiveLeader(); }, noOther, noProgress, "an active leader",
                      LEADER_TIMEOUT_NS);
}

void runSnapshotPhases(const RecoveryConfig& config, RecoveryMember& member, RecoveryResult& result)
{
    const std::int64_t stateBytes = config.stateMib * MIB;
    result.stateBytes = stateBytes;
    progressLine("snapshot: filling %lld MiB of service state", static_cast<long long>(config.stateMib));
    member.launch(std::make_unique<RecoveryService>(stateBytes, config.seed, config.chunkBytes));
    const std::uint64_t writtenHash = member.service().stateHash();
    awaitActiveLeader(member);

    const std::int64_t snapshotsBefore = member.counter(cluster::ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID);
    const std::int64_t requestCpuNs = processCpuNs();
    const std::int64_t requestNs = benchNanoTime();
    awaitUntil(member, [&] { return member.node().requestControlToggle(cluster::ToggleState::SNAPSHOT); }, noOther,
               noProgress, "the control toggle", LEADER_TIMEOUT_NS);
    const std::int64_t snapshotNs = awaitUntil(
        member,
        [&] { return member.counter(cluster::ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID) > snapshotsBefore; },
        noOther,
        [&](double seconds)
        {
            progressLine("  snapshot: %lld of %lld MiB written after %.1f s",
                         static_cast<long long>(member.service().snapshotBytes() / MIB),
                         static_cast<long long>(config.stateMib), seconds);
        },
        "the snapshot counter", PHASE_TIMEOUT_NS);
    result.snapshotMs = msBetween(requestNs, snapshotNs);
    result.snapshotCpuMs = msBetween(requestCpuNs, processCpuNs());
    result.chunkBytes = member.service().snapshotChunkBytes();
    progressLine("snapshot: %lld MiB in %.1f ms (%.1f MB/s, %d-byte messages)", static_cast<long long>(config.stateMib),
                 result.snapshotMs, mbPerSec(stateBytes, result.snapshotMs), result.chunkBytes);

    member.close();
    if (config.cold)
    {
        evictFromPageCache(member.clusterDir());
    }
    progressLine("snapshot recovery: relaunching on the same directories");
    const std::int64_t launchCpuNs = processCpuNs();
    const std::int64_t launchNs = benchNanoTime();
    member.launch(std::make_unique<RecoveryService>(0, config.seed, config.chunkBytes));
    RecoveryService& service = member.service();
    std::int64_t loadedNs = 0;
    std::int64_t leaderNs = 0;
    const std::int64_t recoveredNs = awaitUntil(
        member,
        [&]
        {
            const LoadState state = service.loadState();
            if (state == LoadState::FAILED)
            {
                throw util::IllegalStateException("the service failed to load its snapshot: " + service.loadError());
            }
            const std::int64_t nowNs = benchNanoTime();
            if (loadedNs == 0 && state == LoadState::LOADED)
            {
                loadedNs = nowNs;
            }
            if (leaderNs == 0 && member.isActiveLeader())
            {
                leaderNs = nowNs;
            }
            return loadedNs != 0 && leaderNs != 0;
        },
        noOther,
        [&](double seconds)
        {
            progressLine("  snapshot recovery: %lld of %lld MiB loaded after %.1f s",
                         static_cast<long long>(service.loadedBytes() / MIB), static_cast<long long>(config.stateMib),
                         seconds);
        },
        "the service to load its state and the member to lead", PHASE_TIMEOUT_NS);
    result.snapshotRecoveryMs = msBetween(launchNs, recoveredNs);
    result.snapshotRecoveryCpuMs = msBetween(launchCpuNs, processCpuNs());
    result.stateLoadedMs = msBetween(launchNs, loadedNs);
    result.snapshotLeaderMs = msBetween(launchNs, leaderNs);
    result.stateHashMatches =
        service.stateBytes() == stateBytes && service.stateHash() == writtenHash && service.hashState() == writtenHash;
    progressLine("snapshot recovery: %.1f ms (state loaded after %.1f ms, active leader after %.1f ms; state %s)",
                 result.snapshotRecoveryMs, result.stateLoadedMs, result.snapshotLeaderMs,
                 result.stateHashMatches ? "hash matches" : "HASH DIFFERS");
    member.close();
}

void runReplayPhase(const RecoveryConfig& config, RecoveryMember& member, RecoveryResult& result)
{
    progressLine("replay: sending %lld messages of %d bytes (window %lld)", static_cast<long long>(config.messages),
                 config.messageLength, static_cast<long long>(config.window));
    member.launch(std::make_unique<RecoveryService>(0, config.seed, config.chunkBytes));
    awaitActiveLeader(member);
    result.load = sendLoad(config, member);
    const std::int64_t applied = member.service().appliedCount();
    const std::uint64_t appliedHash = member.service().messageHash();
    if (applied != config.messages || member.service().malformedCount() != 0)
    {
        throw util::IllegalStateException("the service applied " + std::to_string(applied) + " messages (" +
                                          std::to_string(member.service().malformedCount()) + " malformed), not " +
                                          std::to_string(config.messages));
    }
    progressLine("replay: %lld messages applied in %.1f ms (%.0f msgs/s, %lld offers back-pressured)",
                 static_cast<long long>(applied), result.load.ms, result.load.msgsPerSec,
                 static_cast<long long>(result.load.backPressured));

    member.close();
    if (config.cold)
    {
        evictFromPageCache(member.clusterDir());
    }
    progressLine("replay recovery: relaunching on the same directories, no snapshot");
    const std::int64_t launchCpuNs = processCpuNs();
    const std::int64_t launchNs = benchNanoTime();
    member.launch(std::make_unique<RecoveryService>(0, config.seed, config.chunkBytes));
    RecoveryService& service = member.service();
    std::int64_t leaderNs = 0;
    const std::int64_t recoveredNs = awaitUntil(
        member,
        [&]
        {
            if (leaderNs == 0 && member.isActiveLeader())
            {
                leaderNs = benchNanoTime();
            }
            return leaderNs != 0 && service.appliedCount() >= config.messages;
        },
        noOther,
        [&](double seconds)
        {
            progressLine("  replay recovery: %lld of %lld messages applied after %.1f s",
                         static_cast<long long>(service.appliedCount()), static_cast<long long>(config.messages),
                         seconds);
        },
        "the service to apply the log again and the member to lead", PHASE_TIMEOUT_NS);
    result.replayRecoveryMs = msBetween(launchNs, recoveredNs);
    result.replayRecoveryCpuMs = msBetween(launchCpuNs, processCpuNs());
    result.replayLeaderMs = msBetween(launchNs, leaderNs);
    result.messageHashMatches = service.appliedCount() == applied && service.messageHash() == appliedHash;
    progressLine("replay recovery: %.1f ms (%.0f msgs/s; active leader after %.1f ms; messages %s)",
                 result.replayRecoveryMs, static_cast<double>(config.messages) / (result.replayRecoveryMs / 1000.0),
                 result.replayLeaderMs, result.messageHashMatches ? "hash matches" : "HASH DIFFERS");
    member.close();
}

void report(const RecoveryConfig& config, const RecoveryResult& result)
{
    const double snapshotMbS = mbPerSec(result.stateBytes, result.snapshotMs);
    const double recoveryMbS = mbPerSec(result.stateBytes, result.snapshotRecoveryMs);
    const double replayMsgsPerS = static_cast<double>(config.messages) / (result.replayRecoveryMs / 1000.0);
    const double snapshotVsRawWrite = bench::ratio(snapshotMbS, result.disk.writeMbS);
    const double recoveryVsRawRead = bench::ratio(recoveryMbS, result.disk.readMbS);

    std::printf("\nrecovery of one member (%s threading, %s idle), MB = 10^6 bytes:\n", config.threadingName.c_str(),
                config.idleStrategy.c_str());
    std::printf("  snapshot of %lld MiB:          %10.1f ms  %8.1f MB/s  (%.2f x raw write+fsync; %.0f ms CPU)\n",
                static_cast<long long>(config.stateMib), result.snapshotMs, snapshotMbS, snapshotVsRawWrite,
                result.snapshotCpuMs);
    std::printf("  recovery from the snapshot:   %10.1f ms  %8.1f MB/s  (%.2f x raw read; loaded %.1f ms, leader %.1f ms; "
                "%.0f ms CPU)\n",
                result.snapshotRecoveryMs, recoveryMbS, recoveryVsRawRead, result.stateLoadedMs,
                result.snapshotLeaderMs, result.snapshotRecoveryCpuMs);
    std::printf("  recovery by replay of %lld messages of %d bytes: %.1f ms  %.0f msgs/s  (leader after %.1f ms; "
                "%.0f ms CPU; they were sent at %.0f msgs/s)\n",
                static_cast<long long>(config.messages), config.messageLength, result.replayRecoveryMs, replayMsgsPerS,
                result.replayLeaderMs, result.replayRecoveryCpuMs, result.load.msgsPerSec);
    std::printf("  disk, %lld MiB in %s:  write+fsync %.1f MB/s  (write alone %.1f MB/s)  read %.1f MB/s%s\n",
                static_cast<long long>(config.stateMib), config.parentDir.c_str(), result.disk.writeMbS,
                result.disk.writeNoSyncMbS, result.disk.readMbS, config.cold ? " (cold)" : " (page cache)");
    std::printf("  state hash after recovery %s; message hash after replay %s\n",
                result.stateHashMatches ? "matches" : "DIFFERS", result.messageHashMatches ? "matches" : "DIFFERS");

    bench::JsonLine json;
    json.add("benchmark", "recovery")
        .add("threading", config.threadingName)
        .add("state_mib", config.stateMib)
        .add("snapshot_message_bytes", static_cast<std::int64_t>(result.chunkBytes))
        .add("snapshot_ms", result.snapshotMs)
        .add("snapshot_mb_s", snapshotMbS)
        .add("snapshot_cpu_ms", result.snapshotCpuMs)
        .add("snapshot_recovery_ms", result.snapshotRecoveryMs)
        .add("snapshot_recovery_mb_s", recoveryMbS)
        .add("snapshot_recovery_cpu_ms", result.snapshotRecoveryCpuMs)
        .add("state_loaded_ms", result.stateLoadedMs)
        .add("snapshot_recovery_leader_ms", result.snapshotLeaderMs)
        .add("messages", config.messages)
        .add("message_length", static_cast<std::int64_t>(config.messageLength))
        .add("load_msgs_per_s", result.load.msgsPerSec)
        .add("replay_recovery_ms", result.replayRecoveryMs)
        .add("replay_msgs_per_s", replayMsgsPerS)
        .add("replay_recovery_cpu_ms", result.replayRecoveryCpuMs)
        .add("replay_recovery_leader_ms", result.replayLeaderMs)
        .add("raw_write_mb_s", result.disk.writeMbS)
        .add("raw_write_nosync_mb_s", result.disk.writeNoSyncMbS)
        .add("raw_read_mb_s", result.disk.readMbS)
        .add("cold", config.cold)
        .add("snapshot_vs_raw_write", snapshotVsRawWrite)
        .add("recovery_vs_raw_read", recoveryVsRawRead)
        .add("state_hash_matches", result.stateHashMatches)
        .add("message_hash_matches", result.messageHashMatches);
    json.print();
}

int runRecovery(const RecoveryConfig& config)
{
    const std::string runName = "cox-bench-recovery-" + std::to_string(::getpid());
    const std::filesystem::path runDir = config.parentDir / runName;
    std::filesystem::remove_all(runDir);
    std::filesystem::create_directories(runDir);
    const std::string shmBase = std::filesystem::is_directory("/dev/shm") ? "/dev/shm/" + runName : std::string();
    const auto aeronDir = [&](const char* name) { return shmBase.empty() ? std::string() : shmBase + "-" + name; };
    progressLine("recovery: single-member cluster in %s (%s threading, ports %d-%d), %lld MiB of state, %lld messages",
                 runDir.c_str(), config.threadingName.c_str(), config.portBase,
                 config.portBase + CLIENT_EGRESS_PORT_OFFSET, static_cast<long long>(config.stateMib),
                 static_cast<long long>(config.messages));
    RecoveryResult result;
    int status = 0;
    try
    {
        progressLine("disk: writing and reading %lld MiB in %s", static_cast<long long>(config.stateMib),
                     runDir.c_str());
        result.disk = measureDisk(runDir, config.stateMib * MIB, config.cold);
        progressLine("disk: write+fsync %.1f MB/s, read %.1f MB/s", result.disk.writeMbS, result.disk.readMbS);
        {
            RecoveryMember member(config, runDir / "snapshot-member", aeronDir("snapshot"));
            runSnapshotPhases(config, member, result);
        }
        {
            RecoveryMember member(config, runDir / "replay-member", aeronDir("replay"));
            runReplayPhase(config, member, result);
        }
        report(config, result);
        status = result.stateHashMatches && result.messageHashMatches ? 0 : 1;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "recovery benchmark failed: %s\n", e.what());
        status = 1;
    }
    if (config.keep)
    {
        std::printf("kept %s\n", runDir.c_str());
    }
    else
    {
        std::error_code ignored;
        std::filesystem::remove_all(runDir, ignored);
    }
    return status;
}

int runClusterRecovery(const std::vector<std::string>& args)
{
    bench::BenchArgs options("recovery");
    options.option("state-mib", "1024", "MiB of service state to snapshot and recover")
        .option("messages", "1000000", "messages in the log to replay")
        .option("message-length", "32", "bytes per message (16 to 1376)")
        .option("window", "50000", "messages the client may have sent but not seen applied")
        .option("chunk-kib", "32", "KiB per snapshot message (capped at the publication's maxMessageLength)")
        .option("seed", "42", "seed of the state's pattern")
        .option("threading", "shared", "the member's threading: dedicated | shared | invoker")
        .option("idle", "backoff", "the member's idle strategy")
        .option("log-term-length", "16m", "term length of the log")
        .option("ipc-term-kib", "1024", "the member's IPC term length in KiB (snapshot recording and replays)")
        .option("port", "29000", "first of the loopback UDP ports (member +0..5, client egress +10)")
        .option("dir", std::filesystem::temp_directory_path().string(),
                "parent of the run's directory (removed at the end); the disk baseline runs there too")
        .option("keep", "0", "1 keeps the run's directory")
        .option("cold", "0", "1 drops the files from the page cache before each read (needs no privileges)");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            RecoveryConfig config;
            config.stateMib = options.integer("state-mib", 1, MAX_STATE_MIB);
            config.messages = options.integer("messages", 1, 1'000'000'000);
            config.messageLength =
                static_cast<std::int32_t>(options.integer("message-length", MIN_MESSAGE_LENGTH, bench::MAX_BENCH_MESSAGE_LENGTH));
            config.window = options.integer("window", ECHO_INTERVAL, 10'000'000);
            config.chunkBytes = static_cast<std::int32_t>(options.integer("chunk-kib", 1, 16 * 1024) * 1024);
            config.seed = static_cast<std::uint64_t>(options.integer("seed", 0, std::numeric_limits<std::int64_t>::max()));
            config.threadingName = options.choice("threading", {"dedicated", "shared", "invoker"});
            config.threadingMode = config.threadingName == "dedicated" ? util::ThreadingMode::DEDICATED
                                   : config.threadingName == "shared"  ? util::ThreadingMode::SHARED
                                                                        : util::ThreadingMode::INVOKER;
            config.idleStrategy = options.text("idle");
            config.logTermLength = options.text("log-term-length");
            const std::int64_t ipcTermKib = options.integer("ipc-term-kib", 64, 1024 * 1024);
            if (!util::isPowerOfTwo(ipcTermKib))
            {
                throw util::IllegalArgumentException("--ipc-term-kib must be a power of two");
            }
            config.ipcTermLength = static_cast<std::int32_t>(ipcTermKib * 1024);
            config.portBase = static_cast<int>(options.integer("port", 1024, 65535 - CLIENT_EGRESS_PORT_OFFSET));
            config.parentDir = options.text("dir");
            config.keep = options.integer("keep", 0, 1) == 1;
            config.cold = options.integer("cold", 0, 1) == 1;
            return runRecovery(config);
        });
}

const bench::BenchRegistration registration(
    "recovery", "a member's snapshot of N MiB of state, recovery from it, and recovery by replay of M log messages",
    runClusterRecovery);
} // namespace

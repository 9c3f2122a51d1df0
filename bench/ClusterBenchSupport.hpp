#pragma once

// Pieces the cluster benchmarks share: an in-process cluster whose members run on their own threads (as
// separate processes would, each a ClusterNode with its own driver, archive and directories), and the
// client-side transport a ClusterClient runs on, driven from the benchmark's thread.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "BenchSupport.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMember.hpp"
#include "cox/cluster/ClusterNode.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/AgentGroup.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::bench
{
struct BenchClusterOptions
{
    /// Ports a member takes, from portBase + memberId * MEMBER_PORT_STRIDE: ingress +0, consensus +1,
    /// log +2, catch-up +3, the archive's replication responses +4 (ClusterNode derives it), archive +5.
    static constexpr int MEMBER_PORT_STRIDE = 10;

    int memberCount = 3;
    /// SHARED: the driver's, the archive's and the module's (with the services) agents each on a thread of
    /// their own, three per member. INVOKER: every agent of a member on one thread that the benchmark runs
    /// (ClusterNode::doWork), so a message crosses no thread inside a member: a hop to a parked thread costs up to
    /// the idle strategy's longest park, and a member's path (receive, record, report the position) had three.
    util::ThreadingMode threadingMode = util::ThreadingMode::SHARED;
    /// Every agent of every member idles with this; on a machine with fewer cores than busy threads
    /// anything that never sleeps starves the rest.
    std::string idleStrategy = "backoff";
    /// The backoff's longest park on the INVOKER member threads (the node's own threads always park up to the
    /// default 1 ms): what a message waits, at worst, for an idle member to look again.
    std::int64_t maxParkPeriodNs = util::BackoffIdleStrategy::DEFAULT_MAX_PARK_PERIOD_NS;
    int portBase = 0;
    /// Cluster and archive directories go under here, in a directory of their own removed at close.
    std::filesystem::path parentDir = std::filesystem::temp_directory_path();
    /// Big enough that a benchmark run never rotates more than a few terms, small enough to map cheaply.
    std::string logTermLength = "16m";
    /// The archive's and recording log's file sync level (cluster.file-sync-level): 0 leaves the log in the page
    /// cache, 1 fdatasyncs each recorded block before its position counts towards the commit position.
    std::int32_t fileSyncLevel = 0;
    /// At a sync level, sync on the archive's own thread (node.archive-async-sync) or in the recorder.
    bool archiveAsyncSync = true;
    /// Sessions a member accepts; a benchmark with many clients raises it from the default.
    std::int32_t maxConcurrentSessions = 10;

    /// The first port above the members', free for the benchmark's own use.
    [[nodiscard]] int firstFreePort() const noexcept { return portBase + memberCount * MEMBER_PORT_STRIDE; }
};

/// A driver's counters, one per line under a title.
inline std::string describeCountersOf(const std::string& title, const util::CountersReader& counters)
{
    std::string text = title + " counters:\n";
    counters.forEach([&text](const util::CounterMetadata& counter)
                     { text += "  " + std::string(counter.label) + " = " + std::to_string(counter.value) + "\n"; });
    return text;
}

/// The idle strategy alias names, with the backoff's longest park set to maxParkPeriodNs.
inline std::unique_ptr<util::IdleStrategy> newBenchIdleStrategy(const std::string& alias, std::int64_t maxParkPeriodNs)
{
    util::IdleStrategyParams params;
    params.maxParkPeriodNs = maxParkPeriodNs;
    return util::newIdleStrategy(alias, params);
}

/// The members of one cluster, all in this process but each with threads, driver, archive and directories of
/// its own. Member 0 is the appointed leader of a multi-member cluster, so that no election delays the start.
class BenchCluster
{
public:
    using ServiceFactory = std::function<std::unique_ptr<cluster::ClusteredService>(int memberId)>;

    BenchCluster(BenchClusterOptions options, const ServiceFactory& newService) : m_options(std::move(options))
    {
        m_rootDir = m_options.parentDir / ("cox-bench-cluster-" + std::to_string(::getpid()));
        std::filesystem::remove_all(m_rootDir);
        std::filesystem::create_directories(m_rootDir);
        for (int i = 0; i < m_options.memberCount; ++i)
        {
            const int port = m_options.portBase + i * BenchClusterOptions::MEMBER_PORT_STRIDE;
            const auto endpoint = [port](int offset) { return "localhost:" + std::to_string(port + offset); };
            m_members += (i == 0 ? "" : "|") + std::to_string(i) + "," + endpoint(0) + "," + endpoint(1) + "," +
                endpoint(2) + "," + endpoint(3) + "," + endpoint(5);
            m_ingressEndpoints += (i == 0 ? "" : ",") + std::to_string(i) + "=" + endpoint(0);
            m_services.push_back(newService(i));
        }
    }

    ~BenchCluster()
    {
        close();
        std::error_code ignored;
        std::filesystem::remove_all(m_rootDir, ignored);
    }

    BenchCluster(const BenchCluster&) = delete;
    BenchCluster& operator=(const BenchCluster&) = delete;

    /// Launches every member; their threads start at once.
    void start()
    {
        for (int i = 0; i < m_options.memberCount; ++i)
        {
            m_nodes.push_back(cluster::ClusterNode::launch(nodeContext(i)));
        }
        if (m_options.threadingMode == util::ThreadingMode::INVOKER)
        {
            m_running.store(true, std::memory_order_release);
            for (auto& node : m_nodes)
            {
                m_memberThreads.emplace_back([this, member = node.get()] { runMember(*member); });
            }
        }
    }

    /// Waits until one member is an active leader and returns its id; throws IllegalStateException after
    /// timeoutNs. The members run themselves: this only reads their counters.
    int awaitLeader(std::int64_t timeoutNs)
    {
        const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
        while (benchNanoTime() < deadlineNs)
        {
            for (int i = 0; i < static_cast<int>(m_nodes.size()); ++i)
            {
                if (isActiveLeader(i))
                {
                    return i;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        throw util::IllegalStateException("no member became an active leader within " +
                                          std::to_string(timeoutNs / 1'000'000'000) + " s");
    }

    /// Stops every member (joining their threads). Idempotent.
    void close()
    {
        m_running.store(false, std::memory_order_release);
        for (auto& thread : m_memberThreads)
        {
            thread.join();
        }
        m_memberThreads.clear();
        for (auto& node : m_nodes)
        {
            node->close();
        }
        m_nodes.clear();
    }

    /// Every counter of every running member, one per line: what a failed run prints to say where it stuck.
    [[nodiscard]] std::string describeCounters() const
    {
        std::string text;
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
        {
            text += describeCountersOf("member " + std::to_string(i), m_nodes[i]->aeron().countersReader());
        }
        return text;
    }

    [[nodiscard]] const std::string& ingressEndpoints() const noexcept { return m_ingressEndpoints; }
    [[nodiscard]] cluster::ClusteredService& service(int memberId) { return *m_services.at(memberId); }
    [[nodiscard]] const BenchClusterOptions& options() const noexcept { return m_options; }

private:
    /// An INVOKER member's thread: the whole member's duty cycle, idling as the options say.
    void runMember(cluster::ClusterNode& member)
    {
        const std::unique_ptr<util::IdleStrategy> idle = newBenchIdleStrategy(m_options.idleStrategy,
                                                                              m_options.maxParkPeriodNs);
        while (m_running.load(std::memory_order_acquire))
        {
            int work = 0;
            try
            {
                work = member.doWork();
            }
            catch (const std::exception& e)
            {
                // As an agent runner would: report and go on, so that the run fails by its own checks.
                std::fprintf(stderr, "member error: %s\n", e.what());
            }
            idle->idle(work);
        }
    }

    cluster::ClusterNodeContext nodeContext(int memberId)
    {
        cluster::ClusterNodeContext context;
        cluster::ConsensusModuleConfig& config = context.config;
        config.memberId = memberId;
        config.clusterMembers = m_members;
        config.appointedLeaderId = m_options.memberCount > 1 ? 0 : cluster::ClusterMember::NULL_MEMBER_ID;
        config.clusterDir = (m_rootDir / ("member-" + std::to_string(memberId))).string();
        config.logChannel = "aeron:udp?term-length=" + m_options.logTermLength;
        config.electionTimeoutNs = 500'000'000;
        config.leaderHeartbeatIntervalNs = 50'000'000;
        config.fileSyncLevel = m_options.fileSyncLevel;
        config.maxConcurrentSessions = m_options.maxConcurrentSessions;
        context.services.push_back(m_services.at(static_cast<std::size_t>(memberId)).get());
        context.threadingMode = m_options.threadingMode;
        context.idleStrategy = m_options.idleStrategy;
        context.archiveAsyncSync = m_options.archiveAsyncSync;
        // Log buffers in memory as a deployment would have them; the archive (the log's persistence) stays
        // on the file system under the cluster directory.
        if (std::filesystem::is_directory("/dev/shm"))
        {
            context.aeronDirectoryName =
                "/dev/shm/cox-bench-cluster-" + std::to_string(::getpid()) + "-member-" + std::to_string(memberId);
        }
        context.errorHandler = [memberId](const std::exception& e)
        { std::fprintf(stderr, "member %d error: %s\n", memberId, e.what()); };
        return context;
    }

    [[nodiscard]] bool isActiveLeader(int memberId)
    {
        const util::CountersReader& counters = m_nodes[static_cast<std::size_t>(memberId)]->aeron().countersReader();
        const auto value = [&counters](std::int32_t typeId) -> std::int64_t
        {
            const std::int32_t id = cluster::ClusterCounters::find(counters, typeId, 0);
            return id < 0 ? -1 : counters.getCounterValue(id);
        };
        return value(cluster::ClusterCounters::NODE_ROLE_TYPE_ID) == static_cast<std::int64_t>(cluster::Role::LEADER) &&
            value(cluster::ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
            static_cast<std::int64_t>(cluster::ConsensusModuleState::ACTIVE);
    }

    BenchClusterOptions m_options;
    std::filesystem::path m_rootDir;
    std::string m_members;
    std::string m_ingressEndpoints;
    std::vector<std::unique_ptr<cluster::ClusteredService>> m_services;
    std::vector<std::unique_ptr<cluster::ClusterNode>> m_nodes;
    std::atomic<bool> m_running{false};
    std::vector<std::thread> m_memberThreads;
};

/// A client process's transport driven from one thread (driver and client conductor on the caller's thread).
using ClientTransport = InvokerTransport;

/// Connects a client to the cluster through transport (ingressChannel may carry parameters such as a small
/// term-length when many clients share one driver), pumping it until the session is open; throws
/// ClusterException (or a subclass) as ClusterClient::connect does, IllegalStateException after timeoutNs.
inline std::unique_ptr<cluster::ClusterClient> connectBenchClient(ClientTransport& transport,
                                                                  const std::string& ingressEndpoints,
                                                                  int egressPort, cluster::EgressListener& listener,
                                                                  std::int64_t timeoutNs,
                                                                  const std::string& ingressChannel = "aeron:udp")
{
    cluster::ClusterClientContext context;
    context.aeron = transport.sharedAeron();
    context.ingressEndpoints = ingressEndpoints;
    context.ingressChannel = ingressChannel;
    context.egressChannel = "aeron:udp?endpoint=localhost:" + std::to_string(egressPort);
    context.egressListener = &listener;
    context.messageTimeoutNs = timeoutNs;
    auto connect = cluster::ClusterClient::asyncConnect(std::move(context));
    const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
    while (true)
    {
        std::unique_ptr<cluster::ClusterClient> client = connect->poll();
        if (client)
        {
            return client;
        }
        if (benchNanoTime() > deadlineNs)
        {
            throw util::IllegalStateException("the cluster client did not connect in time");
        }
        if (transport.pump() == 0)
        {
            std::this_thread::yield();
        }
    }
}

// ---- request/response load over many sessions ----------------------------------------------------------------
// Shared by `cox-bench cluster` and `cox-bench etcd`, so that both systems are driven by the same schedule, timed
// the same way and summarised from the same histogram.

/// Responses one poll of a LoadTarget may report; the runner timestamps them all after the poll.
inline constexpr std::size_t MAX_RESPONSES_PER_POLL = 4096;
/// Most requests one session may have outstanding; each session's send-time ring is this long.
inline constexpr std::int64_t MAX_SESSION_WINDOW = 1024;

/// Collects the (session, sequence) of each response a poll delivered, so that the runner reads the clock once
/// after the poll rather than in every callback.
class ResponseSink
{
public:
    struct Response
    {
        int session = 0;
        std::int64_t sequence = 0;
    };

    void onResponse(int session, std::int64_t sequence) noexcept
    {
        if (m_count == m_responses.size())
        {
            m_overflowed = true;
            return;
        }
        m_responses[m_count++] = Response{session, sequence};
    }

    [[nodiscard]] std::size_t count() const noexcept { return m_count; }
    [[nodiscard]] const Response& at(std::size_t index) const noexcept { return m_responses[index]; }
    [[nodiscard]] bool overflowed() const noexcept { return m_overflowed; }
    void clear() noexcept { m_count = 0; }

private:
    std::array<Response, MAX_RESPONSES_PER_POLL> m_responses{};
    std::size_t m_count = 0;
    bool m_overflowed = false;
};

/// The system under load, seen from its clients: sessions 0..n-1, each answering its requests in order.
class LoadTarget
{
public:
    virtual ~LoadTarget() = default;

    /// Sends request `sequence` of `session` (sequences count up from 0 per session across runs). False when the
    /// session cannot take it now (back pressure): the runner tries again. Throws IllegalStateException when the
    /// run cannot go on.
    virtual bool send(int session, std::int64_t sequence) = 0;
    /// One duty cycle of the clients' data path; each response it completed goes to sink, after being checked
    /// against its request (a wrong one throws IllegalStateException). Returns a work count.
    virtual int poll(ResponseSink& sink) = 0;
    /// Off the data path (client conductor, keepalives), every few hundred loops.
    virtual int housekeeping() { return 0; }
    /// Called when a loop did nothing; nothing is due before maxWaitNs from now.
    virtual void idle(std::int64_t /*maxWaitNs*/) { std::this_thread::yield(); }
};

/// The figures of one run of a LoadRunner.
struct LoadResult
{
    /// Fixed rate: from each request's intended send time (a late response delays the requests queued behind it,
    /// and they are charged for it); max rate: from the send.
    util::Histogram histogram{util::Histogram::ONE_HOUR_NS};
    /// Fixed rate: from the actual send, which leaves out queueing behind a late response.
    util::Histogram serviceTime{util::Histogram::ONE_HOUR_NS};
    std::int64_t elapsedNs = 0;
    std::int64_t sendRetries = 0;
    /// Fixed rate: requests sent after their intended time because their session's previous one was late.
    std::int64_t lateSends = 0;

    [[nodiscard]] double msgsPerSec() const
    {
        return elapsedNs > 0 ? static_cast<double>(histogram.totalCount()) * 1e9 / static_cast<double>(elapsedNs)
                             : 0.0;
    }
};

/// Drives a LoadTarget from the calling thread. Every session keeps its own sequence and checks that its
/// responses come back in order; the runner reads the clock (it is the top of its own duty cycle).
class LoadRunner
{
public:
    static constexpr std::int64_t STALL_TIMEOUT_NS = 10'000'000'000;
    static constexpr std::int64_t HOUSEKEEPING_INTERVAL = 256;

    LoadRunner(LoadTarget& target, int sessionCount, std::string name)
        : m_target(target),
          m_name(std::move(name)),
          m_sessions(static_cast<std::size_t>(sessionCount)),
          m_sendTimesNs(static_cast<std::size_t>(sessionCount * MAX_SESSION_WINDOW))
    {
    }

    /// Each session sends perSession requests, one at a time, on a schedule: together the sessions send at
    /// `rate` per second, session s's k-th request of the run intended at start + (k * sessions + s) / rate.
    /// Latency counts from the intended time, so a stall is charged to every request it held up (coordinated
    /// omission corrected). The first warmupPerSession requests of each session are not recorded.
    void fixedRate(std::int64_t perSession, std::int64_t warmupPerSession, double rate, LoadResult& result)
    {
        const auto sessionCount = static_cast<std::int64_t>(m_sessions.size());
        const double intervalNs = 1e9 / rate;
        const std::int64_t startNs = benchNanoTime();
        begin(perSession);
        const auto intendedNs = [&](std::size_t s, std::int64_t k)
        {
            return startNs +
                static_cast<std::int64_t>(static_cast<double>(k * sessionCount + static_cast<std::int64_t>(s)) *
                                          intervalNs);
        };
        result.elapsedNs = 0;
        const std::int64_t recordStartNs = intendedNs(0, warmupPerSession);
        while (!allAnswered())
        {
            int workCount = 0;
            std::int64_t nextDueNs = std::numeric_limits<std::int64_t>::max();
            for (std::size_t s = 0; s < m_sessions.size(); ++s)
            {
                Session& session = m_sessions[s];
                if (session.nextToSend == session.end || session.nextToSend != session.nextExpected)
                {
                    continue;
                }
                const std::int64_t k = session.nextToSend - session.first;
                const std::int64_t dueNs = intendedNs(s, k);
                const std::int64_t nowNs = benchNanoTime();
                if (nowNs < dueNs)
                {
                    nextDueNs = std::min(nextDueNs, dueNs);
                    continue;
                }
                if (!m_target.send(static_cast<int>(s), session.nextToSend))
                {
                    ++result.sendRetries;
                    nextDueNs = nowNs;
                    continue;
                }
                if (session.lastArrivalNs > dueNs)
                {
                    ++result.lateSends;
                }
                session.intendedNs = dueNs;
                session.sentNs = nowNs;
                ++session.nextToSend;
                ++workCount;
            }
            workCount += pollAndRecord(
                [&](Session& session, std::int64_t sequence, std::int64_t arrivedNs)
                {
                    session.lastArrivalNs = arrivedNs;
                    if (sequence - session.first >= warmupPerSession)
                    {
                        result.histogram.record(arrivedNs - session.intendedNs);
                        result.serviceTime.record(arrivedNs - session.sentNs);
                    }
                });
            afterLoop(workCount, nextDueNs);
        }
        if (result.histogram.totalCount() > 0)
        {
            result.elapsedNs = benchNanoTime() - recordStartNs;
        }
    }

    /// Each session sends perSession requests with up to window outstanding, each as soon as the window allows;
    /// latency counts from the send. Throughput is over the recorded requests, from the first of them leaving to
    /// the last response.
    void maxRate(std::int64_t perSession, std::int64_t warmupPerSession, std::int64_t window, LoadResult& result)
    {
        begin(perSession);
        std::int64_t recordStartNs = 0;
        while (!allAnswered())
        {
            int workCount = 0;
            // Nothing is due until a response frees a window, unless a send was refused.
            std::int64_t nextDueNs = std::numeric_limits<std::int64_t>::max();
            for (std::size_t s = 0; s < m_sessions.size(); ++s)
            {
                Session& session = m_sessions[s];
                while (session.nextToSend < session.end && session.nextToSend - session.nextExpected < window)
                {
                    const std::int64_t sendNs = benchNanoTime();
                    if (!m_target.send(static_cast<int>(s), session.nextToSend))
                    {
                        ++result.sendRetries;
                        nextDueNs = 0;
                        break;
                    }
                    if (recordStartNs == 0 && session.nextToSend - session.first >= warmupPerSession)
                    {
                        recordStartNs = sendNs;
                    }
                    m_sendTimesNs[slot(s, session.nextToSend)] = sendNs;
                    ++session.nextToSend;
                    ++workCount;
                }
            }
            workCount += pollAndRecord(
                [&](Session& session, std::int64_t sequence, std::int64_t arrivedNs)
                {
                    if (sequence - session.first >= warmupPerSession)
                    {
                        const auto s = static_cast<std::size_t>(&session - m_sessions.data());
                        result.histogram.record(arrivedNs - m_sendTimesNs[slot(s, sequence)]);
                    }
                });
            afterLoop(workCount, nextDueNs);
        }
        if (recordStartNs > 0)
        {
            result.elapsedNs = benchNanoTime() - recordStartNs;
        }
    }

    /// Requests answered so far, over every session and run.
    [[nodiscard]] std::int64_t answered() const noexcept
    {
        std::int64_t total = 0;
        for (const Session& session : m_sessions)
        {
            total += session.nextExpected;
        }
        return total;
    }

private:
    struct Session
    {
        std::int64_t first = 0;
        std::int64_t end = 0;
        std::int64_t nextToSend = 0;
        std::int64_t nextExpected = 0;
        std::int64_t intendedNs = 0;
        std::int64_t sentNs = 0;
        std::int64_t lastArrivalNs = 0;
    };

    void begin(std::int64_t perSession)
    {
        for (Session& session : m_sessions)
        {
            session.first = session.nextExpected;
            session.end = session.first + perSession;
            session.lastArrivalNs = 0;
        }
        m_loops = 0;
        m_lastProgressNs = benchNanoTime();
        m_lastAnswered = answered();
    }

    [[nodiscard]] bool allAnswered() const noexcept
    {
        for (const Session& session : m_sessions)
        {
            if (session.nextExpected != session.end)
            {
                return false;
            }
        }
        return true;
    }

    [[nodiscard]] static std::size_t slot(std::size_t session, std::int64_t sequence) noexcept
    {
        return session * static_cast<std::size_t>(MAX_SESSION_WINDOW) +
            static_cast<std::size_t>(sequence % MAX_SESSION_WINDOW);
    }

    template <typename OnResponse> int pollAndRecord(OnResponse&& onResponse)
    {
        m_sink.clear();
        const int workCount = m_target.poll(m_sink);
        if (m_sink.count() == 0)
        {
            return workCount;
        }
        if (m_sink.overflowed())
        {
            throw util::IllegalStateException(m_name + ": more than " + std::to_string(MAX_RESPONSES_PER_POLL) +
                                              " responses in one poll");
        }
        const std::int64_t arrivedNs = benchNanoTime();
        for (std::size_t i = 0; i < m_sink.count(); ++i)
        {
            const ResponseSink::Response& response = m_sink.at(i);
            if (response.session < 0 || static_cast<std::size_t>(response.session) >= m_sessions.size())
            {
                throw util::IllegalStateException(m_name + ": response for unknown session " +
                                                  std::to_string(response.session));
            }
            Session& session = m_sessions[static_cast<std::size_t>(response.session)];
            if (response.sequence != session.nextExpected || session.nextExpected >= session.nextToSend)
            {
                throw util::IllegalStateException(m_name + ": session " + std::to_string(response.session) +
                                                  " answered request " + std::to_string(response.sequence) +
                                                  " when " + std::to_string(session.nextExpected) +
                                                  " was expected");
            }
            ++session.nextExpected;
            onResponse(session, response.sequence, arrivedNs);
        }
        return workCount + static_cast<int>(m_sink.count());
    }

    /// Housekeeping, the stall check and idling. nextDueNs: when the schedule next needs the thread (0: now;
    /// the maximum: only when a response comes).
    void afterLoop(int workCount, std::int64_t nextDueNs)
    {
        if (++m_loops % HOUSEKEEPING_INTERVAL == 0)
        {
            workCount += m_target.housekeeping();
            const std::int64_t nowNs = benchNanoTime();
            const std::int64_t total = answered();
            if (total != m_lastAnswered)
            {
                m_lastAnswered = total;
                m_lastProgressNs = nowNs;
            }
            else if (nowNs - m_lastProgressNs > STALL_TIMEOUT_NS && !scheduleIsAhead(nextDueNs, nowNs))
            {
                throw util::IllegalStateException(m_name + ": no response for 10 s (" + std::to_string(total) +
                                                  " answered)");
            }
        }
        if (workCount == 0)
        {
            const std::int64_t waitNs = nextDueNs == 0 ? 0 : nextDueNs - benchNanoTime();
            m_target.idle(std::min<std::int64_t>(std::max<std::int64_t>(waitNs, 0), 1'000'000));
        }
    }

    /// A fixed-rate run with nothing outstanding waits for its schedule, not for the target.
    [[nodiscard]] bool scheduleIsAhead(std::int64_t nextDueNs, std::int64_t nowNs) const noexcept
    {
        if (nextDueNs <= nowNs || nextDueNs == std::numeric_limits<std::int64_t>::max())
        {
            return false;
        }
        for (const Session& session : m_sessions)
        {
            if (session.nextExpected != session.nextToSend)
            {
                return false;
            }
        }
        return true;
    }

    LoadTarget& m_target;
    std::string m_name;
    std::vector<Session> m_sessions;
    std::vector<std::int64_t> m_sendTimesNs;
    ResponseSink m_sink;
    std::int64_t m_loops = 0;
    std::int64_t m_lastProgressNs = 0;
    std::int64_t m_lastAnswered = 0;
};

/// Percentiles at which the report's latency curves are sampled (100 is the maximum).
inline constexpr std::array<double, 13> CURVE_PERCENTILES = {0.0,  50.0,  75.0,  90.0,   95.0,   99.0,  99.5,
                                                             99.9, 99.95, 99.99, 99.995, 99.999, 100.0};

/// Appends one latency curve to a file the report plots: lines of "label percentile latency_us".
inline void appendCurve(const std::string& path, const std::string& label, const util::Histogram& histogram)
{
    if (path.empty() || histogram.totalCount() == 0)
    {
        return;
    }
    std::FILE* out = std::fopen(path.c_str(), "a");
    if (out == nullptr)
    {
        throw util::IoException("cannot open " + path + " for appending");
    }
    for (const double percentile : CURVE_PERCENTILES)
    {
        const std::int64_t valueNs = percentile >= 100.0 ? histogram.max() : histogram.valueAtPercentile(percentile);
        std::fprintf(out, "%s %.3f %.3f\n", label.c_str(), percentile, static_cast<double>(valueNs) / 1000.0);
    }
    std::fclose(out);
}
} // namespace cox::bench

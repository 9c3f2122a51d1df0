// `cox-bench failover`: how long a client waits when the leader of a 3-member cluster dies. Three coxswain-node
// processes (echo service, automatic elections, shared threading) run on loopback with directories of their own;
// a ClusterClient in this process keeps one echo request in flight. Each round lets the cluster run, then
// SIGKILLs the member the client knows as leader and times, from the kill, until the first echo of a message
// sent after it: detection by the heartbeat timeout, the election, and the client following NewLeaderEvent.
// Messages sent to the dead leader are lost, so one not echoed within --resend-ms is replaced by a new one.
// The killed member is then restarted on its own directory and the next round waits until its election closed.
//
// At the end the nodes get SIGTERM and write node-report.txt; every member replayed the whole log, so their echo
// service state hashes must agree. A failover that never completes, a member that dies unasked, an echo that
// matches no message sent, or members whose hashes differ end the run with exit status 1.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "BenchCommand.hpp"
#include "BenchSupport.hpp"
#include "ClusterBenchSupport.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace
{
using namespace cox;
using bench::benchNanoTime;

constexpr int MEMBER_COUNT = 3;
/// Ports of member i: portBase + i * MEMBER_PORT_STRIDE + 0..5, as scripts/cluster-demo lays them out.
constexpr int MEMBER_PORT_STRIDE = 10;
constexpr std::int32_t MESSAGE_LENGTH = 32;
constexpr std::int64_t NS_PER_MS = 1'000'000;
/// Gap between an echo and the next request: a request per ~1 ms keeps the leader busy without flooding it.
constexpr std::int64_t SEND_INTERVAL_NS = 1 * NS_PER_MS;
/// How often the client conductor (keepalives, image changes) and the node processes are looked at.
constexpr std::int64_t HOUSEKEEPING_INTERVAL_NS = 1 * NS_PER_MS;
constexpr std::int64_t PROCESS_CHECK_INTERVAL_NS = 100 * NS_PER_MS;
/// How often a restarted member's output is read for the end of its election.
constexpr std::int64_t REJOIN_CHECK_INTERVAL_NS = 50 * NS_PER_MS;
constexpr std::int64_t CONNECT_TIMEOUT_NS = 30'000 * NS_PER_MS;
constexpr std::int64_t REJOIN_TIMEOUT_NS = 30'000 * NS_PER_MS;
/// With every member up, a cluster that echoes nothing for this long has stopped.
constexpr std::int64_t STALL_TIMEOUT_NS = 10'000 * NS_PER_MS;
constexpr std::int64_t SHUTDOWN_TIMEOUT_NS = 30'000 * NS_PER_MS;
/// After the client closes: followers learn the final commit position from the leader's heartbeats (50 ms).
constexpr int COMMIT_SETTLE_MS = 1000;
/// The defaults' startup canvass; it must be at least twice the heartbeat timeout.
constexpr std::int64_t DEFAULT_STARTUP_CANVASS_MS = 5000;
constexpr int LOG_TAIL_LINES = 20;
/// What a member's election prints when it ends (ConsensusModule's Election::transitionTo).
constexpr std::string_view ELECTION_CLOSED = " -> CLOSED";

/// What follows a kill.
enum class RestartMode
{
    /// The killed member restarts on its directory as it was left, and the next kill hits the same cluster.
    SAME,
    /// The same on an emptied directory: the member rejoins by replicating the whole log from the leader.
    FRESH,
    /// The two survivors are stopped and compared, and the next kill hits a new cluster on new directories.
    CLUSTER,
};

const char* restartModeName(RestartMode mode)
{
    switch (mode)
    {
    case RestartMode::SAME:
        return "same";
    case RestartMode::FRESH:
        return "fresh";
    case RestartMode::CLUSTER:
        return "cluster";
    }
    return "?";
}

struct FailoverConfig
{
    std::int64_t kills = 0;
    std::int64_t heartbeatTimeoutMs = 0;
    std::string nodePath;
    int portBase = 0;
    std::int64_t settleMs = 0;
    std::int64_t failoverTimeoutMs = 0;
    std::int64_t resendMs = 0;
    std::filesystem::path parentDir;
    bool keep = false;
    RestartMode restart = RestartMode::SAME;
};

/// "500ms", "1s", "0.75s" or a bare number of milliseconds, as whole milliseconds; throws
/// IllegalArgumentException for anything else.
std::int64_t parseDurationMs(const std::string& name, const std::string& text)
{
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    const std::string unit = end == nullptr ? "" : std::string(end);
    double scale = 0;
    if (unit.empty() || unit == "ms")
    {
        scale = 1;
    }
    else if (unit == "s")
    {
        scale = 1000;
    }
    if (text.empty() || end == text.c_str() || scale == 0 || !(value >= 0))
    {
        throw util::IllegalArgumentException("--" + name + " must be a duration such as 500ms or 1s, not '" + text +
                                             "'");
    }
    return static_cast<std::int64_t>(value * scale + 0.5);
}

/// Next to this program, where the build puts coxswain-node.
std::string defaultNodePath()
{
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::string("coxswain-node") : (self.parent_path() / "coxswain-node").string();
}

/// Below the kernel's ephemeral range (32768+), spread by process id so that concurrent runs rarely collide.
int defaultPortBase()
{
    return 21000 + static_cast<int>(::getpid() % 230) * 50;
}

std::string readFile(const std::filesystem::path& path, std::int64_t fromOffset = 0)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        return {};
    }
    in.seekg(fromOffset);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string lastLines(const std::string& text, int count)
{
    const std::size_t end = !text.empty() && text.back() == '\n' ? text.size() - 1 : text.size();
    std::size_t start = end;
    int lines = 0;
    while (start > 0 && !(text[start - 1] == '\n' && ++lines == count))
    {
        --start;
    }
    return text.substr(start);
}

// ---- the member processes --------------------------------------------------------------------

/// One coxswain-node child process: started, SIGKILLed and restarted on the same configuration and directory,
/// its output appended to one file across restarts.
class NodeProcess
{
public:
    NodeProcess(int memberId, std::string nodePath, std::filesystem::path configPath, std::filesystem::path logPath,
                std::filesystem::path clusterDir)
        : m_memberId(memberId), m_nodePath(std::move(nodePath)), m_configPath(std::move(configPath)),
          m_logPath(std::move(logPath)), m_clusterDir(std::move(clusterDir))
    {
    }

    ~NodeProcess()
    {
        if (isRunning())
        {
            ::kill(m_pid, SIGKILL);
            reap(SHUTDOWN_TIMEOUT_NS);
        }
    }

    NodeProcess(const NodeProcess&) = delete;
    NodeProcess& operator=(const NodeProcess&) = delete;

    /// Forks and execs the node; throws IoException if either fails before the child runs.
    void start()
    {
        const int logFd = ::open(m_logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (logFd < 0)
        {
            throw util::IoException("cannot open " + m_logPath.string() + ": " + std::strerror(errno));
        }
        // Everything the child needs is built before fork: between fork and exec only async-signal-safe calls.
        const std::string configPath = m_configPath.string();
        std::array<char*, 3> argv{const_cast<char*>(m_nodePath.c_str()), const_cast<char*>(configPath.c_str()),
                                  nullptr};
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid < 0)
        {
            ::close(logFd);
            throw util::IoException(std::string("fork failed: ") + std::strerror(errno));
        }
        if (pid == 0)
        {
            // A benchmark that dies must not leave members behind holding its ports.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent)
            {
                ::_exit(127);
            }
            ::dup2(logFd, STDOUT_FILENO);
            ::dup2(logFd, STDERR_FILENO);
            // The client's sockets stay with the benchmark.
            ::close_range(STDERR_FILENO + 1, ~0U, 0);
            ::execv(argv[0], argv.data());
            const char message[] = "cox-bench failover: exec of the node program failed\n";
            [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
            ::_exit(127);
        }
        ::close(logFd);
        m_pid = pid;
        m_exitStatus = -1;
    }

    /// SIGKILL, not reaped: the caller is timing from this instant.
    void kill()
    {
        if (isRunning())
        {
            ::kill(m_pid, SIGKILL);
            m_killed = true;
        }
    }

    void terminate() const
    {
        if (isRunning())
        {
            ::kill(m_pid, SIGTERM);
        }
    }

    /// Collects the child's exit if it has exited (waiting up to timeoutNs); true once it has.
    bool reap(std::int64_t timeoutNs)
    {
        const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
        while (isRunning())
        {
            int status = 0;
            const pid_t result = ::waitpid(m_pid, &status, WNOHANG);
            if (result == m_pid || (result < 0 && errno == ECHILD))
            {
                m_exitStatus = status;
                m_pid = -1;
                break;
            }
            if (benchNanoTime() >= deadlineNs)
            {
                return false;
            }
            ::usleep(10'000);
        }
        return true;
    }

    /// Whether the process ended without being asked to (SIGKILL from here is asking).
    bool hasFailed()
    {
        if (!isRunning() || m_killed)
        {
            return false;
        }
        reap(0);
        return !isRunning();
    }

    /// Starts the killed process again, on its directory as it was left or (fresh) on an empty one.
    void restart(bool fresh)
    {
        reap(SHUTDOWN_TIMEOUT_NS);
        if (fresh)
        {
            std::filesystem::remove_all(m_clusterDir);
        }
        m_killed = false;
        start();
    }

    [[nodiscard]] bool isRunning() const noexcept { return m_pid > 0; }
    [[nodiscard]] bool wasKilled() const noexcept { return m_killed; }
    [[nodiscard]] int memberId() const noexcept { return m_memberId; }
    [[nodiscard]] const std::filesystem::path& clusterDir() const noexcept { return m_clusterDir; }

    [[nodiscard]] std::int64_t outputLength() const
    {
        std::error_code error;
        const auto size = std::filesystem::file_size(m_logPath, error);
        return error ? 0 : static_cast<std::int64_t>(size);
    }

    [[nodiscard]] std::string outputSince(std::int64_t offset) const { return readFile(m_logPath, offset); }

    [[nodiscard]] std::string describeExit() const
    {
        if (WIFEXITED(m_exitStatus))
        {
            return "exited with status " + std::to_string(WEXITSTATUS(m_exitStatus));
        }
        if (WIFSIGNALED(m_exitStatus))
        {
            return std::string("died of ") + ::strsignal(WTERMSIG(m_exitStatus));
        }
        return "ended";
    }

    [[nodiscard]] bool exitedCleanly() const { return WIFEXITED(m_exitStatus) && WEXITSTATUS(m_exitStatus) == 0; }

    void printTail(std::FILE* out) const
    {
        std::fprintf(out, "--- last lines of %s\n%s", m_logPath.filename().c_str(),
                     lastLines(readFile(m_logPath), LOG_TAIL_LINES).c_str());
    }

private:
    int m_memberId;
    std::string m_nodePath;
    std::filesystem::path m_configPath;
    std::filesystem::path m_logPath;
    std::filesystem::path m_clusterDir;
    pid_t m_pid = -1;
    int m_exitStatus = -1;
    bool m_killed = false;
};

/// The three members' configurations under one directory: automatic elections (no appointed leader), the echo
/// service, shared threading, small log terms, and the given heartbeat timeout with every other timing at its
/// default.
std::string memberToml(int memberId, const std::string& members, const std::filesystem::path& clusterDir,
                       const FailoverConfig& config)
{
    std::string toml = "# Generated by cox-bench failover.\n[cluster]\nmember-id = " + std::to_string(memberId) +
                       "\nmembers = \"" + members + "\"\ndir = \"" + clusterDir.string() +
                       "\"\n\n[leader]\nheartbeat-timeout = \"" + std::to_string(config.heartbeatTimeoutMs) + "ms\"\n";
    if (2 * config.heartbeatTimeoutMs > DEFAULT_STARTUP_CANVASS_MS)
    {
        toml += "\n[election]\nstartup-canvass-timeout = \"" + std::to_string(2 * config.heartbeatTimeoutMs) + "ms\"\n";
    }
    toml += "\n[log]\nchannel = \"aeron:udp?term-length=1m\"\n\n[node]\nservices = \"echo\"\n"
            "threading-mode = \"shared\"\nidle-strategy = \"backoff\"\n";
    return toml;
}

// ---- the client ------------------------------------------------------------------------------

/// Message `sequence`: the sequence number, then filler derived from it, so that no other message passes for it.
void fillMessage(std::uint8_t* message, std::int64_t sequence) noexcept
{
    std::memcpy(message, &sequence, sizeof(sequence));
    for (std::int32_t i = static_cast<std::int32_t>(sizeof(sequence)); i < MESSAGE_LENGTH; ++i)
    {
        message[i] = static_cast<std::uint8_t>(sequence * 31 + i);
    }
}

/// Checks every echo against the messages sent and keeps the highest sequence echoed. Messages lost with a dead
/// leader never come back and one committed just before a kill may come back late, so order is not checked, only
/// that each echo is a message this client sent.
class EchoTracker final : public cluster::EgressListener
{
public:
    void onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                   std::int32_t length, const transport::Header&) override
    {
        if (offset < 0 || length != MESSAGE_LENGTH ||
            !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
        {
            fail("echo of " + std::to_string(length) + " bytes, expected " + std::to_string(MESSAGE_LENGTH));
            return;
        }
        std::int64_t sequence = 0;
        std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
        std::array<std::uint8_t, MESSAGE_LENGTH> expected{};
        fillMessage(expected.data(), sequence);
        if (sequence < 0 || sequence >= m_sentCount ||
            std::memcmp(buffer.buffer() + offset, expected.data(), expected.size()) != 0)
        {
            fail("echo of no message sent (sequence " + std::to_string(sequence) + ", " + std::to_string(m_sentCount) +
                 " sent)");
            return;
        }
        ++m_echoCount;
        if (sequence > m_highestEchoed)
        {
            m_highestEchoed = sequence;
        }
        else
        {
            ++m_lateEchoCount;
        }
    }

    void onSessionEvent(std::int64_t, std::int64_t, std::int64_t, std::int32_t, cluster::EventCode code,
                        std::string_view detail) override
    {
        if (code == cluster::EventCode::ERROR || code == cluster::EventCode::CLOSED)
        {
            fail("session event " + std::to_string(static_cast<int>(code)) + ": " + std::string(detail));
        }
    }

    void onNewLeader(std::int64_t, std::int64_t, std::int32_t, std::string_view) override { ++m_newLeaderCount; }

    void onSent() noexcept { ++m_sentCount; }

    /// Throws IllegalStateException with the first failure, if any.
    void check() const
    {
        if (!m_error.empty())
        {
            throw util::IllegalStateException(m_error);
        }
    }

    [[nodiscard]] std::int64_t sentCount() const noexcept { return m_sentCount; }
    [[nodiscard]] std::int64_t highestEchoed() const noexcept { return m_highestEchoed; }
    [[nodiscard]] std::int64_t echoCount() const noexcept { return m_echoCount; }
    [[nodiscard]] std::int64_t lateEchoCount() const noexcept { return m_lateEchoCount; }
    [[nodiscard]] std::int64_t newLeaderCount() const noexcept { return m_newLeaderCount; }

private:
    void fail(std::string reason)
    {
        if (m_error.empty())
        {
            m_error = std::move(reason);
        }
    }

    std::int64_t m_sentCount = 0;
    std::int64_t m_highestEchoed = -1;
    std::int64_t m_echoCount = 0;
    std::int64_t m_lateEchoCount = 0;
    std::int64_t m_newLeaderCount = 0;
    std::string m_error;
};

/// The client's duty cycle: driver, egress, and the next request once the previous one is echoed or given up on.
class EchoLoop
{
public:
    EchoLoop(const std::string& ingressEndpoints, std::int64_t resendTimeoutNs)
        : m_resendTimeoutNs(resendTimeoutNs), m_idleStrategy(util::newIdleStrategy("backoff"))
    {
        // Egress on port 0: the OS picks one and the connect request carries it.
        m_client = bench::connectBenchClient(m_transport, ingressEndpoints, 0, m_tracker, CONNECT_TIMEOUT_NS);
    }

    EchoLoop(const EchoLoop&) = delete;
    EchoLoop& operator=(const EchoLoop&) = delete;

    int doWork(std::int64_t nowNs)
    {
        int workCount = m_transport.driverWork() + m_client->pollEgress();
        if (nowNs - m_lastHousekeepingNs >= HOUSEKEEPING_INTERVAL_NS)
        {
            m_lastHousekeepingNs = nowNs;
            workCount += m_transport.clientWork();
        }
        workCount += sendIfDue(nowNs);
        m_tracker.check();
        if (m_client->isClosed())
        {
            throw util::IllegalStateException("the cluster closed the client's session");
        }
        return workCount;
    }

    void idle(int workCount) { m_idleStrategy->idle(workCount); }

    /// Closes the session and gives the driver a few cycles to send the request.
    void close()
    {
        m_client->close();
        for (int i = 0; i < 100; ++i)
        {
            m_transport.pump();
        }
    }

    [[nodiscard]] const EchoTracker& tracker() const noexcept { return m_tracker; }
    [[nodiscard]] std::int32_t leaderMemberId() const noexcept { return m_client->leaderMemberId(); }
    [[nodiscard]] std::int64_t leadershipTermId() const noexcept { return m_client->leadershipTermId(); }
    [[nodiscard]] std::int64_t resendCount() const noexcept { return m_resendCount; }
    [[nodiscard]] std::int64_t refusedOfferCount() const noexcept { return m_refusedOfferCount; }

private:
    int sendIfDue(std::int64_t nowNs)
    {
        const bool awaitingEcho = m_outstanding >= 0 && m_tracker.highestEchoed() < m_outstanding;
        // A message outstanding when a new leader is announced went to the old one: send anew at once.
        const bool newLeader = m_tracker.newLeaderCount() != m_newLeaderCountAtSend;
        if (awaitingEcho && !newLeader)
        {
            if (nowNs - m_outstandingSentNs < m_resendTimeoutNs)
            {
                return 0;
            }
        }
        else
        {
            if (m_echoSeenNs < 0)
            {
                m_echoSeenNs = nowNs;
            }
            if (nowNs - m_echoSeenNs < SEND_INTERVAL_NS)
            {
                return 0;
            }
        }
        const std::int64_t sequence = m_tracker.sentCount();
        fillMessage(m_message.data(), sequence);
        const std::int64_t result = m_client->offer(m_message.data(), MESSAGE_LENGTH);
        if (result < 0)
        {
            // Not connected to a new leader yet, or back pressured: the next cycle tries again.
            ++m_refusedOfferCount;
            if (result == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
                result == transport::PublicationResult::ERROR)
            {
                throw util::IllegalStateException(std::string("offer failed: ") +
                                                  transport::PublicationResult::name(result));
            }
            return 0;
        }
        if (awaitingEcho)
        {
            ++m_resendCount;
        }
        m_tracker.onSent();
        m_outstanding = sequence;
        m_outstandingSentNs = nowNs;
        m_echoSeenNs = -1;
        m_newLeaderCountAtSend = m_tracker.newLeaderCount();
        return 1;
    }

    std::int64_t m_resendTimeoutNs;
    EchoTracker m_tracker;
    bench::ClientTransport m_transport;
    std::unique_ptr<cluster::ClusterClient> m_client;
    std::unique_ptr<util::IdleStrategy> m_idleStrategy;
    std::array<std::uint8_t, MESSAGE_LENGTH> m_message{};
    std::int64_t m_outstanding = -1;
    std::int64_t m_outstandingSentNs = 0;
    /// When this loop first saw the outstanding message's echo; -1 until it has.
    std::int64_t m_echoSeenNs = -1;
    std::int64_t m_newLeaderCountAtSend = 0;
    std::int64_t m_lastHousekeepingNs = 0;
    std::int64_t m_resendCount = 0;
    std::int64_t m_refusedOfferCount = 0;
};

// ---- the benchmark ---------------------------------------------------------------------------

/// The client's figures, summed over every cluster of a run.
struct ClientTotals
{
    std::int64_t sent = 0;
    std::int64_t echoed = 0;
    std::int64_t lateEchoes = 0;
    std::int64_t resends = 0;
    std::int64_t newLeaderEvents = 0;

    void add(const EchoLoop& loop)
    {
        sent += loop.tracker().sentCount();
        echoed += loop.tracker().echoCount();
        lateEchoes += loop.tracker().lateEchoCount();
        resends += loop.resendCount();
        newLeaderEvents += loop.tracker().newLeaderCount();
    }
};

struct KillResult
{
    int killedMemberId = -1;
    int newLeaderMemberId = -1;
    std::int64_t leadershipTermId = -1;
    double failoverMs = 0;
    /// From the kill to the client's NewLeaderEvent; -1 if none came.
    double newLeaderEventMs = -1;
    std::int64_t resends = 0;
};

struct MemberReport
{
    int memberId = -1;
    std::string stateHash;
    std::string logPosition;
};

class FailoverBench
{
public:
    FailoverBench(FailoverConfig config, const std::string& runName) : m_config(std::move(config))
    {
        m_rootDir = m_config.parentDir / runName;
        std::filesystem::remove_all(m_rootDir);
        std::filesystem::create_directories(m_rootDir);
        std::string members;
        for (int i = 0; i < MEMBER_COUNT; ++i)
        {
            const int port = m_config.portBase + i * MEMBER_PORT_STRIDE;
            const auto endpoint = [port](int offset) { return "localhost:" + std::to_string(port + offset); };
            // id,ingress,consensus,log,catchup,archive: the archive's replication responses take catchup + 1.
            members += (i == 0 ? "" : "|") + std::to_string(i) + "," + endpoint(0) + "," + endpoint(1) + "," +
                       endpoint(2) + "," + endpoint(3) + "," + endpoint(5);
            m_ingressEndpoints += (i == 0 ? "" : ",") + std::to_string(i) + "=" + endpoint(0);
        }
        for (int i = 0; i < MEMBER_COUNT; ++i)
        {
            const std::string name = "node-" + std::to_string(i);
            const std::filesystem::path configPath = m_rootDir / (name + ".toml");
            std::ofstream(configPath) << memberToml(i, members, m_rootDir / name, m_config);
            m_nodes.push_back(std::make_unique<NodeProcess>(i, m_config.nodePath, configPath,
                                                            m_rootDir / (name + ".log"), m_rootDir / name));
        }
    }

    ~FailoverBench()
    {
        m_loop.reset();
        m_nodes.clear();
        if (!m_config.keep)
        {
            std::error_code ignored;
            std::filesystem::remove_all(m_rootDir, ignored);
        }
    }

    FailoverBench(const FailoverBench&) = delete;
    FailoverBench& operator=(const FailoverBench&) = delete;

    void start()
    {
        for (auto& node : m_nodes)
        {
            node->start();
        }
        const std::int64_t startNs = benchNanoTime();
        m_loop = std::make_unique<EchoLoop>(m_ingressEndpoints, m_config.resendMs * NS_PER_MS);
        std::printf("connected to member %d (term %lld) after %lld ms\n", m_loop->leaderMemberId(),
                    static_cast<long long>(m_loop->leadershipTermId()),
                    static_cast<long long>((benchNanoTime() - startNs) / NS_PER_MS));
        std::fflush(stdout);
    }

    /// Kills the leader and runs the client until a message sent after the kill is echoed.
    KillResult killLeader(std::int64_t round)
    {
        settle();
        KillResult result;
        result.killedMemberId = m_loop->leaderMemberId();
        if (result.killedMemberId < 0 || result.killedMemberId >= MEMBER_COUNT)
        {
            throw util::IllegalStateException("the client knows no leader (member " +
                                              std::to_string(result.killedMemberId) + ")");
        }
        NodeProcess& leader = *m_nodes[static_cast<std::size_t>(result.killedMemberId)];
        const std::int64_t firstAfterKill = m_loop->tracker().sentCount();
        const std::int64_t resendsBefore = m_loop->resendCount();

        const std::int64_t newLeadersBefore = m_loop->tracker().newLeaderCount();
        std::int64_t newLeaderNs = -1;
        const std::int64_t killNs = benchNanoTime();
        leader.kill();
        const bool failedOver = runUntil(
            [&](std::int64_t nowNs)
            {
                // Splits the failover into the cluster's part (until NewLeaderEvent) and the client's.
                if (newLeaderNs < 0 && m_loop->tracker().newLeaderCount() != newLeadersBefore)
                {
                    newLeaderNs = nowNs;
                }
                return m_loop->tracker().highestEchoed() >= firstAfterKill;
            },
            killNs + m_config.failoverTimeoutMs * NS_PER_MS);
        const std::int64_t echoNs = benchNanoTime();
        if (!failedOver)
        {
            throw util::IllegalStateException("kill " + std::to_string(round) + ": no echo within " +
                                              std::to_string(m_config.failoverTimeoutMs) + " ms of killing leader " +
                                              std::to_string(result.killedMemberId));
        }
        result.failoverMs = static_cast<double>(echoNs - killNs) / static_cast<double>(NS_PER_MS);
        result.newLeaderEventMs =
            newLeaderNs < 0 ? -1.0 : static_cast<double>(newLeaderNs - killNs) / static_cast<double>(NS_PER_MS);
        result.resends = m_loop->resendCount() - resendsBefore;
        result.newLeaderMemberId = m_loop->leaderMemberId();
        result.leadershipTermId = m_loop->leadershipTermId();
        if (result.newLeaderMemberId == result.killedMemberId)
        {
            throw util::IllegalStateException("kill " + std::to_string(round) + ": echoed while the client still " +
                                              "names the killed member " + std::to_string(result.killedMemberId) +
                                              " as leader");
        }
        return result;
    }

    /// Restarts a killed member on its directory and runs the client until the member's election has closed;
    /// returns how long that took in ms.
    double rejoin(int memberId)
    {
        NodeProcess& node = *m_nodes.at(static_cast<std::size_t>(memberId));
        const std::int64_t outputOffset = node.outputLength();
        const std::int64_t startNs = benchNanoTime();
        node.restart(m_config.restart == RestartMode::FRESH);
        std::int64_t lastCheckNs = startNs;
        const bool rejoined = runUntil(
            [&](std::int64_t nowNs)
            {
                if (nowNs - lastCheckNs < REJOIN_CHECK_INTERVAL_NS)
                {
                    return false;
                }
                lastCheckNs = nowNs;
                return node.outputSince(outputOffset).find(ELECTION_CLOSED) != std::string::npos;
            },
            startNs + REJOIN_TIMEOUT_NS);
        if (!rejoined)
        {
            throw util::IllegalStateException("restarted member " + std::to_string(memberId) +
                                              " did not finish its election within 30 s");
        }
        return static_cast<double>(benchNanoTime() - startNs) / static_cast<double>(NS_PER_MS);
    }

    /// Closes the client, stops every running member with SIGTERM and reads the reports they write; throws
    /// IllegalStateException if a member does not exit cleanly or writes no report.
    std::vector<MemberReport> stop()
    {
        m_loop->close();
        std::this_thread::sleep_for(std::chrono::milliseconds(COMMIT_SETTLE_MS));
        for (auto& node : m_nodes)
        {
            node->terminate();
        }
        std::vector<MemberReport> reports;
        for (auto& node : m_nodes)
        {
            const std::string name = "member " + std::to_string(node->memberId());
            if (node->wasKilled())
            {
                node->reap(SHUTDOWN_TIMEOUT_NS);
                continue;
            }
            if (!node->reap(SHUTDOWN_TIMEOUT_NS))
            {
                throw util::IllegalStateException(name + " did not exit within 30 s of SIGTERM");
            }
            if (!node->exitedCleanly())
            {
                throw util::IllegalStateException(name + " " + node->describeExit() + " on SIGTERM");
            }
            const std::string report = readFile(node->clusterDir() / "node-report.txt");
            MemberReport member{node->memberId(), reportValue(report, "service.0.state-hash"),
                                reportValue(report, "service.0.log-position")};
            if (member.stateHash.empty())
            {
                throw util::IllegalStateException(name + " wrote no state hash");
            }
            reports.push_back(member);
        }
        return reports;
    }

    void printNodeTails(std::FILE* out) const
    {
        for (const auto& node : m_nodes)
        {
            node->printTail(out);
        }
        if (m_config.keep)
        {
            std::fprintf(out, "kept %s\n", m_rootDir.c_str());
        }
    }

    [[nodiscard]] const EchoLoop& loop() const noexcept { return *m_loop; }

private:
    /// Runs the client until done(nowNs) holds (true) or deadlineNs passes (false), watching that no member
    /// died unasked.
    template <typename Done> bool runUntil(Done&& done, std::int64_t deadlineNs)
    {
        while (true)
        {
            const std::int64_t nowNs = benchNanoTime();
            if (done(nowNs))
            {
                return true;
            }
            if (nowNs >= deadlineNs)
            {
                return false;
            }
            if (nowNs - m_lastProcessCheckNs >= PROCESS_CHECK_INTERVAL_NS)
            {
                m_lastProcessCheckNs = nowNs;
                checkMembers();
            }
            m_loop->idle(m_loop->doWork(nowNs));
        }
    }

    /// Lets the cluster run for --settle-ms, which must see echoes: with every member up, none means a stall.
    void settle()
    {
        const std::int64_t echoesBefore = m_loop->tracker().echoCount();
        const std::int64_t startNs = benchNanoTime();
        const std::int64_t settleEndNs = startNs + m_config.settleMs * NS_PER_MS;
        const bool echoed = runUntil([&](std::int64_t nowNs)
                                     { return nowNs >= settleEndNs && m_loop->tracker().echoCount() > echoesBefore; },
                                     startNs + std::max(STALL_TIMEOUT_NS, m_config.settleMs * NS_PER_MS));
        if (!echoed)
        {
            throw util::IllegalStateException("no echo for 10 s with every member up");
        }
    }

    void checkMembers()
    {
        for (auto& node : m_nodes)
        {
            if (node->hasFailed())
            {
                throw util::IllegalStateException("member " + std::to_string(node->memberId()) + " " +
                                                  node->describeExit());
            }
        }
    }

    static std::string reportValue(const std::string& report, const std::string& key)
    {
        std::istringstream lines(report);
        std::string line;
        while (std::getline(lines, line))
        {
            if (line.rfind(key + "=", 0) == 0)
            {
                return line.substr(key.size() + 1);
            }
        }
        return {};
    }

    FailoverConfig m_config;
    std::filesystem::path m_rootDir;
    std::string m_ingressEndpoints;
    std::vector<std::unique_ptr<NodeProcess>> m_nodes;
    std::unique_ptr<EchoLoop> m_loop;
    std::int64_t m_lastProcessCheckNs = 0;
};

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

bool hashesAgree(const std::vector<MemberReport>& members)
{
    return std::all_of(members.begin(), members.end(),
                       [&members](const MemberReport& member)
                       { return member.stateHash == members.front().stateHash; });
}

void printMembers(const std::vector<MemberReport>& members)
{
    for (const auto& member : members)
    {
        std::printf("  member %d: echo state-hash=%s log-position=%s\n", member.memberId, member.stateHash.c_str(),
                    member.logPosition.c_str());
    }
    std::printf("  state hashes %s\n", hashesAgree(members) ? "agree" : "DIFFER");
    std::fflush(stdout);
}

void report(const FailoverConfig& config, const std::vector<KillResult>& kills, const ClientTotals& client,
            bool allHashesAgree)
{
    std::vector<double> times;
    double sum = 0;
    for (const auto& kill : kills)
    {
        times.push_back(kill.failoverMs);
        sum += kill.failoverMs;
    }
    const double minMs = *std::min_element(times.begin(), times.end());
    const double maxMs = *std::max_element(times.begin(), times.end());
    const double medianMs = median(times);
    const double meanMs = sum / static_cast<double>(times.size());
    const std::int64_t targetMs = config.heartbeatTimeoutMs + 200;

    std::printf("failover over %zu leader kills: min %.1f ms  median %.1f ms  max %.1f ms  mean %.1f ms  "
                "(heartbeat timeout %lld ms; target median < %lld ms: %s)\n",
                kills.size(), minMs, medianMs, maxMs, meanMs, static_cast<long long>(config.heartbeatTimeoutMs),
                static_cast<long long>(targetMs), medianMs < static_cast<double>(targetMs) ? "met" : "NOT met");
    std::printf("client: %lld messages sent, %lld echoed (%lld late), %lld re-sent after %lld ms without an echo, "
                "%lld NewLeaderEvents; members' state hashes %s\n",
                static_cast<long long>(client.sent), static_cast<long long>(client.echoed),
                static_cast<long long>(client.lateEchoes), static_cast<long long>(client.resends),
                static_cast<long long>(config.resendMs), static_cast<long long>(client.newLeaderEvents),
                allHashesAgree ? "agree" : "DIFFER");

    bench::JsonLine json;
    json.add("benchmark", "failover")
        .add("members", static_cast<std::int64_t>(MEMBER_COUNT))
        .add("kills", static_cast<std::int64_t>(kills.size()))
        .add("heartbeat_timeout_ms", config.heartbeatTimeoutMs)
        .add("min_ms", minMs)
        .add("median_ms", medianMs)
        .add("max_ms", maxMs)
        .add("mean_ms", meanMs)
        .add("target_ms", targetMs)
        .add("target_met", medianMs < static_cast<double>(targetMs))
        .add("resend_ms", config.resendMs)
        .add("restart", restartModeName(config.restart))
        .add("messages_sent", client.sent)
        .add("messages_echoed", client.echoed)
        .add("resends", client.resends)
        .add("state_hashes_agree", allHashesAgree);
    json.print();
}

void printKill(std::int64_t round, const KillResult& kill)
{
    std::printf("kill %2lld: leader %d killed; member %d leads (term %lld), first echo after %7.1f ms (%lld re-sent; "
                "NewLeaderEvent after %.1f ms)\n",
                static_cast<long long>(round), kill.killedMemberId, kill.newLeaderMemberId,
                static_cast<long long>(kill.leadershipTermId), kill.failoverMs, static_cast<long long>(kill.resends),
                kill.newLeaderEventMs);
    std::fflush(stdout);
}

int runFailover(const FailoverConfig& config)
{
    std::printf("failover: 3 coxswain-node processes (%s; echo service, shared threading, log term 1m, automatic "
                "elections), heartbeat timeout %lld ms, %lld kills, restart %s, ports %d-%d\n",
                config.nodePath.c_str(), static_cast<long long>(config.heartbeatTimeoutMs),
                static_cast<long long>(config.kills), restartModeName(config.restart), config.portBase,
                config.portBase + (MEMBER_COUNT - 1) * MEMBER_PORT_STRIDE + 5);
    std::fflush(stdout);
    const std::string runName = "cox-bench-failover-" + std::to_string(::getpid());
    const bool clusterPerKill = config.restart == RestartMode::CLUSTER;
    std::unique_ptr<FailoverBench> bench;
    std::vector<KillResult> kills;
    ClientTotals client;
    bool allHashesAgree = true;
    try
    {
        for (std::int64_t round = 1; round <= config.kills; ++round)
        {
            if (!bench)
            {
                bench = std::make_unique<FailoverBench>(config, clusterPerKill ? runName + "-" + std::to_string(round)
                                                                               : runName);
                bench->start();
            }
            const KillResult kill = bench->killLeader(round);
            printKill(round, kill);
            kills.push_back(kill);
            if (clusterPerKill)
            {
                const std::vector<MemberReport> members = bench->stop();
                printMembers(members);
                allHashesAgree = allHashesAgree && hashesAgree(members);
                client.add(bench->loop());
                bench.reset();
            }
            else
            {
                std::printf("         member %d rejoined in %.0f ms\n", kill.killedMemberId,
                            bench->rejoin(kill.killedMemberId));
                std::fflush(stdout);
            }
        }
        if (bench)
        {
            const std::vector<MemberReport> members = bench->stop();
            printMembers(members);
            allHashesAgree = allHashesAgree && hashesAgree(members);
            client.add(bench->loop());
        }
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "failover benchmark failed: %s\n", e.what());
        if (bench)
        {
            bench->printNodeTails(stderr);
        }
        return 1;
    }
    report(config, kills, client, allHashesAgree);
    return allHashesAgree ? 0 : 1;
}

int runClusterFailover(const std::vector<std::string>& args)
{
    bench::BenchArgs options("failover");
    options.option("kills", "20", "leader kills (SIGKILL)")
        .option("heartbeat-timeout", "500ms", "the members' leader.heartbeat-timeout, e.g. 500ms or 1s")
        .option("node", defaultNodePath(), "the coxswain-node program")
        .option("port", std::to_string(defaultPortBase()), "first of the 26 loopback UDP ports the members use")
        .option("settle-ms", "1000", "how long the cluster runs between a rejoin and the next kill")
        .option("resend-ms", "100", "a message not echoed for this long is replaced by a new one")
        .option("failover-timeout-ms", "15000", "a failover taking longer than this fails the run")
        .option("dir", std::filesystem::temp_directory_path().string(),
                "parent of the run's directory (removed at the end)")
        .option("keep", "0", "1 keeps the run's directory")
        .option("restart", "same",
                "after a kill: same (restart the member on its directory) | fresh (on an emptied one) | cluster "
                "(stop the survivors; a new cluster for the next kill)");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            FailoverConfig config;
            config.kills = options.integer("kills", 1, 10'000);
            config.heartbeatTimeoutMs = parseDurationMs("heartbeat-timeout", options.text("heartbeat-timeout"));
            if (config.heartbeatTimeoutMs < 100 || config.heartbeatTimeoutMs > 60'000)
            {
                // The heartbeat interval stays at its 50 ms default and must be below the timeout.
                throw util::IllegalArgumentException("--heartbeat-timeout must be between 100ms and 60s");
            }
            config.nodePath = options.text("node");
            config.portBase = static_cast<int>(options.integer("port", 1024, 65535 - 30));
            config.settleMs = options.integer("settle-ms", 0, 600'000);
            config.resendMs = options.integer("resend-ms", 1, 60'000);
            config.failoverTimeoutMs = options.integer("failover-timeout-ms", 100, 3'600'000);
            config.parentDir = options.text("dir");
            config.keep = options.integer("keep", 0, 1) == 1;
            const std::string& restart = options.choice("restart", {"same", "fresh", "cluster"});
            config.restart = restart == "same"    ? RestartMode::SAME
                             : restart == "fresh" ? RestartMode::FRESH
                                                  : RestartMode::CLUSTER;
            if (::access(config.nodePath.c_str(), X_OK) != 0)
            {
                throw util::IllegalArgumentException("--node: " + config.nodePath +
                                                     " is not an executable (build coxswain-node, or pass --node)");
            }
            return runFailover(config);
        });
}

const bench::BenchRegistration
    registration("failover", "leader kill -9 in a 3-process cluster: time until the client's next message is echoed",
                 runClusterFailover);
} // namespace

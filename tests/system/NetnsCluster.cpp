#include "NetnsCluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cox/sim/HistoryFile.hpp"

#ifndef COX_SYSTEM_BIN_DIR
#error "COX_SYSTEM_BIN_DIR must name the directory of coxswain-node, coxswain-client, coxctl and cox-check-history"
#endif

namespace cox::system
{
namespace
{
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path WORK_ROOT = "/tmp/coxs-system";
const fs::path PID_FILE = WORK_ROOT / "pids";
const fs::path CPU_CGROUP_ROOT = "/sys/fs/cgroup/cpu";

/// The programs' directory: COX_SYSTEM_BIN if set (to test other builds of them), else the one built alongside.
fs::path programDir()
{
    const char* overridden = std::getenv("COX_SYSTEM_BIN");
    return overridden != nullptr && *overridden != '\0' ? fs::path(overridden) : fs::path(COX_SYSTEM_BIN_DIR);
}
constexpr int INGRESS_PORT = 20000;
constexpr int EGRESS_PORT_BASE = 21000;

std::string readFile(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeFile(const fs::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

std::string tail(const std::string& text, std::size_t lines)
{
    if (text.empty())
    {
        return text;
    }
    std::size_t position = text.size();
    for (std::size_t n = 0; n <= lines && position > 0; ++n)
    {
        position = text.rfind('\n', position - 1);
        if (position == std::string::npos)
        {
            return text;
        }
    }
    return text.substr(position + 1);
}

void rememberPid(pid_t pid)
{
    std::ofstream out(PID_FILE, std::ios::app);
    out << pid << '\n';
}

/// Forks and execs argv with stdout and stderr appended to logPath.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& logPath)
{
    std::vector<char*> args;
    for (const std::string& arg : argv)
    {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0)
    {
        const int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
        {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        ::execvp(args[0], args.data());
        std::perror("execvp");
        ::_exit(127);
    }
    if (pid > 0)
    {
        rememberPid(pid);
    }
    return pid;
}

/// waitpid with a timeout; the exit status (as a shell reports it), or -1 on timeout.
int waitWithTimeout(pid_t pid, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true)
    {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
        {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (done < 0)
        {
            return -2;
        }
        if (std::chrono::steady_clock::now() > deadline)
        {
            return -1;
        }
        std::this_thread::sleep_for(20ms);
    }
}

std::string field(const std::string& text, const std::string& label)
{
    const std::size_t at = text.find(label);
    if (at == std::string::npos)
    {
        return {};
    }
    std::size_t start = text.find_first_not_of(' ', at + label.size());
    const std::size_t end = text.find('\n', start);
    return start == std::string::npos ? std::string() : text.substr(start, end - start);
}
} // namespace

CommandResult shell(const std::string& command)
{
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr)
    {
        return result;
    }
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    {
        result.output.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::int64_t monotonicNs()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::string NetnsCluster::unavailableReason()
{
    if (::geteuid() != 0)
    {
        return "needs root (ip netns, nft, mount, cgroups)";
    }
    if (shell("command -v ip && command -v nft").status != 0)
    {
        return "needs ip (iproute2) and nft (nftables): scripts/system-tests installs them";
    }
    for (const char* program : {"coxswain-node", "coxswain-client", "coxctl", "cox-check-history"})
    {
        if (!fs::exists(programDir() / program))
        {
            return std::string("no ") + program + " in " + programDir().string();
        }
    }
    return {};
}

void NetnsCluster::cleanLeftovers()
{
    fs::create_directories(WORK_ROOT);
    // Processes of an earlier run, by the ids it recorded (a process keeps running when its namespace goes).
    std::ifstream pids(PID_FILE);
    pid_t pid = 0;
    while (pids >> pid)
    {
        const std::string cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline");
        if (cmdline.find("coxswain-") != std::string::npos || cmdline.find("coxctl") != std::string::npos)
        {
            ::kill(pid, SIGKILL);
            ::kill(pid, SIGCONT);
        }
    }
    pids.close();
    fs::remove(PID_FILE);
    (void)shell("for ns in $(ip netns list | awk '{print $1}' | grep '^coxs'); do ip netns del \"$ns\"; done");
    (void)shell("for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^coxs'); do "
                "ip link del \"$l\"; done");
    (void)shell("for m in $(awk '$2 ~ \"^/tmp/coxs-system\" {print $2}' /proc/mounts); do umount -l \"$m\"; done");
    if (fs::exists(CPU_CGROUP_ROOT))
    {
        for (const auto& entry : fs::directory_iterator(CPU_CGROUP_ROOT))
        {
            if (entry.is_directory() && entry.path().filename().string().rfind(PREFIX, 0) == 0)
            {
                std::ifstream procs(entry.path() / "cgroup.procs");
                pid_t member = 0;
                while (procs >> member)
                {
                    writeFile(CPU_CGROUP_ROOT / "cgroup.procs", std::to_string(member));
                }
                ::rmdir(entry.path().c_str());
            }
        }
    }
}

NetnsCluster::NetnsCluster(std::string scenario, ClusterOptions options) :
    m_scenario(std::move(scenario)),
    m_options(std::move(options)),
    m_workDir(WORK_ROOT / m_scenario),
    m_binDir(programDir()),
    m_members(static_cast<std::size_t>(m_options.members))
{
    cleanLeftovers();
    fs::remove_all(m_workDir);
    fs::create_directories(m_workDir);
    createNetwork();
    for (int i = 0; i < m_options.members; ++i)
    {
        fs::create_directories(memberDir(i));
        const auto tmpfs = m_options.tmpfsMiB.find(i);
        if (tmpfs != m_options.tmpfsMiB.end())
        {
            (void)shell("mount -t tmpfs -o size=" + std::to_string(tmpfs->second) + "m coxs-tmpfs " +
                        memberDir(i).string());
        }
        writeConfig(i);
    }
}

NetnsCluster::~NetnsCluster()
{
    close();
}

std::string NetnsCluster::address(int member) const
{
    return "10.199.0." + std::to_string(11 + member);
}

fs::path NetnsCluster::memberDir(int member) const
{
    return m_workDir / ("m" + std::to_string(member));
}

void NetnsCluster::createNetwork()
{
    std::string script = "set -e\nip link add " + std::string(BRIDGE) + " type bridge\n"
                         "ip addr add 10.199.0.1/24 dev " + BRIDGE + "\nip link set " + BRIDGE + " up\n";
    for (int i = 0; i < m_options.members; ++i)
    {
        const std::string ns = PREFIX + std::to_string(i);
        const std::string host = "coxsv" + std::to_string(i);
        const std::string peer = "coxse" + std::to_string(i);
        script += "ip netns add " + ns + "\n";
        script += "ip link add " + host + " type veth peer name " + peer + "\n";
        script += "ip link set " + peer + " netns " + ns + "\n";
        script += "ip link set " + host + " master " + BRIDGE + " up\n";
        script += "ip -n " + ns + " addr add " + address(i) + "/24 dev " + peer + "\n";
        script += "ip -n " + ns + " link set " + peer + " up\n";
        script += "ip -n " + ns + " link set lo up\n";
    }
    const CommandResult result = shell(script);
    if (result.status != 0)
    {
        throw std::runtime_error("could not create the test network: " + result.output);
    }
}

void NetnsCluster::writeConfig(int member)
{
    std::string members;
    for (int i = 0; i < m_options.members; ++i)
    {
        const std::string a = address(i);
        members += (i == 0 ? "" : "|") + std::to_string(i) + "," + a + ":" + std::to_string(INGRESS_PORT) + "," + a +
                   ":20001," + a + ":20002," + a + ":20003," + a + ":20005";
    }
    std::ostringstream toml;
    toml << "# Generated by tests/system (NetnsCluster) for " << m_scenario << ".\n"
         << "[cluster]\nmember-id = " << member << "\nmembers = \"" << members << "\"\ndir = \""
         << memberDir(member).string() << "\"\n\n"
         << "[leader]\nheartbeat-timeout = \"" << HEARTBEAT_TIMEOUT.count() << "ms\"\nheartbeat-interval = \"100ms\"\n\n"
         << "[election]\nstartup-canvass-timeout = \"" << 2 * HEARTBEAT_TIMEOUT.count() << "ms\"\n\n"
         << "[log]\nchannel = \"aeron:udp?term-length=1m\"\n\n"
         << "[replication]\nchannel = \"aeron:udp?endpoint=" << address(member) << ":0\"\n\n"
         << "[node]\nservices = \"kv\"\nthreading-mode = \"shared\"\nidle-strategy = \"backoff\"\n"
         // CRC-32C of every recorded frame: a flipped bit in a segment or snapshot is found, not applied (F24).
         << "archive-checksums = true\n";
    writeFile(m_workDir / ("m" + std::to_string(member) + ".toml"), toml.str());
}

void NetnsCluster::start(int member)
{
    Member& m = m_members[static_cast<std::size_t>(member)];
    if (m.pid > 0)
    {
        throw std::logic_error("member " + std::to_string(member) + " is already running");
    }
    std::vector<std::string> argv = {"ip",
                                     "netns",
                                     "exec",
                                     PREFIX + std::to_string(member),
                                     (m_binDir / "coxswain-node").string(),
                                     (m_workDir / ("m" + std::to_string(member) + ".toml")).string()};
    argv.insert(argv.end(), m_options.overrides.begin(), m_options.overrides.end());
    const fs::path log = m_workDir / ("m" + std::to_string(member) + ".log");
    {
        std::ofstream out(log, std::ios::app);
        out << "==== start " << ++m.starts << " at monotonic " << monotonicNs() << "\n";
    }
    m.pid = spawn(argv, log);
    m.paused = false;
    m.exitStatus = -1;
}

void NetnsCluster::startAll()
{
    for (int i = 0; i < m_options.members; ++i)
    {
        start(i);
    }
}

void NetnsCluster::reap(int member, bool block)
{
    Member& m = m_members[static_cast<std::size_t>(member)];
    if (m.pid <= 0)
    {
        return;
    }
    const int status = waitWithTimeout(m.pid, block ? 10s : 0ms);
    if (status != -1)
    {
        m.exitStatus = status;
        m.pid = -1;
        m.paused = false;
    }
}

bool NetnsCluster::isRunning(int member)
{
    reap(member, false);
    return m_members[static_cast<std::size_t>(member)].pid > 0;
}

void NetnsCluster::signal(int member, int sig)
{
    Member& m = m_members[static_cast<std::size_t>(member)];
    if (m.pid <= 0)
    {
        return;
    }
    ::kill(m.pid, sig);
    if (sig == SIGKILL)
    {
        if (m.paused)
        {
            ::kill(m.pid, SIGCONT);
        }
        reap(member, true);
    }
}

void NetnsCluster::pause(int member)
{
    signal(member, SIGSTOP);
    m_members[static_cast<std::size_t>(member)].paused = true;
}

void NetnsCluster::resume(int member)
{
    signal(member, SIGCONT);
    m_members[static_cast<std::size_t>(member)].paused = false;
}

bool NetnsCluster::waitExit(int member, std::chrono::milliseconds timeout)
{
    Member& m = m_members[static_cast<std::size_t>(member)];
    if (m.pid <= 0)
    {
        return true;
    }
    const int status = waitWithTimeout(m.pid, timeout);
    if (status == -1)
    {
        return false;
    }
    m.exitStatus = status;
    m.pid = -1;
    return true;
}

std::string NetnsCluster::ctl(int member, const std::string& command, int* status)
{
    const CommandResult result =
        shell((m_binDir / "coxctl").string() + " " + memberDir(member).string() + " " + command);
    if (status != nullptr)
    {
        *status = result.status;
    }
    return result.output;
}

std::int64_t NetnsCluster::leadershipTermId(int member)
{
    const std::string term = field(ctl(member, "describe"), "leadership term id");
    try
    {
        return term.empty() ? -1 : std::stoll(term);
    }
    catch (const std::exception&)
    {
        return -1;
    }
}

std::int64_t NetnsCluster::commitPosition(int member)
{
    const std::string position = field(ctl(member, "describe"), "commit position");
    try
    {
        return position.empty() ? -1 : std::stoll(position);
    }
    catch (const std::exception&)
    {
        return -1;
    }
}

std::optional<int> NetnsCluster::awaitLeader(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do
    {
        std::optional<int> leader;
        std::int64_t leaderTerm = -1;
        for (int i = 0; i < m_options.members; ++i)
        {
            if (!isRunning(i) || m_members[static_cast<std::size_t>(i)].paused)
            {
                continue;
            }
            const std::string text = ctl(i, "describe");
            if (field(text, "role").rfind("LEADER", 0) == 0 &&
                field(text, "election state").find("CLOSED") != std::string::npos)
            {
                std::int64_t term = -1;
                try
                {
                    term = std::stoll(field(text, "leadership term id"));
                }
                catch (const std::exception&)
                {
                }
                if (term > leaderTerm)
                {
                    leader = i;
                    leaderTerm = term;
                }
            }
        }
        if (leader)
        {
            return leader;
        }
        std::this_thread::sleep_for(200ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

int NetnsCluster::otherThan(int member, int skip) const
{
    for (int i = 0; i < m_options.members; ++i)
    {
        if (i != member && skip-- == 0)
        {
            return i;
        }
    }
    return -1;
}

void NetnsCluster::block(int member, const std::vector<int>& peers, bool inbound, bool outbound)
{
    std::string set;
    for (const int peer : peers)
    {
        set += (set.empty() ? "" : ", ") + address(peer);
    }
    // Creating then flushing the table makes the file replace earlier rules in one nft run.
    std::string rules = "table inet coxs {}\nflush table inet coxs\ntable inet coxs {\n";
    rules += "  chain input { type filter hook input priority 0; policy accept;";
    if (inbound && !set.empty())
    {
        rules += " ip saddr { " + set + " } drop;";
    }
    rules += " }\n  chain output { type filter hook output priority 0; policy accept;";
    if (outbound && !set.empty())
    {
        rules += " ip daddr { " + set + " } drop;";
    }
    rules += " }\n}\n";
    const fs::path file = m_workDir / ("nft-" + std::to_string(member) + ".rules");
    writeFile(file, rules);
    const std::string ns = PREFIX + std::to_string(member);
    const CommandResult result = shell("ip netns exec " + ns + " nft -f " + file.string());
    if (result.status != 0)
    {
        throw std::runtime_error("nft failed in " + ns + ": " + result.output);
    }
}

void NetnsCluster::partition(const std::vector<std::vector<int>>& groups)
{
    std::string script = "set -e\n";
    for (const std::vector<int>& group : groups)
    {
        for (const int member : group)
        {
            std::string set;
            for (int i = 0; i < m_options.members; ++i)
            {
                if (std::find(group.begin(), group.end(), i) == group.end())
                {
                    set += (set.empty() ? "" : ", ") + address(i);
                }
            }
            std::string rules = "table inet coxs {}\nflush table inet coxs\n";
            if (!set.empty())
            {
                rules += "table inet coxs {\n  chain input { type filter hook input priority 0; policy accept; ip saddr { " +
                         set + " } drop; }\n  chain output { type filter hook output priority 0; policy accept; "
                               "ip daddr { " + set + " } drop; }\n}\n";
            }
            const fs::path file = m_workDir / ("nft-" + std::to_string(member) + ".rules");
            writeFile(file, rules);
            script += "ip netns exec " + std::string(PREFIX) + std::to_string(member) + " nft -f " + file.string() + "\n";
        }
    }
    const CommandResult result = shell(script);
    if (result.status != 0)
    {
        throw std::runtime_error("nft failed: " + result.output);
    }
}

void NetnsCluster::isolate(int member)
{
    std::vector<int> peers;
    for (int i = 0; i < m_options.members; ++i)
    {
        if (i != member)
        {
            peers.push_back(i);
        }
    }
    block(member, peers, true, true);
}

void NetnsCluster::randomLoss(int percent)
{
    for (int member = 0; member < m_options.members; ++member)
    {
        std::string set;
        for (int i = 0; i < m_options.members; ++i)
        {
            if (i != member)
            {
                set += (set.empty() ? "" : ", ") + address(i);
            }
        }
        const std::string rules = "table inet coxs {\n  chain input { type filter hook input priority 0; policy accept;"
                                  " ip saddr { " + set + " } meta l4proto udp numgen random mod 100 < " +
                                  std::to_string(percent) + " drop; }\n}\n";
        const fs::path file = m_workDir / ("nft-loss-" + std::to_string(member) + ".rules");
        writeFile(file, rules);
        const std::string ns = PREFIX + std::to_string(member);
        (void)shell("ip netns exec " + ns + " nft delete table inet coxs");
        const CommandResult result = shell("ip netns exec " + ns + " nft -f " + file.string());
        if (result.status != 0)
        {
            throw std::runtime_error("nft failed in " + ns + ": " + result.output);
        }
    }
}

void NetnsCluster::healNetwork()
{
    for (int i = 0; i < m_options.members; ++i)
    {
        (void)shell("ip netns exec " + std::string(PREFIX) + std::to_string(i) + " nft delete table inet coxs");
    }
}

void NetnsCluster::cpuQuota(int member, int percent)
{
    Member& m = m_members[static_cast<std::size_t>(member)];
    const fs::path group = CPU_CGROUP_ROOT / (std::string(PREFIX) + "-cpu" + std::to_string(member));
    if (percent > 0)
    {
        if (!fs::exists(CPU_CGROUP_ROOT / "cgroup.procs"))
        {
            throw std::runtime_error("no cgroup v1 cpu controller at " + CPU_CGROUP_ROOT.string());
        }
        fs::create_directories(group);
        writeFile(group / "cpu.cfs_period_us", "100000");
        writeFile(group / "cpu.cfs_quota_us", std::to_string(percent * 1000));
        writeFile(group / "cgroup.procs", std::to_string(m.pid));
        m.cgroup = true;
    }
    else if (m.cgroup)
    {
        std::ifstream procs(group / "cgroup.procs");
        pid_t pid = 0;
        while (procs >> pid)
        {
            writeFile(CPU_CGROUP_ROOT / "cgroup.procs", std::to_string(pid));
        }
        ::rmdir(group.c_str());
        m.cgroup = false;
    }
}

void NetnsCluster::healAll()
{
    healNetwork();
    for (int i = 0; i < m_options.members; ++i)
    {
        if (m_members[static_cast<std::size_t>(i)].paused)
        {
            resume(i);
        }
        cpuQuota(i, 0);
    }
}

ClientRun& NetnsCluster::startClient(int clientId, double seconds, int rate, const std::vector<std::string>& extra)
{
    std::string ingress;
    for (int i = 0; i < m_options.members; ++i)
    {
        ingress += (i == 0 ? "" : ",") + std::to_string(i) + "=" + address(i) + ":" + std::to_string(INGRESS_PORT);
    }
    ClientRun run;
    run.clientId = clientId;
    run.historyPath = m_workDir / ("client-" + std::to_string(clientId) + ".history");
    run.logPath = m_workDir / ("client-" + std::to_string(clientId) + ".log");
    std::vector<std::string> argv = {(m_binDir / "coxswain-client").string(),
                                     "--ingress",
                                     ingress,
                                     "--egress",
                                     "10.199.0.1:" + std::to_string(EGRESS_PORT_BASE + clientId),
                                     "--history",
                                     run.historyPath.string(),
                                     "--client-id",
                                     std::to_string(clientId),
                                     "--seconds",
                                     std::to_string(seconds),
                                     "--warmup-seconds",
                                     "0",
                                     "--rate",
                                     std::to_string(rate),
                                     "--keys",
                                     "50",
                                     "--connect-timeout",
                                     "60",
                                     "--op-timeout",
                                     "3",
                                     "--drain-timeout",
                                     "5"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run.pid = spawn(argv, run.logPath);
    m_clients.push_back(run);
    return m_clients.back();
}

int NetnsCluster::runClient(int clientId, const std::vector<std::string>& args, std::string* output)
{
    std::string ingress;
    for (int i = 0; i < m_options.members; ++i)
    {
        ingress += (i == 0 ? "" : ",") + std::to_string(i) + "=" + address(i) + ":" + std::to_string(INGRESS_PORT);
    }
    const fs::path log = m_workDir / ("client-" + std::to_string(clientId) + ".log");
    std::vector<std::string> argv = {(m_binDir / "coxswain-client").string(), "--ingress", ingress, "--egress",
                                     "10.199.0.1:" + std::to_string(EGRESS_PORT_BASE + clientId), "--client-id",
                                     std::to_string(clientId)};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = spawn(argv, log);
    int status = waitWithTimeout(pid, 120s);
    if (status == -1)
    {
        ::kill(pid, SIGKILL);
        status = waitWithTimeout(pid, 10s);
    }
    if (output != nullptr)
    {
        *output = readFile(log);
    }
    return status;
}

void NetnsCluster::waitClients(std::chrono::seconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (ClientRun& run : m_clients)
    {
        if (run.pid <= 0)
        {
            continue;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        int status = waitWithTimeout(run.pid, std::max(left, std::chrono::milliseconds(0)));
        if (status == -1)
        {
            ::kill(run.pid, SIGTERM); // it still writes its history
            status = waitWithTimeout(run.pid, 15s);
            if (status == -1)
            {
                ::kill(run.pid, SIGKILL);
                status = waitWithTimeout(run.pid, 5s);
            }
        }
        run.exitStatus = status;
        run.pid = -1;
    }
}

sim::History NetnsCluster::loadHistories() const
{
    sim::History all;
    for (const ClientRun& run : m_clients)
    {
        if (run.pid <= 0 && fs::exists(run.historyPath))
        {
            const sim::History history = sim::loadHistory(run.historyPath.string());
            all.operations.insert(all.operations.end(), history.operations.begin(), history.operations.end());
        }
    }
    return all;
}

std::string NetnsCluster::checkLiveness()
{
    const auto healedAt = std::chrono::steady_clock::now();
    const std::optional<int> leader = awaitLeader(LIVENESS_BOUND);
    if (!leader)
    {
        return "C10: no leader within " + std::to_string(LIVENESS_BOUND.count()) + " s of the heal";
    }
    const auto left = LIVENESS_BOUND - std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::steady_clock::now() - healedAt);
    const int probeId = 90 + static_cast<int>(m_clients.size());
    ClientRun& probe = startClient(probeId, 2.0, 50,
                                   {"--connect-timeout", std::to_string(std::max<std::int64_t>(left.count(), 5))});
    const int status = waitWithTimeout(probe.pid, LIVENESS_BOUND + 20s);
    probe.exitStatus = status;
    if (status == -1)
    {
        ::kill(probe.pid, SIGKILL);
        (void)waitWithTimeout(probe.pid, 5s);
    }
    probe.pid = -1;
    if (status != 0 || !fs::exists(probe.historyPath))
    {
        return "C10: the probe client exited with status " + std::to_string(status) + "\n" +
               tail(readFile(probe.logPath), 5);
    }
    const sim::History history = sim::loadHistory(probe.historyPath.string());
    const auto acked = std::count_if(history.operations.begin(), history.operations.end(),
                                     [](const sim::Operation& op) { return op.isAcknowledged(); });
    const auto firstAckNs = [&]
    {
        std::int64_t first = sim::INDETERMINATE_NS;
        for (const sim::Operation& op : history.operations)
        {
            if (op.isAcknowledged())
            {
                first = std::min(first, op.completeNs);
            }
        }
        return first;
    }();
    if (acked == 0)
    {
        return "C10: the probe client got no request acknowledged after the heal";
    }
    std::cout << "C10 PASS  leader " << *leader << "; first acknowledged request "
              << static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - healedAt)
                                         .count()) /
                     1000.0
              << " s after the heal (probe ran 2 s; " << acked << " acknowledged, first ack at monotonic "
              << firstAckNs << ")" << std::endl;
    return {};
}

std::vector<std::string> NetnsCluster::finishAndCheck()
{
    std::vector<std::string> failures;
    healAll();
    const std::string liveness = checkLiveness();
    if (!liveness.empty())
    {
        failures.push_back(liveness);
    }
    waitClients(60s);
    for (const ClientRun& run : m_clients)
    {
        if (run.exitStatus != 0)
        {
            failures.push_back("client " + std::to_string(run.clientId) + " exited with status " +
                               std::to_string(run.exitStatus) + ": " + tail(readFile(run.logPath), 3));
        }
    }

    // Graceful stop: every member terminates at one log position and writes its node report.
    std::vector<int> running;
    for (int i = 0; i < m_options.members; ++i)
    {
        if (isRunning(i))
        {
            running.push_back(i);
        }
    }
    // After a failed C10 there is little point in waiting the whole bound again.
    const std::optional<int> leader = awaitLeader(liveness.empty() ? LIVENESS_BOUND : std::chrono::seconds(5));
    int shutdownStatus = -1;
    std::string shutdownOutput;
    if (leader)
    {
        shutdownOutput = ctl(*leader, "shutdown --timeout 30s", &shutdownStatus);
    }
    if (shutdownStatus != 0)
    {
        failures.push_back("coxctl shutdown failed (status " + std::to_string(shutdownStatus) + "): " +
                           tail(shutdownOutput, 3));
    }
    // One deadline for all members, then SIGTERM to whichever is left (it still writes its report).
    const auto exitDeadline = std::chrono::steady_clock::now() + 40s;
    std::vector<int> stuck;
    for (const int i : running)
    {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(exitDeadline -
                                                                                std::chrono::steady_clock::now());
        if (!waitExit(i, std::max(left, std::chrono::milliseconds(0))))
        {
            failures.push_back("member " + std::to_string(i) + " did not exit after the shutdown; SIGTERM");
            signal(i, SIGTERM);
            stuck.push_back(i);
        }
    }
    for (const int i : stuck)
    {
        if (!waitExit(i, 20s))
        {
            kill(i);
        }
    }

    std::vector<std::string> args = {(m_binDir / "cox-check-history").string(), "--require", "C1,C2,C3,C4,C6,C7,C9"};
    std::string firstPosition;
    std::string firstHash;
    for (const int i : running)
    {
        const fs::path report = memberDir(i) / "node-report.txt";
        if (!fs::exists(report))
        {
            failures.push_back("member " + std::to_string(i) + " wrote no node report");
            continue;
        }
        const std::string text = readFile(report);
        const auto value = [&](const std::string& key)
        {
            const std::size_t at = text.find(key + "=");
            return at == std::string::npos ? std::string()
                                           : text.substr(at + key.size() + 1, text.find('\n', at) - at - key.size() - 1);
        };
        const std::string position = value("service.0.log-position");
        const std::string hash = value("service.0.state-hash");
        std::cout << "member " << i << ": log-position=" << position << " state-hash=" << hash << std::endl;
        if (firstPosition.empty())
        {
            firstPosition = position;
            firstHash = hash;
        }
        else if (position != firstPosition || hash != firstHash)
        {
            failures.push_back("C3/C4: member " + std::to_string(i) + " stopped at " + position + " with hash " + hash +
                               ", another at " + firstPosition + " with " + firstHash);
        }
        args.push_back("--node-report");
        args.push_back(std::to_string(i) + "=" + report.string());
        args.push_back("--log");
        args.push_back(std::to_string(i) + "=" + (memberDir(i) / "archive").string());
    }
    for (const ClientRun& run : m_clients)
    {
        if (fs::exists(run.historyPath))
        {
            args.push_back(run.historyPath.string());
        }
        else
        {
            failures.push_back("client " + std::to_string(run.clientId) + " wrote no history");
        }
    }
    std::string command;
    for (const std::string& arg : args)
    {
        command += arg + " ";
    }
    const CommandResult check = shell(command);
    std::cout << check.output;
    if (check.status != 0)
    {
        failures.push_back("cox-check-history failed (status " + std::to_string(check.status) + "):\n" + check.output);
    }
    if (!failures.empty())
    {
        std::cout << logTails();
    }
    return failures;
}

std::string NetnsCluster::logTails() const
{
    std::string text;
    for (int i = 0; i < m_options.members; ++i)
    {
        text += "--- last lines of m" + std::to_string(i) + ".log\n" +
                tail(readFile(m_workDir / ("m" + std::to_string(i) + ".log")), 12);
    }
    return text;
}

void NetnsCluster::close()
{
    if (m_closed)
    {
        return;
    }
    m_closed = true;
    for (ClientRun& run : m_clients)
    {
        if (run.pid > 0)
        {
            ::kill(run.pid, SIGKILL);
            (void)waitWithTimeout(run.pid, 5s);
            run.pid = -1;
        }
    }
    for (int i = 0; i < m_options.members; ++i)
    {
        if (m_members[static_cast<std::size_t>(i)].pid > 0)
        {
            ::kill(m_members[static_cast<std::size_t>(i)].pid, SIGKILL);
            ::kill(m_members[static_cast<std::size_t>(i)].pid, SIGCONT);
            reap(i, true);
        }
        cpuQuota(i, 0);
    }
    healNetwork();
    cleanLeftovers();
}
} // namespace cox::system

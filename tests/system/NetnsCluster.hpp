#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cox/sim/History.hpp"

namespace cox::system
{
/// What a shell command printed and how it ended.
struct CommandResult
{
    int status = -1;
    std::string output;
};

/// Runs /bin/sh -c command, stdout and stderr together. Set-up code: throws nothing, reports the status.
CommandResult shell(const std::string& command);

/// CLOCK_MONOTONIC in nanoseconds, the clock coxswain-client records histories with.
std::int64_t monotonicNs();

/// Scenario settings that differ from the defaults.
struct ClusterOptions
{
    int members = 3;
    /// Extra key=value overrides for every member, e.g. "session.max-sessions=3".
    std::vector<std::string> overrides;
    /// Member ids whose cluster.dir is on a tmpfs of this many MiB (0: none).
    std::map<int, int> tmpfsMiB;
};

/// One coxswain-client run.
struct ClientRun
{
    int clientId = 0;
    pid_t pid = -1;
    std::filesystem::path historyPath;
    std::filesystem::path logPath;
    int exitStatus = -1;
};

/// A cluster of coxswain-node processes, each in its own network namespace (coxsN, address 10.199.0.(11+N)) on a
/// bridge coxsbr0 in the root namespace (address 10.199.0.1, where the clients and this harness run). Faults
/// are applied with signals, nft rules inside a member's namespace, a cgroup v1 CPU quota and file surgery on a
/// stopped member's directory. Everything it creates carries the prefix "coxs" and is removed by close(), which
/// the destructor calls; the constructor first removes what an earlier, interrupted run left behind.
///
/// Requires root (ip netns, nft, mount, cgroups). The clients' and members' clocks are the host's monotonic clock,
/// so the recorded histories share one real-time order.
class NetnsCluster
{
public:
    static constexpr const char* PREFIX = "coxs";
    static constexpr const char* BRIDGE = "coxsbr0";
    /// The heartbeat timeout the members run with: generous, since two cores are shared with other work.
    static constexpr std::chrono::milliseconds HEARTBEAT_TIMEOUT{1000};
    /// C10's bound: a leader and an acknowledged request this long after the heal, at most.
    static constexpr std::chrono::seconds LIVENESS_BOUND{30};

    NetnsCluster(std::string scenario, ClusterOptions options);
    ~NetnsCluster();
    NetnsCluster(const NetnsCluster&) = delete;
    NetnsCluster& operator=(const NetnsCluster&) = delete;

    /// Why the harness cannot run here (not root, no ip/nft), or empty.
    static std::string unavailableReason();
    /// Removes namespaces, links, tables, mounts, cgroups and processes left by earlier runs.
    static void cleanLeftovers();

    [[nodiscard]] int memberCount() const noexcept { return m_options.members; }
    [[nodiscard]] std::string address(int member) const;
    [[nodiscard]] std::filesystem::path memberDir(int member) const;
    [[nodiscard]] const std::filesystem::path& workDir() const noexcept { return m_workDir; }
    /// Where coxswain-node, coxswain-client, coxctl and cox-check-history are taken from.
    [[nodiscard]] const std::filesystem::path& binDir() const noexcept { return m_binDir; }

    void start(int member);
    void startAll();
    /// Sends sig; for SIGKILL, waits until the process is gone.
    void signal(int member, int sig);
    void kill(int member) { signal(member, 9); }
    void pause(int member);
    void resume(int member);
    [[nodiscard]] bool isRunning(int member);
    /// How the member's last run ended, as a shell reports it (128+N for signal N), or -1 while it runs.
    [[nodiscard]] int exitStatus(int member) const { return m_members[static_cast<std::size_t>(member)].exitStatus; }
    /// Waits for the process to exit on its own; false on timeout.
    bool waitExit(int member, std::chrono::milliseconds timeout);

    /// The running, unpaused member that reports LEADER with the highest term, waiting up to timeout for one.
    std::optional<int> awaitLeader(std::chrono::milliseconds timeout);
    /// The leadership term id a member's counters show (-1 if unknown).
    std::int64_t leadershipTermId(int member);
    /// The commit position a member's counters show (-1 if unknown).
    std::int64_t commitPosition(int member);
    /// Any follower of the given leader.
    [[nodiscard]] int otherThan(int member, int skip = 0) const;

    /// nft rules in a member's namespace (table inet coxs): drop what member receives from peers (inbound) and
    /// what it sends to them (outbound).
    void block(int member, const std::vector<int>& peers, bool inbound, bool outbound);
    void isolate(int member);
    /// Splits the members into groups that only reach their own group, replacing any earlier rules, with one shell
    /// command for all members (fast enough to flap).
    void partition(const std::vector<std::vector<int>>& groups);
    /// Drops percent of the UDP datagrams every member receives from the other members.
    void randomLoss(int percent);
    /// Removes every nft table this harness added.
    void healNetwork();
    /// A cgroup v1 CPU quota for one member (percent of one CPU); cpuQuota(member, 0) removes it.
    void cpuQuota(int member, int percent);
    /// Heals everything: network, paused members, CPU quotas.
    void healAll();

    /// Starts a history client (coxswain-client --history) for seconds at rate requests/s.
    ClientRun& startClient(int clientId, double seconds, int rate = 100, const std::vector<std::string>& extra = {});
    /// Runs a client to completion (for probes and session tests) and returns its exit status.
    int runClient(int clientId, const std::vector<std::string>& args, std::string* output = nullptr);
    void waitClients(std::chrono::seconds timeout);
    [[nodiscard]] std::vector<ClientRun>& clients() noexcept { return m_clients; }
    /// Every operation recorded so far by finished clients.
    [[nodiscard]] sim::History loadHistories() const;

    /// C10: after a heal, a leader appears and a fresh client gets a request acknowledged within LIVENESS_BOUND.
    /// Returns an empty string or what went wrong; the probe's history joins the checked histories.
    std::string checkLiveness();

    /// Heals, checks C10, waits for the load clients, stops every running member gracefully (coxctl shutdown on
    /// the leader, SIGTERM as a fallback), then checks: each running member wrote a node report, all at one log
    /// position with one state hash, and cox-check-history passes over the clients' histories, those reports and
    /// the members' archived logs (C1, C2, C3, C4, C6, C7 and C9 required). Returns the failures, empty when all
    /// passed.
    std::vector<std::string> finishAndCheck();

    /// Lines for a failure message: the tails of the members' logs.
    [[nodiscard]] std::string logTails() const;

    /// Tears everything down; idempotent.
    void close();

private:
    struct Member
    {
        pid_t pid = -1;
        bool paused = false;
        bool cgroup = false;
        int exitStatus = -1;
        int starts = 0;
    };

    void createNetwork();
    void writeConfig(int member);
    std::string ctl(int member, const std::string& command, int* status = nullptr);
    void reap(int member, bool block);

    std::string m_scenario;
    ClusterOptions m_options;
    std::filesystem::path m_workDir;
    std::filesystem::path m_binDir;
    std::vector<Member> m_members;
    std::vector<ClientRun> m_clients;
    bool m_closed = false;
};
} // namespace cox::system

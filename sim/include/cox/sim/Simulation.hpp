#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cox/sim/CheckResult.hpp"
#include "cox/sim/History.hpp"
#include "cox/sim/SimNetwork.hpp"

namespace cox::sim
{
/// What a fault schedule can do. RESTART, HEAL and RESUME end the fault begun before them.
enum class FaultKind : std::uint8_t
{
    KILL,
    RESTART,
    ISOLATE,
    ONE_WAY_OUT,
    ONE_WAY_IN,
    HEAL,
    PAUSE,
    RESUME,
    CLOCK_JUMP,
    SNAPSHOT
};

[[nodiscard]] std::string_view faultKindName(FaultKind kind) noexcept;

/// One event of a schedule. member LEADER_TARGET means "whichever member leads when the event happens".
struct FaultEvent
{
    static constexpr std::int32_t LEADER_TARGET = -1;

    std::int64_t step = 0;
    FaultKind kind = FaultKind::HEAL;
    std::int32_t member = LEADER_TARGET;
    /// CLOCK_JUMP: milliseconds of the jump.
    std::int64_t amount = 0;

    [[nodiscard]] std::string describe() const;
};

struct SimulationOptions
{
    std::uint64_t seed = 1;
    std::int32_t memberCount = 3;
    /// 0: two or three, drawn from the seed.
    std::int32_t clientCount = 0;
    /// Steps of the workload and fault phase; then the final phase heals, restarts and drains.
    std::int64_t steps = 3000;
    /// Most steps the final phase takes to converge before it is called a failure.
    std::int64_t quiesceSteps = 6000;
    /// Simulated time per step.
    std::int64_t stepNs = 1'000'000;
    /// Draw a fault schedule and network faults from the seed; false: a healthy network and no faults.
    bool faults = true;
    /// A client gives up on a request after this long (recording it as indeterminate) and retries it.
    std::int64_t requestTimeoutNs = 1'000'000'000;
    /// Where members and clients put their files; empty: a fresh directory under /dev/shm (or the temp directory),
    /// removed at the end.
    std::string rootDir;
    /// Print each fault as it happens and every member error to stderr.
    bool verbose = false;
    /// Check the invariants after every step (one leader per term, commit monotonic and within a quorum, terms
    /// never back). false leaves only the histories checked at the end: the negative control uses it to show those
    /// checkers catch a broken commit rule on their own.
    bool stepInvariants = true;
    /// The members' file sync level (archive and cluster). -1: drawn from the seed, 0 or 1, when there are faults
    /// (0 without). At 1 and above every kill is a power loss on the simulated disk (SimDisk): whatever a member
    /// had not synced is lost, the loss may strike in the middle of its work, and the write it strikes may be torn.
    /// At 0 a kill is a process crash: the page cache (the files) survives, as Aeron's default durability assumes.
    std::int32_t fileSyncLevel = -1;
    /// Kills are power losses: -1 when the sync level is 1 or more; 1 always (at sync level 0 that loses what a
    /// member acknowledged, which the checkers must then catch: the disk model's own negative control); 0 never.
    std::int32_t powerLoss = -1;
};

struct SimulationResult
{
    std::uint64_t seed = 0;
    bool passed = false;
    /// Each invariant or checker that failed, with the step (or checker name) and the offending details.
    std::vector<std::string> failures;
    /// Checkers that gave up (search budget): not failures, but not passes either.
    std::vector<std::string> unknowns;
    std::int64_t steps = 0;
    std::int64_t simulatedNs = 0;
    /// Fold of every datagram delivered and every client operation's result: equal for two runs of one seed if
    /// the simulation is deterministic.
    std::uint64_t traceHash = 0;
    std::vector<FaultEvent> schedule;
    NetworkStats network;
    std::int32_t fileSyncLevel = 0;
    /// Power losses on the simulated disk, and the unsynced writes and resizes they undid.
    std::int64_t powerLosses = 0;
    std::int64_t writesUndone = 0;
    /// Members that stopped themselves to stay consistent (and were restarted).
    std::int64_t failStops = 0;
    std::int64_t operations = 0;
    std::int64_t acknowledged = 0;
    std::int64_t indeterminate = 0;
    std::int64_t highestTerm = -1;
    std::int64_t finalCommitPosition = -1;
    std::int64_t memberErrors = 0;
    /// The workload's timers as C8 classified them (scheduled, cancelled, fired, firings suppressed by a cancel).
    TimerTally timers;
    History history;
};

/// The deterministic simulator: from a seed, N cluster members (ClusterNode in INVOKER mode with automatic
/// elections, running the example KeyValueService) and a few key-value clients, all on one thread over a
/// SimNetwork and per-member simulated clocks, under a fault schedule drawn from the seed. Invariants are checked
/// after every step and the recorded History at the end. The production code runs unchanged: only the UDP media
/// and the clocks are simulated (file I/O is still the real file system).
class Simulation
{
public:
    explicit Simulation(SimulationOptions options);
    ~Simulation();

    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    /// Runs the whole simulation once. Set-up failures (files, configuration) throw.
    SimulationResult run();

    /// The fault schedule options.seed draws (empty when faults are off).
    [[nodiscard]] static std::vector<FaultEvent> drawSchedule(const SimulationOptions& options);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};
} // namespace cox::sim

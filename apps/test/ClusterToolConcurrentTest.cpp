// coxctl's five actions against a fake consensus module: a thread that acts on the control toggle the way the
// consensus module does, in a counters file the test owns, while the tool compare-and-sets the toggle through its
// own mapping of that file and waits.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include "ClusterTool.hpp"
#include "TempDirectory.hpp"
#include "cox/cluster/ClusterControl.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/util/CountersManager.hpp"

using namespace cox;
using apps::ctl::ClusterToolContext;
using apps::ctl::runClusterTool;
using apps::test::TempDirectory;
using cluster::ConsensusModuleCounters;
using cluster::ConsensusModuleState;
using cluster::ToggleState;

namespace
{
constexpr std::int32_t CLUSTER_ID = 3;

std::int64_t code(ToggleState state)
{
    return static_cast<std::int64_t>(state);
}

std::int64_t code(ConsensusModuleState state)
{
    return static_cast<std::int64_t>(state);
}

/// Reacts to the toggle as the leader's consensus module does: SNAPSHOT counts a snapshot and goes back to NEUTRAL;
/// SUSPEND suspends and leaves the toggle; RESUME resumes and goes back to NEUTRAL; SHUTDOWN and ABORT terminate and
/// free the module's counters. Each reaction comes after a few polls, so the tool really waits.
class FakeConsensusModule
{
public:
    FakeConsensusModule(util::CountersManager& counters, std::int32_t clusterId)
        : m_counters(counters), m_moduleCounters(ConsensusModuleCounters::allocate(counters, clusterId, 1, 1))
    {
        m_moduleCounters.moduleState.set(code(ConsensusModuleState::ACTIVE));
        m_moduleCounters.nodeRole.set(static_cast<std::int64_t>(cluster::Role::LEADER));
        m_moduleCounters.controlToggle.set(code(ToggleState::NEUTRAL));
    }

    ~FakeConsensusModule() { stop(); }

    void start()
    {
        m_thread = std::thread([this] { run(); });
    }

    void stop()
    {
        m_running.store(false, std::memory_order_release);
        if (m_thread.joinable())
        {
            m_thread.join();
        }
    }

    /// Only while the thread is stopped, or for the atomic values.
    ConsensusModuleCounters& counters() { return m_moduleCounters; }
    [[nodiscard]] bool terminated() const { return m_terminated.load(std::memory_order_acquire); }

private:
    void run()
    {
        int pendingPolls = 0;
        while (m_running.load(std::memory_order_acquire) && !m_terminated.load(std::memory_order_relaxed))
        {
            const std::int64_t toggle = m_moduleCounters.controlToggle.get();
            const bool actionable = toggle == code(ToggleState::SNAPSHOT) || toggle == code(ToggleState::RESUME) ||
                                    toggle == code(ToggleState::SHUTDOWN) || toggle == code(ToggleState::ABORT) ||
                                    (toggle == code(ToggleState::SUSPEND) &&
                                     m_moduleCounters.moduleState.get() == code(ConsensusModuleState::ACTIVE));
            if (actionable && ++pendingPolls >= 5)
            {
                pendingPolls = 0;
                act(toggle);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }

    void act(std::int64_t toggle)
    {
        if (toggle == code(ToggleState::SNAPSHOT))
        {
            m_moduleCounters.moduleState.set(code(ConsensusModuleState::SNAPSHOT));
            m_moduleCounters.snapshotCount.increment();
            m_moduleCounters.moduleState.set(code(ConsensusModuleState::ACTIVE));
            m_moduleCounters.controlToggle.set(code(ToggleState::NEUTRAL));
        }
        else if (toggle == code(ToggleState::SUSPEND))
        {
            m_moduleCounters.moduleState.set(code(ConsensusModuleState::SUSPENDED));
        }
        else if (toggle == code(ToggleState::RESUME))
        {
            m_moduleCounters.moduleState.set(code(ConsensusModuleState::ACTIVE));
            m_moduleCounters.controlToggle.set(code(ToggleState::NEUTRAL));
        }
        else
        {
            m_moduleCounters.moduleState.set(code(ConsensusModuleState::TERMINATING));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            m_moduleCounters.free(m_counters);
            m_terminated.store(true, std::memory_order_release);
        }
    }

    util::CountersManager& m_counters;
    ConsensusModuleCounters m_moduleCounters;
    std::atomic<bool> m_running{true};
    std::atomic<bool> m_terminated{false};
    std::thread m_thread;
};

class ClusterToolConcurrentTest : public ::testing::Test
{
protected:
    ClusterToolConcurrentTest()
    {
        std::filesystem::create_directories(m_clusterDir);
        std::filesystem::create_directories(m_aeronDir);
        cluster::ClusterMarkFileHeader header;
        header.componentType = cluster::ClusterComponentType::CONSENSUS_MODULE;
        header.clusterId = CLUSTER_ID;
        header.aeronDirectory = m_aeronDir;
        m_markFile =
            cluster::ClusterMarkFile::create(m_clusterDir + "/" + cluster::ClusterMarkFile::FILE_NAME, header,
                                             cluster::ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH, m_clock.time());
        m_counters = util::CountersManager::create(m_aeronDir + "/counters.dat", 64, m_clock);
        // Another cluster sharing the file, whose toggle the tool must leave alone.
        m_other = ConsensusModuleCounters::allocate(*m_counters, CLUSTER_ID + 1, 1, 1);
        m_other.controlToggle.set(code(ToggleState::NEUTRAL));
        m_module = std::make_unique<FakeConsensusModule>(*m_counters, CLUSTER_ID);
        m_context.pollIntervalNs = 1'000'000;
    }

    int run(const std::vector<std::string>& args)
    {
        m_out.str("");
        m_err.str("");
        return runClusterTool(args, m_out, m_err, m_context);
    }

    TempDirectory m_dir;
    std::string m_clusterDir = m_dir.file("cluster");
    std::string m_aeronDir = m_dir.file("aeron");
    util::SystemEpochClock m_clock;
    std::unique_ptr<cluster::ClusterMarkFile> m_markFile;
    std::unique_ptr<util::CountersManager> m_counters;
    ConsensusModuleCounters m_other;
    std::unique_ptr<FakeConsensusModule> m_module;
    ClusterToolContext m_context;
    std::ostringstream m_out;
    std::ostringstream m_err;
};

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}
} // namespace

TEST_F(ClusterToolConcurrentTest, shouldTakeSnapshotWhenModuleActsOnTheToggle)
{
    m_module->start();

    ASSERT_EQ(run({m_clusterDir, "snapshot", "--timeout", "10s"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "snapshot: control toggle set to SNAPSHOT (clusterId=3)")) << m_out.str();
    EXPECT_TRUE(contains(m_out.str(), "snapshot taken: snapshot count 1\n")) << m_out.str();
    EXPECT_TRUE(m_err.str().empty()) << m_err.str();

    ASSERT_EQ(run({m_clusterDir, "snapshot", "--timeout", "10s"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "snapshot taken: snapshot count 2\n")) << m_out.str();

    m_module->stop();
    EXPECT_EQ(m_module->counters().snapshotCount.get(), 2);
    EXPECT_EQ(m_module->counters().controlToggle.get(), code(ToggleState::NEUTRAL));
    EXPECT_EQ(m_other.controlToggle.get(), code(ToggleState::NEUTRAL));
    EXPECT_EQ(m_other.snapshotCount.get(), 0);
}

TEST_F(ClusterToolConcurrentTest, shouldSuspendAndThenResume)
{
    m_module->start();

    ASSERT_EQ(run({m_clusterDir, "suspend", "--timeout", "10s"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "module state SUSPENDED\n")) << m_out.str();
    EXPECT_EQ(m_module->counters().moduleState.get(), code(ConsensusModuleState::SUSPENDED));
    EXPECT_EQ(m_module->counters().controlToggle.get(), code(ToggleState::SUSPEND));

    // Suspended: a snapshot is refused, the toggle left as it was.
    EXPECT_EQ(run({m_clusterDir, "snapshot", "--timeout", "10s"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "cannot snapshot: the control toggle is SUSPEND, not NEUTRAL")) << m_err.str();
    EXPECT_EQ(m_module->counters().controlToggle.get(), code(ToggleState::SUSPEND));

    ASSERT_EQ(run({m_clusterDir, "resume", "--timeout", "10s"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "module state ACTIVE\n")) << m_out.str();
    m_module->stop();
    EXPECT_EQ(m_module->counters().moduleState.get(), code(ConsensusModuleState::ACTIVE));
    EXPECT_EQ(m_module->counters().controlToggle.get(), code(ToggleState::NEUTRAL));
}

TEST_F(ClusterToolConcurrentTest, shouldRefuseWhenAnotherActionHoldsTheToggle)
{
    m_module->counters().controlToggle.set(code(ToggleState::SNAPSHOT));
    // The module is busy elsewhere and does not act; the tool must not overwrite the pending action.
    EXPECT_EQ(run({m_clusterDir, "shutdown", "--timeout", "10s"}), 1);
    EXPECT_TRUE(contains(m_err.str(), "cannot shutdown: the control toggle is SNAPSHOT, not NEUTRAL")) << m_err.str();
    EXPECT_EQ(m_module->counters().controlToggle.get(), code(ToggleState::SNAPSHOT));
    EXPECT_FALSE(m_module->terminated());
}

TEST_F(ClusterToolConcurrentTest, shouldLetOnlyOneOfTwoConcurrentToolsWin)
{
    // No module: both tools race for the NEUTRAL toggle; exactly one CAS may succeed (then times out waiting).
    m_context.progressIntervalNs = 10'000'000'000;
    std::ostringstream outA;
    std::ostringstream errA;
    std::ostringstream outB;
    std::ostringstream errB;
    int exitA = -1;
    std::thread other([&] { exitA = runClusterTool({m_clusterDir, "snapshot", "--timeout", "100ms"}, outA, errA,
                                                   m_context); });
    const int exitB = runClusterTool({m_clusterDir, "abort", "--timeout", "100ms"}, outB, errB, m_context);
    other.join();

    EXPECT_EQ(exitA, 1);
    EXPECT_EQ(exitB, 1);
    const bool snapshotWon = contains(outA.str(), "control toggle set to SNAPSHOT");
    const bool abortWon = contains(outB.str(), "control toggle set to ABORT");
    EXPECT_NE(snapshotWon, abortWon) << outA.str() << outB.str();
    EXPECT_EQ(m_module->counters().controlToggle.get(), code(snapshotWon ? ToggleState::SNAPSHOT : ToggleState::ABORT));
    EXPECT_TRUE(contains((snapshotWon ? errB : errA).str(), "the control toggle is ")) << errA.str() << errB.str();
    EXPECT_TRUE(contains((snapshotWon ? errA : errB).str(), "timed out after 0.1s")) << errA.str() << errB.str();
}

TEST_F(ClusterToolConcurrentTest, shouldWaitForShutdownUntilModuleCountersAreGone)
{
    m_module->start();

    ASSERT_EQ(run({m_clusterDir, "shutdown", "--timeout", "10s"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "consensus module terminated\n")) << m_out.str();
    m_module->stop();
    EXPECT_TRUE(m_module->terminated());
    EXPECT_EQ(cluster::ClusterCounters::find(*m_counters, cluster::ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID,
                                             CLUSTER_ID),
              cluster::ClusterCounters::NULL_COUNTER_ID);
}

TEST_F(ClusterToolConcurrentTest, shouldWaitForAbortUntilModuleTerminates)
{
    m_module->start();

    ASSERT_EQ(run({m_clusterDir, "abort", "--timeout", "10s"}), 0) << m_err.str();
    EXPECT_TRUE(contains(m_out.str(), "abort: control toggle set to ABORT")) << m_out.str();
    m_module->stop();
    EXPECT_TRUE(m_module->terminated());
}

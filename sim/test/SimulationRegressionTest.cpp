#include <gtest/gtest.h>

#include "cox/sim/Simulation.hpp"

namespace cox::sim
{
namespace
{
/// A seed that once failed, with what it found. Each is replayed whole (its full schedule of faults and its
/// final convergence phase) and must now pass every check.
struct RegressionSeed
{
    std::uint64_t seed;
    const char* found;
    /// Sync level 0 with every kill a power loss: members come back with nothing and rejoin from empty.
    bool emptyAfterKill = false;
};

class SimulationRegressionTest : public ::testing::TestWithParam<RegressionSeed>
{
};

TEST_P(SimulationRegressionTest, shouldPassTheSeedThatOnceFailed)
{
    SimulationOptions options;
    options.seed = GetParam().seed;
    if (GetParam().emptyAfterKill)
    {
        options.fileSyncLevel = 0;
        options.powerLoss = 1;
    }
    const SimulationResult result = Simulation(options).run();

    std::string failures;
    for (const auto& failure : result.failures)
    {
        failures += "\n  " + failure;
    }
    EXPECT_TRUE(result.passed) << "seed " << options.seed << " (" << GetParam().found << "):" << failures;
}

INSTANTIATE_TEST_SUITE_P(
    Seeds,
    SimulationRegressionTest,
    ::testing::Values(
        // A follower re-subscribing after a partition was linked to its previous image, which the endpoint no
        // longer fed and which reported where it began: "joined the leader's log at 0, not at 23840".
        RegressionSeed{1012, "re-subscribe linked to a stale image"},
        RegressionSeed{1131, "re-subscribe linked to a stale image, then a catch-up that never moved"},
        // The same image joined late, ahead of what the archive had recorded of it.
        RegressionSeed{1027, "late join ahead of the recording"},
        // The leader's catch-up replay stalled while the follower kept reporting one position; neither side
        // gave up on it.
        RegressionSeed{1070, "stalled catch-up never retried"},
        // A first election that failed after extending the log restarted from the recovery plan's stale end.
        RegressionSeed{662, "stale recovery plan after a failed first election"},
        RegressionSeed{751, "stale recovery plan after a failed first election"},
        // Found by the commit-within-quorum invariant. A new leader counted the tail of earlier terms it brought
        // as committed at LEADER_INIT, before any follower had it (and applied it to its services then).
        RegressionSeed{296, "new leader committed its tail before a quorum had it"},
        RegressionSeed{439, "new leader committed its tail before a quorum had it"},
        // A follower's position from its canvass in an older term (a tail it then truncated) was kept, by max,
        // when it reported its first position in the new term, and counted towards the quorum.
        RegressionSeed{1904, "a position from another term counted towards the quorum"},
        // Members that lost everything and rejoined from an empty directory. The first retried a log replication
        // the leader's archive refused (a replay to it still draining) only after 10 s; the second took the
        // snapshot recording it had just copied for its log (a stale REPLICATE signal); the third waited out the
        // progress timeout on a replication that had already failed.
        RegressionSeed{60, "a refused log replication never retried", true},
        RegressionSeed{66, "the copied snapshot's recording taken for the log", true},
        RegressionSeed{69, "a failed log replication waited on", true},
        // Found once the workload scheduled and cancelled timers (the timing moved). A client's message to a
        // leader that was paused was appended by that member when it led again, after the client's retry (C6):
        // ingress messages of another term are now dropped, as in Aeron.
        RegressionSeed{206, "an ingress message from an earlier term appended after its retry"},
        RegressionSeed{882, "an ingress message from an earlier term appended after its retry"},
        // A power loss tore a write inside a frame; without checksums the recovered archive kept the frame and the
        // member applied its zeroed body. At sync level 1 the simulated members now record checksums.
        RegressionSeed{828, "a torn frame applied after a power loss"},
        // A follower whose catch-up ended in the term before the current one heard the new term's heartbeats,
        // which kept it from timing out, and never learned of the term.
        RegressionSeed{996, "a follower left in an old term by a newer term's heartbeats"}),
    [](const ::testing::TestParamInfo<RegressionSeed>& param) { return "seed" + std::to_string(param.param.seed); });
} // namespace
} // namespace cox::sim

#include <gtest/gtest.h>

#include "cox/sim/Simulation.hpp"

namespace cox::sim
{
namespace
{
std::string describe(const SimulationResult& result)
{
    std::string text = "seed " + std::to_string(result.seed) + ":";
    for (const auto& failure : result.failures)
    {
        text += "\n  " + failure;
    }
    return text;
}

TEST(SimulationTest, shouldPassAShortRunWithoutFaults)
{
    SimulationOptions options;
    options.seed = 11;
    options.steps = 1500;
    options.faults = false;
    const SimulationResult result = Simulation(options).run();

    EXPECT_TRUE(result.passed) << describe(result);
    EXPECT_GT(result.acknowledged, 20);
    EXPECT_EQ(0, result.indeterminate);
    EXPECT_GE(result.highestTerm, 0);
    EXPECT_GT(result.finalCommitPosition, 0);
    EXPECT_FALSE(result.history.applied.empty());
}

TEST(SimulationTest, shouldPassAShortRunWithFaults)
{
    SimulationOptions options;
    options.seed = 5;
    options.steps = 3000;
    const SimulationResult result = Simulation(options).run();

    EXPECT_FALSE(result.schedule.empty());
    EXPECT_TRUE(result.passed) << describe(result);
    EXPECT_GT(result.acknowledged, 0);
}

TEST(SimulationTest, shouldSurvivePowerLossesThatStrikeMidWriteAtSyncLevelOne)
{
    // Seed 8 kills members twice: at sync level 1 each kill is a power loss on the simulated disk, striking at a
    // random write and sometimes tearing it. Everything acknowledged was synced first, so every check passes.
    SimulationOptions options;
    options.seed = 8;
    options.fileSyncLevel = 1;
    const SimulationResult result = Simulation(options).run();

    EXPECT_TRUE(result.passed) << describe(result);
    EXPECT_EQ(result.fileSyncLevel, 1);
    EXPECT_EQ(result.powerLosses, 2);
    EXPECT_GT(result.writesUndone, 0) << "the power losses should have undone the writes they struck";
}

TEST(SimulationTest, shouldCatchWhatAPowerLossTakesWhenNothingIsSynced)
{
    // The disk model's own control: at sync level 0 a power loss takes what a member acknowledged, and over these
    // seeds the checkers must say so (in seed 94 a leader counts as committed what only it still holds).
    std::int32_t caught = 0;
    for (const std::uint64_t seed : {94ULL, 136ULL})
    {
        SimulationOptions options;
        options.seed = seed;
        options.fileSyncLevel = 0;
        options.powerLoss = 1;
        const SimulationResult result = Simulation(options).run();
        EXPECT_GT(result.writesUndone, 0);
        caught += result.passed ? 0 : 1;
    }
    EXPECT_GT(caught, 0);
}

TEST(SimulationTest, shouldDrawTheSameScheduleForTheSameSeed)
{
    SimulationOptions options;
    options.seed = 77;
    const auto first = Simulation::drawSchedule(options);
    const auto second = Simulation::drawSchedule(options);
    ASSERT_EQ(first.size(), second.size());
    for (std::size_t i = 0; i < first.size(); ++i)
    {
        EXPECT_EQ(first[i].describe(), second[i].describe());
    }
    options.seed = 78;
    const auto other = Simulation::drawSchedule(options);
    EXPECT_FALSE(other.size() == first.size() && other.front().describe() == first.front().describe());
}

TEST(SimulationTest, shouldGiveTheSameTraceHashForTheSameSeed)
{
    SimulationOptions options;
    options.seed = 3;
    options.steps = 2500;
    const SimulationResult first = Simulation(options).run();
    const SimulationResult second = Simulation(options).run();

    EXPECT_EQ(first.traceHash, second.traceHash);
    EXPECT_EQ(first.steps, second.steps);
    EXPECT_EQ(first.network.delivered, second.network.delivered);
    EXPECT_EQ(first.operations, second.operations);
}
} // namespace
} // namespace cox::sim

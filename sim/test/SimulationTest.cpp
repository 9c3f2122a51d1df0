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

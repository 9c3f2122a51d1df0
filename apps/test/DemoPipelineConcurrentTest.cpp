// The demo pipeline on real threads, for the TSan build: clients, sequencer and service each on a
// thread of their own (dedicated) or together on one runner thread (shared), with the test thread
// reading progress and counters concurrently.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "SequencerPipeline.hpp"
#include "TempDirectory.hpp"

using namespace cox::apps::demo;
using cox::apps::test::TempDirectory;

namespace
{
PipelineResult runThreaded(ThreadingMode mode, std::int64_t messages, const std::string& idle)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::SystemEpochClock epochClock;
    PipelineConfig config;
    config.messages = messages;
    config.threading = mode;
    config.idleStrategy = idle;
    config.directory = dir.path();
    config.ingressCapacity = 16 * 1024;
    config.logCapacity = 8 * 1024;
    SequencerPipeline pipeline(config, nanoClock, epochClock);
    pipeline.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::int64_t lastApplied = 0;
    while (!pipeline.isFinished() && std::chrono::steady_clock::now() < deadline)
    {
        const PipelineProgress progress = pipeline.progress();
        EXPECT_GE(progress.applied, lastApplied);
        lastApplied = progress.applied;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(pipeline.isFinished());
    pipeline.close();
    return pipeline.result();
}
} // namespace

TEST(DemoPipelineConcurrentTest, shouldMatchHashesWhenEachAgentHasItsOwnThread)
{
    const PipelineResult result = runThreaded(ThreadingMode::Dedicated, 20'000, "backoff");
    EXPECT_EQ(result.applied, 20'000);
    EXPECT_EQ(result.serviceStateHash, result.expectedStateHash);
    EXPECT_TRUE(result.passed());
}

TEST(DemoPipelineConcurrentTest, shouldMatchHashesWhenAgentsShareOneThread)
{
    const PipelineResult result = runThreaded(ThreadingMode::Shared, 20'000, "sleeping");
    EXPECT_EQ(result.applied, 20'000);
    EXPECT_EQ(result.recomputedStateHash, result.expectedStateHash);
    EXPECT_TRUE(result.passed());
}

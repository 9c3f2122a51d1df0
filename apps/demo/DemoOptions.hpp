#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "SequencerPipeline.hpp"

namespace cox::apps::demo
{
/// The pipeline as act 1 runs it by default: the library's defaults with fewer messages, so that the three
/// acts together take seconds.
[[nodiscard]] inline PipelineConfig defaultDemoPipeline()
{
    PipelineConfig config;
    config.messages = 200'000;
    return config;
}

/// coxswain-demo's command line.
struct DemoOptions
{
    static constexpr int ALL_ACTS = 0;
    static constexpr int ACT_COUNT = 3;

    /// Act 1: the sequencer pipeline.
    PipelineConfig pipeline = defaultDemoPipeline();
    /// Stop the clients after this long; 0 to run until the message count is reached.
    double seconds = 0.0;
    /// Empty: a fresh temporary directory, removed at the end. Given: kept, for cox-stat afterwards.
    std::string directory;
    /// ALL_ACTS, or the one act (1..ACT_COUNT) to run.
    int act = ALL_ACTS;
    /// Act 2: messages over UDP, and the fraction of data datagrams the driver's receiver drops.
    std::int64_t udpMessages = 100'000;
    double lossRate = 0.05;
    std::uint64_t lossSeed = 42;
    /// Act 3: messages recorded and replayed.
    std::int64_t archiveMessages = 50'000;
    bool help = false;

    [[nodiscard]] bool runs(int actNumber) const noexcept { return act == ALL_ACTS || act == actNumber; }
};

/// Parses the arguments (argv[0] excluded). Throws IllegalArgumentException with a message fit for the user.
[[nodiscard]] DemoOptions parseDemoOptions(const std::vector<std::string>& args);

/// The --help text.
[[nodiscard]] std::string demoUsage();
} // namespace cox::apps::demo

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "SequencerPipeline.hpp"

namespace cox::apps::demo
{
/// coxswain-demo's command line.
struct DemoOptions
{
    PipelineConfig pipeline;
    /// Stop the clients after this long; 0 to run until the message count is reached.
    double seconds = 0.0;
    /// Empty: a fresh temporary directory, removed at the end. Given: kept, for cox-stat afterwards.
    std::string directory;
    bool help = false;
};

/// Parses the arguments (argv[0] excluded). Throws IllegalArgumentException with a message fit for the user.
[[nodiscard]] DemoOptions parseDemoOptions(const std::vector<std::string>& args);

/// The --help text.
[[nodiscard]] std::string demoUsage();
} // namespace cox::apps::demo

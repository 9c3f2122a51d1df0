#pragma once

#include <string>
#include <vector>

namespace cox::apps::node
{
/// coxswain-node's command line: `[config.toml] [key=value ...] [--print-config]`.
struct NodeOptions
{
    /// Empty: no file, every key at its default unless overridden.
    std::string configPath;
    /// "key=value" assignments, applied in order after the file.
    std::vector<std::string> overrides;
    bool printConfig = false;
    bool help = false;
};

/// Parses the arguments (argv[0] excluded): an argument holding '=' is an override, the one argument without
/// it is the configuration file. Throws util::IllegalArgumentException with a message fit for the user.
[[nodiscard]] NodeOptions parseNodeOptions(const std::vector<std::string>& args);

/// The --help text.
[[nodiscard]] std::string nodeUsage();
} // namespace cox::apps::node

#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cox::bench
{
/// A cox-bench subcommand: takes the arguments after its name, prints a human summary and, as
/// its last line, one JSON object; returns the process exit code.
using BenchMain = std::function<int(const std::vector<std::string>& args)>;

struct BenchCommand
{
    std::string description;
    BenchMain run;
};

/// Registry filled by BenchRegistration objects at static-initialisation time.
std::map<std::string, BenchCommand>& benchCommands();

struct BenchRegistration
{
    BenchRegistration(const std::string& name, const std::string& description, BenchMain run)
    {
        benchCommands().emplace(name, BenchCommand{description, std::move(run)});
    }
};
} // namespace cox::bench

#include <cstdio>
#include <string>
#include <vector>

#include "BenchCommand.hpp"

namespace cox::bench
{
std::map<std::string, BenchCommand>& benchCommands()
{
    static std::map<std::string, BenchCommand> commands;
    return commands;
}
} // namespace cox::bench

namespace
{
void usage()
{
    std::fprintf(stderr, "usage: cox-bench <benchmark> [options]\n\nbenchmarks:\n");
    for (const auto& [name, command] : cox::bench::benchCommands())
    {
        std::fprintf(stderr, "  %-22s %s\n", name.c_str(), command.description.c_str());
    }
}
} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")
    {
        usage();
        return argc < 2 ? 2 : 0;
    }
    const auto& commands = cox::bench::benchCommands();
    const auto it = commands.find(argv[1]);
    if (it == commands.end())
    {
        std::fprintf(stderr, "cox-bench: unknown benchmark '%s'\n", argv[1]);
        usage();
        return 2;
    }
    return it->second.run(std::vector<std::string>(argv + 2, argv + argc));
}

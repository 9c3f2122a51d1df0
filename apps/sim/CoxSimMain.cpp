// cox-sim: runs the deterministic simulator over one seed (--seed S, printing its schedule and result) or many
// (--seeds N [--first S], a line per failure and a JSON summary line at the end).
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <string>
#include <string_view>
#include <streambuf>

#include "cox/sim/Simulation.hpp"

namespace
{
/// Swallows what the cluster's rare-event log writes to std::cout (elections, recovery plans): thousands of lines
/// per seed would bury the results, which go to stdout through C stdio instead. --verbose keeps them.
class NullBuffer final : public std::streambuf
{
protected:
    int overflow(int c) override { return c == traits_type::eof() ? traits_type::not_eof(c) : c; }
};

void usage()
{
    std::cerr << "usage: cox-sim (--seed S | --seeds N [--first S]) [--steps K] [--no-faults] [--verbose]\n"
                 "               [--no-step-invariants]   (only the end-of-run history checks)\n"
                 "               [--sync-level 0|1|2]     (default: drawn per seed, 0 or 1)\n"
                 "               [--power-loss]           (kills lose unsynced writes at any sync level)\n";
}

bool parseNumber(const char* text, std::uint64_t& value)
{
    char* end = nullptr;
    value = std::strtoull(text, &end, 10);
    return end != text && *end == '\0';
}

void printSummary(std::ostream& out, const cox::sim::SimulationResult& result)
{
    out << "seed " << result.seed << ": " << (result.passed ? "PASS" : "FAIL") << " after " << result.steps
              << " steps (" << result.simulatedNs / 1'000'000 << " ms simulated); " << result.operations
              << " operations, " << result.acknowledged << " acknowledged, " << result.indeterminate
              << " indeterminate; highest term " << result.highestTerm << ", final commit position "
              << result.finalCommitPosition << "; datagrams sent " << result.network.sent << ", delivered "
              << result.network.delivered << ", lost " << result.network.lost << ", duplicated "
              << result.network.duplicated << ", blocked " << result.network.blocked << "; member errors "
              << result.memberErrors << "; file sync level " << result.fileSyncLevel << ", power losses "
              << result.powerLosses << " (" << result.writesUndone << " unsynced writes undone); members that "
              << "stopped themselves " << result.failStops << "; trace " << std::hex << result.traceHash << std::dec << '\n';
    for (const auto& failure : result.failures)
    {
        out << "  failure: " << failure << '\n';
    }
    for (const auto& unknown : result.unknowns)
    {
        out << "  unknown: " << unknown << '\n';
    }
}
} // namespace

int main(int argc, char** argv)
{
    cox::sim::SimulationOptions options;
    std::uint64_t seed = 0;
    std::uint64_t seeds = 0;
    std::uint64_t first = 1;
    bool single = false;
    for (int i = 1; i < argc; ++i)
    {
        const std::string_view arg = argv[i];
        std::uint64_t value = 0;
        const bool hasValue = i + 1 < argc && parseNumber(argv[i + 1], value);
        if (arg == "--seed" && hasValue)
        {
            seed = value;
            single = true;
            ++i;
        }
        else if (arg == "--seeds" && hasValue)
        {
            seeds = value;
            ++i;
        }
        else if (arg == "--first" && hasValue)
        {
            first = value;
            ++i;
        }
        else if (arg == "--steps" && hasValue && value > 0)
        {
            options.steps = static_cast<std::int64_t>(value);
            ++i;
        }
        else if (arg == "--no-faults")
        {
            options.faults = false;
        }
        else if (arg == "--verbose")
        {
            options.verbose = true;
        }
        else if (arg == "--no-step-invariants")
        {
            options.stepInvariants = false;
        }
        else if (arg == "--sync-level" && hasValue && value <= 2)
        {
            options.fileSyncLevel = static_cast<std::int32_t>(value);
            ++i;
        }
        else if (arg == "--power-loss")
        {
            options.powerLoss = 1;
        }
        else
        {
            usage();
            return 2;
        }
    }
    if (single == (seeds > 0))
    {
        usage();
        return 2;
    }

    // Results keep the real stdout; the cluster's own log to std::cout goes nowhere unless --verbose.
    std::ostream out(std::cout.rdbuf());
    NullBuffer nullBuffer;
    if (!options.verbose)
    {
        std::cout.rdbuf(&nullBuffer);
    }
    try
    {
        if (single)
        {
            options.seed = seed;
            out << "seed " << seed << " schedule:\n";
            for (const auto& event : cox::sim::Simulation::drawSchedule(options))
            {
                out << "  " << event.describe() << '\n';
            }
            const auto result = cox::sim::Simulation(options).run();
            printSummary(out, result);
            out.flush();
            std::cout.rdbuf(out.rdbuf());
            return result.passed ? 0 : 1;
        }

        const auto start = std::chrono::steady_clock::now();
        std::uint64_t failures = 0;
        std::int64_t steps = 0;
        for (std::uint64_t s = first; s < first + seeds; ++s)
        {
            options.seed = s;
            const auto result = cox::sim::Simulation(options).run();
            steps += result.steps;
            if (!result.passed)
            {
                ++failures;
                out << "FAIL seed " << s << ": "
                          << (result.failures.empty() ? std::string("?") : result.failures.front())
                          << " (replay: cox-sim --seed " << s << ")\n";
            }
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        out << "{\"seeds\":" << seeds << ",\"failures\":" << failures << ",\"steps\":" << steps
                  << ",\"seconds\":" << seconds << "}\n";
        out.flush();
        std::cout.rdbuf(out.rdbuf());
        return failures == 0 ? 0 : 1;
    }
    catch (const std::exception& e)
    {
        std::cout.rdbuf(out.rdbuf());
        std::cerr << "cox-sim: seed " << options.seed << ": " << e.what() << '\n';
        return 2;
    }
}

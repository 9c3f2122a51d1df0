// `cox-bench micro`: runs the Google Benchmark microbenchmarks registered in bench/micro, prints
// the usual console table and ends with one JSON line of every benchmark's figures.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "BenchCommand.hpp"

namespace
{
class JsonLineReporter : public benchmark::ConsoleReporter
{
public:
    void ReportRuns(const std::vector<Run>& runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs)
        {
            // Of the aggregate rows (mean, median, stddev, cv) keep only the median: the others
            // are not per-operation times.
            if (run.error_occurred ||
                (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median"))
            {
                continue;
            }
            std::string entry = "\"" + run.benchmark_name() + "\":{\"ns_per_op\":" +
                std::to_string(run.GetAdjustedRealTime());
            for (const auto& [name, counter] : run.counters)
            {
                entry += ",\"" + name + "\":" + std::to_string(static_cast<double>(counter));
            }
            entry += "}";
            m_entries.push_back(entry);
        }
    }

    void printJsonLine() const
    {
        std::string line = "{\"benchmark\":\"micro\",\"results\":{";
        for (std::size_t i = 0; i < m_entries.size(); ++i)
        {
            line += (i == 0 ? "" : ",") + m_entries[i];
        }
        line += "}}";
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }

private:
    std::vector<std::string> m_entries;
};

int runMicro(const std::vector<std::string>& args)
{
    std::vector<std::string> storage{"cox-bench micro"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage)
    {
        argv.push_back(s.data());
    }
    int argc = static_cast<int>(argv.size());
    benchmark::Initialize(&argc, argv.data());
    JsonLineReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    reporter.printJsonLine();
    return 0;
}

const cox::bench::BenchRegistration registration(
    "micro", "Google Benchmark microbenchmarks (ring buffers, histogram, codecs, CRC32C); --benchmark_filter=RE", runMicro);
} // namespace

#include "DemoReport.hpp"

#include <cstdio>
#include <sstream>

#include "CountersView.hpp"

namespace cox::apps::demo
{
namespace
{
std::string microseconds(std::int64_t nanoseconds)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f", static_cast<double>(nanoseconds) / 1000.0);
    return text;
}

std::int64_t perSecond(std::int64_t count, double seconds)
{
    return seconds > 0.0 ? static_cast<std::int64_t>(static_cast<double>(count) / seconds) : 0;
}
} // namespace

std::string formatHash(std::uint64_t hash)
{
    char text[24];
    std::snprintf(text, sizeof(text), "0x%016llx", static_cast<unsigned long long>(hash));
    return text;
}

std::string formatProgress(double elapsedSeconds, const PipelineProgress& progress, std::int64_t appliedInInterval,
                           double intervalSeconds)
{
    char prefix[32];
    std::snprintf(prefix, sizeof(prefix), "[%6.1f s]", elapsedSeconds);
    std::ostringstream out;
    out << prefix << "  sent " << formatThousands(progress.sent) << "  sequenced "
        << formatThousands(progress.sequenced) << "  applied " << formatThousands(progress.applied) << "  ("
        << formatThousands(perSecond(appliedInInterval, intervalSeconds)) << " msg/s)  log position "
        << formatThousands(progress.logPosition);
    return out.str();
}

std::string formatSummary(const PipelineResult& result, const util::Histogram& latencyNs, double elapsedSeconds)
{
    std::ostringstream out;
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.2f s", elapsedSeconds);
    out << "Summary\n";
    out << "  messages     " << formatThousands(result.sent) << " sent, " << formatThousands(result.sequenced)
        << " sequenced, " << formatThousands(result.applied) << " applied in " << seconds << "\n";
    out << "  throughput   " << formatThousands(perSecond(result.applied, elapsedSeconds)) << " msg/s\n";
    out << "  log          " << formatThousands(result.logPosition) << " bytes; " << result.crcFailures
        << " CRC failures, " << result.sequenceGaps << " sequence gaps, " << result.rejected << " rejected\n";
    out << "  back press.  " << formatThousands(result.ingressBackPressure) << " on ingress, "
        << formatThousands(result.logBackPressure) << " on the log\n";
    out << "  latency      client send -> service apply, us: p50 " << microseconds(latencyNs.valueAtPercentile(50.0))
        << "  p90 " << microseconds(latencyNs.valueAtPercentile(90.0)) << "  p99 "
        << microseconds(latencyNs.valueAtPercentile(99.0)) << "  p99.9 "
        << microseconds(latencyNs.valueAtPercentile(99.9)) << "  max " << microseconds(latencyNs.max()) << "  ("
        << formatThousands(latencyNs.totalCount()) << " samples)\n";
    out << "  state hash   " << formatHash(result.serviceStateHash) << "  service, kept incrementally\n";
    out << "               " << formatHash(result.recomputedStateHash) << "  recomputed from the map's "
        << formatThousands(result.entries) << " entries\n";
    out << "               " << formatHash(result.expectedStateHash) << "  expected from the clients' inputs ("
        << formatThousands(result.expectedEntries) << " entries)\n";
    out << "               " << (result.hashesMatch() ? "MATCH" : "MISMATCH") << "\n";
    if (result.errors.empty())
    {
        out << "  errors       none\n";
    }
    else
    {
        out << "  errors       " << result.errors.size() << " distinct, " << formatThousands(result.errorCount)
            << " in all:\n";
        for (const DistinctError& error : result.errors)
        {
            out << "               " << formatThousands(error.observations) << " x " << error.text << "\n";
        }
    }
    out << "  result       " << (result.passed() ? "PASS" : "FAIL") << "\n";
    return out.str();
}
} // namespace cox::apps::demo

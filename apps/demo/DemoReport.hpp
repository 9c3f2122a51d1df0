#pragma once

#include <cstdint>
#include <string>

#include "SequencerPipeline.hpp"
#include "cox/util/Histogram.hpp"

namespace cox::apps::demo
{
/// One progress line: elapsed time, messages sent/sequenced/applied, the rate over the last interval
/// and the log position.
[[nodiscard]] std::string formatProgress(double elapsedSeconds, const PipelineProgress& progress,
                                         std::int64_t appliedInInterval, double intervalSeconds);

/// The end-of-run summary: counts, throughput, latency percentiles in microseconds, the three state
/// hashes and whether they match, the distinct errors, and a last line "  result       PASS" or "FAIL".
[[nodiscard]] std::string formatSummary(const PipelineResult& result, const util::Histogram& latencyNs,
                                        double elapsedSeconds);

/// 0x-prefixed, 16 hex digits.
[[nodiscard]] std::string formatHash(std::uint64_t hash);
} // namespace cox::apps::demo

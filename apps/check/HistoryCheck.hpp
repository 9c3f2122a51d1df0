#pragma once

#include <string>
#include <vector>

#include "cox/sim/CheckResult.hpp"
#include "cox/sim/History.hpp"

namespace cox::apps::check
{
/// Appends every record of from to into (operations, applied messages, timers, entries, state hashes); the
/// final cluster time is the larger of the two.
void mergeHistory(sim::History& into, const sim::History& from);

/// Reads a coxswain-node node-report.txt (service.0.state-hash, service.0.log-position) as member's state hash.
/// Throws util::IoException if unreadable, util::IllegalArgumentException if the report lacks either line.
[[nodiscard]] sim::StateHash readNodeReport(int memberId, const std::string& path);

/// One line of the report: a check C1..C9 and what became of it.
struct CheckLine
{
    std::string id;
    /// PASS, FAIL, UNKNOWN, or SKIPPED when the history has no records the check needs.
    std::string status;
    std::string detail;
};

/// C1..C9 in order, from checkHistory's results (a check it did not run is SKIPPED with what it would need).
[[nodiscard]] std::vector<CheckLine> checkLines(const std::vector<sim::CheckResult>& results);

/// True when no line FAILED or was UNKNOWN and every id in required (e.g. "C4") was run and passed.
[[nodiscard]] bool verdict(const std::vector<CheckLine>& lines, const std::vector<std::string>& required);

/// The final JSON line.
[[nodiscard]] std::string formatJson(const std::vector<CheckLine>& lines, const sim::History& history, bool passed);
} // namespace cox::apps::check

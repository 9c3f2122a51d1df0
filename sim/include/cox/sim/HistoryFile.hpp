#pragma once

#include "cox/sim/CheckResult.hpp"
#include "cox/sim/History.hpp"
#include "cox/sim/LinearizabilityChecker.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cox::sim
{
/// A line-oriented text form of a History, so that real-process tests can record histories and the
/// checkers (or a person) can read them. One record per line, a record type then space-separated
/// name=value fields in any order; omitted fields take their defaults; '#' starts a comment line.
///
///   op client=3 seq=7 kind=CAS key=k1 expected=1 value=2 invoke=100 complete=250 outcome=OK pos=4096 retry=0
///   applied pos=4096 client=3 seq=7
///   schedule corr=9 deadline=5000 cancelled=1 cancelpos=6144
///   timer corr=9 deadline=5000 fired=5100 pos=8192 member=1
///   entry member=1 pos=4096 hash=0x1f2e ts=1000
///   state member=1 pos=4096 hash=0xabcd
///   final-time ns=9000
///
/// Strings (key, value, expected) are percent-encoded: '%', '=', whitespace and bytes outside printable
/// ASCII become %XX, so any byte string survives. complete=inf marks an indeterminate operation.
[[nodiscard]] std::string formatHistory(const History& history);

/// Parses formatHistory's output. Throws IllegalArgumentException naming the line and field on malformed
/// input: this is set-up code reading a file, not a hot path.
[[nodiscard]] History parseHistory(std::string_view text);

/// Writes or reads a history file; IoException if the file cannot be written or read.
void saveHistory(const std::string& path, const History& history);
[[nodiscard]] History loadHistory(const std::string& path);

/// Runs every checker that has data in the history: C1, C2, C6 (when there are applied messages or
/// reported positions), C3, C4, C8, C9 and C7 (when there are key-value operations).
[[nodiscard]] std::vector<CheckResult> checkHistory(const History& history, const LinearizabilityOptions& options = {});

/// True when no result FAILED or was UNKNOWN.
[[nodiscard]] bool allPassed(const std::vector<CheckResult>& results) noexcept;
} // namespace cox::sim

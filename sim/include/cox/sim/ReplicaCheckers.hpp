#pragma once

#include "cox/sim/CheckResult.hpp"
#include "cox/sim/History.hpp"

#include <span>

namespace cox::sim
{
/// C3: members agree on the log. At every position two members both applied, the entry hashes are
/// equal; and where the applied ranges of two members overlap, both applied entries at the same
/// positions (a member that started from a snapshot only lacks entries before its range).
[[nodiscard]] CheckResult checkLogAgreement(std::span<const AppliedEntry> entries);

/// C4: service state hashes are equal on every member that recorded one at the same position.
[[nodiscard]] CheckResult checkStateAgreement(std::span<const StateHash> stateHashes);

/// C8: every timer fires at most once (one log position across all members, once per member), never
/// before its deadline, and, when finalClusterTimeNs is known, every uncancelled scheduled timer due by then has
/// fired. A cancelled timer must not fire, except once after its committed cancel in the log (a suppressed firing:
/// the leader fired it before the cancel reached its consensus module, and the service ignores it). With schedules
/// given, a firing of an unscheduled timer fails. Effective (unsuppressed) firings are also in deadline order: a
/// timer whose deadline is earlier than that of a timer fired before it in the log fails (equal deadlines fire in
/// either order).
[[nodiscard]] CheckResult checkTimers(std::span<const TimerSchedule> schedules, std::span<const TimerEvent> events,
                                      std::int64_t finalClusterTimeNs);

/// Timers as C8 classifies them (see TimerTally). Counts only; checkTimers judges.
[[nodiscard]] TimerTally tallyTimers(std::span<const TimerSchedule> schedules, std::span<const TimerEvent> events);
} // namespace cox::sim

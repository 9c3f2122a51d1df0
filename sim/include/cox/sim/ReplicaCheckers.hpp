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
/// before its deadline, never if cancelled, and, when finalClusterTimeNs is known, every uncancelled
/// scheduled timer due by then has fired. With schedules given, a firing of an unscheduled timer fails.
[[nodiscard]] CheckResult checkTimers(std::span<const TimerSchedule> schedules, std::span<const TimerEvent> events,
                                      std::int64_t finalClusterTimeNs);
} // namespace cox::sim

#pragma once

#include "cox/sim/CheckResult.hpp"
#include "cox/sim/History.hpp"

#include <span>

namespace cox::sim
{
/// C1: every acknowledged operation appears in the applied log, and where the response reported a log
/// position, at that position. Indeterminate operations may or may not appear.
[[nodiscard]] CheckResult checkNoLostAcks(std::span<const Operation> operations,
                                          std::span<const AppliedMessage> applied);

/// C2: nothing is applied twice unless its operation was retried, nothing is applied that was never
/// invoked (a phantom), and nothing the client was told was rejected is applied.
[[nodiscard]] CheckResult checkNoDuplicatesOrPhantoms(std::span<const Operation> operations,
                                                      std::span<const AppliedMessage> applied);

/// C6: within a session, requests are applied in sequence order; across sessions, an operation that
/// completed before another was invoked is applied at a lower position. Positions come from the applied
/// log, or from the response's reported position when the log does not hold the request.
[[nodiscard]] CheckResult checkOrdering(std::span<const Operation> operations, std::span<const AppliedMessage> applied);

/// C9: on each member, the cluster timestamps of applied entries never decrease with log position,
/// across leadership terms included.
[[nodiscard]] CheckResult checkClusterTimeMonotonic(std::span<const AppliedEntry> entries);
} // namespace cox::sim

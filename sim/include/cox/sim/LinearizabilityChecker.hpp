#pragma once

#include "cox/sim/CheckResult.hpp"
#include "cox/sim/History.hpp"

#include <cstdint>
#include <span>

namespace cox::sim
{
struct LinearizabilityOptions
{
    /// Search states (model steps tried) per run across all keys before the answer becomes UNKNOWN. A
    /// violating history on one hot key can need exponential search; this bounds time and memory.
    std::int64_t maxStatesVisited = 50'000'000;
};

/// C7: whether the key-value operations (PUT, GET, CAS, DELETE) are linearizable against a register
/// with compare-and-set per key, every key initially missing.
///
/// Wing & Gong's search with Lowe's memoisation of (linearized set, register state), run per key: a
/// history is linearizable iff each key's sub-history is (P-compositionality), and per-key searches are
/// small. Indeterminate operations complete at +infinity, so they may take effect anywhere after their
/// invocation or not at all; indeterminate GETs and REJECTED operations constrain nothing and are
/// dropped. SEND operations are ignored. Real-time order is strict: an operation completing at the same
/// nanosecond another is invoked counts as concurrent with it.
///
/// On failure the explanation names the key, the operation that could not be linearized and the
/// longest linearizable prefix found.
[[nodiscard]] CheckResult checkLinearizable(std::span<const Operation> operations,
                                            const LinearizabilityOptions& options = {});
} // namespace cox::sim

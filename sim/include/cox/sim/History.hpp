#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cox::sim
{
/// Completion time of an operation whose outcome the client never learned (timed out, or lost in a
/// failover): it may take effect at any point after its invocation, or never.
inline constexpr std::int64_t INDETERMINATE_NS = std::numeric_limits<std::int64_t>::max();

/// A log position or member that the recorder did not know, as Aeron's NULL_VALUE.
inline constexpr std::int64_t NULL_POSITION = -1;
inline constexpr std::int32_t NULL_MEMBER = -1;

/// SEND is a plain ingress message (workload W1); the rest are the key-value service's requests (W2).
enum class OpKind : std::uint8_t
{
    SEND,
    PUT,
    GET,
    CAS,
    DELETE
};

/// What the client was told. FAIL is a definite no-effect answer from the service (a CAS whose expected
/// value did not match); NOT_FOUND is a GET, CAS or DELETE of a missing key; REJECTED means the request
/// never reached the log (invalid, or refused before sequencing); UNKNOWN goes with an indeterminate
/// completion.
enum class OpOutcome : std::uint8_t
{
    OK,
    FAIL,
    NOT_FOUND,
    REJECTED,
    UNKNOWN
};

/// One client request, from invocation to the response (or to giving up on one).
struct Operation
{
    std::int64_t clientId = 0;
    /// Per-session sequence number; (clientId, sequence) names the request in the applied log.
    std::int64_t sequence = 0;
    OpKind kind = OpKind::SEND;
    std::string key;
    /// PUT: the value written; CAS: the new value; GET: the value read (when OK).
    std::string value;
    /// CAS only: the value the register had to hold.
    std::string expected;
    std::int64_t invokeNs = 0;
    std::int64_t completeNs = INDETERMINATE_NS;
    OpOutcome outcome = OpOutcome::UNKNOWN;
    /// The log position the response reported the request was applied at, if it reported one.
    std::int64_t logPosition = NULL_POSITION;
    /// The client resent this request, so the log may hold it more than once.
    bool retried = false;

    [[nodiscard]] bool isIndeterminate() const noexcept
    {
        return completeNs == INDETERMINATE_NS || outcome == OpOutcome::UNKNOWN;
    }

    /// The client was told the request took effect in the log (any answer from the service, even a
    /// not-found or a CAS mismatch, means it was sequenced).
    [[nodiscard]] bool isAcknowledged() const noexcept { return !isIndeterminate() && outcome != OpOutcome::REJECTED; }
};

/// One request as the service applied it, from a service-side journal or rebuilt from the archive.
struct AppliedMessage
{
    std::int64_t logPosition = 0;
    std::int64_t clientId = 0;
    std::int64_t sequence = 0;
};

/// A timer the service scheduled. A cancelled timer had a cancel committed while it was pending; an uncancelled
/// one whose deadline the cluster time has passed must fire.
///
/// The service hands a committed cancel to the consensus module only when it applies it, so a leader may already
/// have fired the timer in that gap: its TimerEvent then follows the cancel in the log. Such a firing is
/// suppressed (the service ignores it) and is accepted once, but only when it follows cancelPosition in the log.
struct TimerSchedule
{
    std::int64_t correlationId = 0;
    std::int64_t deadlineNs = 0;
    bool cancelled = false;
    /// Log position after the committed cancel; NULL_POSITION when not known, and then any firing of a cancelled
    /// timer fails.
    std::int64_t cancelPosition = NULL_POSITION;
};

/// Timers as C8 classifies them: scheduled, cancelled, and the distinct firings that took effect or were
/// suppressed by an earlier cancel.
struct TimerTally
{
    std::int64_t scheduled = 0;
    std::int64_t cancelled = 0;
    std::int64_t fired = 0;
    std::int64_t suppressed = 0;
};

/// A timer firing as one member's service saw it.
struct TimerEvent
{
    std::int64_t correlationId = 0;
    std::int64_t deadlineNs = 0;
    /// Cluster time of the log entry that fired it.
    std::int64_t firedAtNs = 0;
    std::int64_t logPosition = 0;
    std::int32_t memberId = NULL_MEMBER;
};

/// A log entry one member applied: its position, a hash of its bytes and its cluster timestamp.
struct AppliedEntry
{
    std::int32_t memberId = NULL_MEMBER;
    std::int64_t logPosition = 0;
    std::uint64_t entryHash = 0;
    std::int64_t clusterTimeNs = 0;
};

/// A hash of a member's service state after applying the log up to a position.
struct StateHash
{
    std::int32_t memberId = NULL_MEMBER;
    std::int64_t logPosition = 0;
    std::uint64_t stateHash = 0;
};

/// Everything recorded in one run; the checkers take the parts they need.
struct History
{
    std::vector<Operation> operations;
    std::vector<AppliedMessage> applied;
    std::vector<TimerSchedule> timerSchedules;
    std::vector<TimerEvent> timerEvents;
    std::vector<AppliedEntry> entries;
    std::vector<StateHash> stateHashes;
    /// Cluster time at the end of the run (the last log timestamp after the final drain), or NULL_POSITION
    /// if unknown; timers due by then must have fired.
    std::int64_t finalClusterTimeNs = NULL_POSITION;
};

[[nodiscard]] std::string_view opKindName(OpKind kind) noexcept;
[[nodiscard]] std::string_view opOutcomeName(OpOutcome outcome) noexcept;

/// "op#12 (client 3 seq 7 CAS key 'k' '1'->'2' invoked 100 completed 250 -> OK at pos 4096)": how the
/// checkers name an operation in their explanations. index is the operation's place in the history.
[[nodiscard]] std::string describeOperation(const Operation& op, std::size_t index);
} // namespace cox::sim

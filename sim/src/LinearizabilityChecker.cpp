#include "cox/sim/LinearizabilityChecker.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cox::sim
{
namespace
{
constexpr std::string_view C7_NAME = "C7 linearizability";

/// Register state: an interned value id, or ABSENT for a missing key.
constexpr std::int32_t ABSENT = -1;
constexpr std::int32_t NONE = -1;
/// Operations of the longest linearizable prefix to name in a failure.
constexpr std::size_t PREFIX_TAIL = 8;

/// One operation on a key, with its strings interned so the model compares integers.
struct KeyOp
{
    std::size_t opIndex;
    OpKind kind;
    OpOutcome outcome;
    std::int32_t value;
    std::int32_t expected;
    bool indeterminate;
};

/// Applies op to the register: false if its recorded answer is impossible from this state.
bool step(const KeyOp& op, std::int32_t state, std::int32_t& next) noexcept
{
    next = state;
    switch (op.kind)
    {
    case OpKind::PUT:
        next = op.value;
        return op.outcome == OpOutcome::OK || op.indeterminate;
    case OpKind::GET:
        return (op.outcome == OpOutcome::OK && state == op.value) ||
               (op.outcome == OpOutcome::NOT_FOUND && state == ABSENT);
    case OpKind::CAS:
        if (op.indeterminate)
        {
            next = state == op.expected ? op.value : state;
            return true;
        }
        if (op.outcome == OpOutcome::OK)
        {
            next = op.value;
            return state == op.expected;
        }
        if (op.outcome == OpOutcome::FAIL)
        {
            return state != ABSENT && state != op.expected;
        }
        return op.outcome == OpOutcome::NOT_FOUND && state == ABSENT;
    case OpKind::DELETE:
        next = ABSENT;
        if (op.indeterminate)
        {
            return true;
        }
        return (op.outcome == OpOutcome::OK && state != ABSENT) ||
               (op.outcome == OpOutcome::NOT_FOUND && state == ABSENT);
    case OpKind::SEND:
        return false;
    }
    return false;
}

/// Call and return events of a key's operations as a doubly linked list that the search lifts
/// operations out of and puts back. Entry 0 is the head sentinel.
struct EventList
{
    struct Entry
    {
        std::int32_t op = NONE;
        bool isCall = false;
        std::int32_t match = NONE;
        std::int32_t prev = NONE;
        std::int32_t next = NONE;
    };

    std::vector<Entry> entries;

    void lift(std::int32_t call) noexcept
    {
        auto& c = entries[static_cast<std::size_t>(call)];
        entries[static_cast<std::size_t>(c.prev)].next = c.next;
        entries[static_cast<std::size_t>(c.next)].prev = c.prev;
        auto& r = entries[static_cast<std::size_t>(c.match)];
        entries[static_cast<std::size_t>(r.prev)].next = r.next;
        if (r.next != NONE)
        {
            entries[static_cast<std::size_t>(r.next)].prev = r.prev;
        }
    }

    void unlift(std::int32_t call) noexcept
    {
        const auto& c = entries[static_cast<std::size_t>(call)];
        const auto& r = entries[static_cast<std::size_t>(c.match)];
        entries[static_cast<std::size_t>(r.prev)].next = c.match;
        if (r.next != NONE)
        {
            entries[static_cast<std::size_t>(r.next)].prev = c.match;
        }
        entries[static_cast<std::size_t>(c.prev)].next = call;
        entries[static_cast<std::size_t>(c.next)].prev = call;
    }
};

EventList buildEvents(const std::vector<KeyOp>& ops, std::span<const Operation> operations)
{
    struct Event
    {
        std::int64_t timeNs;
        bool isCall;
        std::int32_t op;
    };
    std::vector<Event> events;
    events.reserve(ops.size() * 2);
    for (std::size_t i = 0; i < ops.size(); ++i)
    {
        const auto& op = operations[ops[i].opIndex];
        const auto completeNs = ops[i].indeterminate ? INDETERMINATE_NS : op.completeNs;
        events.push_back({op.invokeNs, true, static_cast<std::int32_t>(i)});
        events.push_back({completeNs, false, static_cast<std::int32_t>(i)});
    }
    // Calls before returns at equal times: an operation completing at the nanosecond another starts is
    // concurrent with it, so the check never relies on the clock's resolution.
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b)
                     { return a.timeNs != b.timeNs ? a.timeNs < b.timeNs : (a.isCall && !b.isCall); });

    EventList list;
    list.entries.resize(events.size() + 1);
    std::vector<std::int32_t> callOf(ops.size(), NONE);
    for (std::size_t i = 0; i < events.size(); ++i)
    {
        const auto index = static_cast<std::int32_t>(i + 1);
        auto& entry = list.entries[i + 1];
        entry.op = events[i].op;
        entry.isCall = events[i].isCall;
        entry.prev = index - 1;
        entry.next = i + 1 < events.size() ? index + 1 : NONE;
        if (entry.isCall)
        {
            callOf[static_cast<std::size_t>(entry.op)] = index;
        }
        else
        {
            list.entries[static_cast<std::size_t>(callOf[static_cast<std::size_t>(entry.op)])].match = index;
        }
    }
    list.entries[0].next = events.empty() ? NONE : 1;
    return list;
}

/// Memo of (linearized set, register state) pairs already explored (Lowe's improvement). Each pair is a
/// run of words in one arena, the state in the last word, so a lookup allocates only when it inserts.
class Memo
{
public:
    explicit Memo(std::size_t opCount) : m_words(opCount / 64 + 2), m_set(64, Hash{this}, Equal{this})
    {
        m_arena.resize(m_words);
    }

    // The set's hash and equality functors point back at this object's arena.
    Memo(const Memo&) = delete;
    Memo& operator=(const Memo&) = delete;

    /// True if the pair was new (and is now remembered).
    bool insert(const std::vector<std::uint64_t>& linearized, std::int32_t state)
    {
        const auto probe = m_arena.size() - m_words;
        std::copy(linearized.begin(), linearized.end(), m_arena.begin() + static_cast<std::ptrdiff_t>(probe));
        m_arena[probe + m_words - 1] = static_cast<std::uint32_t>(state);
        if (!m_set.insert(probe).second)
        {
            return false;
        }
        m_arena.resize(m_arena.size() + m_words);
        return true;
    }

private:
    struct Hash
    {
        const Memo* memo;
        std::size_t operator()(std::size_t offset) const noexcept
        {
            std::uint64_t h = 0xCBF29CE484222325ULL;
            for (std::size_t i = 0; i < memo->m_words; ++i)
            {
                h = (h ^ memo->m_arena[offset + i]) * 0x100000001B3ULL;
                h ^= h >> 32;
            }
            return static_cast<std::size_t>(h);
        }
    };

    struct Equal
    {
        const Memo* memo;
        bool operator()(std::size_t a, std::size_t b) const noexcept
        {
            return std::equal(memo->m_arena.begin() + static_cast<std::ptrdiff_t>(a),
                              memo->m_arena.begin() + static_cast<std::ptrdiff_t>(a + memo->m_words),
                              memo->m_arena.begin() + static_cast<std::ptrdiff_t>(b));
        }
    };

    std::size_t m_words;
    std::vector<std::uint64_t> m_arena;
    std::unordered_set<std::size_t, Hash, Equal> m_set;
};

enum class SearchOutcome
{
    LINEARIZABLE,
    VIOLATION,
    BUDGET_SPENT
};

struct SearchReport
{
    SearchOutcome outcome = SearchOutcome::LINEARIZABLE;
    std::vector<std::int32_t> longestPrefix;
    std::int32_t stateAfterPrefix = ABSENT;
    std::int32_t blockingOp = NONE;
};

SearchReport search(const std::vector<KeyOp>& ops, std::span<const Operation> operations, std::int64_t& budget)
{
    auto list = buildEvents(ops, operations);
    Memo memo(ops.size());
    std::vector<std::uint64_t> linearized(ops.size() / 64 + 1, 0);
    struct Frame
    {
        std::int32_t call;
        std::int32_t stateBefore;
    };
    std::vector<Frame> calls;
    calls.reserve(ops.size());

    std::size_t remaining = 0;
    for (const auto& op : ops)
    {
        remaining += op.indeterminate ? 0 : 1;
    }

    SearchReport report;
    std::int32_t state = ABSENT;
    auto entry = list.entries[0].next;
    // Indeterminate operations still in the list can all go last, where taking effect is unobservable,
    // so the search succeeds once every determinate operation is linearized.
    while (remaining > 0)
    {
        const auto& e = list.entries[static_cast<std::size_t>(entry)];
        const auto& op = ops[static_cast<std::size_t>(e.op)];
        if (e.isCall)
        {
            if (--budget < 0)
            {
                report.outcome = SearchOutcome::BUDGET_SPENT;
                return report;
            }
            std::int32_t next = state;
            const auto bit = static_cast<std::size_t>(e.op);
            linearized[bit / 64] |= 1ULL << (bit % 64);
            if (step(op, state, next) && memo.insert(linearized, next))
            {
                calls.push_back({entry, state});
                state = next;
                remaining -= op.indeterminate ? 0 : 1;
                list.lift(entry);
                entry = list.entries[0].next;
            }
            else
            {
                linearized[bit / 64] &= ~(1ULL << (bit % 64));
                entry = e.next;
            }
            continue;
        }

        // A return reached with its call not linearized: that operation cannot take effect in any order
        // extending the current prefix, so undo the most recent choice.
        if (report.blockingOp == NONE || calls.size() > report.longestPrefix.size())
        {
            report.longestPrefix.clear();
            for (const auto& frame : calls)
            {
                report.longestPrefix.push_back(list.entries[static_cast<std::size_t>(frame.call)].op);
            }
            report.stateAfterPrefix = state;
            report.blockingOp = e.op;
        }
        if (calls.empty())
        {
            report.outcome = SearchOutcome::VIOLATION;
            return report;
        }
        const auto frame = calls.back();
        calls.pop_back();
        const auto& undone = list.entries[static_cast<std::size_t>(frame.call)];
        const auto bit = static_cast<std::size_t>(undone.op);
        linearized[bit / 64] &= ~(1ULL << (bit % 64));
        remaining += ops[bit].indeterminate ? 0 : 1;
        state = frame.stateBefore;
        list.unlift(frame.call);
        entry = undone.next;
    }
    return report;
}

std::string explainViolation(const std::string& key, const std::vector<KeyOp>& ops, const SearchReport& report,
                             std::span<const Operation> operations, const std::vector<std::string_view>& values)
{
    const auto& blocking = ops[static_cast<std::size_t>(report.blockingOp)];
    std::string text =
        "key '" + key + "' is not linearizable: " + describeOperation(operations[blocking.opIndex], blocking.opIndex) +
        " cannot take effect in any order of the operations before its completion. Longest linearizable prefix: " +
        std::to_string(report.longestPrefix.size()) + " of " + std::to_string(ops.size()) + " operations";
    if (!report.longestPrefix.empty())
    {
        const auto start = report.longestPrefix.size() > PREFIX_TAIL ? report.longestPrefix.size() - PREFIX_TAIL : 0;
        text += start > 0 ? ", ending ... " : ": ";
        for (std::size_t i = start; i < report.longestPrefix.size(); ++i)
        {
            const auto& op = ops[static_cast<std::size_t>(report.longestPrefix[i])];
            text += (i > start ? ", " : "") + describeOperation(operations[op.opIndex], op.opIndex);
        }
    }
    text += "; the register then holds ";
    text += report.stateAfterPrefix == ABSENT
                ? std::string("nothing (missing key)")
                : "'" + std::string(values[static_cast<std::size_t>(report.stateAfterPrefix)]) + "'";
    return text;
}

bool isKeyValue(OpKind kind) noexcept
{
    return kind != OpKind::SEND;
}
} // namespace

CheckResult checkLinearizable(std::span<const Operation> operations, const LinearizabilityOptions& options)
{
    std::vector<std::string_view> keyOrder;
    std::unordered_map<std::string_view, std::vector<std::size_t>> opsByKey;
    for (std::size_t i = 0; i < operations.size(); ++i)
    {
        const auto& op = operations[i];
        // A rejected request never ran and an indeterminate read told nobody anything: neither constrains.
        if (!isKeyValue(op.kind) || op.outcome == OpOutcome::REJECTED ||
            (op.kind == OpKind::GET && op.isIndeterminate()))
        {
            continue;
        }
        auto [it, inserted] = opsByKey.try_emplace(op.key);
        if (inserted)
        {
            keyOrder.push_back(op.key);
        }
        it->second.push_back(i);
    }

    std::int64_t budget = options.maxStatesVisited;
    std::size_t checkedOps = 0;
    for (const auto key : keyOrder)
    {
        std::unordered_map<std::string_view, std::int32_t> valueIds;
        std::vector<std::string_view> values;
        const auto intern = [&](const std::string& value)
        {
            const auto [it, inserted] = valueIds.try_emplace(value, static_cast<std::int32_t>(values.size()));
            if (inserted)
            {
                values.push_back(value);
            }
            return it->second;
        };

        std::vector<KeyOp> ops;
        for (const auto index : opsByKey[key])
        {
            const auto& op = operations[index];
            ops.push_back(
                KeyOp{index, op.kind, op.outcome, intern(op.value), intern(op.expected), op.isIndeterminate()});
        }
        checkedOps += ops.size();

        const auto report = search(ops, operations, budget);
        if (report.outcome == SearchOutcome::VIOLATION)
        {
            return CheckResult::fail(C7_NAME, explainViolation(std::string(key), ops, report, operations, values));
        }
        if (report.outcome == SearchOutcome::BUDGET_SPENT)
        {
            return CheckResult::unknown(C7_NAME, "search budget of " + std::to_string(options.maxStatesVisited) +
                                                     " states spent on key '" + std::string(key) + "' (" +
                                                     std::to_string(ops.size()) +
                                                     " operations); neither a linearization nor a violation was found");
        }
    }
    return CheckResult::pass(C7_NAME, std::to_string(checkedOps) + " operations on " + std::to_string(keyOrder.size()) +
                                          " keys are linearizable");
}
} // namespace cox::sim

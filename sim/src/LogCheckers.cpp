#include "cox/sim/LogCheckers.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cox::sim
{
namespace
{
constexpr std::string_view C1_NAME = "C1 no lost acks";
constexpr std::string_view C2_NAME = "C2 no duplicates or phantoms";
constexpr std::string_view C6_NAME = "C6 session and real-time order";
constexpr std::string_view C9_NAME = "C9 cluster time monotonic";

struct RequestId
{
    std::int64_t clientId;
    std::int64_t sequence;

    bool operator==(const RequestId&) const = default;
};

struct RequestIdHash
{
    std::size_t operator()(const RequestId& id) const noexcept
    {
        const auto mixed =
            static_cast<std::uint64_t>(id.clientId) * 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(id.sequence);
        return static_cast<std::size_t>(mixed ^ (mixed >> 29));
    }
};

/// Applied positions of each request, lowest first.
using AppliedIndex = std::unordered_map<RequestId, std::vector<std::int64_t>, RequestIdHash>;

AppliedIndex indexApplied(std::span<const AppliedMessage> applied)
{
    AppliedIndex index;
    index.reserve(applied.size());
    for (const auto& message : applied)
    {
        index[RequestId{message.clientId, message.sequence}].push_back(message.logPosition);
    }
    for (auto& [id, positions] : index)
    {
        std::sort(positions.begin(), positions.end());
    }
    return index;
}

std::string describeRequest(const AppliedMessage& message)
{
    return "client " + std::to_string(message.clientId) + " seq " + std::to_string(message.sequence) + " at pos " +
           std::to_string(message.logPosition);
}

std::string joinPositions(const std::vector<std::int64_t>& positions)
{
    std::string text;
    for (const auto position : positions)
    {
        text += (text.empty() ? "" : ", ") + std::to_string(position);
    }
    return text;
}

std::string withCount(std::string first, std::size_t count)
{
    if (count > 1)
    {
        first += " (and " + std::to_string(count - 1) + " more)";
    }
    return first;
}
} // namespace

CheckResult checkNoLostAcks(std::span<const Operation> operations, std::span<const AppliedMessage> applied)
{
    const auto index = indexApplied(applied);
    std::string first;
    std::size_t violations = 0;
    std::size_t acked = 0;
    for (std::size_t i = 0; i < operations.size(); ++i)
    {
        const auto& op = operations[i];
        if (!op.isAcknowledged())
        {
            continue;
        }
        ++acked;
        const auto it = index.find(RequestId{op.clientId, op.sequence});
        std::string problem;
        if (it == index.end())
        {
            problem = describeOperation(op, i) + " was acknowledged but never applied";
        }
        else if (op.logPosition != NULL_POSITION &&
                 !std::binary_search(it->second.begin(), it->second.end(), op.logPosition))
        {
            problem = describeOperation(op, i) + " was acknowledged at pos " + std::to_string(op.logPosition) +
                      " but the log applied it at pos " + joinPositions(it->second);
        }
        if (!problem.empty() && violations++ == 0)
        {
            first = std::move(problem);
        }
    }
    if (violations > 0)
    {
        return CheckResult::fail(C1_NAME, withCount(std::move(first), violations));
    }
    return CheckResult::pass(C1_NAME, std::to_string(acked) + " acknowledged operations all applied");
}

CheckResult checkNoDuplicatesOrPhantoms(std::span<const Operation> operations, std::span<const AppliedMessage> applied)
{
    std::unordered_map<RequestId, std::size_t, RequestIdHash> invoked;
    invoked.reserve(operations.size());
    for (std::size_t i = 0; i < operations.size(); ++i)
    {
        const auto [it, inserted] = invoked.emplace(RequestId{operations[i].clientId, operations[i].sequence}, i);
        if (!inserted)
        {
            // A resend is one operation marked retried; two records of one request is a recorder bug that
            // would otherwise hide duplicates.
            return CheckResult::fail(C2_NAME, describeOperation(operations[i], i) + " has the same client and seq as " +
                                                  describeOperation(operations[it->second], it->second));
        }
    }

    std::vector<AppliedMessage> byPosition(applied.begin(), applied.end());
    std::stable_sort(byPosition.begin(), byPosition.end(),
                     [](const AppliedMessage& a, const AppliedMessage& b) { return a.logPosition < b.logPosition; });

    std::unordered_map<RequestId, std::int64_t, RequestIdHash> firstApplied;
    firstApplied.reserve(byPosition.size());
    std::string first;
    std::size_t violations = 0;
    for (const auto& message : byPosition)
    {
        const RequestId id{message.clientId, message.sequence};
        const auto opIt = invoked.find(id);
        std::string problem;
        if (opIt == invoked.end())
        {
            problem = "phantom: " + describeRequest(message) + " was applied but never invoked";
        }
        else
        {
            const auto& op = operations[opIt->second];
            const auto [seenIt, firstTime] = firstApplied.emplace(id, message.logPosition);
            if (op.outcome == OpOutcome::REJECTED)
            {
                problem = describeOperation(op, opIt->second) + " was rejected but applied at pos " +
                          std::to_string(message.logPosition);
            }
            else if (!firstTime && !op.retried)
            {
                problem = "duplicate: " + describeOperation(op, opIt->second) + " applied at pos " +
                          std::to_string(seenIt->second) + " and again at pos " + std::to_string(message.logPosition);
            }
        }
        if (!problem.empty() && violations++ == 0)
        {
            first = std::move(problem);
        }
    }
    if (violations > 0)
    {
        return CheckResult::fail(C2_NAME, withCount(std::move(first), violations));
    }
    return CheckResult::pass(C2_NAME, std::to_string(byPosition.size()) + " applied requests, each invoked once");
}

CheckResult checkOrdering(std::span<const Operation> operations, std::span<const AppliedMessage> applied)
{
    const auto index = indexApplied(applied);
    struct Placed
    {
        std::size_t opIndex;
        std::int64_t position;
    };
    std::vector<Placed> placed;
    placed.reserve(operations.size());
    for (std::size_t i = 0; i < operations.size(); ++i)
    {
        const auto& op = operations[i];
        const auto it = index.find(RequestId{op.clientId, op.sequence});
        if (it != index.end())
        {
            placed.push_back({i, it->second.front()});
        }
        else if (op.logPosition != NULL_POSITION && op.isAcknowledged())
        {
            placed.push_back({i, op.logPosition});
        }
    }

    // Per-session FIFO: in sequence order, positions strictly increase.
    std::vector<Placed> bySession = placed;
    std::sort(bySession.begin(), bySession.end(),
              [&](const Placed& a, const Placed& b)
              {
                  const auto& x = operations[a.opIndex];
                  const auto& y = operations[b.opIndex];
                  return x.clientId != y.clientId ? x.clientId < y.clientId : x.sequence < y.sequence;
              });
    for (std::size_t i = 1; i < bySession.size(); ++i)
    {
        const auto& earlier = bySession[i - 1];
        const auto& later = bySession[i];
        if (operations[earlier.opIndex].clientId == operations[later.opIndex].clientId &&
            earlier.position >= later.position)
        {
            return CheckResult::fail(
                C6_NAME, "session order: " + describeOperation(operations[earlier.opIndex], earlier.opIndex) +
                             " applied at pos " + std::to_string(earlier.position) + " but later-sequenced " +
                             describeOperation(operations[later.opIndex], later.opIndex) + " applied at pos " +
                             std::to_string(later.position));
        }
    }

    // Real-time order: sweep operations by invocation while folding in every operation that completed
    // strictly before it; the highest position among those must lie below this operation's.
    std::vector<Placed> byCompletion;
    byCompletion.reserve(placed.size());
    for (const auto& p : placed)
    {
        if (!operations[p.opIndex].isIndeterminate())
        {
            byCompletion.push_back(p);
        }
    }
    std::sort(byCompletion.begin(), byCompletion.end(),
              [&](const Placed& a, const Placed& b)
              { return operations[a.opIndex].completeNs < operations[b.opIndex].completeNs; });
    std::vector<Placed> byInvocation = placed;
    std::sort(byInvocation.begin(), byInvocation.end(),
              [&](const Placed& a, const Placed& b)
              { return operations[a.opIndex].invokeNs < operations[b.opIndex].invokeNs; });

    std::size_t next = 0;
    const Placed* highest = nullptr;
    for (const auto& b : byInvocation)
    {
        const auto invokeNs = operations[b.opIndex].invokeNs;
        while (next < byCompletion.size() && operations[byCompletion[next].opIndex].completeNs < invokeNs)
        {
            if (highest == nullptr || byCompletion[next].position > highest->position)
            {
                highest = &byCompletion[next];
            }
            ++next;
        }
        if (highest != nullptr && highest->position >= b.position)
        {
            return CheckResult::fail(
                C6_NAME, "real-time order: " + describeOperation(operations[highest->opIndex], highest->opIndex) +
                             " completed before " + describeOperation(operations[b.opIndex], b.opIndex) +
                             " was invoked, yet was applied at pos " + std::to_string(highest->position) +
                             ", not below pos " + std::to_string(b.position));
        }
    }
    return CheckResult::pass(C6_NAME, std::to_string(placed.size()) + " placed operations in order");
}

CheckResult checkClusterTimeMonotonic(std::span<const AppliedEntry> entries)
{
    std::vector<AppliedEntry> sorted(entries.begin(), entries.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const AppliedEntry& a, const AppliedEntry& b)
              { return a.memberId != b.memberId ? a.memberId < b.memberId : a.logPosition < b.logPosition; });
    for (std::size_t i = 1; i < sorted.size(); ++i)
    {
        const auto& previous = sorted[i - 1];
        const auto& current = sorted[i];
        if (previous.memberId == current.memberId && current.clusterTimeNs < previous.clusterTimeNs)
        {
            return CheckResult::fail(C9_NAME, "member " + std::to_string(current.memberId) + ": cluster time " +
                                                  std::to_string(current.clusterTimeNs) + " at pos " +
                                                  std::to_string(current.logPosition) + " is below " +
                                                  std::to_string(previous.clusterTimeNs) + " at earlier pos " +
                                                  std::to_string(previous.logPosition));
        }
    }
    return CheckResult::pass(C9_NAME, std::to_string(sorted.size()) + " entries");
}
} // namespace cox::sim

#include "cox/sim/ReplicaCheckers.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace cox::sim
{
namespace
{
constexpr std::string_view C3_NAME = "C3 log agreement";
constexpr std::string_view C4_NAME = "C4 state agreement";
constexpr std::string_view C8_NAME = "C8 timers";

std::string hex(std::uint64_t value)
{
    char text[24];
    std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

std::string member(std::int32_t memberId)
{
    return "member " + std::to_string(memberId);
}

/// First position, lowest first, at which two records disagree on the hash; empty if none.
template <typename Record, typename HashOf>
std::string firstHashDivergence(std::vector<Record> records, HashOf hashOf, std::string_view what)
{
    std::stable_sort(records.begin(), records.end(),
                     [](const Record& a, const Record& b) { return a.logPosition < b.logPosition; });
    std::size_t runStart = 0;
    for (std::size_t i = 1; i < records.size(); ++i)
    {
        const auto& reference = records[runStart];
        const auto& current = records[i];
        if (current.logPosition != reference.logPosition)
        {
            runStart = i;
        }
        else if (hashOf(current) != hashOf(reference))
        {
            return std::string(what) + " at pos " + std::to_string(current.logPosition) +
                   " differs: " + member(reference.memberId) + " has " + hex(hashOf(reference)) + ", " +
                   member(current.memberId) + " has " + hex(hashOf(current));
        }
    }
    return {};
}
} // namespace

CheckResult checkLogAgreement(std::span<const AppliedEntry> entries)
{
    const auto divergence = firstHashDivergence(
        std::vector<AppliedEntry>(entries.begin(), entries.end()), [](const AppliedEntry& e) { return e.entryHash; },
        "entry");
    if (!divergence.empty())
    {
        return CheckResult::fail(C3_NAME, divergence);
    }

    std::map<std::int32_t, std::vector<std::int64_t>> positionsByMember;
    for (const auto& entry : entries)
    {
        positionsByMember[entry.memberId].push_back(entry.logPosition);
    }
    for (auto& [memberId, positions] : positionsByMember)
    {
        std::sort(positions.begin(), positions.end());
        positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    }

    // Entries are framed by position, so two members holding the same range must have entries at the same
    // positions; one holding an entry the other skipped means their logs are framed differently.
    for (auto a = positionsByMember.begin(); a != positionsByMember.end(); ++a)
    {
        for (auto b = std::next(a); b != positionsByMember.end(); ++b)
        {
            const auto low = std::max(a->second.front(), b->second.front());
            const auto high = std::min(a->second.back(), b->second.back());
            for (const auto* side : {&*a, &*b})
            {
                const auto& other = side == &*a ? *b : *a;
                for (const auto position : side->second)
                {
                    if (position >= low && position <= high &&
                        !std::binary_search(other.second.begin(), other.second.end(), position))
                    {
                        return CheckResult::fail(
                            C3_NAME, member(side->first) + " applied an entry at pos " + std::to_string(position) +
                                         " that " + member(other.first) + " has no entry at, inside the range [" +
                                         std::to_string(low) + ", " + std::to_string(high) + "] both applied");
                    }
                }
            }
        }
    }
    return CheckResult::pass(C3_NAME, std::to_string(entries.size()) + " entries on " +
                                          std::to_string(positionsByMember.size()) + " members agree");
}

CheckResult checkStateAgreement(std::span<const StateHash> stateHashes)
{
    const auto divergence = firstHashDivergence(
        std::vector<StateHash>(stateHashes.begin(), stateHashes.end()), [](const StateHash& s) { return s.stateHash; },
        "state hash");
    if (!divergence.empty())
    {
        return CheckResult::fail(C4_NAME, divergence);
    }
    return CheckResult::pass(C4_NAME, std::to_string(stateHashes.size()) + " state hashes agree");
}

namespace
{
std::vector<TimerEvent> sortedByPosition(std::span<const TimerEvent> events)
{
    std::vector<TimerEvent> sorted(events.begin(), events.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const TimerEvent& a, const TimerEvent& b) {
                         return a.logPosition != b.logPosition ? a.logPosition < b.logPosition
                                                               : a.memberId < b.memberId;
                     });
    return sorted;
}

/// A firing at position is suppressed when a cancel of its timer was committed before it in the log.
bool isSuppressed(const TimerSchedule* schedule, std::int64_t position) noexcept
{
    return schedule != nullptr && schedule->cancelled && schedule->cancelPosition != NULL_POSITION &&
           position > schedule->cancelPosition;
}
} // namespace

TimerTally tallyTimers(std::span<const TimerSchedule> schedules, std::span<const TimerEvent> events)
{
    TimerTally tally;
    std::unordered_map<std::int64_t, const TimerSchedule*> scheduleById;
    for (const auto& schedule : schedules)
    {
        scheduleById[schedule.correlationId] = &schedule;
        ++tally.scheduled;
        tally.cancelled += schedule.cancelled ? 1 : 0;
    }
    std::unordered_map<std::int64_t, std::int64_t> firstPosition;
    for (const auto& event : sortedByPosition(events))
    {
        if (!firstPosition.emplace(event.correlationId, event.logPosition).second)
        {
            continue;
        }
        const auto it = scheduleById.find(event.correlationId);
        if (isSuppressed(it != scheduleById.end() ? it->second : nullptr, event.logPosition))
        {
            ++tally.suppressed;
        }
        else
        {
            ++tally.fired;
        }
    }
    return tally;
}

CheckResult checkTimers(std::span<const TimerSchedule> schedules, std::span<const TimerEvent> events,
                        std::int64_t finalClusterTimeNs)
{
    std::unordered_map<std::int64_t, const TimerSchedule*> scheduleById;
    for (const auto& schedule : schedules)
    {
        scheduleById[schedule.correlationId] = &schedule;
    }
    const auto scheduleOf = [&](std::int64_t correlationId) -> const TimerSchedule*
    {
        const auto it = scheduleById.find(correlationId);
        return it != scheduleById.end() ? it->second : nullptr;
    };

    const std::vector<TimerEvent> sorted = sortedByPosition(events);
    const auto describe = [](const TimerEvent& e)
    {
        return "timer " + std::to_string(e.correlationId) + " (deadline " + std::to_string(e.deadlineNs) +
               ") fired at cluster time " + std::to_string(e.firedAtNs) + " at pos " + std::to_string(e.logPosition) +
               " on " + member(e.memberId);
    };

    // The first firing of each timer (every member replays it at the same position), and whether it was
    // suppressed; only unsuppressed firings take part in the deadline order.
    std::unordered_map<std::int64_t, const TimerEvent*> firstFiring;
    std::vector<const TimerEvent*> effective;
    std::int64_t suppressed = 0;
    for (const auto& event : sorted)
    {
        const TimerSchedule* schedule = scheduleOf(event.correlationId);
        if (!schedules.empty() && schedule == nullptr)
        {
            return CheckResult::fail(C8_NAME, describe(event) + " but was never scheduled");
        }
        const auto deadlineNs = schedule != nullptr ? schedule->deadlineNs : event.deadlineNs;
        // A suppressed firing was still fired by the consensus module, so it must not be early either.
        if (event.firedAtNs < deadlineNs)
        {
            return CheckResult::fail(C8_NAME, describe(event) + ", before its deadline " + std::to_string(deadlineNs));
        }
        const auto [firstIt, isFirst] = firstFiring.emplace(event.correlationId, &event);
        if (!isFirst)
        {
            if (firstIt->second->logPosition != event.logPosition)
            {
                const bool firstSuppressed = isSuppressed(schedule, firstIt->second->logPosition);
                return CheckResult::fail(C8_NAME, "fired twice: " + describe(*firstIt->second) +
                                                      (firstSuppressed ? " (suppressed by its cancel)" : "") +
                                                      ", and " + describe(event));
            }
            continue;
        }
        if (isSuppressed(schedule, event.logPosition))
        {
            ++suppressed;
            continue;
        }
        if (schedule != nullptr && schedule->cancelled)
        {
            const std::string where = schedule->cancelPosition == NULL_POSITION
                ? std::string(" (cancel position unknown)")
                : " before its cancel at pos " + std::to_string(schedule->cancelPosition);
            return CheckResult::fail(C8_NAME, describe(event) + " although it was cancelled" + where);
        }
        effective.push_back(&event);
    }

    // The consensus module fires due timers in deadline order, and a timer is never scheduled for a time before
    // the request that asked for it, so an effective firing whose deadline is earlier than that of one before it
    // in the log means the order was broken (equal deadlines may fire in either order).
    const TimerEvent* latestDeadline = nullptr;
    std::int64_t latestDeadlineNs = 0;
    for (const TimerEvent* event : effective)
    {
        const TimerSchedule* schedule = scheduleOf(event->correlationId);
        const auto deadlineNs = schedule != nullptr ? schedule->deadlineNs : event->deadlineNs;
        if (latestDeadline != nullptr && deadlineNs < latestDeadlineNs)
        {
            return CheckResult::fail(C8_NAME, "out of deadline order: " + describe(*event) + ", after " +
                                                  describe(*latestDeadline) + " whose deadline " +
                                                  std::to_string(latestDeadlineNs) + " is later");
        }
        if (latestDeadline == nullptr || deadlineNs > latestDeadlineNs)
        {
            latestDeadline = event;
            latestDeadlineNs = deadlineNs;
        }
    }

    if (finalClusterTimeNs != NULL_POSITION)
    {
        for (const auto& schedule : schedules)
        {
            if (!schedule.cancelled && schedule.deadlineNs <= finalClusterTimeNs &&
                firstFiring.find(schedule.correlationId) == firstFiring.end())
            {
                return CheckResult::fail(C8_NAME, "timer " + std::to_string(schedule.correlationId) + " (deadline " +
                                                      std::to_string(schedule.deadlineNs) +
                                                      ") never fired by final cluster time " +
                                                      std::to_string(finalClusterTimeNs));
            }
        }
    }
    return CheckResult::pass(C8_NAME, std::to_string(schedules.size()) + " timers scheduled, " +
                                          std::to_string(effective.size()) + " fired once each, " +
                                          std::to_string(suppressed) + " firings suppressed by an earlier cancel");
}
} // namespace cox::sim

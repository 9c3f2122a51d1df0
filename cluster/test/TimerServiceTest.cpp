#include <gtest/gtest.h>

#include <map>
#include <random>
#include <utility>
#include <vector>

#include "cox/cluster/TimerService.hpp"

using cox::cluster::TimerService;

namespace
{
std::vector<std::int64_t> pollAll(TimerService& timers, std::int64_t now, std::int32_t limit = TimerService::POLL_LIMIT)
{
    std::vector<std::int64_t> fired;
    timers.poll(
        now,
        [&](std::int64_t correlationId)
        {
            fired.push_back(correlationId);
            return true;
        },
        limit);
    return fired;
}
} // namespace

TEST(TimerServiceTest, shouldFireOnlyTimersAtOrBeforeNowInDeadlineOrder)
{
    TimerService timers;
    timers.scheduleTimer(1, 300);
    timers.scheduleTimer(2, 100);
    timers.scheduleTimer(3, 200);
    timers.scheduleTimer(4, 201);

    EXPECT_EQ(pollAll(timers, 99), std::vector<std::int64_t>{});
    EXPECT_EQ(pollAll(timers, 200), (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(timers.size(), 2);
    EXPECT_EQ(timers.nextDeadline(), 201);
    EXPECT_EQ(pollAll(timers, 1000), (std::vector<std::int64_t>{4, 1}));
    EXPECT_TRUE(timers.isEmpty());
    EXPECT_EQ(timers.nextDeadline(), TimerService::NULL_DEADLINE);
}

TEST(TimerServiceTest, shouldBreakDeadlineTiesBySchedulingOrder)
{
    TimerService timers;
    for (const std::int64_t id : {50, 10, 40, 20, 30})
    {
        timers.scheduleTimer(id, 7);
    }
    EXPECT_EQ(pollAll(timers, 7), (std::vector<std::int64_t>{50, 10, 40, 20, 30}));
}

TEST(TimerServiceTest, shouldReplaceDeadlineWhenRescheduled)
{
    TimerService timers;
    timers.scheduleTimer(1, 100);
    timers.scheduleTimer(2, 100);
    timers.scheduleTimer(1, 500);
    EXPECT_EQ(timers.size(), 2);
    EXPECT_EQ(timers.deadline(1), 500);
    EXPECT_EQ(pollAll(timers, 100), std::vector<std::int64_t>{2});

    // Rescheduling to the same deadline counts as scheduling later: it now ranks after 3.
    timers.scheduleTimer(3, 500);
    timers.scheduleTimer(1, 500);
    EXPECT_EQ(pollAll(timers, 500), (std::vector<std::int64_t>{3, 1}));
}

TEST(TimerServiceTest, shouldCancelOnlyScheduledTimers)
{
    TimerService timers;
    timers.scheduleTimer(1, 10);
    timers.scheduleTimer(2, 20);
    EXPECT_TRUE(timers.cancelTimer(1));
    EXPECT_FALSE(timers.cancelTimer(1));
    EXPECT_FALSE(timers.cancelTimer(99));
    EXPECT_FALSE(timers.isScheduled(1));
    EXPECT_TRUE(timers.isScheduled(2));
    EXPECT_EQ(pollAll(timers, 100), std::vector<std::int64_t>{2});
}

TEST(TimerServiceTest, shouldFireAtMostLimitTimersPerPoll)
{
    TimerService timers;
    for (std::int64_t id = 0; id < 50; ++id)
    {
        timers.scheduleTimer(id, id);
    }
    EXPECT_EQ(pollAll(timers, 100).size(), static_cast<std::size_t>(TimerService::POLL_LIMIT));
    const std::vector<std::int64_t> next = pollAll(timers, 100, 5);
    EXPECT_EQ(next, (std::vector<std::int64_t>{20, 21, 22, 23, 24}));
    EXPECT_EQ(timers.size(), 25);
}

TEST(TimerServiceTest, shouldKeepTimerAndStopPollingWhenHandlerDeclines)
{
    TimerService timers;
    timers.scheduleTimer(1, 10);
    timers.scheduleTimer(2, 20);
    int calls = 0;
    const std::int32_t fired = timers.poll(100,
                                           [&](std::int64_t)
                                           {
                                               ++calls;
                                               return false;
                                           });
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(timers.size(), 2);
    EXPECT_EQ(pollAll(timers, 100), (std::vector<std::int64_t>{1, 2}));
}

TEST(TimerServiceTest, shouldKeepRescheduleAndHonourCancelMadeByHandler)
{
    TimerService timers;
    timers.scheduleTimer(1, 10);
    timers.scheduleTimer(2, 10);
    timers.scheduleTimer(3, 10);
    std::vector<std::int64_t> fired;
    timers.poll(10,
                [&](std::int64_t id)
                {
                    fired.push_back(id);
                    if (id == 1)
                    {
                        timers.scheduleTimer(1, 50); // periodic timer re-arming itself
                        timers.cancelTimer(3);
                        timers.scheduleTimer(4, 5);
                    }
                    return true;
                });
    EXPECT_EQ(fired, (std::vector<std::int64_t>{1, 4, 2}));
    EXPECT_EQ(timers.size(), 1);
    EXPECT_EQ(timers.deadline(1), 50);
}

TEST(TimerServiceTest, shouldSnapshotInFiringOrderAndRestoreSameOrder)
{
    TimerService timers;
    timers.scheduleTimer(5, 30);
    timers.scheduleTimer(6, 10);
    timers.scheduleTimer(7, 30);
    timers.scheduleTimer(8, 20);
    timers.scheduleTimer(9, 10);

    std::vector<std::pair<std::int64_t, std::int64_t>> snapshot;
    timers.snapshot([&](std::int64_t id, std::int64_t deadline) { snapshot.emplace_back(id, deadline); });
    const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {{6, 10}, {9, 10}, {8, 20}, {5, 30}, {7, 30}};
    EXPECT_EQ(snapshot, expected);

    TimerService restored(0);
    for (const auto& [id, deadline] : snapshot)
    {
        restored.restoreTimer(id, deadline);
    }
    EXPECT_EQ(pollAll(restored, 100), pollAll(timers, 100));
}

TEST(TimerServiceTest, shouldClearAllTimersAndStayUsable)
{
    TimerService timers(2);
    for (std::int64_t id = 0; id < 10; ++id)
    {
        timers.scheduleTimer(id, 100 - id);
    }
    timers.clear();
    EXPECT_TRUE(timers.isEmpty());
    EXPECT_FALSE(timers.isScheduled(3));
    timers.scheduleTimer(3, 1);
    EXPECT_EQ(pollAll(timers, 1), std::vector<std::int64_t>{3});
}

TEST(TimerServiceTest, shouldMatchReferenceModelUnderRandomScheduleCancelAndPoll)
{
    // Reference: map from (deadline, sequence) to id, plus id -> key. The sequence mirrors "last scheduled".
    std::mt19937_64 random(0xC0C5A1);
    TimerService timers(4);
    std::map<std::pair<std::int64_t, std::uint64_t>, std::int64_t> model;
    std::map<std::int64_t, std::pair<std::int64_t, std::uint64_t>> keyById;
    std::uint64_t sequence = 0;
    std::int64_t now = 0;
    std::int64_t firedTotal = 0;

    for (int step = 0; step < 100'000; ++step)
    {
        const auto action = random() % 10;
        // Ids from a small and a huge range: collisions in the index and negative ids both get exercised.
        const std::int64_t id =
            (random() % 2) ? static_cast<std::int64_t>(random() % 512) : static_cast<std::int64_t>(random());
        if (action < 5)
        {
            const std::int64_t deadline = now + static_cast<std::int64_t>(random() % 64) - 8;
            timers.scheduleTimer(id, deadline);
            if (const auto it = keyById.find(id); it != keyById.end())
            {
                model.erase(it->second);
            }
            const std::pair<std::int64_t, std::uint64_t> key{deadline, sequence++};
            model[key] = id;
            keyById[id] = key;
        }
        else if (action < 7)
        {
            const auto it = keyById.find(id);
            ASSERT_EQ(timers.cancelTimer(id), it != keyById.end()) << "step " << step;
            if (it != keyById.end())
            {
                model.erase(it->second);
                keyById.erase(it);
            }
        }
        else
        {
            now += static_cast<std::int64_t>(random() % 16);
            const auto limit = static_cast<std::int32_t>(1 + random() % 30);
            const std::vector<std::int64_t> fired = pollAll(timers, now, limit);
            std::vector<std::int64_t> expected;
            while (!model.empty() && model.begin()->first.first <= now &&
                   static_cast<std::int32_t>(expected.size()) < limit)
            {
                expected.push_back(model.begin()->second);
                keyById.erase(model.begin()->second);
                model.erase(model.begin());
            }
            ASSERT_EQ(fired, expected) << "step " << step;
            firedTotal += static_cast<std::int64_t>(fired.size());
        }
        ASSERT_EQ(timers.size(), static_cast<std::int32_t>(model.size())) << "step " << step;
        ASSERT_EQ(timers.nextDeadline(), model.empty() ? TimerService::NULL_DEADLINE : model.begin()->first.first);
    }
    EXPECT_GT(firedTotal, 10'000);
}

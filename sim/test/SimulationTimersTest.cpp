#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "cox/sim/ReplicaCheckers.hpp"
#include "cox/sim/Simulation.hpp"

namespace cox::sim
{
namespace
{
TEST(SimulationTimersTest, shouldScheduleCancelAndFireTimersThatPassC8)
{
    SimulationOptions options;
    options.seed = 7;
    const SimulationResult result = Simulation(options).run();
    ASSERT_TRUE(result.passed);
    const History& history = result.history;
    EXPECT_GT(history.timerSchedules.size(), 5U);
    EXPECT_TRUE(std::any_of(history.timerSchedules.begin(), history.timerSchedules.end(),
                            [](const TimerSchedule& s) { return s.cancelled; }));
    std::set<std::int32_t> firingMembers;
    for (const auto& event : history.timerEvents)
    {
        firingMembers.insert(event.memberId);
    }
    EXPECT_EQ(3U, firingMembers.size()) << "every member applies every firing";
    EXPECT_TRUE(checkTimers(history.timerSchedules, history.timerEvents, history.finalClusterTimeNs).passed());

    // The same run's firings with one repeated at a later position, as a timer fired twice would leave them.
    ASSERT_FALSE(history.timerEvents.empty());
    std::vector<TimerEvent> doubled = history.timerEvents;
    TimerEvent again = doubled.front();
    again.logPosition += 1'000'000;
    doubled.push_back(again);
    const auto result2 = checkTimers(history.timerSchedules, doubled, history.finalClusterTimeNs);
    ASSERT_TRUE(result2.failed());
    EXPECT_NE(std::string::npos, result2.explanation.find("fired twice")) << result2.explanation;
}
/// Seed 80's leader fires a timer before a committed cancel of it reaches its consensus module, so the TimerEvent
/// follows the cancel in the log: a suppressed firing, which C8 accepts once and every member's service ignores
/// alike (C4 and the step invariants pass).
TEST(SimulationTimersTest, shouldAcceptTheFiringThatCrossesACommittedCancel)
{
    SimulationOptions options;
    options.seed = 80;
    const SimulationResult result = Simulation(options).run();
    ASSERT_TRUE(result.passed) << (result.failures.empty() ? std::string() : result.failures.front());
    EXPECT_EQ(1, result.timers.suppressed);
    EXPECT_GT(result.timers.fired, 10);
    EXPECT_EQ(static_cast<std::int64_t>(result.history.timerSchedules.size()), result.timers.scheduled);

    const auto suppressed = std::find_if(
        result.history.timerSchedules.begin(), result.history.timerSchedules.end(),
        [&](const TimerSchedule& schedule)
        {
            return schedule.cancelled &&
                   std::any_of(result.history.timerEvents.begin(), result.history.timerEvents.end(),
                               [&](const TimerEvent& event)
                               { return event.correlationId == schedule.correlationId; });
        });
    ASSERT_NE(result.history.timerSchedules.end(), suppressed);
    for (const auto& event : result.history.timerEvents)
    {
        if (event.correlationId == suppressed->correlationId)
        {
            EXPECT_GT(event.logPosition, suppressed->cancelPosition) << "the firing follows the cancel in the log";
        }
    }
}
} // namespace
} // namespace cox::sim

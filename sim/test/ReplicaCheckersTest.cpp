#include <gtest/gtest.h>

#include "cox/sim/ReplicaCheckers.hpp"

#include <vector>

using namespace cox::sim;

TEST(ReplicaCheckersTest, shouldPassWhenMembersAgreeOnEveryCommonPosition)
{
    // Member 2 started from a snapshot at 200, so it lacks the first entry only.
    std::vector<AppliedEntry> entries{{0, 100, 0xA, 1}, {0, 200, 0xB, 2}, {0, 300, 0xC, 3}, {1, 100, 0xA, 1},
                                      {1, 200, 0xB, 2}, {2, 200, 0xB, 2}, {2, 300, 0xC, 3}, {2, 400, 0xD, 4}};
    const auto result = checkLogAgreement(entries);
    EXPECT_TRUE(result.passed()) << toString(result);
}

TEST(ReplicaCheckersTest, shouldFailAtLowestDivergentPositionWhenEntryHashesDiffer)
{
    std::vector<AppliedEntry> entries{{0, 300, 0xC, 3}, {1, 300, 0xF, 3}, {0, 200, 0xB, 2}, {2, 200, 0xE, 2}};
    const auto result = checkLogAgreement(entries);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos,
              result.explanation.find("entry at pos 200 differs: member 0 has 0xb, member 2 has 0xe"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenOneMemberHasAnEntryInsideACommonRangeTheOtherLacks)
{
    std::vector<AppliedEntry> entries{
        {0, 100, 0xA, 1}, {0, 200, 0xB, 2}, {0, 300, 0xC, 3}, {1, 100, 0xA, 1}, {1, 300, 0xC, 3}};
    const auto result = checkLogAgreement(entries);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos,
              result.explanation.find("member 0 applied an entry at pos 200 that member 1 has no entry at"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldCompareStateHashesOnlyAtEqualPositions)
{
    std::vector<StateHash> hashes{{0, 100, 1}, {1, 100, 1}, {0, 200, 2}, {2, 300, 3}};
    EXPECT_TRUE(checkStateAgreement(hashes).passed());
    hashes.push_back({2, 200, 7});
    const auto result = checkStateAgreement(hashes);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos,
              result.explanation.find("state hash at pos 200 differs: member 0 has 0x2, member 2 has 0x7"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldPassWhenEachTimerFiresOnceOnEveryMemberAfterItsDeadline)
{
    std::vector<TimerSchedule> schedules{{1, 1000, false}, {2, 2000, false}, {3, 9000, false}, {4, 1500, true}};
    std::vector<TimerEvent> events{
        {1, 1000, 1000, 500, 0}, {1, 1000, 1000, 500, 1}, {2, 2000, 2100, 700, 0}, {2, 2000, 2100, 700, 1}};
    const auto result = checkTimers(schedules, events, 3000);
    EXPECT_TRUE(result.passed()) << toString(result);
}

TEST(ReplicaCheckersTest, shouldFailWhenTimerFiresTwice)
{
    std::vector<TimerSchedule> schedules{{1, 1000, false}};
    std::vector<TimerEvent> events{{1, 1000, 1000, 500, 0}, {1, 1000, 1200, 800, 0}};
    const auto result = checkTimers(schedules, events, NULL_POSITION);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("fired twice: timer 1")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("at pos 800")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenMembersFireOneTimerAtDifferentPositions)
{
    std::vector<TimerEvent> events{{1, 1000, 1000, 500, 0}, {1, 1000, 1100, 600, 1}};
    EXPECT_TRUE(checkTimers({}, events, NULL_POSITION).failed());
}

TEST(ReplicaCheckersTest, shouldFailWhenTimerFiresBeforeItsDeadline)
{
    std::vector<TimerSchedule> schedules{{1, 1000, false}};
    std::vector<TimerEvent> events{{1, 1000, 999, 500, 2}};
    const auto result = checkTimers(schedules, events, NULL_POSITION);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos,
              result.explanation.find("fired at cluster time 999 at pos 500 on member 2, before its deadline 1000"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenDueTimerNeverFires)
{
    std::vector<TimerSchedule> schedules{{1, 1000, false}, {2, 5000, false}};
    std::vector<TimerEvent> events{{1, 1000, 1000, 500, 0}};
    EXPECT_TRUE(checkTimers(schedules, events, 4999).passed());
    const auto result = checkTimers(schedules, events, 5000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("timer 2 (deadline 5000) never fired")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenATimerFiresAfterOneWithALaterDeadline)
{
    std::vector<TimerSchedule> schedules{{1, 1000, false}, {2, 2000, false}};
    std::vector<TimerEvent> events{{2, 2000, 2500, 600, 0}, {1, 1000, 2500, 700, 0}, {1, 1000, 2500, 700, 1}};
    const auto result = checkTimers(schedules, events, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("out of deadline order: timer 1")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldPassTimersWithEqualDeadlinesInEitherOrder)
{
    std::vector<TimerSchedule> schedules{{1, 1000, false}, {2, 1000, false}, {3, 1200, false}};
    std::vector<TimerEvent> events{
        {2, 1000, 1300, 600, 0}, {1, 1000, 1300, 700, 0}, {3, 1200, 1300, 800, 0}, {2, 1000, 1300, 600, 1}};
    const auto result = checkTimers(schedules, events, 3000);
    EXPECT_TRUE(result.passed()) << toString(result);
}

TEST(ReplicaCheckersTest, shouldFailWhenCancelledOrUnscheduledTimerFires)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true}};
    EXPECT_TRUE(checkTimers(schedules, std::vector<TimerEvent>{{1, 1000, 1000, 500, 0}}, NULL_POSITION).failed());
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{7, 1000, 1000, 500, 0}}, NULL_POSITION);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("never scheduled")) << result.explanation;
}

// Timer 1 (deadline 1000) has its cancel committed at pos 600; the leader had already fired it, so its TimerEvent
// follows at pos 700 on every member. Timer 2 fires normally.
TEST(ReplicaCheckersTest, shouldAcceptOneSuppressedFiringThatFollowsItsCancelInTheLog)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true, 600}, {2, 1500, false}};
    std::vector<TimerEvent> events{{1, 1000, 1010, 700, 0}, {1, 1000, 1010, 700, 1}, {2, 1500, 1500, 900, 0},
                                   {1, 1000, 1010, 700, 2}, {2, 1500, 1500, 900, 1}};
    const auto result = checkTimers(schedules, events, 3000);
    EXPECT_TRUE(result.passed()) << toString(result);
    EXPECT_NE(std::string::npos, result.explanation.find("2 timers scheduled, 1 fired once each, 1 firings suppressed"))
        << result.explanation;

    const TimerTally tally = tallyTimers(schedules, events);
    EXPECT_EQ(2, tally.scheduled);
    EXPECT_EQ(1, tally.cancelled);
    EXPECT_EQ(1, tally.fired);
    EXPECT_EQ(1, tally.suppressed);
}

TEST(ReplicaCheckersTest, shouldFailWhenACancelledTimerFiresBeforeItsCancelInTheLog)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true, 600}};
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{1, 1000, 1010, 500, 0}}, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("at pos 500 on member 0 although it was cancelled before its "
                                                         "cancel at pos 600"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenASuppressedFiringIsFollowedByASecondFiring)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true, 600}};
    std::vector<TimerEvent> events{{1, 1000, 1010, 700, 0}, {1, 1000, 1010, 700, 1}, {1, 1000, 1200, 900, 1}};
    const auto result = checkTimers(schedules, events, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("fired twice: timer 1")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("(suppressed by its cancel), and timer 1"))
        << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("at pos 900")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenAnUncancelledTimerFiresTwiceAndTheSecondFollowsACancel)
{
    // Fired at 500, then cancelled: a service would have found it gone, so no cancel is recorded; a second
    // firing is a second firing whatever came between.
    std::vector<TimerSchedule> schedules{{1, 1000, false}};
    std::vector<TimerEvent> events{{1, 1000, 1000, 500, 0}, {1, 1000, 1300, 800, 0}};
    const auto result = checkTimers(schedules, events, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("fired twice")) << result.explanation;
    EXPECT_EQ(std::string::npos, result.explanation.find("suppressed")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenASuppressedFiringCameBeforeTheDeadline)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true, 600}};
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{1, 1000, 990, 700, 0}}, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("before its deadline 1000")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenACancelledTimerWithNoKnownCancelPositionFires)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true}};
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{1, 1000, 1000, 700, 0}}, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("although it was cancelled (cancel position unknown)"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldNotRequireACancelledTimerToFireButStillRequireTheOthers)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true, 600}, {2, 1200, false}};
    EXPECT_TRUE(checkTimers(schedules, std::vector<TimerEvent>{{2, 1200, 1200, 800, 0}}, 3000).passed());
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{1, 1000, 1010, 700, 0}}, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("timer 2 (deadline 1200) never fired by final cluster time"))
        << result.explanation;
}

TEST(ReplicaCheckersTest, shouldFailWhenASuppressedTimerWasNeverScheduled)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true, 600}};
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{9, 1000, 1010, 700, 0}}, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("timer 9")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("never scheduled")) << result.explanation;
}

TEST(ReplicaCheckersTest, shouldLeaveSuppressedFiringsOutOfTheDeadlineOrder)
{
    // Timer 1 (deadline 2000) was cancelled at 600 but fired at 700; timer 2 (deadline 1500) fires after it, which
    // would be out of order had timer 1's firing taken effect.
    std::vector<TimerSchedule> schedules{{1, 2000, true, 600}, {2, 1500, false}, {3, 1000, false}};
    std::vector<TimerEvent> events{{1, 2000, 2000, 700, 0}, {2, 1500, 2000, 800, 0}};
    EXPECT_TRUE(checkTimers(schedules, events, NULL_POSITION).passed());

    // Among effective firings the order still holds: timer 3 (deadline 1000) after timer 2 fails.
    events.push_back({3, 1000, 2000, 900, 0});
    const auto result = checkTimers(schedules, events, 3000);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("out of deadline order: timer 3")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("after timer 2")) << result.explanation;
}

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

TEST(ReplicaCheckersTest, shouldFailWhenCancelledOrUnscheduledTimerFires)
{
    std::vector<TimerSchedule> schedules{{1, 1000, true}};
    EXPECT_TRUE(checkTimers(schedules, std::vector<TimerEvent>{{1, 1000, 1000, 500, 0}}, NULL_POSITION).failed());
    const auto result = checkTimers(schedules, std::vector<TimerEvent>{{7, 1000, 1000, 500, 0}}, NULL_POSITION);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("never scheduled")) << result.explanation;
}

#include <gtest/gtest.h>

#include "HistoryBuilders.hpp"
#include "cox/sim/LogCheckers.hpp"

#include <vector>

using namespace cox::sim;
using cox::sim::test::send;

namespace
{
// Two clients, three requests each, applied in an order consistent with sessions and real time.
struct LogHistory
{
    std::vector<Operation> operations{send(1, 1, 100, 200), send(1, 2, 210, 300), send(1, 3, 310, 400),
                                      send(2, 1, 150, 250), send(2, 2, 260, 350), send(2, 3, 360, 450)};
    std::vector<AppliedMessage> applied{{1000, 1, 1}, {1100, 2, 1}, {1200, 1, 2},
                                        {1300, 2, 2}, {1400, 1, 3}, {1500, 2, 3}};
};
} // namespace

TEST(LogCheckersTest, shouldPassWhenEveryAckIsApplied)
{
    const LogHistory h;
    const auto result = checkNoLostAcks(h.operations, h.applied);
    EXPECT_TRUE(result.passed()) << toString(result);
}

TEST(LogCheckersTest, shouldFailNamingTheLostAckWhenAnAcknowledgedOperationIsNotApplied)
{
    LogHistory h;
    h.applied.erase(h.applied.begin() + 3); // client 2 seq 2
    const auto result = checkNoLostAcks(h.operations, h.applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("op#4 (client 2 seq 2")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("never applied")) << result.explanation;
}

TEST(LogCheckersTest, shouldAllowIndeterminateOperationToBeAbsentOrPresent)
{
    LogHistory h;
    h.operations.push_back(send(3, 1, 500, INDETERMINATE_NS));
    h.operations.push_back(send(3, 2, 600, INDETERMINATE_NS));
    h.applied.push_back({1600, 3, 2});
    EXPECT_TRUE(checkNoLostAcks(h.operations, h.applied).passed());
    EXPECT_TRUE(checkNoDuplicatesOrPhantoms(h.operations, h.applied).passed());
}

TEST(LogCheckersTest, shouldFailWhenReportedPositionDiffersFromAppliedPosition)
{
    LogHistory h;
    h.operations[1].logPosition = 1250;
    const auto result = checkNoLostAcks(h.operations, h.applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("acknowledged at pos 1250 but the log applied it at pos 1200"))
        << result.explanation;
}

TEST(LogCheckersTest, shouldFailWhenRequestAppliedTwiceWithoutRetry)
{
    LogHistory h;
    h.applied.push_back({1700, 1, 2});
    const auto result = checkNoDuplicatesOrPhantoms(h.operations, h.applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("duplicate")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("pos 1200 and again at pos 1700")) << result.explanation;
}

TEST(LogCheckersTest, shouldAllowDuplicateWhenOperationWasRetried)
{
    LogHistory h;
    h.operations[1].retried = true;
    h.applied.push_back({1700, 1, 2});
    const auto result = checkNoDuplicatesOrPhantoms(h.operations, h.applied);
    EXPECT_TRUE(result.passed()) << toString(result);
}

TEST(LogCheckersTest, shouldFailWhenAppliedRequestWasNeverInvoked)
{
    LogHistory h;
    h.applied.push_back({1700, 9, 1});
    const auto result = checkNoDuplicatesOrPhantoms(h.operations, h.applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("phantom: client 9 seq 1 at pos 1700")) << result.explanation;
}

TEST(LogCheckersTest, shouldFailWhenRejectedRequestIsApplied)
{
    LogHistory h;
    h.operations.push_back(send(3, 1, 500, 520, OpOutcome::REJECTED));
    h.applied.push_back({1700, 3, 1});
    const auto result = checkNoDuplicatesOrPhantoms(h.operations, h.applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("was rejected but applied at pos 1700")) << result.explanation;
    EXPECT_TRUE(checkNoLostAcks(h.operations, h.applied).passed());
}

TEST(LogCheckersTest, shouldFailWhenTwoOperationsShareClientAndSequence)
{
    LogHistory h;
    h.operations.push_back(send(1, 2, 500, 520));
    EXPECT_TRUE(checkNoDuplicatesOrPhantoms(h.operations, h.applied).failed());
}

TEST(LogCheckersTest, shouldPassOrderingWhenSessionsAndRealTimeAreRespected)
{
    const LogHistory h;
    const auto result = checkOrdering(h.operations, h.applied);
    EXPECT_TRUE(result.passed()) << toString(result);
}

TEST(LogCheckersTest, shouldFailWhenSessionRequestsAreReordered)
{
    LogHistory h;
    // Client 1's seq 2 and 3 swap places; they were concurrent with nothing that pins them otherwise.
    h.operations[1] = send(1, 2, 210, 500);
    h.operations[2] = send(1, 3, 220, 500);
    h.applied[2] = {1400, 1, 2};
    h.applied[4] = {1200, 1, 3};
    const auto result = checkOrdering(h.operations, h.applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("session order: op#1 (client 1 seq 2")) << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("op#2 (client 1 seq 3")) << result.explanation;
}

TEST(LogCheckersTest, shouldFailWhenOperationCompletedBeforeAnotherIsAppliedAfterIt)
{
    std::vector<Operation> ops{send(1, 1, 100, 200), send(2, 1, 300, 400)};
    std::vector<AppliedMessage> applied{{2000, 1, 1}, {1000, 2, 1}};
    const auto result = checkOrdering(ops, applied);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos, result.explanation.find("real-time order: op#0 (client 1 seq 1"))
        << result.explanation;
    EXPECT_NE(std::string::npos, result.explanation.find("not below pos 1000")) << result.explanation;
}

TEST(LogCheckersTest, shouldAllowAnyOrderForConcurrentOperations)
{
    std::vector<Operation> ops{send(1, 1, 100, 400), send(2, 1, 200, 300)};
    std::vector<AppliedMessage> applied{{2000, 1, 1}, {1000, 2, 1}};
    EXPECT_TRUE(checkOrdering(ops, applied).passed());
}

TEST(LogCheckersTest, shouldUseReportedPositionsWhenAppliedLogIsAbsent)
{
    std::vector<Operation> ops{send(1, 1, 100, 200), send(2, 1, 300, 400)};
    ops[0].logPosition = 2000;
    ops[1].logPosition = 1000;
    EXPECT_TRUE(checkOrdering(ops, {}).failed());
    ops[1].logPosition = 3000;
    EXPECT_TRUE(checkOrdering(ops, {}).passed());
}

TEST(LogCheckersTest, shouldNotOrderIndeterminateOperationsByCompletion)
{
    std::vector<Operation> ops{send(1, 1, 100, INDETERMINATE_NS), send(2, 1, 300, 400)};
    std::vector<AppliedMessage> applied{{2000, 1, 1}, {1000, 2, 1}};
    EXPECT_TRUE(checkOrdering(ops, applied).passed());
}

TEST(LogCheckersTest, shouldPassWhenClusterTimeNeverDecreasesPerMember)
{
    std::vector<AppliedEntry> entries{
        {0, 100, 1, 10}, {0, 200, 2, 10}, {0, 300, 3, 20}, {1, 100, 1, 10}, {1, 300, 3, 20}};
    EXPECT_TRUE(checkClusterTimeMonotonic(entries).passed());
}

TEST(LogCheckersTest, shouldFailWhenClusterTimeGoesBackwardsAcrossTerms)
{
    std::vector<AppliedEntry> entries{{0, 300, 3, 25}, {0, 100, 1, 10}, {0, 200, 2, 30}};
    const auto result = checkClusterTimeMonotonic(entries);
    ASSERT_TRUE(result.failed());
    EXPECT_NE(std::string::npos,
              result.explanation.find("member 0: cluster time 25 at pos 300 is below 30 at earlier pos 200"))
        << result.explanation;
}

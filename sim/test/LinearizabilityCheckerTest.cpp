#include <gtest/gtest.h>

#include "HistoryBuilders.hpp"
#include "cox/sim/LinearizabilityChecker.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <vector>

using namespace cox::sim;
using namespace cox::sim::test;

namespace
{
constexpr auto INF = INDETERMINATE_NS;

bool mentions(const CheckResult& result, std::string_view text)
{
    return result.explanation.find(text) != std::string::npos;
}

struct RandomHistoryConfig
{
    std::size_t operations = 1000;
    std::size_t keys = 10;
    /// Each operation's interval extends up to this far either side of its linearization point, which
    /// are 10 ns apart: the window sets how many operations overlap.
    std::int64_t windowNs = 50;
    double indeterminateRate = 0.0;
    /// Rate of extra indeterminate PUTs that never take effect.
    double lostWriteRate = 0.0;
};

/// A linearizable history by construction: a sequential execution of a register-with-CAS per key, each
/// operation's interval stretched randomly around its point in that execution.
std::vector<Operation> randomLinearizableHistory(std::uint64_t seed, const RandomHistoryConfig& config)
{
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> stretch(0, config.windowNs);
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    std::map<std::string, std::optional<std::string>> registers;
    std::vector<Operation> ops;
    std::int64_t pointNs = 1000;

    const auto interval = [&](Operation& op)
    {
        op.invokeNs = pointNs - stretch(rng);
        op.completeNs = pointNs + stretch(rng);
    };

    for (std::size_t i = 0; i < config.operations; ++i)
    {
        pointNs += 10;
        const auto key = "k" + std::to_string(rng() % config.keys);
        auto& reg = registers[key];
        const auto fresh = "v" + std::to_string(i);
        Operation op;
        switch (rng() % 4)
        {
        case 0:
            op = put(key, fresh, 0, 0);
            reg = fresh;
            break;
        case 1:
            op = reg ? get(key, *reg, 0, 0) : getMissing(key, 0, 0);
            break;
        case 2:
        {
            const auto expected = reg && (rng() % 2 == 0) ? *reg : "v" + std::to_string(rng() % (i + 1));
            auto outcome = OpOutcome::NOT_FOUND;
            if (reg)
            {
                outcome = *reg == expected ? OpOutcome::OK : OpOutcome::FAIL;
            }
            op = cas(key, expected, fresh, 0, 0, outcome);
            if (outcome == OpOutcome::OK)
            {
                reg = fresh;
            }
            break;
        }
        default:
            op = del(key, 0, 0, reg ? OpOutcome::OK : OpOutcome::NOT_FOUND);
            reg.reset();
            break;
        }
        interval(op);
        if (op.kind != OpKind::GET && chance(rng) < config.indeterminateRate)
        {
            op.completeNs = INF;
            op.outcome = OpOutcome::UNKNOWN;
        }
        ops.push_back(std::move(op));

        if (chance(rng) < config.lostWriteRate)
        {
            auto lost = put(key, "lost" + std::to_string(i), 0, INF);
            lost.invokeNs = pointNs - stretch(rng);
            ops.push_back(std::move(lost));
        }
    }
    return ops;
}

/// Makes one successful read return a value no operation wrote; false if the history has no such read.
bool corruptOneRead(std::vector<Operation>& ops, std::uint64_t seed)
{
    std::vector<std::size_t> reads;
    for (std::size_t i = 0; i < ops.size(); ++i)
    {
        if (ops[i].kind == OpKind::GET && ops[i].outcome == OpOutcome::OK)
        {
            reads.push_back(i);
        }
    }
    if (reads.empty())
    {
        return false;
    }
    ops[reads[seed % reads.size()]].value = "never-written";
    return true;
}
} // namespace

TEST(LinearizabilityCheckerTest, shouldPassSequentialHistory)
{
    const std::vector<Operation> ops{put("x", "1", 0, 10), get("x", "1", 20, 30), del("x", 40, 50),
                                     getMissing("x", 60, 70)};
    const auto result = checkLinearizable(ops);
    EXPECT_TRUE(result.passed()) << toString(result);
    EXPECT_TRUE(mentions(result, "4 operations on 1 keys"));
}

TEST(LinearizabilityCheckerTest, shouldFailReadOfOlderValueAfterNewerWriteCompleted)
{
    const std::vector<Operation> ops{put("x", "1", 0, 10), put("x", "2", 20, 30), get("x", "1", 40, 50)};
    const auto result = checkLinearizable(ops);
    ASSERT_TRUE(result.failed()) << toString(result);
    EXPECT_TRUE(mentions(result, "key 'x' is not linearizable")) << result.explanation;
    EXPECT_TRUE(mentions(result, "op#2 (client 1 seq")) << result.explanation;
    EXPECT_TRUE(mentions(result, "GET key 'x' invoked 40 completed 50 -> OK '1')")) << result.explanation;
    EXPECT_TRUE(mentions(result, "Longest linearizable prefix: 2 of 3")) << result.explanation;
    EXPECT_TRUE(mentions(result, "the register then holds '2'")) << result.explanation;
}

TEST(LinearizabilityCheckerTest, shouldFailReadOfMissingKeyAfterWriteCompleted)
{
    const std::vector<Operation> ops{put("x", "1", 0, 10), getMissing("x", 20, 30)};
    EXPECT_TRUE(checkLinearizable(ops).failed());
}

TEST(LinearizabilityCheckerTest, shouldPassStaleLookingReadsAcrossTwoKeysWhenEachKeyIsLinearizable)
{
    // x is read as missing after y's newer write was seen, but the read of x overlaps the write of x, so it
    // may precede it: each key alone is linearizable, hence so is the whole history (locality).
    std::vector<Operation> ops{put("x", "1", 0, 10), put("y", "1", 20, 30), get("y", "1", 40, 50),
                               getMissing("x", 5, 60)};
    const auto result = checkLinearizable(ops);
    EXPECT_TRUE(result.passed()) << toString(result);

    // Once the read of x starts after the write of x completed, key x alone is violated.
    ops[3] = getMissing("x", 12, 60);
    const auto stale = checkLinearizable(ops);
    ASSERT_TRUE(stale.failed());
    EXPECT_TRUE(mentions(stale, "key 'x'")) << stale.explanation;
}

TEST(LinearizabilityCheckerTest, shouldAllowEitherOrderForConcurrentWrites)
{
    for (const auto* read : {"1", "2"})
    {
        const std::vector<Operation> ops{put("x", "1", 0, 100), put("x", "2", 10, 90), get("x", read, 110, 120)};
        EXPECT_TRUE(checkLinearizable(ops).passed()) << read;
    }
    // Both orders are allowed but each read fixes one: reading 2 then 1 with no write between is not.
    const std::vector<Operation> flipFlop{put("x", "1", 0, 100), put("x", "2", 10, 90), get("x", "2", 110, 120),
                                          get("x", "1", 130, 140)};
    EXPECT_TRUE(checkLinearizable(flipFlop).failed());
    const std::vector<Operation> invented{put("x", "1", 0, 100), put("x", "2", 10, 90), get("x", "3", 110, 120)};
    EXPECT_TRUE(checkLinearizable(invented).failed());
}

TEST(LinearizabilityCheckerTest, shouldTreatReadConcurrentWithWriteAsSeeingEitherValue)
{
    const std::vector<Operation> before{put("x", "1", 0, 10), put("x", "2", 20, 40), get("x", "1", 30, 50)};
    const std::vector<Operation> after{put("x", "1", 0, 10), put("x", "2", 20, 40), get("x", "2", 30, 50)};
    EXPECT_TRUE(checkLinearizable(before).passed());
    EXPECT_TRUE(checkLinearizable(after).passed());
}

TEST(LinearizabilityCheckerTest, shouldCountOperationsTouchingAtOneInstantAsConcurrent)
{
    // The read starts at the nanosecond the write completes: concurrent, so it may see the older value.
    const std::vector<Operation> ops{put("x", "1", 0, 10), put("x", "2", 20, 30), get("x", "1", 30, 40)};
    EXPECT_TRUE(checkLinearizable(ops).passed());
}

TEST(LinearizabilityCheckerTest, shouldAllowIndeterminateWriteThatTookEffect)
{
    const std::vector<Operation> ops{put("x", "1", 0, 10), put("x", "2", 20, INF), get("x", "2", 30, 40),
                                     get("x", "2", 50, 60)};
    EXPECT_TRUE(checkLinearizable(ops).passed());
}

TEST(LinearizabilityCheckerTest, shouldAllowIndeterminateWriteThatNeverTookEffect)
{
    const std::vector<Operation> ops{put("x", "1", 0, 10), put("x", "2", 20, INF), get("x", "1", 30, 40),
                                     get("x", "1", 500, 600)};
    EXPECT_TRUE(checkLinearizable(ops).passed());
}

TEST(LinearizabilityCheckerTest, shouldFailWhenIndeterminateWriteIsUndoneOrSeenBeforeInvoked)
{
    const std::vector<Operation> undone{put("x", "1", 0, 10), put("x", "2", 20, INF), get("x", "2", 30, 40),
                                        get("x", "1", 50, 60)};
    EXPECT_TRUE(checkLinearizable(undone).failed());
    const std::vector<Operation> early{put("x", "1", 0, 10), get("x", "2", 30, 40), put("x", "2", 100, INF)};
    EXPECT_TRUE(checkLinearizable(early).failed());
}

TEST(LinearizabilityCheckerTest, shouldCheckCompareAndSetOutcomes)
{
    const std::vector<Operation> ok{cas("x", "0", "1", 0, 10, OpOutcome::NOT_FOUND), put("x", "0", 20, 30),
                                    cas("x", "0", "1", 40, 50), cas("x", "0", "2", 60, 70, OpOutcome::FAIL),
                                    get("x", "1", 80, 90)};
    const auto result = checkLinearizable(ok);
    EXPECT_TRUE(result.passed()) << toString(result);

    // Two concurrent CASes from the same expected value cannot both succeed.
    const std::vector<Operation> bothWon{put("x", "0", 0, 10), cas("x", "0", "1", 20, 30), cas("x", "0", "2", 20, 30)};
    EXPECT_TRUE(checkLinearizable(bothWon).failed());

    // A CAS reporting a mismatch while the register held the expected value.
    const std::vector<Operation> falseMismatch{put("x", "0", 0, 10), cas("x", "0", "1", 20, 30, OpOutcome::FAIL)};
    const auto mismatch = checkLinearizable(falseMismatch);
    ASSERT_TRUE(mismatch.failed());
    EXPECT_TRUE(mentions(mismatch, "CAS key 'x' '0'->'1'")) << mismatch.explanation;

    // An indeterminate CAS may or may not have applied.
    for (const auto* read : {"0", "1"})
    {
        const std::vector<Operation> maybe{put("x", "0", 0, 10), cas("x", "0", "1", 20, INF), get("x", read, 30, 40)};
        EXPECT_TRUE(checkLinearizable(maybe).passed()) << read;
    }
}

TEST(LinearizabilityCheckerTest, shouldCheckDeleteOutcomes)
{
    const std::vector<Operation> ok{del("x", 0, 10, OpOutcome::NOT_FOUND), put("x", "1", 20, 30), del("x", 40, 50),
                                    getMissing("x", 60, 70)};
    EXPECT_TRUE(checkLinearizable(ok).passed());
    const std::vector<Operation> bad{put("x", "1", 20, 30), del("x", 40, 50, OpOutcome::NOT_FOUND)};
    EXPECT_TRUE(checkLinearizable(bad).failed());
}

TEST(LinearizabilityCheckerTest, shouldIgnoreRejectedOperationsAndMessages)
{
    auto rejected = put("x", "2", 20, 30);
    rejected.outcome = OpOutcome::REJECTED;
    const std::vector<Operation> ops{put("x", "1", 0, 10), rejected, get("x", "1", 40, 50), send(7, 1, 0, 5)};
    const auto result = checkLinearizable(ops);
    EXPECT_TRUE(result.passed()) << toString(result);
    EXPECT_TRUE(mentions(result, "2 operations on 1 keys")) << result.explanation;
}

TEST(LinearizabilityCheckerTest, shouldReportUnknownWhenSearchBudgetIsSpent)
{
    RandomHistoryConfig config;
    config.operations = 200;
    config.keys = 1;
    config.windowNs = 60;
    auto ops = randomLinearizableHistory(7, config);
    LinearizabilityOptions options;
    options.maxStatesVisited = 10;
    const auto result = checkLinearizable(ops, options);
    EXPECT_EQ(CheckStatus::UNKNOWN, result.status) << toString(result);
    EXPECT_TRUE(mentions(result, "search budget of 10 states spent on key 'k0'")) << result.explanation;
    EXPECT_TRUE(checkLinearizable(ops).passed());
}

TEST(LinearizabilityCheckerTest, shouldPassRandomLinearizableHistoriesAndFailThemWithOneCorruptRead)
{
    for (std::uint64_t seed = 1; seed <= 40; ++seed)
    {
        RandomHistoryConfig config;
        config.operations = 400;
        config.keys = 1 + seed % 5;
        config.windowNs = 10 + static_cast<std::int64_t>(seed % 6) * 15;
        config.indeterminateRate = seed % 3 == 0 ? 0.05 : 0.0;
        // Writes that never complete stay pending for the rest of the history and multiply the states a
        // violation search must exhaust; on one hot key that is the checker's known worst case (keys are
        // retired after an indeterminate operation in the real workloads), so keep them to several keys.
        config.lostWriteRate = seed % 4 == 0 && config.keys > 1 ? 0.03 : 0.0;
        auto ops = randomLinearizableHistory(seed, config);
        SCOPED_TRACE("seed " + std::to_string(seed));

        const auto result = checkLinearizable(ops);
        ASSERT_TRUE(result.passed()) << toString(result);

        ASSERT_TRUE(corruptOneRead(ops, seed));
        const auto corrupt = checkLinearizable(ops);
        ASSERT_TRUE(corrupt.failed()) << toString(corrupt);
        EXPECT_TRUE(mentions(corrupt, "'never-written'")) << corrupt.explanation;
    }
}

TEST(LinearizabilityCheckerTest, shouldCheckTenThousandOperationsOverHundredKeysWellUnderASecond)
{
    RandomHistoryConfig config;
    config.operations = 10'000;
    config.keys = 100;
    config.windowNs = 100; // about ten operations in flight at once
    config.indeterminateRate = 0.005;
    auto ops = randomLinearizableHistory(42, config);

    const auto start = std::chrono::steady_clock::now();
    const auto result = checkLinearizable(ops);
    const auto passElapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(result.passed()) << toString(result);

    ASSERT_TRUE(corruptOneRead(ops, 42));
    const auto failStart = std::chrono::steady_clock::now();
    EXPECT_TRUE(checkLinearizable(ops).failed());
    const auto failElapsed = std::chrono::steady_clock::now() - failStart;

    const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    std::printf("10k ops / 100 keys: pass %lld ms, violation %lld ms\n", static_cast<long long>(ms(passElapsed)),
                static_cast<long long>(ms(failElapsed)));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    EXPECT_LT(ms(passElapsed), 500);
    EXPECT_LT(ms(failElapsed), 500);
#endif
}

TEST(LinearizabilityCheckerTest, shouldCheckTwoThousandOperationsOnOneHotKey)
{
    RandomHistoryConfig config;
    config.operations = 2'000;
    config.keys = 1;
    config.windowNs = 50; // about ten operations in flight at once, all on one key
    auto ops = randomLinearizableHistory(4242, config);

    const auto start = std::chrono::steady_clock::now();
    const auto result = checkLinearizable(ops);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(result.passed()) << toString(result);

    ASSERT_TRUE(corruptOneRead(ops, 4242));
    const auto failStart = std::chrono::steady_clock::now();
    EXPECT_TRUE(checkLinearizable(ops).failed());
    const auto failElapsed = std::chrono::steady_clock::now() - failStart;

    const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    std::printf("2k ops / 1 key: pass %lld ms, violation %lld ms\n", static_cast<long long>(ms(elapsed)),
                static_cast<long long>(ms(failElapsed)));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    EXPECT_LT(ms(elapsed), 1000);
    EXPECT_LT(ms(failElapsed), 1000);
#endif
}

#include <gtest/gtest.h>

#include <chrono>

#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

using namespace cox::util;
using State = BackoffIdleStrategy::State;

namespace
{
std::int64_t elapsedNs(IdleStrategy& strategy, int workCount)
{
    const auto start = std::chrono::steady_clock::now();
    strategy.idle(workCount);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
}
} // namespace

TEST(IdleStrategyTest, shouldCreateEachStrategyByName)
{
    for (const std::string_view alias : {"busy-spin", "yielding", "sleeping", "backoff", "noop"})
    {
        const auto strategy = newIdleStrategy(alias);
        ASSERT_NE(nullptr, strategy);
        EXPECT_EQ(alias, strategy->alias());
        strategy->idle(0);
        strategy->idle(1);
    }
    EXPECT_NE(nullptr, dynamic_cast<BackoffIdleStrategy*>(newIdleStrategy("backoff").get()));
    EXPECT_NE(nullptr, dynamic_cast<BusySpinIdleStrategy*>(newIdleStrategy("busy-spin").get()));
}

TEST(IdleStrategyTest, shouldNameTheValueAndTheChoicesWhenNameUnknown)
{
    try
    {
        (void)newIdleStrategy("spinning");
        FAIL() << "expected IllegalArgumentException";
    }
    catch (const IllegalArgumentException& e)
    {
        const std::string message = e.what();
        EXPECT_NE(std::string::npos, message.find("'spinning'"));
        EXPECT_NE(std::string::npos, message.find("busy-spin, yielding, sleeping, backoff"));
    }
}

TEST(IdleStrategyTest, shouldPassParametersThroughTheFactory)
{
    IdleStrategyParams params;
    params.sleepPeriodNs = 5'000;
    params.minParkPeriodNs = 10;
    params.maxParkPeriodNs = 20;
    const auto sleeping = newIdleStrategy("sleeping", params);
    EXPECT_EQ(5'000, dynamic_cast<SleepingIdleStrategy&>(*sleeping).sleepPeriodNs());
    const auto backoff = newIdleStrategy("backoff", params);
    EXPECT_EQ(10, dynamic_cast<BackoffIdleStrategy&>(*backoff).parkPeriodNs());
}

TEST(IdleStrategyTest, shouldSpinThenYieldThenParkWithDoublingBoundedPeriods)
{
    BackoffIdleStrategy strategy(2, 1, 1'000, 4'000);
    EXPECT_EQ(State::NotIdle, strategy.state());

    strategy.idle(0);
    EXPECT_EQ(State::Spinning, strategy.state());
    strategy.idle(0);
    EXPECT_EQ(State::Spinning, strategy.state());
    strategy.idle(0);
    EXPECT_EQ(State::Yielding, strategy.state());
    strategy.idle(0);
    EXPECT_EQ(State::Parking, strategy.state());
    EXPECT_EQ(2'000, strategy.parkPeriodNs());
    strategy.idle(0);
    EXPECT_EQ(4'000, strategy.parkPeriodNs());
    strategy.idle(0);
    EXPECT_EQ(4'000, strategy.parkPeriodNs());
    EXPECT_EQ(State::Parking, strategy.state());
}

TEST(IdleStrategyTest, shouldResetBackoffWhenWorkDone)
{
    BackoffIdleStrategy strategy(0, 0, 1'000, 8'000);
    strategy.idle(0);
    strategy.idle(0);
    EXPECT_EQ(State::Parking, strategy.state());
    EXPECT_EQ(4'000, strategy.parkPeriodNs());

    IdleStrategy& base = strategy;
    base.idle(3);
    EXPECT_EQ(State::NotIdle, strategy.state());
    EXPECT_EQ(1'000, strategy.parkPeriodNs());
    base.idle(0);
    EXPECT_EQ(State::Parking, strategy.state());
    EXPECT_EQ(2'000, strategy.parkPeriodNs());
}

TEST(IdleStrategyTest, shouldRejectInvalidBackoffParameters)
{
    EXPECT_THROW(BackoffIdleStrategy(-1, 1, 1, 2), IllegalArgumentException);
    EXPECT_THROW(BackoffIdleStrategy(1, -1, 1, 2), IllegalArgumentException);
    EXPECT_THROW(BackoffIdleStrategy(1, 1, 0, 2), IllegalArgumentException);
    EXPECT_THROW(BackoffIdleStrategy(1, 1, 3, 2), IllegalArgumentException);
    EXPECT_THROW(SleepingIdleStrategy(0), IllegalArgumentException);
}

TEST(IdleStrategyTest, shouldSleepThePeriodOnlyWhenNoWork)
{
    SleepingIdleStrategy strategy(2'000'000);
    EXPECT_GE(elapsedNs(strategy, 0), 2'000'000);

    SleepingIdleStrategy longSleep(2'000'000'000);
    EXPECT_LT(elapsedNs(longSleep, 1), 500'000'000);
}

TEST(IdleStrategyTest, shouldParkForTheBackoffPeriod)
{
    BackoffIdleStrategy strategy(0, 0, 3'000'000, 3'000'000);
    EXPECT_GE(elapsedNs(strategy, 0), 3'000'000);
    EXPECT_EQ(State::Parking, strategy.state());
}

TEST(IdleStrategyTest, shouldTakeParametersAfterTheAliasInAConfigurationValue)
{
    const auto sleeping = newIdleStrategy("sleeping:sleep=50us");
    EXPECT_EQ(50'000, dynamic_cast<SleepingIdleStrategy&>(*sleeping).sleepPeriodNs());

    const auto backoff = newIdleStrategy("backoff:max-spins=0,max-yields=0,min-park=1us,max-park=4us");
    auto& strategy = dynamic_cast<BackoffIdleStrategy&>(*backoff);
    EXPECT_EQ(1'000, strategy.parkPeriodNs());
    for (int i = 0; i < 8; ++i)
    {
        strategy.idle(0);
    }
    EXPECT_EQ(State::Parking, strategy.state());
    EXPECT_EQ(4'000, strategy.parkPeriodNs()) << "the park doubles up to max-park";
}

TEST(IdleStrategyTest, shouldNameTheWholeValueAndTheFaultWhenParametersAreBad)
{
    const std::pair<const char*, const char*> cases[] = {
        {"backoff:max-park", "has no value"},
        {"backoff:max-park=soon", "positive duration"},
        {"backoff:max-spins=-1", "needs a count"},
        {"backoff:colour=red", "unknown parameter 'colour'"},
        {"backoff:min-park=2ms,max-park=1ms", "min-park is longer than max-park"},
        {"spinning:max-park=1ms", "unknown idle strategy 'spinning:max-park=1ms'"},
    };
    for (const auto& [spec, expected] : cases)
    {
        try
        {
            (void)newIdleStrategy(spec);
            ADD_FAILURE() << spec << ": expected IllegalArgumentException";
        }
        catch (const IllegalArgumentException& e)
        {
            const std::string message = e.what();
            EXPECT_NE(std::string::npos, message.find(expected)) << spec << ": " << message;
            EXPECT_NE(std::string::npos, message.find(spec)) << spec << ": " << message;
        }
    }
}

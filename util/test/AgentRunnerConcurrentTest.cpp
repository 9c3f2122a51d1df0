#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "TestAgents.hpp"
#include "cox/util/AgentRunner.hpp"
#include "cox/util/CompositeAgent.hpp"
#include "cox/util/CountedErrorHandler.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/ErrorLogReader.hpp"

using namespace cox::util;
using cox::util::test::ScriptedAgent;

namespace
{
bool awaitTrue(const std::function<bool()>& condition)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!condition())
    {
        if (std::chrono::steady_clock::now() > deadline)
        {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

class ThreadSafeErrors
{
public:
    ErrorHandler handler()
    {
        return [this](const std::exception& e)
        {
            std::lock_guard<std::mutex> guard(m_lock);
            m_errors.emplace_back(e.what());
        };
    }
    std::vector<std::string> snapshot()
    {
        std::lock_guard<std::mutex> guard(m_lock);
        return m_errors;
    }
    std::size_t count() { return snapshot().size(); }

private:
    std::mutex m_lock;
    std::vector<std::string> m_errors;
};
} // namespace

TEST(AgentRunnerConcurrentTest, shouldRunDutyCycleOnItsOwnThreadUntilClosed)
{
    ScriptedAgent agent("worker");
    BackoffIdleStrategy idle;
    AgentRunner<BackoffIdleStrategy> runner(agent, idle, nullptr);
    EXPECT_FALSE(runner.isRunning());

    runner.start();
    EXPECT_TRUE(runner.isRunning());
    ASSERT_TRUE(awaitTrue([&] { return agent.calls.load() > 100; }));
    runner.close();

    EXPECT_FALSE(runner.isRunning());
    EXPECT_TRUE(runner.isClosed());
    EXPECT_EQ(1, agent.starts.load());
    EXPECT_EQ(1, agent.closes.load());
    EXPECT_NE(std::this_thread::get_id(), agent.startThread());
    EXPECT_EQ(agent.startThread(), agent.workThread());
    EXPECT_EQ(agent.startThread(), agent.closeThread());

    const int callsAfterClose = agent.calls.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(callsAfterClose, agent.calls.load());
    runner.close();
    EXPECT_EQ(1, agent.closes.load());
}

TEST(AgentRunnerConcurrentTest, shouldReportErrorsAndKeepRunning)
{
    ThreadSafeErrors errors;
    ScriptedAgent agent("flaky");
    agent.failEveryNthCall = 3;
    YieldingIdleStrategy idle;
    AgentRunner<YieldingIdleStrategy> runner(agent, idle, errors.handler());
    runner.start();

    ASSERT_TRUE(awaitTrue([&] { return errors.count() >= 5; }));
    EXPECT_TRUE(runner.isRunning());
    runner.close();

    const auto reported = errors.snapshot();
    EXPECT_EQ(agent.calls.load() / 3, static_cast<int>(reported.size()));
    EXPECT_EQ("flaky failed on call 3", reported[0]);
    EXPECT_EQ("flaky failed on call 6", reported[1]);
}

TEST(AgentRunnerConcurrentTest, shouldStopWithoutErrorWhenAgentTerminates)
{
    ThreadSafeErrors errors;
    ScriptedAgent agent("finite");
    agent.terminateOnCall = 10;
    BusySpinIdleStrategy idle;
    AgentRunner<BusySpinIdleStrategy> runner(agent, idle, errors.handler());
    runner.start();

    ASSERT_TRUE(awaitTrue([&] { return !runner.isRunning(); }));
    ASSERT_TRUE(awaitTrue([&] { return agent.closes.load() == 1; }));
    EXPECT_EQ(10, agent.calls.load());
    EXPECT_FALSE(runner.isClosed());
    runner.close();
    EXPECT_TRUE(runner.isClosed());
    EXPECT_EQ(0u, errors.count());
}

TEST(AgentRunnerConcurrentTest, shouldReportStartFailureAndStillClose)
{
    ThreadSafeErrors errors;
    ScriptedAgent agent("broken");
    agent.failOnStart = true;
    NoOpIdleStrategy idle;
    AgentRunner<NoOpIdleStrategy> runner(agent, idle, errors.handler());
    runner.start();

    ASSERT_TRUE(awaitTrue([&] { return agent.closes.load() == 1; }));
    runner.close();
    EXPECT_EQ(0, agent.calls.load());
    ASSERT_EQ(1u, errors.count());
    EXPECT_EQ("broken failed to start", errors.snapshot()[0]);
}

TEST(AgentRunnerConcurrentTest, shouldCloseAgentOnCallerThreadWhenNeverStarted)
{
    ScriptedAgent agent("idle");
    NoOpIdleStrategy idle;
    AgentRunner<NoOpIdleStrategy> runner(agent, idle, nullptr);
    runner.close();
    EXPECT_TRUE(runner.isClosed());
    EXPECT_EQ(1, agent.closes.load());
    EXPECT_EQ(std::this_thread::get_id(), agent.closeThread());
    EXPECT_THROW(runner.start(), IllegalStateException);
}

TEST(AgentRunnerConcurrentTest, shouldRefuseToStartTwice)
{
    ScriptedAgent agent("once");
    BackoffIdleStrategy idle;
    AgentRunner<BackoffIdleStrategy> runner(agent, idle, nullptr);
    runner.start();
    EXPECT_THROW(runner.start(), IllegalStateException);
    runner.close();
    EXPECT_EQ(1, agent.starts.load());
}

TEST(AgentRunnerConcurrentTest, shouldRunWithIdleStrategyChosenByName)
{
    ScriptedAgent agent("configured", 0);
    const auto idle = newIdleStrategy("backoff");
    AgentRunner<> runner(agent, *idle, nullptr);
    runner.start();
    ASSERT_TRUE(awaitTrue([&] { return agent.calls.load() > 50; }));
    runner.close();
    EXPECT_EQ(1, agent.closes.load());
}

TEST(AgentRunnerConcurrentTest, shouldCloseFromDestructor)
{
    ScriptedAgent agent("scoped");
    {
        SleepingIdleStrategy idle(100'000);
        AgentRunner<SleepingIdleStrategy> runner(agent, idle, nullptr);
        runner.start();
        ASSERT_TRUE(awaitTrue([&] { return agent.calls.load() > 0; }));
    }
    EXPECT_EQ(1, agent.closes.load());
}

TEST(AgentRunnerConcurrentTest, shouldRunCompositeAgentsOnOneThread)
{
    ScriptedAgent a("a");
    ScriptedAgent b("b");
    CompositeAgent composite({&a, &b});
    BackoffIdleStrategy idle;
    AgentRunner<BackoffIdleStrategy> runner(composite, idle, nullptr);
    runner.start();
    ASSERT_TRUE(awaitTrue([&] { return a.calls.load() > 10 && b.calls.load() > 10; }));
    runner.close();
    EXPECT_EQ(a.workThread(), b.workThread());
    EXPECT_NE(std::this_thread::get_id(), a.workThread());
    EXPECT_EQ(1, a.closes.load());
    EXPECT_EQ(1, b.closes.load());
}

TEST(AgentRunnerConcurrentTest, shouldCountAndLogErrorsOfSeveralRunnersSharingOneHandler)
{
    alignas(64) static std::uint8_t metadata[4 * CountersDescriptor::METADATA_LENGTH];
    alignas(64) static std::uint8_t values[4 * CountersDescriptor::COUNTER_LENGTH];
    alignas(64) static std::uint8_t errorLogBytes[16 * 1024];
    std::fill(std::begin(metadata), std::end(metadata), 0);
    std::fill(std::begin(values), std::end(values), 0);
    std::fill(std::begin(errorLogBytes), std::end(errorLogBytes), 0);
    ManualEpochClock clock(1'000);
    CountersManager counters(AtomicBuffer(metadata, sizeof(metadata)), AtomicBuffer(values, sizeof(values)), clock);
    AtomicCounter errorCounter = counters.newCounter("errors");
    DistinctErrorLog errorLog(AtomicBuffer(errorLogBytes, sizeof(errorLogBytes)), clock);
    CountedErrorHandler countedHandler(errorLog, errorCounter);

    ScriptedAgent a("a");
    ScriptedAgent b("b");
    a.failEveryNthCall = 2;
    b.failEveryNthCall = 2;
    a.terminateOnCall = 41;
    b.terminateOnCall = 41;
    a.numberedFailures = false;
    b.numberedFailures = false;
    YieldingIdleStrategy idleA;
    YieldingIdleStrategy idleB;
    AgentRunner<YieldingIdleStrategy> runnerA(a, idleA, countedHandler.asErrorHandler());
    AgentRunner<YieldingIdleStrategy> runnerB(b, idleB, countedHandler.asErrorHandler());
    runnerA.start();
    runnerB.start();
    ASSERT_TRUE(awaitTrue([&] { return !runnerA.isRunning() && !runnerB.isRunning(); }));
    runnerA.close();
    runnerB.close();
    ASSERT_EQ(41, a.calls.load());
    ASSERT_EQ(41, b.calls.load());

    EXPECT_EQ(40, errorCounter.get());
    std::vector<std::pair<std::string, int>> observed;
    const int distinct = ErrorLogReader::read(errorLog.buffer(),
                                              [&](std::int32_t count, std::int64_t, std::int64_t, std::string_view text)
                                              { observed.emplace_back(std::string(text), count); });
    // Twenty failures from each agent, all with the same text per agent: two distinct errors.
    ASSERT_EQ(2, distinct);
    std::sort(observed.begin(), observed.end());
    EXPECT_EQ("std::runtime_error: a failed", observed[0].first);
    EXPECT_EQ(20, observed[0].second);
    EXPECT_EQ("std::runtime_error: b failed", observed[1].first);
    EXPECT_EQ(20, observed[1].second);
}

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestAgents.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/CompositeAgent.hpp"

using namespace cox::util;
using cox::util::test::ScriptedAgent;

namespace
{
struct RecordingHandler
{
    std::vector<std::string> errors;
    ErrorHandler handler()
    {
        return [this](const std::exception& e) { errors.emplace_back(e.what()); };
    }
};
} // namespace

TEST(AgentInvokerTest, shouldDoNoWorkBeforeStart)
{
    ScriptedAgent agent("a", 3);
    AgentInvoker invoker(agent, nullptr);
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(0, agent.calls.load());
    EXPECT_FALSE(invoker.isStarted());
    EXPECT_FALSE(invoker.isRunning());
}

TEST(AgentInvokerTest, shouldStartOnceAndReturnWorkCountOfEachCycle)
{
    ScriptedAgent agent("a", 3);
    AgentInvoker invoker(agent, nullptr);
    invoker.start();
    invoker.start();
    EXPECT_EQ(1, agent.starts.load());
    EXPECT_TRUE(invoker.isRunning());
    EXPECT_EQ(3, invoker.invoke());
    EXPECT_EQ(3, invoker.invoke());
    EXPECT_EQ(2, agent.calls.load());
}

TEST(AgentInvokerTest, shouldReportErrorAndCarryOnWhenDoWorkThrows)
{
    RecordingHandler errors;
    ScriptedAgent agent("a", 2);
    agent.failEveryNthCall = 2;
    AgentInvoker invoker(agent, errors.handler());
    invoker.start();
    EXPECT_EQ(2, invoker.invoke());
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(2, invoker.invoke());
    ASSERT_EQ(1u, errors.errors.size());
    EXPECT_EQ("a failed on call 2", errors.errors[0]);
    EXPECT_TRUE(invoker.isRunning());
}

TEST(AgentInvokerTest, shouldReportUnknownExceptionTypesNamingTheRole)
{
    RecordingHandler errors;
    ScriptedAgent agent("weird");
    agent.throwNonStandardOnCall = 1;
    AgentInvoker invoker(agent, errors.handler());
    invoker.start();
    EXPECT_EQ(0, invoker.invoke());
    ASSERT_EQ(1u, errors.errors.size());
    EXPECT_NE(std::string::npos, errors.errors[0].find("weird"));
}

TEST(AgentInvokerTest, shouldCloseWhenAgentTerminates)
{
    RecordingHandler errors;
    ScriptedAgent agent("a");
    agent.terminateOnCall = 2;
    AgentInvoker invoker(agent, errors.handler());
    invoker.start();
    EXPECT_EQ(1, invoker.invoke());
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_TRUE(invoker.isClosed());
    EXPECT_FALSE(invoker.isRunning());
    EXPECT_EQ(1, agent.closes.load());
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(2, agent.calls.load());
    EXPECT_TRUE(errors.errors.empty());
}

TEST(AgentInvokerTest, shouldReportAndCloseWhenStartFails)
{
    RecordingHandler errors;
    ScriptedAgent agent("a");
    agent.failOnStart = true;
    AgentInvoker invoker(agent, errors.handler());
    invoker.start();
    EXPECT_TRUE(invoker.isClosed());
    EXPECT_EQ(1, agent.closes.load());
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(0, agent.calls.load());
    ASSERT_EQ(1u, errors.errors.size());
    EXPECT_EQ("a failed to start", errors.errors[0]);
}

TEST(AgentInvokerTest, shouldCloseOnceEvenWhenNeverStarted)
{
    ScriptedAgent agent("a");
    {
        AgentInvoker invoker(agent, nullptr);
        invoker.close();
        invoker.close();
        EXPECT_TRUE(invoker.isClosed());
        invoker.start();
        EXPECT_FALSE(invoker.isRunning());
    }
    EXPECT_EQ(1, agent.closes.load());
    EXPECT_EQ(0, agent.starts.load());
}

TEST(AgentInvokerTest, shouldCloseAgentWhenDestroyed)
{
    ScriptedAgent agent("a");
    {
        AgentInvoker invoker(agent, nullptr);
        invoker.start();
    }
    EXPECT_EQ(1, agent.closes.load());
}

TEST(AgentInvokerTest, shouldSurviveAnErrorHandlerThatThrows)
{
    ScriptedAgent agent("a");
    agent.failEveryNthCall = 1;
    AgentInvoker invoker(agent, [](const std::exception&) { throw std::logic_error("handler broke"); });
    invoker.start();
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(2, agent.calls.load());
}

TEST(CompositeAgentTest, shouldJoinRoleNames)
{
    ScriptedAgent a("sender");
    ScriptedAgent b("receiver");
    CompositeAgent composite({&a, &b});
    EXPECT_EQ("[sender,receiver]", composite.roleName());
}

TEST(CompositeAgentTest, shouldRejectEmptyOrNullAgents)
{
    ScriptedAgent a("a");
    EXPECT_THROW(CompositeAgent({}), IllegalArgumentException);
    EXPECT_THROW(CompositeAgent({&a, nullptr}), IllegalArgumentException);
}

TEST(CompositeAgentTest, shouldSumWorkCountsAndStartAndCloseAll)
{
    ScriptedAgent a("a", 2);
    ScriptedAgent b("b", 5);
    CompositeAgent composite({&a, &b});
    composite.onStart();
    EXPECT_EQ(7, composite.doWork());
    EXPECT_EQ(7, composite.doWork());
    composite.onClose();
    EXPECT_EQ(1, a.starts.load());
    EXPECT_EQ(1, b.starts.load());
    EXPECT_EQ(2, a.calls.load());
    EXPECT_EQ(2, b.calls.load());
    EXPECT_EQ(1, a.closes.load());
    EXPECT_EQ(1, b.closes.load());
}

TEST(CompositeAgentTest, shouldResumeWithNextAgentAfterOneThrows)
{
    ScriptedAgent a("a", 1);
    ScriptedAgent b("b", 10);
    ScriptedAgent c("c", 100);
    b.failEveryNthCall = 1;
    CompositeAgent composite({&a, &b, &c});

    EXPECT_THROW((void)composite.doWork(), std::runtime_error);
    EXPECT_EQ(1, a.calls.load());
    EXPECT_EQ(0, c.calls.load());
    // The next cycle starts at c rather than a, so b's failures cannot starve c.
    EXPECT_EQ(100, composite.doWork());
    EXPECT_EQ(1, a.calls.load());
    EXPECT_EQ(1, c.calls.load());
    EXPECT_THROW((void)composite.doWork(), std::runtime_error);
    EXPECT_EQ(2, a.calls.load());
}

TEST(CompositeAgentTest, shouldStartAndCloseAllThenRethrowFirstFailure)
{
    ScriptedAgent a("a");
    ScriptedAgent b("b");
    ScriptedAgent c("c");
    a.failOnStart = true;
    b.failOnStart = true;
    a.failOnClose = true;
    CompositeAgent composite({&a, &b, &c});
    try
    {
        composite.onStart();
        FAIL() << "expected the start failure";
    }
    catch (const std::runtime_error& e)
    {
        EXPECT_STREQ("a failed to start", e.what());
    }
    EXPECT_EQ(1, c.starts.load());
    EXPECT_THROW(composite.onClose(), std::runtime_error);
    EXPECT_EQ(1, b.closes.load());
    EXPECT_EQ(1, c.closes.load());
}

TEST(CompositeAgentTest, shouldRunUnderAnInvoker)
{
    RecordingHandler errors;
    ScriptedAgent a("a", 1);
    ScriptedAgent b("b", 1);
    b.failEveryNthCall = 2;
    CompositeAgent composite({&a, &b});
    AgentInvoker invoker(composite, errors.handler());
    invoker.start();
    EXPECT_EQ(2, invoker.invoke());
    EXPECT_EQ(0, invoker.invoke());
    EXPECT_EQ(2, invoker.invoke());
    EXPECT_EQ(1u, errors.errors.size());
    invoker.close();
    EXPECT_EQ(1, a.closes.load());
    EXPECT_EQ(1, b.closes.load());
}

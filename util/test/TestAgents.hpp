#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include "cox/util/Agent.hpp"

namespace cox::util::test
{
/// A scripted agent for agent, runner and invoker tests: counts its callbacks, returns a fixed work
/// count, and throws on the calls a test chooses. Counters are atomic so a test thread can watch an
/// agent running on a runner's thread.
class ScriptedAgent : public Agent
{
public:
    explicit ScriptedAgent(std::string roleName, int workCount = 1)
        : m_roleName(std::move(roleName)), m_workCount(workCount)
    {
    }

    void onStart() override
    {
        m_startThread = std::this_thread::get_id();
        ++starts;
        if (failOnStart)
        {
            throw std::runtime_error(m_roleName + " failed to start");
        }
    }

    int doWork() override
    {
        const int call = ++calls;
        m_workThread.store(std::this_thread::get_id());
        if (terminateOnCall == call)
        {
            throw AgentTerminationException("done");
        }
        if (failEveryNthCall > 0 && call % failEveryNthCall == 0)
        {
            throw std::runtime_error(numberedFailures ? m_roleName + " failed on call " + std::to_string(call)
                                                      : m_roleName + " failed");
        }
        if (throwNonStandardOnCall == call)
        {
            throw 42;
        }
        return m_workCount;
    }

    void onClose() override
    {
        m_closeThread = std::this_thread::get_id();
        ++closes;
        if (failOnClose)
        {
            throw std::runtime_error(m_roleName + " failed to close");
        }
    }

    [[nodiscard]] std::string_view roleName() const noexcept override { return m_roleName; }

    [[nodiscard]] std::thread::id startThread() const { return m_startThread; }
    [[nodiscard]] std::thread::id workThread() const { return m_workThread.load(); }
    [[nodiscard]] std::thread::id closeThread() const { return m_closeThread; }

    std::atomic<int> starts{0};
    std::atomic<int> calls{0};
    std::atomic<int> closes{0};
    // Set before the agent starts; read only by the agent's thread afterwards.
    bool failOnStart = false;
    bool failOnClose = false;
    int failEveryNthCall = 0;
    int terminateOnCall = 0;
    int throwNonStandardOnCall = 0;
    bool numberedFailures = true;

private:
    std::string m_roleName;
    int m_workCount;
    std::thread::id m_startThread;
    std::atomic<std::thread::id> m_workThread;
    std::thread::id m_closeThread;
};
} // namespace cox::util::test

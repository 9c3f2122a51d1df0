#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cox/util/Agent.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/AgentRunner.hpp"
#include "cox/util/CompositeAgent.hpp"
#include "cox/util/ErrorHandler.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::util
{
/// How a component's agents get threads (Aeron's threading modes).
enum class ThreadingMode
{
    DEDICATED, ///< a thread per agent
    SHARED,    ///< one thread runs them all in turn
    INVOKER,   ///< no thread: the owner calls invoke()
};

/// The agents of one component (a media driver, an archive) run in one threading mode: the one place
/// that decides between runners on threads and an invoker the caller drives. The agents are
/// borrowed and must outlive the group.
class AgentGroup
{
public:
    /// idleStrategies names one idle strategy per agent for DEDICATED; SHARED uses sharedIdleStrategy.
    AgentGroup(ThreadingMode mode, const std::vector<Agent*>& agents, const std::vector<std::string>& idleStrategies,
               const std::string& sharedIdleStrategy, const ErrorHandler& errorHandler)
    {
        switch (mode)
        {
            case ThreadingMode::DEDICATED:
                for (std::size_t i = 0; i < agents.size(); ++i)
                {
                    m_idleStrategies.push_back(newIdleStrategy(i < idleStrategies.size() ? idleStrategies[i]
                                                                                      : sharedIdleStrategy));
                    m_runners.push_back(
                        std::make_unique<AgentRunner<>>(*agents[i], *m_idleStrategies.back(), errorHandler));
                }
                break;
            case ThreadingMode::SHARED:
                m_composite = std::make_unique<CompositeAgent>(agents);
                m_idleStrategies.push_back(newIdleStrategy(sharedIdleStrategy));
                m_runners.push_back(std::make_unique<AgentRunner<>>(*m_composite, *m_idleStrategies.back(), errorHandler));
                break;
            case ThreadingMode::INVOKER:
                m_composite = std::make_unique<CompositeAgent>(agents);
                m_invoker = std::make_unique<AgentInvoker>(*m_composite, errorHandler);
                break;
        }
    }

    ~AgentGroup() { close(); }
    AgentGroup(const AgentGroup&) = delete;
    AgentGroup& operator=(const AgentGroup&) = delete;

    void start()
    {
        if (m_invoker)
        {
            m_invoker->start();
        }
        for (auto& runner : m_runners)
        {
            runner->start();
        }
    }

    [[nodiscard]] bool isInvoker() const noexcept { return m_invoker != nullptr; }

    /// INVOKER mode only: one duty cycle of every agent; returns the work count.
    int invoke() { return m_invoker->invoke(); }

    /// Stops the threads (each agent's onClose runs on its own thread) or closes the invoker.
    void close()
    {
        for (auto& runner : m_runners)
        {
            runner->close();
        }
        if (m_invoker)
        {
            m_invoker->close();
        }
    }

private:
    std::vector<std::unique_ptr<IdleStrategy>> m_idleStrategies;
    std::unique_ptr<CompositeAgent> m_composite;
    std::vector<std::unique_ptr<AgentRunner<>>> m_runners;
    std::unique_ptr<AgentInvoker> m_invoker;
};
} // namespace cox::util

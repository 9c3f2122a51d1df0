#pragma once

#include "cox/util/Agent.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::util
{
/// Runs an agent on the caller's thread, one duty cycle per invoke(): Agrona's AgentInvoker, for the
/// invoker threading mode and for tests and the simulator, which step agents deterministically.
/// Not thread-safe: one thread drives it. The agent is borrowed and must outlive the invoker.
class AgentInvoker
{
public:
    AgentInvoker(Agent& agent, ErrorHandler errorHandler);

    /// Closes the agent if it was not closed already.
    ~AgentInvoker();

    AgentInvoker(const AgentInvoker&) = delete;
    AgentInvoker& operator=(const AgentInvoker&) = delete;

    /// Calls onStart once; later calls do nothing. If onStart throws, the error is reported and the
    /// invoker closes.
    void start();

    /// One duty cycle: the agent's work count, or 0 when not running. An error from doWork is reported
    /// and counts as no work; an AgentTerminationException closes the invoker.
    int invoke();

    /// Calls onClose once (even if never started, so resources acquired at construction are released).
    void close();

    [[nodiscard]] bool isStarted() const noexcept { return m_isStarted; }
    [[nodiscard]] bool isRunning() const noexcept { return m_isRunning; }
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed; }
    [[nodiscard]] Agent& agent() const noexcept { return m_agent; }

private:
    Agent& m_agent;
    ErrorHandler m_errorHandler;
    bool m_isStarted = false;
    bool m_isRunning = false;
    bool m_isClosed = false;
};
} // namespace cox::util

#pragma once

#include <atomic>
#include <pthread.h>
#include <string>
#include <thread>

#include "cox/util/Agent.hpp"
#include "cox/util/ErrorHandler.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::util
{
/// Runs one agent (often a CompositeAgent) on a thread of its own: Agrona's AgentRunner.
///
/// Templated on the idle strategy so that a concrete (final) strategy is called without virtual
/// dispatch; the default, IdleStrategy, takes one chosen at run time by newIdleStrategy().
///
/// The agent and idle strategy are borrowed and must outlive the runner. start() and close() are for
/// the owning thread; isRunning() and isClosed() may be read from any thread.
template <typename IdleStrategyT = IdleStrategy> class AgentRunner
{
public:
    AgentRunner(Agent& agent, IdleStrategyT& idleStrategy, ErrorHandler errorHandler)
        : m_agent(agent), m_idleStrategy(idleStrategy), m_errorHandler(std::move(errorHandler))
    {
    }

    /// Stops and joins, as close().
    ~AgentRunner() { close(); }

    AgentRunner(const AgentRunner&) = delete;
    AgentRunner& operator=(const AgentRunner&) = delete;

    /// Starts the thread, which calls onStart, then the duty cycle until close() or an
    /// AgentTerminationException, then onClose. Throws IllegalStateException if already started or closed.
    void start()
    {
        if (m_thread.joinable() || m_isClosed.load(std::memory_order_acquire))
        {
            throw IllegalStateException("agent runner already started or closed: " + std::string(m_agent.roleName()));
        }
        m_isRunning.store(true, std::memory_order_release);
        m_thread = std::thread([this] { run(); });
    }

    /// Asks the duty cycle to stop, joins the thread, and marks the runner closed. When never started,
    /// calls the agent's onClose on this thread instead. Idempotent. Must not be called from the
    /// agent's own thread (it would join itself): throws IllegalStateException there.
    void close()
    {
        if (m_thread.joinable() && m_thread.get_id() == std::this_thread::get_id())
        {
            throw IllegalStateException("agent runner closed from its own thread: " + std::string(m_agent.roleName()));
        }
        if (m_isClosed.load(std::memory_order_acquire))
        {
            return;
        }
        m_isRunning.store(false, std::memory_order_release);
        if (m_thread.joinable())
        {
            m_thread.join();
        }
        else
        {
            closeAgent();
        }
        m_isClosed.store(true, std::memory_order_release);
    }

    /// True from start() until the duty cycle has been asked to stop or has terminated itself.
    [[nodiscard]] bool isRunning() const noexcept { return m_isRunning.load(std::memory_order_acquire); }

    /// True once close() has completed: the agent's onClose has returned and the thread is joined.
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed.load(std::memory_order_acquire); }

    [[nodiscard]] Agent& agent() const noexcept { return m_agent; }

private:
    void run()
    {
        nameThread();
        try
        {
            m_agent.onStart();
        }
        catch (const AgentTerminationException&)
        {
            m_isRunning.store(false, std::memory_order_release);
        }
        catch (const std::exception& e)
        {
            m_isRunning.store(false, std::memory_order_release);
            reportError(m_errorHandler, e);
        }
        catch (...)
        {
            m_isRunning.store(false, std::memory_order_release);
            reportUnknownError(m_errorHandler, m_agent.roleName());
        }

        while (m_isRunning.load(std::memory_order_acquire))
        {
            doDutyCycle();
        }
        closeAgent();
    }

    void doDutyCycle()
    {
        try
        {
            m_idleStrategy.idle(m_agent.doWork());
        }
        catch (const AgentTerminationException&)
        {
            m_isRunning.store(false, std::memory_order_release);
        }
        catch (const std::exception& e)
        {
            reportError(m_errorHandler, e);
        }
        catch (...)
        {
            reportUnknownError(m_errorHandler, m_agent.roleName());
        }
    }

    void closeAgent() noexcept
    {
        try
        {
            m_agent.onClose();
        }
        catch (const std::exception& e)
        {
            reportError(m_errorHandler, e);
        }
        catch (...)
        {
            reportUnknownError(m_errorHandler, m_agent.roleName());
        }
    }

    void nameThread() noexcept
    {
        // Linux limits thread names to 15 characters; the role name makes top -H and gdb readable.
        char name[16] = {};
        const std::string_view roleName = m_agent.roleName();
        roleName.copy(name, sizeof(name) - 1);
        ::pthread_setname_np(::pthread_self(), name);
    }

    Agent& m_agent;
    IdleStrategyT& m_idleStrategy;
    ErrorHandler m_errorHandler;
    std::thread m_thread;
    std::atomic<bool> m_isRunning{false};
    std::atomic<bool> m_isClosed{false};
};
} // namespace cox::util

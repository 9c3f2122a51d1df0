#include "cox/util/AgentInvoker.hpp"

namespace cox::util
{
AgentInvoker::AgentInvoker(Agent& agent, ErrorHandler errorHandler)
    : m_agent(agent), m_errorHandler(std::move(errorHandler))
{
}

AgentInvoker::~AgentInvoker()
{
    close();
}

void AgentInvoker::start()
{
    if (m_isStarted || m_isClosed)
    {
        return;
    }
    m_isStarted = true;
    try
    {
        m_agent.onStart();
        m_isRunning = true;
    }
    catch (const AgentTerminationException&)
    {
        close();
    }
    catch (const std::exception& e)
    {
        reportError(m_errorHandler, e);
        close();
    }
    catch (...)
    {
        reportUnknownError(m_errorHandler, m_agent.roleName());
        close();
    }
}

int AgentInvoker::invoke()
{
    if (!m_isRunning)
    {
        return 0;
    }
    try
    {
        return m_agent.doWork();
    }
    catch (const AgentTerminationException&)
    {
        close();
    }
    catch (const std::exception& e)
    {
        reportError(m_errorHandler, e);
    }
    catch (...)
    {
        reportUnknownError(m_errorHandler, m_agent.roleName());
    }
    return 0;
}

void AgentInvoker::close()
{
    if (m_isClosed)
    {
        return;
    }
    m_isRunning = false;
    m_isClosed = true;
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
} // namespace cox::util

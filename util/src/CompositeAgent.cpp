#include "cox/util/CompositeAgent.hpp"

#include <exception>

namespace cox::util
{
CompositeAgent::CompositeAgent(std::vector<Agent*> agents) : m_agents(std::move(agents))
{
    if (m_agents.empty())
    {
        throw IllegalArgumentException("composite agent needs at least one agent");
    }
    m_roleName = "[";
    for (std::size_t i = 0; i < m_agents.size(); ++i)
    {
        if (m_agents[i] == nullptr)
        {
            throw IllegalArgumentException("composite agent given a null agent at index " + std::to_string(i));
        }
        m_roleName += (i == 0 ? "" : ",");
        m_roleName += m_agents[i]->roleName();
    }
    m_roleName += "]";
}

void CompositeAgent::onStart()
{
    std::exception_ptr firstError;
    for (Agent* agent : m_agents)
    {
        try
        {
            agent->onStart();
        }
        catch (...)
        {
            if (!firstError)
            {
                firstError = std::current_exception();
            }
        }
    }
    if (firstError)
    {
        std::rethrow_exception(firstError);
    }
}

int CompositeAgent::doWork()
{
    int workCount = 0;
    if (m_agentIndex >= m_agents.size())
    {
        // The last agent threw on the previous cycle.
        m_agentIndex = 0;
    }
    while (m_agentIndex < m_agents.size())
    {
        // Advance before calling, so that an exception leaves the index on the next agent.
        Agent* agent = m_agents[m_agentIndex++];
        workCount += agent->doWork();
    }
    m_agentIndex = 0;
    return workCount;
}

void CompositeAgent::onClose()
{
    std::exception_ptr firstError;
    for (Agent* agent : m_agents)
    {
        try
        {
            agent->onClose();
        }
        catch (...)
        {
            if (!firstError)
            {
                firstError = std::current_exception();
            }
        }
    }
    if (firstError)
    {
        std::rethrow_exception(firstError);
    }
}
} // namespace cox::util

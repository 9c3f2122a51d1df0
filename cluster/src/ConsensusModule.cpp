#include "cox/cluster/ConsensusModule.hpp"

#include "consensus/ConsensusModuleAgent.hpp"

namespace cox::cluster
{
ConsensusModule::ConsensusModule(ConsensusModuleContext context)
    : m_context(std::move(context)), m_agent(std::make_unique<ConsensusModuleAgent>(m_context))
{
}

ConsensusModule::~ConsensusModule() = default;

util::Agent& ConsensusModule::agent() noexcept
{
    return *m_agent;
}

std::string ConsensusModule::failStopReason() const
{
    return m_agent ? m_agent->failStopReason() : std::string();
}

bool ConsensusModule::isTerminated() const noexcept
{
    return m_agent->isTerminated();
}
} // namespace cox::cluster

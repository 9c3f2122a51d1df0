#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cox/util/Agent.hpp"

namespace cox::util
{
/// Several agents sharing one thread: Agrona's CompositeAgent, the basis of the shared threading mode.
/// The agents are borrowed and must outlive the composite.
class CompositeAgent final : public Agent
{
public:
    /// Throws IllegalArgumentException if agents is empty or holds a null.
    explicit CompositeAgent(std::vector<Agent*> agents);

    /// Starts every agent, even after one fails; then rethrows the first failure.
    void onStart() override;

    /// Sum of the agents' work counts. When one throws, the next call resumes with the agent after it,
    /// so a failing agent cannot starve those behind it.
    int doWork() override;

    /// Closes every agent, even after one fails; then rethrows the first failure.
    void onClose() override;

    /// The agents' role names, "[a,b,c]".
    [[nodiscard]] std::string_view roleName() const noexcept override { return m_roleName; }

    [[nodiscard]] const std::vector<Agent*>& agents() const noexcept { return m_agents; }

private:
    std::vector<Agent*> m_agents;
    std::string m_roleName;
    std::size_t m_agentIndex = 0;
};
} // namespace cox::util

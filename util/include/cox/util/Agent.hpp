#pragma once

#include <string_view>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
/// An active part of the system with a duty cycle: Agrona's Agent. Threads are a deployment choice
/// made elsewhere (AgentRunner: a thread of its own; CompositeAgent: several on one thread;
/// AgentInvoker: the caller's thread); an agent never creates threads.
///
/// All three callbacks run on the same thread, in order onStart, doWork repeatedly, onClose.
class Agent
{
public:
    virtual ~Agent() = default;

    /// Once, on the agent's thread, before the first doWork. An exception here stops the agent.
    virtual void onStart() {}

    /// One duty cycle; returns the amount of work done, 0 when idle, so the idle strategy can back off.
    /// May throw: the runner hands the error to its error handler and carries on, except for
    /// AgentTerminationException, which ends the agent.
    virtual int doWork() = 0;

    /// Once, on the agent's thread, after the last doWork, to release resources.
    virtual void onClose() {}

    /// Short, stable name for thread names, logs and counters, e.g. "consensus-module".
    [[nodiscard]] virtual std::string_view roleName() const noexcept = 0;
};

/// Thrown from doWork (or onStart) to end the agent's duty cycle cleanly: not reported as an error.
class AgentTerminationException : public CoxException
{
public:
    using CoxException::CoxException;
};
} // namespace cox::util

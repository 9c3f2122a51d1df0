#pragma once

#include <exception>

#include "cox/util/AtomicCounter.hpp"
#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::util
{
/// The error handler agents are given: records the error in the distinct error log and bumps the
/// process's errors counter, as Aeron's CountedErrorHandler over its LoggingErrorHandler. Thread-safe;
/// several runners may share one. The log and the counter must outlive it.
class CountedErrorHandler
{
public:
    CountedErrorHandler(DistinctErrorLog& errorLog, AtomicCounter errorCounter) noexcept
        : m_errorLog(errorLog), m_errorCounter(errorCounter)
    {
    }

    /// Counts and records error; prints it to stderr if the log is full.
    void onError(const std::exception& error) noexcept;

    void operator()(const std::exception& error) noexcept { onError(error); }

    /// A handler for AgentRunner/AgentInvoker that forwards to this object, which must outlive it.
    [[nodiscard]] ErrorHandler asErrorHandler() noexcept
    {
        return [this](const std::exception& error) { onError(error); };
    }

private:
    DistinctErrorLog& m_errorLog;
    AtomicCounter m_errorCounter;
};
} // namespace cox::util

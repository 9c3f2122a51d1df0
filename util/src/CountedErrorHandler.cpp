#include "cox/util/CountedErrorHandler.hpp"

namespace cox::util
{
void CountedErrorHandler::onError(const std::exception& error) noexcept
{
    m_errorCounter.increment();
    try
    {
        if (!m_errorLog.record(error))
        {
            printErrorToStderr(error);
        }
    }
    catch (...)
    {
        // Formatting the error's text can only fail for lack of memory.
        printErrorToStderr(error);
    }
}
} // namespace cox::util

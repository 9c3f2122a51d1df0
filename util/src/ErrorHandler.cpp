#include "cox/util/ErrorHandler.hpp"

#include <cstdio>
#include <string>
#include <typeinfo>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
void printErrorToStderr(const std::exception& error) noexcept
{
    std::fprintf(stderr, "%s: %s\n", typeid(error).name(), error.what());
}

void reportError(const ErrorHandler& handler, const std::exception& error) noexcept
{
    if (!handler)
    {
        printErrorToStderr(error);
        return;
    }
    try
    {
        handler(error);
    }
    catch (const std::exception& handlerError)
    {
        std::fprintf(stderr, "error handler failed: %s, while handling: %s\n", handlerError.what(), error.what());
    }
    catch (...)
    {
        std::fprintf(stderr, "error handler failed while handling: %s\n", error.what());
    }
}

void reportUnknownError(const ErrorHandler& handler, std::string_view roleName) noexcept
{
    try
    {
        reportError(handler, IllegalStateException("unknown exception type thrown by agent " + std::string(roleName)));
    }
    catch (...)
    {
        // Building the message can only fail for lack of memory; nothing more can be done then.
        std::fprintf(stderr, "unknown exception thrown by an agent\n");
    }
}
} // namespace cox::util

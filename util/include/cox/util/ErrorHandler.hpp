#pragma once

#include <exception>
#include <functional>
#include <string_view>

namespace cox::util
{
/// Receives errors an agent could not handle itself: Agrona's ErrorHandler. Called on the thread
/// that caught the error, so an implementation shared between agents must be thread-safe
/// (CountedErrorHandler is). Invoked only on error paths, which is why a std::function is acceptable.
using ErrorHandler = std::function<void(const std::exception&)>;

/// Writes the error's type and text to stderr; the fallback when nothing better is configured.
void printErrorToStderr(const std::exception& error) noexcept;

/// Hands error to handler (stderr when handler is empty). An exception thrown by the handler itself
/// is printed to stderr and swallowed, so a faulty handler cannot kill the duty cycle reporting to it.
void reportError(const ErrorHandler& handler, const std::exception& error) noexcept;

/// For a catch (...) of something not derived from std::exception: reports an IllegalStateException
/// naming the agent's role.
void reportUnknownError(const ErrorHandler& handler, std::string_view roleName) noexcept;
} // namespace cox::util

#pragma once

#include <cstdint>
#include <string>

namespace cox::apps
{
/// The whole of text as a decimal integer in [min, max]; anything else throws util::IllegalArgumentException
/// naming option, the range and the text (one line, fit for the user of a command-line program).
[[nodiscard]] std::int64_t parseIntegerOption(const std::string& option, const std::string& text, std::int64_t min,
                                              std::int64_t max);
} // namespace cox::apps

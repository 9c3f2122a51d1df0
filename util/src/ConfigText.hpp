#pragma once

#include <string_view>

namespace cox::util::detail
{
/// Without leading and trailing blanks and tabs.
[[nodiscard]] std::string_view trim(std::string_view text);
} // namespace cox::util::detail

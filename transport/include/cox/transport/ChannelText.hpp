#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cox::transport
{
/// Edits of channel URIs as text (the one place that does this). Configured channels are templates (e.g. `aeron:udp?term-length=64m` with no
/// endpoint yet), which the transport's parser rightly refuses as channels; these fill them in first.

/// channel with key=value, replacing an existing value of key.
[[nodiscard]] std::string withParam(std::string_view channel, std::string_view key, std::string_view value);
/// channel without key.
[[nodiscard]] std::string withoutParam(std::string_view channel, std::string_view key);
/// The value of key, if present.
[[nodiscard]] std::optional<std::string> channelParam(std::string_view channel, std::string_view key);
} // namespace cox::transport

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cox::cluster
{
/// The values of the control toggle counter (type ClusterCounters::CONTROL_TOGGLE_TYPE_ID), with Aeron's codes
/// (ClusterControl.ToggleState). A tool or an admin request moves the toggle from NEUTRAL to an action; the
/// consensus module, when it is the leader and ACTIVE, appends the action to the log and sets the toggle back to
/// NEUTRAL once the action is done. SUSPEND stays until RESUME. A toggle other than NEUTRAL means "busy": a tool
/// must compare-and-set from NEUTRAL, never store blindly.
enum class ToggleState : std::int64_t
{
    INACTIVE = 0,
    NEUTRAL = 1,
    SUSPEND = 2,
    RESUME = 3,
    SNAPSHOT = 4,
    SHUTDOWN = 5,
    ABORT = 6,
    STANDBY_SNAPSHOT = 7,
};

[[nodiscard]] std::string_view toString(ToggleState state) noexcept;
[[nodiscard]] std::optional<ToggleState> toggleStateFromCode(std::int64_t code) noexcept;
/// "snapshot" -> SNAPSHOT and so on (lower case, as coxctl's commands spell them); nullopt for anything else.
[[nodiscard]] std::optional<ToggleState> toggleStateFromName(std::string_view name) noexcept;
} // namespace cox::cluster

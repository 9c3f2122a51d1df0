#include "cox/cluster/ClusterControl.hpp"

#include <array>

namespace cox::cluster
{
namespace
{
struct ToggleName
{
    ToggleState state;
    std::string_view upper;
    std::string_view lower;
};

constexpr std::array<ToggleName, 8> TOGGLE_NAMES{{
    {ToggleState::INACTIVE, "INACTIVE", "inactive"},
    {ToggleState::NEUTRAL, "NEUTRAL", "neutral"},
    {ToggleState::SUSPEND, "SUSPEND", "suspend"},
    {ToggleState::RESUME, "RESUME", "resume"},
    {ToggleState::SNAPSHOT, "SNAPSHOT", "snapshot"},
    {ToggleState::SHUTDOWN, "SHUTDOWN", "shutdown"},
    {ToggleState::ABORT, "ABORT", "abort"},
    {ToggleState::STANDBY_SNAPSHOT, "STANDBY_SNAPSHOT", "standby-snapshot"},
}};
} // namespace

std::string_view toString(ToggleState state) noexcept
{
    for (const auto& name : TOGGLE_NAMES)
    {
        if (name.state == state)
        {
            return name.upper;
        }
    }
    return "UNKNOWN";
}

std::optional<ToggleState> toggleStateFromCode(std::int64_t code) noexcept
{
    for (const auto& name : TOGGLE_NAMES)
    {
        if (static_cast<std::int64_t>(name.state) == code)
        {
            return name.state;
        }
    }
    return std::nullopt;
}

std::optional<ToggleState> toggleStateFromName(std::string_view text) noexcept
{
    for (const auto& name : TOGGLE_NAMES)
    {
        if (name.lower == text)
        {
            return name.state;
        }
    }
    return std::nullopt;
}
} // namespace cox::cluster

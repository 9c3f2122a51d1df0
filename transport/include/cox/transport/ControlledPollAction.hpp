#pragma once

#include <cstdint>

namespace cox::transport
{
/// What a controlled fragment handler tells the poller to do next (Aeron's ControlledFragmentHandler.Action).
enum class ControlledPollAction : std::int8_t
{
    /// Do not consume this fragment; stop, and deliver it again on the next poll.
    ABORT,
    /// Consume this fragment and stop polling.
    BREAK,
    /// Consume this fragment and move the subscriber position up to it now, then continue.
    COMMIT,
    /// Consume this fragment and continue; the position moves when the poll ends.
    CONTINUE,
};
} // namespace cox::transport

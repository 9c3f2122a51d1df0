#pragma once

#include <cstdint>

namespace cox::transport
{
/// Results of offer and tryClaim: a non-negative value is the stream position after the message,
/// a negative one says why nothing was appended (Aeron's Publication constants).
struct PublicationResult
{
    /// Position at the limit and no receiver connected.
    static constexpr std::int64_t NOT_CONNECTED = -1;
    /// Position at the limit while connected: consumers are behind.
    static constexpr std::int64_t BACK_PRESSURED = -2;
    /// A term rotation happened or is in progress; retry at once.
    static constexpr std::int64_t ADMIN_ACTION = -3;
    static constexpr std::int64_t CLOSED = -4;
    /// The stream reached termLength * 2^31; a new publication is needed.
    static constexpr std::int64_t MAX_POSITION_EXCEEDED = -5;
    /// A bad argument, e.g. a message longer than the maximum.
    static constexpr std::int64_t ERROR = -6;

    [[nodiscard]] static constexpr const char* name(std::int64_t result) noexcept
    {
        switch (result)
        {
            case NOT_CONNECTED: return "NOT_CONNECTED";
            case BACK_PRESSURED: return "BACK_PRESSURED";
            case ADMIN_ACTION: return "ADMIN_ACTION";
            case CLOSED: return "CLOSED";
            case MAX_POSITION_EXCEEDED: return "MAX_POSITION_EXCEEDED";
            case ERROR: return "ERROR";
            default: return result >= 0 ? "POSITION" : "UNKNOWN";
        }
    }
};
} // namespace cox::transport

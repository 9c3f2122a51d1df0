#pragma once

#include <cstdint>
#include <string>

#include "cox/codecs/archive/RecordingState.hpp"

namespace cox::archive
{
using codecs::archive::RecordingState;

/// Aeron's NULL_VALUE for ids, positions, lengths and timestamps.
inline constexpr std::int64_t NULL_POSITION = -1;
inline constexpr std::int64_t NULL_TIMESTAMP = -1;
inline constexpr std::int64_t NULL_RECORDING_ID = -1;

/// A copy of one catalog entry (the body of a catalog frame, laid out on disk as the SBE
/// RecordingDescriptor block plus its three strings). Values, not a view: safe to keep after the
/// catalog changes or grows.
struct RecordingDescriptor
{
    std::int64_t recordingId = NULL_RECORDING_ID;
    /// 0 for a new recording; set by extend; overwritten in listings by the requesting session's ids.
    std::int64_t controlSessionId = 0;
    std::int64_t correlationId = 0;
    std::int64_t startTimestamp = NULL_TIMESTAMP;
    /// NULL_TIMESTAMP while recording (or after a crash until recovery runs).
    std::int64_t stopTimestamp = NULL_TIMESTAMP;
    std::int64_t startPosition = 0;
    /// NULL_POSITION while recording; the recorded position otherwise. start <= stop always holds.
    std::int64_t stopPosition = NULL_POSITION;
    std::int32_t initialTermId = 0;
    std::int32_t segmentFileLength = 0;
    std::int32_t termBufferLength = 0;
    std::int32_t mtuLength = 0;
    std::int32_t sessionId = 0;
    std::int32_t streamId = 0;
    std::string strippedChannel;
    std::string originalChannel;
    std::string sourceIdentity;
    RecordingState state = RecordingState::VALID;

    [[nodiscard]] bool isActive() const noexcept { return stopPosition == NULL_POSITION; }
};
} // namespace cox::archive

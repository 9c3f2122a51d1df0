#pragma once

#include <cstdint>
#include <functional>

#include "cox/archive/RecordingDescriptor.hpp"
#include "cox/codecs/archive/RecordingSignal.hpp"

namespace cox::archive
{
/// Receives the descriptors a listing streams back. controlSessionId and correlationId of the descriptor are
/// those of the listing request. The reference is valid only during the call.
using RecordingDescriptorConsumer = std::function<void(const RecordingDescriptor& descriptor)>;

/// Receives RecordingSignalEvents (Aeron's RecordingSignalConsumer). subscriptionId and position are -1 where the
/// signal has none (DELETE, REPLICATE_END).
using RecordingSignalConsumer =
    std::function<void(std::int64_t controlSessionId, std::int64_t correlationId, std::int64_t recordingId,
                       std::int64_t subscriptionId, std::int64_t position, codecs::archive::RecordingSignal signal)>;
} // namespace cox::archive

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cox/archive/RecordingDescriptor.hpp"

namespace cox::transport
{
class Aeron;
}

namespace cox::apps::demo
{
/// Act 3: an archive beside the driver records an IPC stream; the recording is listed, replayed whole and
/// from its middle, each message checked, and the archive directory verified offline once it is closed.
struct RecordReplayConfig
{
    std::int64_t messages = 50'000;
    /// Up to about three frames, so some messages are fragmented and some cross a term end: the replay
    /// must reproduce the recorded padding for those to arrive whole.
    std::int32_t maxMessageLength = 4096;
    /// Created if missing; an archive already in it is replaced.
    std::string archiveDir;
    /// The driver the archive connects its own client to.
    std::string aeronDirectoryName;
    std::string channel = "aeron:ipc?term-length=1m";
    std::int32_t streamId = 2001;
    /// The two replays use this stream id and the next.
    std::int32_t replayStreamId = 2002;
    /// Small segments, so that even a short run spreads over several files.
    std::int32_t segmentFileLength = 4 * 1024 * 1024;
    double stallTimeoutSeconds = 10.0;
    const std::atomic<bool>* interrupted = nullptr;
};

/// What one replay delivered.
struct ReplayCheck
{
    std::int64_t fromPosition = 0;
    std::int64_t length = 0;
    std::int64_t firstIndex = 0;
    std::int64_t expected = 0;
    std::int64_t received = 0;
    std::int64_t errors = 0;
    std::int64_t bytes = 0;
    double seconds = 0.0;

    [[nodiscard]] bool passed() const noexcept { return expected > 0 && received == expected && errors == 0; }
};

struct RecordReplayResult
{
    std::int64_t published = 0;
    std::int64_t publishedBytes = 0;
    double publishSeconds = 0.0;
    /// Position after the first half of the messages, where the second replay starts.
    std::int64_t halfPosition = 0;
    std::int64_t endPosition = 0;
    std::int64_t recordingId = archive::NULL_RECORDING_ID;
    /// As listRecording returned it; recordingId NULL if it was not listed.
    archive::RecordingDescriptor descriptor;
    std::vector<std::string> segmentFiles;
    ReplayCheck fullReplay;
    ReplayCheck secondHalfReplay;
    /// ArchiveVerifier's verdicts, one line per recording.
    std::vector<std::string> verification;
    bool verified = false;
    std::string failure;

    [[nodiscard]] bool passed() const noexcept;
};

/// Runs act 3: launches an archive on the driver of `aeron`, records, replays, closes the archive and
/// verifies its directory, printing each step to out. Set-up failures throw; the rest is in the result.
[[nodiscard]] RecordReplayResult runRecordReplayAct(const std::shared_ptr<transport::Aeron>& aeron,
                                                    const RecordReplayConfig& config, std::ostream& out);

/// The act's summary lines, ending "  result       PASS" or "FAIL".
[[nodiscard]] std::string formatRecordReplaySummary(const RecordReplayResult& result);
} // namespace cox::apps::demo

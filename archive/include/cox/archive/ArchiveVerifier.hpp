#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cox/archive/Catalog.hpp"
#include "cox/archive/RecordingDescriptor.hpp"

namespace cox::archive
{
/// Offline checks of an archive directory, for `cox-archive-tool verify` (Aeron's ArchiveTool verify,
/// without its repairs: this only reads). Per recording: catalog invariants (start >= 0, start <= stop,
/// stop set, lengths sane, entry checksum), every segment file for [start, stop) present and
/// full-length, and frame headers (length, term offset, term id, stream id, no term crossing) walked
/// from the start (or the last segment's first frame) up to exactly stop, with frame CRCs if asked.
class ArchiveVerifier
{
public:
    struct Options
    {
        /// Walk frames in every segment, not just the last one.
        bool allSegments = false;
        /// Verify the CRC-32C written into each DATA frame's session_id by checksummed recording.
        bool frameChecksums = false;
    };

    struct Result
    {
        std::int64_t recordingId = NULL_RECORDING_ID;
        RecordingState state = RecordingState::VALID;
        bool ok = true;
        /// "OK" or the first problem found.
        std::string reason;
    };

    /// Checks every non-DELETED entry (INVALID ones are reported, not failed); VALID entries must pass.
    [[nodiscard]] static std::vector<Result> verify(
        const std::string& archiveDir, const Catalog& catalog, const Options& options);

    /// Checks one recording; the reason is empty when it is good.
    [[nodiscard]] static std::string verifyRecording(
        const std::string& archiveDir, const RecordingDescriptor& descriptor, const Options& options);
};
} // namespace cox::archive

#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "cox/archive/RecordingDescriptor.hpp"

namespace cox::util
{
class MemoryMappedFile;
}

namespace cox::archive
{
/// One stored frame as handed to a replay handler. The frame's bytes are at frame[0, frameLength) for
/// DATA; a PAD frame is stored as its 32-byte header only, so only frame[0, 32) is valid and
/// frameLength is the full padding it stands for. The pointer is valid until the next poll().
struct RecordedFrame
{
    const std::uint8_t* frame = nullptr;
    std::int32_t frameLength = 0;
    /// Stream position of the frame's first byte.
    std::int64_t position = 0;
    std::uint16_t type = 0;
    std::uint8_t flags = 0;
    std::int32_t termOffset = 0;
    std::int32_t sessionId = 0;
    std::int32_t streamId = 0;
    std::int32_t termId = 0;
    std::int64_t reservedValue = 0;

    [[nodiscard]] bool isPadding() const noexcept { return type == 0; }
    /// Bytes actually stored for this frame: 32 for PAD, frameLength for DATA.
    [[nodiscard]] std::int32_t storedLength() const noexcept;
};

/// Reads a recording's frames in order across its segment files for replay (the file side of Aeron's
/// ReplaySession). Segment files are memory-mapped read-only one at a time; frames are handed out
/// zero-copy.
///
/// Each frame is checked before it is handed out: length >= 32, within the segment and the term,
/// term offset, term id and stream id matching its position, and, with verifyChecksum, the CRC-32C in
/// its session_id field (written by a RecordingWriter with recordChecksum). A failure makes poll()
/// return a negative ReadError with lastErrorMessage() saying where and why; the reader then stays
/// failed.
///
/// The limit is a frame boundary the caller vouches for: the stop position, the live recording
/// position, or from + length. A frame that would end past the limit is not delivered (poll returns
/// 0); with a live limit, raise it with limitPosition(). Threading: one thread (the replayer).
class RecordingReader
{
public:
    enum ReadError : std::int32_t
    {
        /// A segment file that the range needs is missing or cannot be mapped.
        SEGMENT_MISSING = -1,
        /// A frame header does not fit its position (length, offsets, term id, stream id).
        INVALID_FRAME = -2,
        CHECKSUM_MISMATCH = -3
    };

    /// Checks the range and opens the first segment. fromPosition must be 32-aligned, within
    /// [start, limit]; throws ArchiveException (GENERIC, or UNKNOWN_RECORDING-style messages) if not, or
    /// if the first segment is missing while there is something to read.
    RecordingReader(
        std::string archiveDir, const RecordingDescriptor& descriptor, std::int64_t fromPosition,
        std::int64_t limitPosition, bool verifyChecksum);
    ~RecordingReader();

    RecordingReader(const RecordingReader&) = delete;
    RecordingReader& operator=(const RecordingReader&) = delete;

    /// Hands up to frameLimit frames to handler(const RecordedFrame&). Returns the number handed over,
    /// or a ReadError. Allocates nothing except when opening the next segment's mapping.
    template <typename Handler>
    std::int32_t poll(Handler&& handler, std::int32_t frameLimit)
    {
        std::int32_t count = 0;
        while (count < frameLimit)
        {
            const std::int32_t result = nextFrame();
            if (result <= 0)
            {
                return result < 0 ? result : count;
            }
            handler(static_cast<const RecordedFrame&>(m_frame));
            ++count;
        }
        return count;
    }

    /// Raises the limit while following a live recording; never lowers it.
    void limitPosition(std::int64_t position) noexcept;

    [[nodiscard]] std::int64_t limitPosition() const noexcept { return m_limitPosition; }
    /// The position after the last frame handed out.
    [[nodiscard]] std::int64_t position() const noexcept { return m_position; }
    [[nodiscard]] bool isAtLimit() const noexcept { return m_position >= m_limitPosition; }
    [[nodiscard]] const char* lastErrorMessage() const noexcept { return m_errorMessage.data(); }

private:
    /// 1 with m_frame filled and the position advanced, 0 at the limit, or a ReadError.
    std::int32_t nextFrame();
    [[nodiscard]] bool openSegment(std::int64_t base);
    std::int32_t fail(std::int32_t code, const char* what);

    std::string m_archiveDir;
    RecordingDescriptor m_descriptor;
    std::int64_t m_position;
    std::int64_t m_limitPosition;
    bool m_verifyChecksum;
    std::int32_t m_failure = 0;
    std::int32_t m_positionBitsToShift;
    std::int64_t m_segmentBase = NULL_POSITION;
    std::unique_ptr<util::MemoryMappedFile> m_segment;
    RecordedFrame m_frame;
    std::array<char, 256> m_errorMessage{};
};
} // namespace cox::archive

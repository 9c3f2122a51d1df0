#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/archive/FileSyncLevel.hpp"
#include "cox/archive/FileSyncer.hpp"
#include "cox/archive/RecordingDescriptor.hpp"

namespace cox::archive
{
/// Writes a recording's blocks of raw frames into its segment files (Aeron's RecordingWriter, run by
/// the recorder agent). Each block comes from an image's block poll: whole frames, contiguous with
/// the last one written, never crossing a term and hence never a segment.
///
/// Durability contract: position() covers a block only once it is written and, at FileSyncLevel DATA or
/// above, synced: at once when the writer syncs itself, or when pollSync() sees the FileSyncer finish.
/// The caller publishes that position (the recording-position counter) and, on stop, writes it to the
/// catalog as the stop position, so neither ever claims bytes that are not on disk at the chosen level.
///
/// Errors: init() (set-up) throws ArchiveException; onBlock() is on the hot path and returns a
/// negative code from WriteError (no exceptions, no allocation), with lastErrorMessage() saying why.
/// After an error the writer is unusable; the caller stops the recording.
///
/// Threading: one thread (the recorder) uses an instance.
class RecordingWriter
{
public:
    enum WriteError : std::int64_t
    {
        /// A system call failed (other than for space); lastErrno() has the code.
        IO_ERROR = -1,
        /// ENOSPC or EDQUOT: Aeron's STORAGE_SPACE.
        STORAGE_SPACE = -2,
        /// The block is not at the recorded position, crosses a term, or holds a malformed frame.
        INVALID_BLOCK = -3,
        /// The next segment file already exists at roll-over, or the writer is closed or failed.
        INVALID_STATE = -4
    };

    static constexpr std::int32_t DEFAULT_MAX_BLOCK_LENGTH = 1024 * 1024;

    struct Params
    {
        std::string archiveDir;
        std::int64_t recordingId = NULL_RECORDING_ID;
        /// The recording's start position: segment bases count from its term base.
        std::int64_t startPosition = 0;
        /// Where writing begins: the start for a new recording, the stop position to extend.
        std::int64_t position = 0;
        std::int32_t segmentFileLength = 0;
        std::int32_t termBufferLength = 0;
        FileSyncLevel syncLevel = FileSyncLevel::NONE;
        /// Write CRC-32C of each DATA frame's body [32, aligned length) into its session_id field.
        bool recordChecksum = false;
        /// Size of the scratch buffer that checksummed frames are copied into (a block larger than this is
        /// written in several pieces). Aeron's file IO max length.
        std::int32_t maxBlockLength = DEFAULT_MAX_BLOCK_LENGTH;
        /// At sync level DATA or above, hand the syncs to this thread rather than wait for each: position()
        /// then moves when pollSync() sees a sync finish. Null (or a durability observer installed, as the
        /// simulator does): every block is synced before onBlock returns.
        std::shared_ptr<FileSyncer> syncer;
    };

    /// Params for a recording from its catalog entry, writing at position.
    [[nodiscard]] static Params paramsFor(
        const std::string& archiveDir, const RecordingDescriptor& descriptor, std::int64_t position,
        FileSyncLevel syncLevel, bool recordChecksum);

    /// Validates the params (IllegalArgumentException) and allocates the scratch buffer; opens nothing.
    explicit RecordingWriter(Params params);
    ~RecordingWriter();

    RecordingWriter(const RecordingWriter&) = delete;
    RecordingWriter& operator=(const RecordingWriter&) = delete;

    /// Opens the segment holding position: the existing file if there is one (extend, or a restart
    /// after a crash during roll-over), otherwise a new pre-sized one. Throws ArchiveException
    /// (STORAGE_SPACE or GENERIC) on failure.
    void init();

    /// Writes the block of frames that starts at blockPosition (must equal writePosition()). PAD frames are
    /// stored as their 32-byte header only but advance by their full length. Returns the recorded position
    /// (position(): with a FileSyncer, not yet past this block), or a WriteError.
    [[nodiscard]] std::int64_t onBlock(const std::uint8_t* block, std::int32_t length, std::int64_t blockPosition) noexcept;

    /// As onBlock for a block handed over by transport::Image::blockPoll, which ends every block before a
    /// PAD frame and gives padding as a block of its own: so only the first frame's header is read, and
    /// without checksums the whole block goes to the file in one write with no walk over its frames
    /// (Aeron's recorder does the same). Anything else (checksums, a first frame that does not fit)
    /// takes the onBlock path.
    [[nodiscard]] std::int64_t onImageBlock(
        const std::uint8_t* block, std::int32_t length, std::int64_t blockPosition) noexcept;

    /// Closes the current segment file; idempotent.
    void close() noexcept;

    /// The recorded position: everything before it is written (and synced at level >= DATA).
    [[nodiscard]] std::int64_t position() const noexcept { return m_durablePosition; }
    /// Where the next block goes: position() plus what a sync in flight (or still to ask for) will cover.
    [[nodiscard]] std::int64_t writePosition() const noexcept { return m_position; }

    /// Recorder thread, each duty cycle: takes a finished sync's position and asks for the next one if more
    /// was written meanwhile. Returns position(), or a WriteError if the sync failed. Inline syncing: a no-op.
    std::int64_t pollSync() noexcept;
    /// Waits for any sync in flight and syncs the rest itself, so position() == writePosition(); returns
    /// position() or a WriteError. Before the recording stops.
    std::int64_t flushSync() noexcept;
    [[nodiscard]] std::int64_t segmentBasePosition() const noexcept { return m_segmentBase; }
    [[nodiscard]] int lastErrno() const noexcept { return m_lastErrno; }
    [[nodiscard]] const char* lastErrorMessage() const noexcept { return m_errorMessage.data(); }

    /// Number of data syncs and of directory syncs done; observable evidence that the sync path ran.
    [[nodiscard]] std::int64_t dataSyncCount() const noexcept { return m_dataSyncCount; }
    [[nodiscard]] std::int64_t directorySyncCount() const noexcept { return m_directorySyncCount; }

private:
    [[nodiscard]] std::int64_t openSegment(std::int64_t base, bool mustCreate) noexcept;
    /// Checks the block against the recorded position and term; opens the segment if a roll-over is due.
    [[nodiscard]] std::int64_t beginBlock(std::int32_t length, std::int64_t blockPosition) noexcept;
    /// Syncs per level and advances the recorded position past the block (rolling the segment at its end).
    [[nodiscard]] std::int64_t endBlock(std::int32_t length, std::int64_t blockPosition) noexcept;
    [[nodiscard]] std::int64_t writeFully(const std::uint8_t* data, std::int64_t length, std::int64_t fileOffset) noexcept;
    [[nodiscard]] std::int64_t syncData() noexcept;
    /// Asynchronous syncing: asks for a sync up to m_position unless one is in flight (false: queue full).
    bool requestSync() noexcept;
    /// If the sync asked for has finished: moves position() to what it covered (0), or fails (WriteError).
    [[nodiscard]] std::int64_t takeFinishedSync() noexcept;
    [[nodiscard]] std::int64_t fail(std::int64_t code, const char* what, int errnoValue) noexcept;
    [[nodiscard]] std::int64_t ioFailure(const char* what, int errnoValue) noexcept;

    Params m_params;
    std::vector<std::uint8_t> m_scratch;
    std::int64_t m_position;
    std::int64_t m_durablePosition;
    FileSyncer::Ticket m_syncTicket;
    bool m_isSyncAsync = false;
    bool m_syncRequested = false;
    std::int64_t m_segmentBase = NULL_POSITION;
    std::string m_segmentPath;
    int m_fd = -1;
    bool m_failed = false;
    int m_lastErrno = 0;
    std::int64_t m_dataSyncCount = 0;
    std::int64_t m_directorySyncCount = 0;
    std::array<char, 256> m_errorMessage{};
};
} // namespace cox::archive

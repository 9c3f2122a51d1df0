#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cox/archive/Catalog.hpp"
#include "cox/archive/FileSyncer.hpp"
#include "cox/archive/FileSyncLevel.hpp"
#include "cox/archive/RecordingDescriptor.hpp"
#include "cox/archive/RecordingReader.hpp"
#include "cox/archive/RecordingWriter.hpp"
#include "cox/archive/SegmentFile.hpp"

namespace cox::archive
{
/// What start-up recovery did to one recording left active by a crash (facts §5.2).
struct RecoveredRecording
{
    std::int64_t recordingId = NULL_RECORDING_ID;
    /// The stop position now in the catalog.
    std::int64_t stopPosition = NULL_POSITION;
    /// Position of the first dropped byte (== stopPosition) and how many bytes of a torn last frame
    /// were zeroed (0 if the tail was clean).
    std::int64_t droppedPosition = NULL_POSITION;
    std::int64_t droppedLength = 0;
    /// Empty if nothing was dropped; otherwise why (for the archive's log).
    std::string reason;
};

struct RecoveryReport
{
    std::vector<RecoveredRecording> recordings;

    [[nodiscard]] bool droppedAnything() const noexcept;
    /// One line per recovered recording, for logging.
    [[nodiscard]] std::string toString() const;
};

/// The archive's storage: its directory, catalog and segment files, and the maintenance operations on
/// them (truncate, purge, detach, extend) plus crash recovery. The archive conductor owns one and is
/// its only caller; the recorder and replayer get RecordingWriter/RecordingReader objects from it and
/// touch only files.
///
/// Errors are ArchiveException with Aeron's codes (UNKNOWN_RECORDING, ACTIVE_RECORDING,
/// STORAGE_SPACE, GENERIC); operations validate everything before changing anything.
class ArchiveStorage
{
public:
    struct Context
    {
        std::string archiveDir;
        /// Configured segment length; each recording uses max(this, its term length).
        std::int32_t segmentFileLength = SegmentFile::DEFAULT_SEGMENT_LENGTH;
        FileSyncLevel fileSyncLevel = FileSyncLevel::NONE;
        /// Must be >= fileSyncLevel (IllegalArgumentException otherwise).
        FileSyncLevel catalogFileSyncLevel = FileSyncLevel::NONE;
        /// CRC-32C per frame on record, and per catalog entry.
        bool recordChecksum = false;
        /// Verify frame CRCs on replay and during recovery.
        bool replayChecksum = false;
        std::int64_t catalogCapacity = Catalog::DEFAULT_CAPACITY;
        std::int32_t maxBlockLength = RecordingWriter::DEFAULT_MAX_BLOCK_LENGTH;
        /// At fileSyncLevel >= DATA, recordings sync on a thread of the storage's own (FileSyncer), so the
        /// recorder never waits for the disk; false: each block is synced before the recorder goes on.
        bool asyncFileSync = true;
    };

    /// Creates the directory if needed, opens (or creates) the catalog, and recovers every VALID
    /// recording left without a stop position: the stop becomes the end of the last complete frame
    /// and its timestamp nowMs. A torn last frame is zeroed and reported rather than refused, so a
    /// member comes back after kill -9. Throws on unusable directories or catalogs.
    ArchiveStorage(Context context, std::int64_t nowMs);
    ~ArchiveStorage();

    ArchiveStorage(const ArchiveStorage&) = delete;
    ArchiveStorage& operator=(const ArchiveStorage&) = delete;

    [[nodiscard]] const RecoveryReport& recoveryReport() const noexcept { return m_recoveryReport; }
    [[nodiscard]] Catalog& catalog() noexcept { return *m_catalog; }
    [[nodiscard]] const Catalog& catalog() const noexcept { return *m_catalog; }
    [[nodiscard]] const Context& context() const noexcept { return m_context; }

    /// Adds a live recording (stop NULL) with segment length max(configured, termBufferLength).
    std::int64_t addNewRecording(
        std::int64_t startPosition, std::int64_t startTimestamp, std::int32_t initialTermId,
        std::int32_t termBufferLength, std::int32_t mtuLength, std::int32_t sessionId, std::int32_t streamId,
        std::string_view strippedChannel, std::string_view originalChannel, std::string_view sourceIdentity);

    /// A writer for the recording at position (its start for a new one; what extendRecording returned
    /// for an extension), already init()ed.
    [[nodiscard]] std::unique_ptr<RecordingWriter> newRecordingWriter(std::int64_t recordingId, std::int64_t position);

    /// A reader over [fromPosition, limitPosition); limitPosition NULL_POSITION means the stop.
    [[nodiscard]] std::unique_ptr<RecordingReader> newRecordingReader(
        std::int64_t recordingId, std::int64_t fromPosition, std::int64_t limitPosition);

    /// Stop of a recording: writes stop timestamp then stop position to the catalog (synced at the
    /// catalog level). stopPosition is what the writer last returned.
    void recordingStopped(std::int64_t recordingId, std::int64_t stopPosition, std::int64_t nowMs);

    /// Reopens a stopped recording for writing: updates the catalog (session ids, stop cleared) and
    /// returns the position to continue from (the old stop). ACTIVE_RECORDING if it has no stop.
    std::int64_t extendRecording(
        std::int64_t recordingId, std::int64_t controlSessionId, std::int64_t correlationId, std::int32_t sessionId);

    /// Cuts a stopped recording back to position (32-aligned, start <= position <= stop): the catalog
    /// stop first, then the tail of the segment holding position is zeroed (or the file deleted if the
    /// position is its base) and later segments deleted. Returns the number of files deleted.
    std::int32_t truncateRecording(std::int64_t recordingId, std::int64_t position);

    /// Marks a stopped recording DELETED (the id is never reused) and deletes its files; returns how many.
    std::int32_t purgeRecording(std::int64_t recordingId);

    /// Moves the start to newStartPosition, a segment base at least one segment past the current start
    /// segment and not beyond the segment holding the end (the stop, or livePosition when active).
    /// Files stay until deleteDetachedSegments.
    void detachSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t livePosition = NULL_POSITION);

    /// Deletes the files wholly before the start segment; returns how many.
    std::int32_t deleteDetachedSegments(std::int64_t recordingId);

    /// detachSegments then deleteDetachedSegments.
    std::int32_t purgeSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t livePosition = NULL_POSITION);

private:
    void recover(std::int64_t nowMs);
    RecoveredRecording recoverRecording(const RecordingDescriptor& descriptor, std::int64_t nowMs);
    [[nodiscard]] RecordingDescriptor stoppedRecording(std::int64_t recordingId, const char* operation) const;

    Context m_context;
    std::unique_ptr<Catalog> m_catalog;
    std::shared_ptr<FileSyncer> m_syncer; // started by the first recording that syncs
    RecoveryReport m_recoveryReport;
};
} // namespace cox::archive

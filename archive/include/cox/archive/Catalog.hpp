#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cox/archive/CatalogIndex.hpp"
#include "cox/archive/FileSyncLevel.hpp"
#include "cox/archive/RecordingDescriptor.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::archive
{
/// The archive's catalog: the memory-mapped file `archive.catalog` of fixed-layout, 64-byte aligned
/// recording descriptors (Aeron's Catalog, file format 3.1.0, facts §4.2):
///
///     [0, 32)  CatalogHeader: version, length = 32, nextRecordingId, alignment = 64
///     [32, …)  entries back to back: a 32-byte RecordingDescriptorHeader (length of the body including
///              padding, state, checksum) then the body: the 80-byte RecordingDescriptor block and the
///              strippedChannel, originalChannel and sourceIdentity strings (u32 length + bytes).
///
/// A scan ends at the first entry whose length is <= 0. Nothing is removed in place: purge marks an
/// entry DELETED and drops it from the index; the id is never reused.
///
/// Threading: one writer (the archive conductor) calls every mutating method. The stop position is
/// published with an ordered store after the stop timestamp, so another thread or process reading
/// the mapping with stopPositionVolatile() sees start <= stop once it sees a stop. Growth remaps the
/// file, so other threads must not hold pointers into it; they take copies through the conductor.
///
/// Errors: set-up failures and bad ids throw ArchiveException (UNKNOWN_RECORDING for a missing id,
/// GENERIC for a corrupt or full catalog); IoException for failed system calls.
class Catalog
{
public:
    static constexpr const char* FILE_NAME = "archive.catalog";
    /// 3.1.0 packed as (major << 16) | (minor << 8) | patch.
    static constexpr std::int32_t VERSION = (3 << 16) | (1 << 8);
    static constexpr std::int32_t MAJOR_VERSION = 3;
    static constexpr std::int32_t HEADER_LENGTH = 32;
    static constexpr std::int32_t DESCRIPTOR_HEADER_LENGTH = 32;
    static constexpr std::int32_t ALIGNMENT = 64;
    static constexpr std::int64_t DEFAULT_CAPACITY = 1024 * 1024;
    static constexpr std::int64_t MIN_CAPACITY = 4096;
    static constexpr std::int64_t MAX_CAPACITY = 0x7FFFFFFF;

    struct Options
    {
        /// Initial file length when creating; the file grows by half again whenever an append would
        /// not fit, up to MAX_CAPACITY.
        std::int64_t initialCapacity = DEFAULT_CAPACITY;
        /// Sync after every change (fdatasync at DATA, fsync at DATA_AND_METADATA).
        FileSyncLevel syncLevel = FileSyncLevel::NONE;
        /// Keep a CRC-32C of each entry's body in its header, recomputed on every change.
        bool entryChecksum = false;
        /// Read-only opens refuse every mutating call (IllegalStateException) and never create.
        bool readOnly = false;
    };

    /// Opens `<archiveDir>/archive.catalog`, creating it when absent (unless read-only), and builds the
    /// index of every entry that is not DELETED. Refuses a file whose major version is not 3 or whose
    /// nextRecordingId is below last id + 1 (a value of 0 is repaired, as Aeron does).
    Catalog(const std::string& archiveDir, const Options& options);
    ~Catalog();

    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

    /// Appends a VALID entry and returns its new id; the id is persisted as used before this returns.
    /// stopPosition is normally NULL_POSITION (a new live recording); replication passes a real one.
    std::int64_t addNewRecording(
        std::int64_t startPosition,
        std::int64_t stopPosition,
        std::int64_t startTimestamp,
        std::int64_t stopTimestamp,
        std::int32_t initialTermId,
        std::int32_t segmentFileLength,
        std::int32_t termBufferLength,
        std::int32_t mtuLength,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::string_view strippedChannel,
        std::string_view originalChannel,
        std::string_view sourceIdentity);

    /// Convenience for a new live recording (stop and stop timestamp NULL).
    std::int64_t addNewRecording(
        std::int64_t startPosition,
        std::int64_t startTimestamp,
        std::int32_t initialTermId,
        std::int32_t segmentFileLength,
        std::int32_t termBufferLength,
        std::int32_t mtuLength,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::string_view strippedChannel,
        std::string_view originalChannel,
        std::string_view sourceIdentity);

    /// True if the id is indexed (any state but DELETED).
    [[nodiscard]] bool hasRecording(std::int64_t recordingId) const noexcept;

    /// A copy of the entry, or nullopt if the id is unknown or DELETED.
    [[nodiscard]] std::optional<RecordingDescriptor> findRecording(std::int64_t recordingId) const;

    /// As findRecording, but throws ArchiveException(UNKNOWN_RECORDING).
    [[nodiscard]] RecordingDescriptor recording(std::int64_t recordingId) const;

    /// Writes the stop timestamp, then the stop position with an ordered store.
    void recordingStopped(std::int64_t recordingId, std::int64_t stopPosition, std::int64_t stopTimestamp);

    /// Truncate and migrate: a new stop position (ordered store). Must be >= start.
    void stopPosition(std::int64_t recordingId, std::int64_t position);

    /// Detach, purge-segments, attach: a new start position. Must be <= stop when stopped.
    void startPosition(std::int64_t recordingId, std::int64_t position);

    /// Marks an extend: records the new image's session and the requesting control session, and
    /// clears stop position and stop timestamp (the recording is live again).
    void extendRecording(
        std::int64_t recordingId, std::int64_t controlSessionId, std::int64_t correlationId, std::int32_t sessionId);

    /// Changes the entry's state. DELETED drops it from the index for good. Finds INVALID entries too,
    /// so mark-valid works.
    void changeState(std::int64_t recordingId, RecordingState state);

    /// Acquire loads for readers on other threads (see the class comment). NULL_POSITION if unknown.
    [[nodiscard]] std::int64_t stopPositionVolatile(std::int64_t recordingId) const noexcept;
    [[nodiscard]] std::int64_t startPositionVolatile(std::int64_t recordingId) const noexcept;

    /// The next id addNewRecording will hand out (persisted in the header).
    [[nodiscard]] std::int64_t nextRecordingId() const noexcept;

    /// Visits every entry in file order, DELETED ones included (tools and recovery).
    void forEach(const std::function<void(const RecordingDescriptor&)>& visitor) const;

    /// Up to recordCount indexed entries in VALID state with id >= fromRecordingId (ListRecordings).
    [[nodiscard]] std::vector<RecordingDescriptor> listRecordings(
        std::int64_t fromRecordingId, std::int32_t recordCount) const;

    /// ListRecordingsForUri: VALID entries with id >= fromRecordingId whose stripped channel contains
    /// channelFragment and whose stream id matches, up to recordCount of them.
    [[nodiscard]] std::vector<RecordingDescriptor> listRecordingsForUri(
        std::int64_t fromRecordingId, std::int32_t recordCount, std::string_view channelFragment,
        std::int32_t streamId) const;

    /// Recomputes an entry's checksum and compares it with the stored one; true when checksums are
    /// off (stored 0) or they match. For the verify tool.
    [[nodiscard]] bool verifyEntryChecksum(std::int64_t recordingId) const;

    [[nodiscard]] std::size_t recordingCount() const noexcept { return m_index.size(); }
    [[nodiscard]] std::int64_t capacity() const noexcept;
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    [[nodiscard]] const CatalogIndex& index() const noexcept { return m_index; }

private:
    void createFile(std::int64_t capacity);
    void mapFile();
    void buildIndex();
    void growTo(std::int64_t minimumLength);
    [[nodiscard]] std::int64_t offsetOf(std::int64_t recordingId) const;
    [[nodiscard]] std::int64_t findAnyOffset(std::int64_t recordingId) const noexcept;
    [[nodiscard]] RecordingDescriptor decode(std::int64_t entryOffset) const;
    void updateChecksum(std::int64_t entryOffset);
    void sync() const;
    void checkWritable() const;
    /// Tells the durability observer (if any) the bytes a store through the mapping is about to change.
    void aboutToWrite(std::int64_t offset, std::int64_t length) const;
    [[nodiscard]] std::int64_t entryLength(std::int64_t entryOffset) const;

    std::string m_path;
    Options m_options;
    int m_fd = -1;
    std::unique_ptr<util::MemoryMappedFile> m_file;
    CatalogIndex m_index;
    /// Offset of the first unused byte after the last entry.
    std::int64_t m_nextEntryOffset = HEADER_LENGTH;
};
} // namespace cox::archive

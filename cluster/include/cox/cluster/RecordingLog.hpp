#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/archive/FileSyncLevel.hpp"

namespace cox::cluster
{
namespace detail
{
class FileIo;
}

/// The cluster's index of its history (`recording.log` in the cluster directory), Aeron's RecordingLog:
/// which archive recording holds each leadership term of the log, where each term starts and ends, and
/// which recordings are snapshots of the consensus module and of each service at which log position.
/// The recovery plan (RecoveryPlan.hpp) is built from it at start.
///
/// File format: Aeron's records, little-endian, each 64-byte aligned and at most MAX_ENTRY_LENGTH:
///     @0 recordingId int64, @8 leadershipTermId int64, @16 termBaseLogPosition int64,
///     @24 logPosition int64 (NULL_POSITION while a term is open), @32 timestamp int64 (cluster time),
///     @40 serviceId int32 (-1 for the consensus module and for terms), @44 entryType int32 (TERM 0,
///     SNAPSHOT 1, STANDBY_SNAPSHOT 2; bit 31 set = invalid; -1 = removed),
///     @48 archive endpoint length int32 and its ASCII bytes (standby snapshots; 0 otherwise).
/// Two additions of ours, both in space Aeron leaves as padding: the file opens with one 64-byte header
/// record (magic, format version) so a file from another format is refused rather than misread, and
/// the last 4 bytes of every record hold a CRC-32C of the rest, so a record torn by a crash is told
/// apart from a real one.
///
/// Crash handling on open: a short or failing last record (an append cut by a crash) and anything
/// after it is discarded (the file is truncated back) and reported by discardedTailLength(); a bad
/// record followed by good ones is corruption and refused.
///
/// Threading: one owner (the consensus module agent). Every method is a control-path operation that
/// may do file I/O and throws on failure; none is meant for a duty cycle's hot path.
class RecordingLog
{
public:
    static constexpr const char* FILE_NAME = "recording.log";

    static constexpr std::int32_t ENTRY_TYPE_TERM = 0;
    static constexpr std::int32_t ENTRY_TYPE_SNAPSHOT = 1;
    static constexpr std::int32_t ENTRY_TYPE_STANDBY_SNAPSHOT = 2;
    static constexpr std::int32_t ENTRY_TYPE_INVALID_FLAG = INT32_MIN;
    static constexpr std::int32_t ENTRY_TYPE_REMOVED = -1;

    static constexpr std::int64_t NULL_VALUE = -1;
    static constexpr std::int64_t NULL_POSITION = -1;
    /// serviceId of the consensus module's own snapshot and of term entries.
    static constexpr std::int32_t CONSENSUS_MODULE_SERVICE_ID = -1;

    static constexpr std::size_t ENTRY_ALIGNMENT = 64;
    static constexpr std::size_t MAX_ENTRY_LENGTH = 4096;
    static constexpr std::size_t RECORDING_ID_OFFSET = 0;
    static constexpr std::size_t LEADERSHIP_TERM_ID_OFFSET = 8;
    static constexpr std::size_t TERM_BASE_LOG_POSITION_OFFSET = 16;
    static constexpr std::size_t LOG_POSITION_OFFSET = 24;
    static constexpr std::size_t TIMESTAMP_OFFSET = 32;
    static constexpr std::size_t SERVICE_ID_OFFSET = 40;
    static constexpr std::size_t ENTRY_TYPE_OFFSET = 44;
    static constexpr std::size_t ENDPOINT_OFFSET = 48;
    /// CRC-32C of the record's preceding bytes, in its last 4 bytes.
    static constexpr std::size_t CHECKSUM_LENGTH = 4;

    /// The header record: magic "COXRCLOG" int64 @0, format version int32 @8, then zeros, CRC at 60.
    static constexpr std::int64_t MAGIC = 0x474f4c4352584f43;
    static constexpr std::int32_t FORMAT_VERSION = 1;
    static constexpr std::size_t HEADER_LENGTH = ENTRY_ALIGNMENT;

    /// One record as held in memory. entryIndex is the record's position in the file (0 = first
    /// record after the header), stable for the life of the file; Aeron's operations name entries by it.
    struct Entry
    {
        std::int64_t recordingId = NULL_VALUE;
        std::int64_t leadershipTermId = NULL_VALUE;
        std::int64_t termBaseLogPosition = NULL_POSITION;
        std::int64_t logPosition = NULL_POSITION;
        std::int64_t timestamp = NULL_VALUE;
        std::int32_t serviceId = CONSENSUS_MODULE_SERVICE_ID;
        /// Without the invalid flag.
        std::int32_t type = ENTRY_TYPE_TERM;
        std::int32_t entryIndex = -1;
        bool isValid = true;
        std::string archiveEndpoint;

        [[nodiscard]] bool operator==(const Entry&) const = default;
        [[nodiscard]] std::string toString() const;
    };

    /// Opens (or, with createNew, creates) clusterDir/recording.log and loads it. Every write is then
    /// followed by a sync at autoSyncLevel (NONE leaves syncing to force()). Throws IoException if the
    /// file cannot be opened, IllegalStateException naming the file if it is of another format or
    /// version or corrupt before its last record.
    explicit RecordingLog(const std::string& clusterDir, bool createNew = true,
                          archive::FileSyncLevel autoSyncLevel = archive::FileSyncLevel::NONE);
    ~RecordingLog();

    RecordingLog(const RecordingLog&) = delete;
    RecordingLog& operator=(const RecordingLog&) = delete;

    /// Appends a TERM entry (open: logPosition NULL_POSITION). If the closest earlier term is still open,
    /// its logPosition is committed as termBaseLogPosition first, since the new term starts where it
    /// ended. Throws IllegalStateException if a valid entry for leadershipTermId exists.
    void appendTerm(std::int64_t recordingId, std::int64_t leadershipTermId, std::int64_t termBaseLogPosition,
                    std::int64_t timestamp);

    /// Appends a SNAPSHOT entry for serviceId (CONSENSUS_MODULE_SERVICE_ID for the consensus module).
    /// An invalidated entry with the same recording, term, positions and service is made valid again
    /// instead, so re-taking a snapshot after an invalidation does not grow the file.
    void appendSnapshot(std::int64_t recordingId, std::int64_t leadershipTermId, std::int64_t termBaseLogPosition,
                        std::int64_t logPosition, std::int64_t timestamp, std::int32_t serviceId);

    /// As appendSnapshot, for a snapshot held by the archive at archiveEndpoint (standby).
    void appendStandbySnapshot(std::int64_t recordingId, std::int64_t leadershipTermId,
                               std::int64_t termBaseLogPosition, std::int64_t logPosition, std::int64_t timestamp,
                               std::int32_t serviceId, const std::string& archiveEndpoint);

    /// Rewrites the term entry's logPosition in place. Throws IllegalStateException for an unknown term.
    void commitLogPosition(std::int64_t leadershipTermId, std::int64_t logPosition);

    /// Invalidates the latest valid consensus module SNAPSHOT and the valid service SNAPSHOTs at the same
    /// term and log position. Returns false if there was none.
    bool invalidateLatestSnapshot();

    /// Sets the invalid flag on the entry. Throws IllegalArgumentException if no valid entry has this
    /// index and term.
    void invalidateEntry(std::int64_t leadershipTermId, std::int32_t entryIndex);

    /// Marks the entry removed in the file (type -1) and drops it from memory. Same checks as above,
    /// except that an invalid entry may be removed.
    void removeEntry(std::int64_t leadershipTermId, std::int32_t entryIndex);

    /// Flushes the file to storage at level.
    void force(archive::FileSyncLevel level) const;

    /// Entries in Aeron's order: by leadershipTermId, then termBaseLogPosition; a TERM before snapshots;
    /// TERMs by entryIndex; snapshots by logPosition, then serviceId descending (so a set reads services
    /// n-1..0, then the consensus module). Includes invalid entries; removed ones are gone.
    [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return m_entries; }

    /// Valid SNAPSHOT and STANDBY_SNAPSHOT entries, in entries() order.
    [[nodiscard]] std::vector<Entry> snapshots() const;

    /// The valid TERM entry with the highest leadershipTermId, or nullptr. Pointers into the log are
    /// valid until its next mutation.
    [[nodiscard]] const Entry* findLastTerm() const noexcept;
    /// recordingId of findLastTerm(), or NULL_VALUE.
    [[nodiscard]] std::int64_t findLastTermRecordingId() const noexcept;
    /// The valid TERM entry for leadershipTermId, or nullptr.
    [[nodiscard]] const Entry* findTermEntry(std::int64_t leadershipTermId) const noexcept;
    /// As findTermEntry; throws IllegalStateException if there is none.
    [[nodiscard]] const Entry& getTermEntry(std::int64_t leadershipTermId) const;
    /// The latest valid SNAPSHOT of serviceId that belongs to the latest valid consensus module snapshot
    /// (same term and log position); for CONSENSUS_MODULE_SERVICE_ID that snapshot itself. nullptr if none.
    [[nodiscard]] const Entry* getLatestSnapshot(std::int32_t serviceId) const noexcept;

    /// Bytes of a torn tail found and cut off when the file was opened (0 for a clean file).
    [[nodiscard]] std::uint64_t discardedTailLength() const noexcept { return m_discardedTailLength; }
    [[nodiscard]] const std::string& path() const noexcept;

private:
    void load();
    void append(const Entry& entry);
    void rewrite(const Entry& entry);
    void afterWrite() const;
    void sortEntries();
    [[nodiscard]] Entry* findByIndex(std::int32_t entryIndex) noexcept;
    void appendSnapshotEntry(Entry entry);

    std::unique_ptr<detail::FileIo> m_file;
    archive::FileSyncLevel m_autoSyncLevel;
    std::vector<Entry> m_entries;
    /// File offset of each entryIndex (removed entries keep their slot).
    std::vector<std::uint64_t> m_offsetByIndex;
    std::uint64_t m_fileLength = 0;
    std::uint64_t m_discardedTailLength = 0;
};
} // namespace cox::cluster

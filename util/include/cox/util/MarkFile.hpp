#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::util
{
/// A small memory-mapped file announcing that a component (a cluster node, an archive) owns a
/// directory: who (pid), since when, whether it is still alive (an activity timestamp the owner
/// refreshes from its duty cycle), and an area for the owner's own fields. Aeron's MarkFile.
///
/// It stops a second instance starting on the same directory while the first lives, yet lets a
/// restart proceed over the file left by a process killed with -9: see isActive().
///
/// Layout: magic int64 @0, version int32 @8 (the owner's; written last, with release, so a non-zero
/// version means the rest is complete), active flag int32 @12, pid int64 @16, start timestamp int64
/// @24, activity timestamp int64 @32 (epoch ms), owner header length int32 @40, owner header from
/// OWNER_HEADER_OFFSET.
class MarkFile
{
public:
    /// "COXMARKF" as a little-endian int64.
    static constexpr std::int64_t MAGIC = 0x464b52414d584f43;
    static constexpr std::size_t MAGIC_OFFSET = 0;
    static constexpr std::size_t VERSION_OFFSET = 8;
    static constexpr std::size_t ACTIVE_OFFSET = 12;
    static constexpr std::size_t PID_OFFSET = 16;
    static constexpr std::size_t START_TIMESTAMP_OFFSET = 24;
    static constexpr std::size_t ACTIVITY_TIMESTAMP_OFFSET = 32;
    static constexpr std::size_t OWNER_HEADER_LENGTH_OFFSET = 40;
    static constexpr std::size_t OWNER_HEADER_OFFSET = 2 * CACHE_LINE_LENGTH;

    /// Creates the mark file at path for this process, unless a live owner holds it: throws
    /// IllegalStateException naming the owner's pid if isActive(path, nowMs, timeoutMs). version must be
    /// positive. The owner header area (ownerHeaderLength bytes) starts zeroed.
    [[nodiscard]] static std::unique_ptr<MarkFile> create(const std::string& path, std::int32_t version,
                                                          std::size_t ownerHeaderLength, std::int64_t nowMs,
                                                          std::int64_t timeoutMs);

    /// Maps an existing mark file read-only, for tools. Throws IoException if it cannot be mapped and
    /// IllegalStateException if it is not a complete mark file.
    [[nodiscard]] static std::unique_ptr<MarkFile> openReadOnly(const std::string& path);

    /// True if path holds a complete mark file whose owner has not closed it, whose process still
    /// exists, and whose activity timestamp is within timeoutMs of nowMs. False for a missing or
    /// foreign file, or one left by a process that has died. The pid check makes a kill -9 visible at
    /// once; the timestamp covers a hung owner and a pid from another pid namespace.
    [[nodiscard]] static bool isActive(const std::string& path, std::int64_t nowMs, std::int64_t timeoutMs);

    /// Marks the file inactive (when this process owns it) and unmaps it.
    ~MarkFile();

    MarkFile(const MarkFile&) = delete;
    MarkFile& operator=(const MarkFile&) = delete;

    /// Owner only, from its duty cycle: release store of the liveness timestamp.
    void updateActivityTimestamp(std::int64_t nowMs);

    /// Owner only: clears the active flag, so a successor need not wait out the timeout, and syncs.
    /// Idempotent.
    void close();

    [[nodiscard]] std::int64_t activityTimestampVolatile() const;
    [[nodiscard]] bool isActiveFlagSet() const;
    [[nodiscard]] std::int32_t version() const;
    [[nodiscard]] std::int64_t pid() const;
    [[nodiscard]] std::int64_t startTimestampMs() const;

    /// The owner's area, for its own fields (cluster member id, archive control channel, ...).
    [[nodiscard]] AtomicBuffer ownerHeader() const noexcept { return m_ownerHeader; }

    /// The whole file.
    [[nodiscard]] AtomicBuffer buffer() const noexcept { return m_file->buffer(); }
    [[nodiscard]] const std::string& path() const noexcept { return m_file->path(); }

private:
    MarkFile(std::unique_ptr<MemoryMappedFile> file, bool isOwner);

    std::unique_ptr<MemoryMappedFile> m_file;
    AtomicBuffer m_buffer;
    AtomicBuffer m_ownerHeader;
    bool m_isOwner;
    bool m_isClosed = false;
};
} // namespace cox::util

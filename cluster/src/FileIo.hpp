#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cox/archive/FileSyncLevel.hpp"

namespace cox::cluster::detail
{
/// A file descriptor for the cluster's small state files, which are read whole at start and then
/// written record by record with pwrite. Set-up style errors: every failure throws IoException naming
/// the file and errno's text, because a state file that cannot be written is a node that must stop.
class FileIo
{
public:
    /// Opens path read-write; creates it when create is set and it is missing, then syncs the parent
    /// directory so the new name survives a power loss. Throws IoException when missing and !create.
    FileIo(std::string path, bool create);
    ~FileIo();

    FileIo(const FileIo&) = delete;
    FileIo& operator=(const FileIo&) = delete;

    [[nodiscard]] std::uint64_t size() const;
    /// Reads up to length bytes at offset; returns how many were read (fewer only at end of file).
    std::size_t readAt(std::uint64_t offset, void* dst, std::size_t length) const;
    /// Writes all of length bytes at offset.
    void writeAt(std::uint64_t offset, const void* src, std::size_t length) const;
    void truncate(std::uint64_t length) const;
    /// NONE: nothing; DATA: fdatasync; DATA_AND_METADATA: fsync.
    void sync(archive::FileSyncLevel level) const;

    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    /// True when the constructor created the file.
    [[nodiscard]] bool wasCreated() const noexcept { return m_created; }

private:
    std::string m_path;
    int m_fd = -1;
    bool m_created = false;
};
} // namespace cox::cluster::detail

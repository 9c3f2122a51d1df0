#pragma once

#include <cstdint>
#include <string>

namespace cox::util
{
/// What a power loss keeps of a file is what was synced. This hook sees every write to a durable file (archive
/// segments and catalog, the cluster's recording log and node state) before it lands and every successful sync
/// after it, so a test disk (the simulator's SimDisk) can undo the unsynced writes of a crashed member, or tear
/// the last one. Production installs none: each call site costs one relaxed atomic load and a branch.
///
/// Installed once per process by the test that owns it; it must outlive every file writer in the process.
class DurabilityObserver
{
public:
    virtual ~DurabilityObserver() = default;

    /// length bytes at offset of the file at path are about to be written (by pwrite, or through a mapping).
    virtual void beforeWrite(const std::string& path, std::uint64_t offset, std::uint64_t length) = 0;
    /// The file at path is about to be cut or extended to length.
    virtual void beforeResize(const std::string& path, std::uint64_t length) = 0;
    /// An fsync or fdatasync of path succeeded: all of it is durable now.
    virtual void afterSync(const std::string& path) = 0;
};

/// Installs observer (nullptr removes it).
void installDurabilityObserver(DurabilityObserver* observer) noexcept;

/// The installed observer, or nullptr.
[[nodiscard]] DurabilityObserver* durabilityObserver() noexcept;
} // namespace cox::util

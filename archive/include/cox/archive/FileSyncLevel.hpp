#pragma once

#include <cstdint>

namespace cox::archive
{
/// How hard the archive pushes bytes to stable storage before it reports them recorded (Aeron's
/// aeron.archive.file.sync.level and aeron.archive.catalog.file.sync.level).
///
/// - NONE (0): no forced sync; data may sit in the page cache. A process crash loses nothing (the
///   kernel still has it); a power failure can lose whatever was not written back.
/// - DATA (1): segment data is fdatasync'ed after each block write and before the recorded position
///   is returned; the directory is fsync'ed when a segment file is created (as Aeron does), so the
///   new file's name survives too. The catalog is fdatasync'ed after every change.
/// - DATA_AND_METADATA (2): as DATA but with fsync (data plus metadata such as mtime).
///
/// The catalog level must be at least the segment level: the catalog may never claim bytes (a stop
/// position) that the segment files do not hold at the same durability.
enum class FileSyncLevel : std::int32_t
{
    NONE = 0,
    DATA = 1,
    DATA_AND_METADATA = 2
};
} // namespace cox::archive

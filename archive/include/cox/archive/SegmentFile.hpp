#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cox/archive/FileSyncLevel.hpp"

/// Segment files (facts §4.3): `<recordingId>-<segmentBasePosition>.rec`, each segmentFileLength bytes,
/// pre-sized and sparse, holding raw frames at their term offsets. Bases count from the term base of
/// the recording's start position, not from 0.
namespace cox::archive::SegmentFile
{
inline constexpr const char* SUFFIX = ".rec";
inline constexpr std::int32_t MIN_SEGMENT_LENGTH = 64 * 1024;
inline constexpr std::int32_t MAX_SEGMENT_LENGTH = 1024 * 1024 * 1024;
inline constexpr std::int32_t DEFAULT_SEGMENT_LENGTH = 128 * 1024 * 1024;
/// The unit in which a crash is assumed to tear writes (Aeron's recovery assumption).
inline constexpr std::int32_t PAGE_LENGTH = 4096;

/// "<recordingId>-<basePosition>.rec".
[[nodiscard]] std::string fileName(std::int64_t recordingId, std::int64_t segmentBasePosition);

/// Parses a segment file name; returns false if name is not "<id>-<base>.rec" with decimal numbers.
bool parseFileName(const std::string& name, std::int64_t& recordingId, std::int64_t& segmentBasePosition) noexcept;

/// The segment length a recording uses: max(configured, termLength), so it holds whole terms.
[[nodiscard]] std::int32_t segmentLengthFor(std::int32_t configuredLength, std::int32_t termLength) noexcept;

/// Throws IllegalArgumentException unless termLength is a power of two and segmentLength is a power of
/// two, >= termLength (so a whole number of terms), and within [64 KiB, 1 GiB] unless equal to termLength.
void validateLengths(std::int32_t segmentLength, std::int32_t termLength);

/// Base of the segment holding position: startTermBase + floor((position - startTermBase) / segLen) * segLen.
[[nodiscard]] std::int64_t basePosition(
    std::int64_t startPosition, std::int64_t position, std::int32_t termLength, std::int32_t segmentLength) noexcept;

/// Bases of every `<recordingId>-*.rec` file in archiveDir, ascending. Throws IoException if the
/// directory cannot be read.
[[nodiscard]] std::vector<std::int64_t> listBases(const std::string& archiveDir, std::int64_t recordingId);

/// Deletes the recording's segment files (and `.del` leftovers) whose base is in [fromBase, toBase);
/// returns how many files were removed. Throws IoException on a failed unlink.
std::int32_t deleteSegments(
    const std::string& archiveDir, std::int64_t recordingId, std::int64_t fromBase, std::int64_t toBase);

/// Deletes every segment file of the recording, `.rec` and `.del`.
std::int32_t deleteAllSegments(const std::string& archiveDir, std::int64_t recordingId);

/// fsync of a directory, so a created or removed file name is durable. Returns false on failure.
bool syncDirectory(const std::string& archiveDir) noexcept;

/// Cuts the file to offset and restores its length, so bytes from offset on read as zero (truncate
/// and torn-tail recovery), then syncs per level. Throws IoException on failure.
void zeroTail(const std::string& path, std::int64_t offset, std::int64_t fileLength, FileSyncLevel syncLevel);

/// Reads the whole file (at most maxLength bytes) into out; returns bytes read. Throws IoException.
std::size_t readFile(const std::string& path, std::vector<std::uint8_t>& out, std::size_t maxLength);
} // namespace cox::archive::SegmentFile

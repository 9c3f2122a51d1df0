#include "cox/archive/ArchiveVerifier.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "FrameCheck.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::archive
{
namespace
{
std::string checkInvariants(const RecordingDescriptor& d)
{
    if (d.stopPosition == NULL_POSITION)
    {
        return "no stop position (left active by a crash; opening the archive recovers it)";
    }
    if (d.startPosition < 0)
    {
        return "start position " + std::to_string(d.startPosition) + " < 0";
    }
    if (d.startPosition > d.stopPosition)
    {
        return "start position " + std::to_string(d.startPosition) + " > stop position " + std::to_string(d.stopPosition);
    }
    if ((d.startPosition & 31) != 0 || (d.stopPosition & 31) != 0)
    {
        return "start or stop position not 32-aligned";
    }
    try
    {
        SegmentFile::validateLengths(d.segmentFileLength, d.termBufferLength);
    }
    catch (const std::exception& e)
    {
        return e.what();
    }
    return {};
}

/// Walks frames of one segment from position up to end (both inside it); returns the problem, if any.
std::string walkSegment(const std::string& path, const RecordingDescriptor& d, std::int64_t base, std::int64_t position,
    std::int64_t end, bool checksums)
{
    const auto file = util::MemoryMappedFile::open(path, true);
    const auto available = std::min<std::int64_t>(static_cast<std::int64_t>(file->length()), d.segmentFileLength);
    const detail::FrameExpectation expect{d.termBufferLength,
        util::numberOfTrailingZeroes(static_cast<std::uint64_t>(d.termBufferLength)), d.initialTermId, d.streamId,
        checksums};
    while (position < end)
    {
        const std::int64_t offset = position - base;
        std::int32_t alignedLength = 0;
        std::int32_t storedLength = 0;
        const auto status =
            detail::checkFrame(file->memory() + offset, available - offset, position, expect, alignedLength, storedLength);
        if (status != detail::FrameStatus::OK)
        {
            return std::string(detail::toString(status)) + " at position " + std::to_string(position) + " in " + path;
        }
        position += alignedLength;
    }
    if (position != end)
    {
        return "last frame ends at " + std::to_string(position) + ", past the stop/segment end " + std::to_string(end);
    }
    return {};
}
} // namespace

std::string ArchiveVerifier::verifyRecording(
    const std::string& archiveDir, const RecordingDescriptor& d, const Options& options)
{
    if (std::string problem = checkInvariants(d); !problem.empty())
    {
        return problem;
    }
    if (d.startPosition == d.stopPosition)
    {
        return {};
    }
    const std::int32_t segmentLength = d.segmentFileLength;
    const std::int64_t firstBase = SegmentFile::basePosition(d.startPosition, d.startPosition, d.termBufferLength, segmentLength);
    // The segment holding the last byte, not the stop: a stop on a boundary needs no file after it.
    const std::int64_t lastBase = SegmentFile::basePosition(d.startPosition, d.stopPosition - 1, d.termBufferLength, segmentLength);
    for (std::int64_t base = firstBase; base <= lastBase; base += segmentLength)
    {
        const std::string path = archiveDir + "/" + SegmentFile::fileName(d.recordingId, base);
        struct stat info = {};
        if (::stat(path.c_str(), &info) != 0)
        {
            return "missing segment file " + path;
        }
        if (info.st_size < segmentLength)
        {
            return "segment file " + path + " is " + std::to_string(info.st_size) + " bytes, expected " +
                std::to_string(segmentLength);
        }
        if (!options.allSegments && base != lastBase)
        {
            continue;
        }
        std::int64_t from = std::max(base, d.startPosition);
        if (base != firstBase && !options.allSegments)
        {
            from = base;
        }
        const std::int64_t to = std::min(base + segmentLength, d.stopPosition);
        if (std::string problem = walkSegment(path, d, base, from, to, options.frameChecksums); !problem.empty())
        {
            return problem;
        }
    }
    return {};
}

std::vector<ArchiveVerifier::Result> ArchiveVerifier::verify(
    const std::string& archiveDir, const Catalog& catalog, const Options& options)
{
    std::vector<Result> results;
    catalog.forEach([&](const RecordingDescriptor& d) {
        if (d.state == RecordingState::DELETED)
        {
            return;
        }
        Result result;
        result.recordingId = d.recordingId;
        result.state = d.state;
        std::string problem = verifyRecording(archiveDir, d, options);
        if (problem.empty() && !catalog.verifyEntryChecksum(d.recordingId))
        {
            problem = "catalog entry checksum mismatch";
        }
        if (d.state == RecordingState::INVALID)
        {
            result.reason = problem.empty() ? "marked INVALID (files check OK)" : "marked INVALID: " + problem;
        }
        else
        {
            result.ok = problem.empty();
            result.reason = result.ok ? "OK" : problem;
        }
        results.push_back(std::move(result));
    });
    return results;
}
} // namespace cox::archive

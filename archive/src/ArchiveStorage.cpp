#include "cox/archive/ArchiveStorage.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "FrameCheck.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::archive
{
namespace
{
std::string idText(std::int64_t recordingId)
{
    return "recordingId=" + std::to_string(recordingId);
}

/// True if every page the frame [offset, end) touches after its first holds a non-zero 8-byte word in
/// the frame's part of it: Aeron's evidence that a frame straddling a page boundary was written whole,
/// since a crash tears writes at page granularity and unwritten pages read as zero.
bool laterPagesWritten(const std::uint8_t* segment, std::int64_t offset, std::int64_t end)
{
    const std::int64_t pageLength = SegmentFile::PAGE_LENGTH;
    for (std::int64_t page = (offset / pageLength + 1) * pageLength; page < end; page += pageLength)
    {
        const std::int64_t to = std::min(end, page + pageLength);
        bool nonZero = false;
        for (std::int64_t i = page; i + 8 <= to && !nonZero; i += 8)
        {
            nonZero = detail::load<std::uint64_t>(segment + i) != 0;
        }
        if (!nonZero)
        {
            return false;
        }
    }
    return true;
}
} // namespace

bool RecoveryReport::droppedAnything() const noexcept
{
    return std::any_of(recordings.begin(), recordings.end(), [](const auto& r) { return r.droppedLength > 0; });
}

std::string RecoveryReport::toString() const
{
    std::ostringstream out;
    for (const auto& r : recordings)
    {
        out << "recovered " << idText(r.recordingId) << " stopPosition=" << r.stopPosition;
        if (r.droppedLength > 0)
        {
            out << " dropped " << r.droppedLength << " bytes at position " << r.droppedPosition << ": " << r.reason;
        }
        out << '\n';
    }
    return out.str();
}

ArchiveStorage::ArchiveStorage(Context context, std::int64_t nowMs) : m_context(std::move(context))
{
    if (m_context.catalogFileSyncLevel < m_context.fileSyncLevel)
    {
        throw util::IllegalArgumentException("catalogFileSyncLevel must be >= fileSyncLevel");
    }
    if (!util::isPowerOfTwo(m_context.segmentFileLength) ||
        m_context.segmentFileLength < SegmentFile::MIN_SEGMENT_LENGTH ||
        m_context.segmentFileLength > SegmentFile::MAX_SEGMENT_LENGTH)
    {
        throw util::IllegalArgumentException(
            "segmentFileLength must be a power of two in [64 KiB, 1 GiB]: " + std::to_string(m_context.segmentFileLength));
    }
    std::error_code ec;
    std::filesystem::create_directories(m_context.archiveDir, ec);
    if (ec || !std::filesystem::is_directory(m_context.archiveDir))
    {
        throw util::IoException("cannot create archive directory " + m_context.archiveDir + ": " + ec.message());
    }
    Catalog::Options options;
    options.initialCapacity = m_context.catalogCapacity;
    options.syncLevel = m_context.catalogFileSyncLevel;
    options.entryChecksum = m_context.recordChecksum;
    m_catalog = std::make_unique<Catalog>(m_context.archiveDir, options);
    if (m_context.catalogFileSyncLevel != FileSyncLevel::NONE)
    {
        SegmentFile::syncDirectory(m_context.archiveDir);
    }
    recover(nowMs);
}

ArchiveStorage::~ArchiveStorage() = default;

void ArchiveStorage::recover(std::int64_t nowMs)
{
    std::vector<RecordingDescriptor> active;
    m_catalog->forEach([&](const RecordingDescriptor& d) {
        if (d.state == RecordingState::VALID && d.stopPosition == NULL_POSITION)
        {
            active.push_back(d);
        }
    });
    for (const auto& descriptor : active)
    {
        m_recoveryReport.recordings.push_back(recoverRecording(descriptor, nowMs));
    }
}

RecoveredRecording ArchiveStorage::recoverRecording(const RecordingDescriptor& d, std::int64_t nowMs)
{
    // Port of Catalog.recoverStopOffset (facts §5.2), except that a torn last frame is cut off and
    // reported instead of refusing to start.
    RecoveredRecording result;
    result.recordingId = d.recordingId;
    std::int64_t stop = d.startPosition;
    const auto bases = SegmentFile::listBases(m_context.archiveDir, d.recordingId);
    if (!bases.empty())
    {
        const std::int64_t base = bases.back();
        const std::int64_t startBase =
            SegmentFile::basePosition(d.startPosition, d.startPosition, d.termBufferLength, d.segmentFileLength);
        std::int64_t offset = base == startBase ? d.startPosition - base : 0;
        const std::string path = m_context.archiveDir + "/" + SegmentFile::fileName(d.recordingId, base);
        struct stat info = {};
        const std::int64_t fileLength = ::stat(path.c_str(), &info) == 0 ? info.st_size : 0;
        const std::int64_t scanLength = std::min<std::int64_t>(fileLength, d.segmentFileLength);
        if (scanLength > 0 && base >= startBase)
        {
            const auto file = util::MemoryMappedFile::open(path, true);
            const detail::FrameExpectation expect{d.termBufferLength,
                util::numberOfTrailingZeroes(static_cast<std::uint64_t>(d.termBufferLength)), d.initialTermId,
                d.streamId, m_context.replayChecksum || m_context.recordChecksum};
            const std::uint8_t* segment = file->memory();
            while (offset < scanLength)
            {
                std::int32_t alignedLength = 0;
                std::int32_t storedLength = 0;
                auto status = detail::checkFrame(
                    segment + offset, scanLength - offset, base + offset, expect, alignedLength, storedLength);
                if (status == detail::FrameStatus::EMPTY)
                {
                    break;
                }
                if (status == detail::FrameStatus::OK && !expect.verifyChecksum &&
                    !laterPagesWritten(segment, offset, offset + storedLength))
                {
                    status = detail::FrameStatus::TRUNCATED;
                }
                if (status != detail::FrameStatus::OK)
                {
                    const auto frameLength = detail::load<std::int32_t>(segment + offset);
                    result.droppedPosition = base + offset;
                    result.droppedLength = std::clamp<std::int64_t>(
                        util::align<std::int64_t>(frameLength, detail::FRAME_ALIGNMENT), detail::HEADER_LENGTH,
                        scanLength - offset);
                    result.reason = std::string(detail::toString(status)) + " in " + path;
                    break;
                }
                offset += alignedLength;
            }
        }
        if (result.droppedLength > 0)
        {
            SegmentFile::zeroTail(path, offset, d.segmentFileLength, m_context.fileSyncLevel);
        }
        stop = std::max(base + offset, d.startPosition);
    }
    m_catalog->recordingStopped(d.recordingId, stop, nowMs);
    result.stopPosition = stop;
    return result;
}

std::int64_t ArchiveStorage::addNewRecording(
    std::int64_t startPosition, std::int64_t startTimestamp, std::int32_t initialTermId, std::int32_t termBufferLength,
    std::int32_t mtuLength, std::int32_t sessionId, std::int32_t streamId, std::string_view strippedChannel,
    std::string_view originalChannel, std::string_view sourceIdentity)
{
    const std::int32_t segmentLength = SegmentFile::segmentLengthFor(m_context.segmentFileLength, termBufferLength);
    SegmentFile::validateLengths(segmentLength, termBufferLength);
    return m_catalog->addNewRecording(startPosition, startTimestamp, initialTermId, segmentLength, termBufferLength,
        mtuLength, sessionId, streamId, strippedChannel, originalChannel, sourceIdentity);
}

std::unique_ptr<RecordingWriter> ArchiveStorage::newRecordingWriter(std::int64_t recordingId, std::int64_t position)
{
    const RecordingDescriptor d = m_catalog->recording(recordingId);
    auto params = RecordingWriter::paramsFor(
        m_context.archiveDir, d, position, m_context.fileSyncLevel, m_context.recordChecksum);
    params.maxBlockLength = m_context.maxBlockLength;
    if (m_context.asyncFileSync && m_context.fileSyncLevel != FileSyncLevel::NONE)
    {
        if (!m_syncer)
        {
            m_syncer = std::make_shared<FileSyncer>();
        }
        params.syncer = m_syncer;
    }
    auto writer = std::make_unique<RecordingWriter>(std::move(params));
    writer->init();
    return writer;
}

std::unique_ptr<RecordingReader> ArchiveStorage::newRecordingReader(
    std::int64_t recordingId, std::int64_t fromPosition, std::int64_t limitPosition)
{
    const RecordingDescriptor d = m_catalog->recording(recordingId);
    const std::int64_t limit = limitPosition == NULL_POSITION ? d.stopPosition : limitPosition;
    if (limit == NULL_POSITION)
    {
        throw ArchiveException(ArchiveErrorCode::ACTIVE_RECORDING,
            idText(recordingId) + " is active: give the live recorded position as the limit");
    }
    return std::make_unique<RecordingReader>(m_context.archiveDir, d, fromPosition, limit, m_context.replayChecksum);
}

void ArchiveStorage::recordingStopped(std::int64_t recordingId, std::int64_t stopPosition, std::int64_t nowMs)
{
    m_catalog->recordingStopped(recordingId, stopPosition, nowMs);
}

RecordingDescriptor ArchiveStorage::stoppedRecording(std::int64_t recordingId, const char* operation) const
{
    RecordingDescriptor d = m_catalog->recording(recordingId);
    if (d.stopPosition == NULL_POSITION)
    {
        throw ArchiveException(ArchiveErrorCode::ACTIVE_RECORDING,
            std::string("cannot ") + operation + " active recording " + idText(recordingId));
    }
    return d;
}

std::int64_t ArchiveStorage::extendRecording(
    std::int64_t recordingId, std::int64_t controlSessionId, std::int64_t correlationId, std::int32_t sessionId)
{
    const RecordingDescriptor d = stoppedRecording(recordingId, "extend");
    m_catalog->extendRecording(recordingId, controlSessionId, correlationId, sessionId);
    return d.stopPosition;
}

std::int32_t ArchiveStorage::truncateRecording(std::int64_t recordingId, std::int64_t position)
{
    const RecordingDescriptor d = stoppedRecording(recordingId, "truncate");
    if (position < d.startPosition || position > d.stopPosition || (position & (detail::FRAME_ALIGNMENT - 1)) != 0)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, "invalid truncate position " + std::to_string(position) +
            ": must be 32-aligned in [" + std::to_string(d.startPosition) + ", " + std::to_string(d.stopPosition) + "]");
    }
    const std::int64_t base = SegmentFile::basePosition(d.startPosition, position, d.termBufferLength, d.segmentFileLength);
    const std::int64_t offset = position - base;
    const std::string path = m_context.archiveDir + "/" + SegmentFile::fileName(recordingId, base);
    if (position != d.stopPosition && offset != 0 && position != d.startPosition)
    {
        // Refuse a cut inside a frame before changing anything (Aeron writes the stop first).
        const auto file = util::MemoryMappedFile::open(path, true);
        const detail::FrameExpectation expect{d.termBufferLength,
            util::numberOfTrailingZeroes(static_cast<std::uint64_t>(d.termBufferLength)), d.initialTermId, d.streamId,
            false};
        std::int32_t alignedLength = 0;
        std::int32_t storedLength = 0;
        if (detail::checkFrame(file->memory() + offset, static_cast<std::int64_t>(file->length()) - offset, position,
                expect, alignedLength, storedLength) != detail::FrameStatus::OK)
        {
            throw ArchiveException(ArchiveErrorCode::GENERIC,
                "truncate position " + std::to_string(position) + " is not at a frame of " + idText(recordingId));
        }
    }

    // Stop first, then the files: a crash in between leaves bytes beyond the stop, which nothing reads,
    // rather than a stop beyond the bytes.
    m_catalog->stopPosition(recordingId, position);
    std::int32_t deleted = 0;
    if (position == d.startPosition)
    {
        deleted = SegmentFile::deleteAllSegments(m_context.archiveDir, recordingId);
    }
    else
    {
        if (offset == 0)
        {
            deleted += SegmentFile::deleteSegments(m_context.archiveDir, recordingId, base, base + 1);
        }
        else if (position != d.stopPosition)
        {
            SegmentFile::zeroTail(path, offset, d.segmentFileLength, m_context.fileSyncLevel);
        }
        deleted += SegmentFile::deleteSegments(m_context.archiveDir, recordingId, base + 1, INT64_MAX);
    }
    if (deleted > 0 && m_context.fileSyncLevel != FileSyncLevel::NONE)
    {
        SegmentFile::syncDirectory(m_context.archiveDir);
    }
    return deleted;
}

std::int32_t ArchiveStorage::purgeRecording(std::int64_t recordingId)
{
    static_cast<void>(stoppedRecording(recordingId, "purge"));
    m_catalog->changeState(recordingId, RecordingState::DELETED);
    const std::int32_t deleted = SegmentFile::deleteAllSegments(m_context.archiveDir, recordingId);
    if (deleted > 0 && m_context.fileSyncLevel != FileSyncLevel::NONE)
    {
        SegmentFile::syncDirectory(m_context.archiveDir);
    }
    return deleted;
}

void ArchiveStorage::detachSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t livePosition)
{
    const RecordingDescriptor d = m_catalog->recording(recordingId);
    const std::int64_t end = d.stopPosition != NULL_POSITION ? d.stopPosition : livePosition;
    if (end == NULL_POSITION)
    {
        throw ArchiveException(ArchiveErrorCode::ACTIVE_RECORDING,
            "detach of active " + idText(recordingId) + " needs its live recorded position");
    }
    const std::int32_t segmentLength = d.segmentFileLength;
    const std::int64_t startBase =
        SegmentFile::basePosition(d.startPosition, d.startPosition, d.termBufferLength, segmentLength);
    const std::int64_t newBase =
        SegmentFile::basePosition(d.startPosition, newStartPosition, d.termBufferLength, segmentLength);
    if (newStartPosition < 0 || newBase != newStartPosition)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC,
            "invalid segment start: newStartPosition=" + std::to_string(newStartPosition) + " for " + idText(recordingId));
    }
    if (newStartPosition < startBase + segmentLength)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC,
            "newStartPosition=" + std::to_string(newStartPosition) + " detaches no segment of " + idText(recordingId));
    }
    if (newStartPosition > SegmentFile::basePosition(d.startPosition, end, d.termBufferLength, segmentLength))
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC,
            "newStartPosition=" + std::to_string(newStartPosition) + " is past the segment in use of " + idText(recordingId));
    }
    m_catalog->startPosition(recordingId, newStartPosition);
}

std::int32_t ArchiveStorage::deleteDetachedSegments(std::int64_t recordingId)
{
    const RecordingDescriptor d = m_catalog->recording(recordingId);
    const std::int64_t startBase =
        SegmentFile::basePosition(d.startPosition, d.startPosition, d.termBufferLength, d.segmentFileLength);
    const std::int32_t deleted = SegmentFile::deleteSegments(m_context.archiveDir, recordingId, 0, startBase);
    if (deleted > 0 && m_context.fileSyncLevel != FileSyncLevel::NONE)
    {
        SegmentFile::syncDirectory(m_context.archiveDir);
    }
    return deleted;
}

std::int32_t ArchiveStorage::purgeSegments(std::int64_t recordingId, std::int64_t newStartPosition, std::int64_t livePosition)
{
    detachSegments(recordingId, newStartPosition, livePosition);
    return deleteDetachedSegments(recordingId);
}
} // namespace cox::archive

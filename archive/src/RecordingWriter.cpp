#include "cox/archive/RecordingWriter.hpp"

#include "cox/util/DurabilityObserver.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cox/archive/ArchiveException.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Crc32c.hpp"
#include "cox/util/DurabilityObserver.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::archive
{
namespace
{
using codecs::frames::DataHeaderFlyweight;
using codecs::frames::HeaderFlyweight;

constexpr std::int32_t HEADER_LENGTH = DataHeaderFlyweight::HEADER_LENGTH;
constexpr std::int32_t FRAME_ALIGNMENT = 32;

std::int32_t readInt32(const std::uint8_t* at) noexcept
{
    std::int32_t value;
    std::memcpy(&value, at, sizeof(value));
    return value;
}

std::uint16_t readUInt16(const std::uint8_t* at) noexcept
{
    std::uint16_t value;
    std::memcpy(&value, at, sizeof(value));
    return value;
}

bool isSpaceError(int errnoValue) noexcept
{
    return errnoValue == ENOSPC || errnoValue == EDQUOT;
}
} // namespace

RecordingWriter::Params RecordingWriter::paramsFor(
    const std::string& archiveDir, const RecordingDescriptor& descriptor, std::int64_t position,
    FileSyncLevel syncLevel, bool recordChecksum)
{
    Params params;
    params.archiveDir = archiveDir;
    params.recordingId = descriptor.recordingId;
    params.startPosition = descriptor.startPosition;
    params.position = position;
    params.segmentFileLength = descriptor.segmentFileLength;
    params.termBufferLength = descriptor.termBufferLength;
    params.syncLevel = syncLevel;
    params.recordChecksum = recordChecksum;
    return params;
}

RecordingWriter::RecordingWriter(Params params)
    : m_params(std::move(params)), m_position(m_params.position), m_durablePosition(m_params.position)
{
    // A durability observer (the simulator's crash model) must see each sync where the bytes it covers are known.
    m_isSyncAsync = m_params.syncer != nullptr && m_params.syncLevel != FileSyncLevel::NONE &&
        util::durabilityObserver() == nullptr;
    SegmentFile::validateLengths(m_params.segmentFileLength, m_params.termBufferLength);
    if (m_params.recordingId < 0 || m_params.startPosition < 0 || m_params.position < m_params.startPosition ||
        (m_params.position & (FRAME_ALIGNMENT - 1)) != 0 || (m_params.startPosition & (FRAME_ALIGNMENT - 1)) != 0)
    {
        throw util::IllegalArgumentException("invalid recording writer params for recordingId=" +
            std::to_string(m_params.recordingId) + " position=" + std::to_string(m_params.position));
    }
    if (m_params.maxBlockLength < HEADER_LENGTH)
    {
        throw util::IllegalArgumentException("maxBlockLength too small");
    }
    if (m_params.recordChecksum)
    {
        m_scratch.resize(static_cast<std::size_t>(m_params.maxBlockLength));
    }
}

RecordingWriter::~RecordingWriter()
{
    close();
}

void RecordingWriter::init()
{
    const std::int64_t base = SegmentFile::basePosition(
        m_params.startPosition, m_position, m_params.termBufferLength, m_params.segmentFileLength);
    if (openSegment(base, false) < 0)
    {
        throw ArchiveException(
            m_lastErrno == ENOSPC || m_lastErrno == EDQUOT ? ArchiveErrorCode::STORAGE_SPACE : ArchiveErrorCode::GENERIC,
            m_errorMessage.data());
    }
}

std::int64_t RecordingWriter::openSegment(std::int64_t base, bool mustCreate) noexcept
{
    char path[4096];
    std::snprintf(path, sizeof(path), "%s/%lld-%lld%s", m_params.archiveDir.c_str(),
        static_cast<long long>(m_params.recordingId), static_cast<long long>(base), SegmentFile::SUFFIX);

    int fd = mustCreate ? -1 : ::open(path, O_RDWR | O_CLOEXEC);
    const bool created = fd < 0;
    if (created)
    {
        fd = ::open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
        {
            const int savedErrno = errno;
            return savedErrno == EEXIST ? fail(INVALID_STATE, "segment file already exists", savedErrno)
                                        : ioFailure("create segment", savedErrno);
        }
    }
    m_segmentPath.assign(path);
    struct stat info = {};
    util::DurabilityObserver* observer = util::durabilityObserver();
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size < m_params.segmentFileLength &&
        observer != nullptr)
    {
        observer->beforeResize(m_segmentPath, static_cast<std::uint64_t>(m_params.segmentFileLength));
    }
    if (::fstat(fd, &info) != 0 ||
        (S_ISREG(info.st_mode) && info.st_size < m_params.segmentFileLength && ::ftruncate(fd, m_params.segmentFileLength) != 0))
    {
        // Pre-sized and sparse, as Aeron's setLength: unwritten bytes read as zero.
        const int savedErrno = errno;
        ::close(fd);
        return ioFailure("size segment", savedErrno);
    }
    m_fd = fd;
    m_segmentBase = base;
    if (created && m_params.syncLevel != FileSyncLevel::NONE)
    {
        // The new name must be durable before any position inside it is reported.
        if (!SegmentFile::syncDirectory(m_params.archiveDir))
        {
            return ioFailure("sync archive directory", errno);
        }
        ++m_directorySyncCount;
    }
    return 0;
}

void RecordingWriter::close() noexcept
{
    if (m_fd >= 0)
    {
        FileSyncer::awaitIdle(m_syncTicket); // never close a descriptor the syncer is flushing
        m_syncRequested = false;
        ::close(m_fd);
        m_fd = -1;
    }
}

std::int64_t RecordingWriter::fail(std::int64_t code, const char* what, int errnoValue) noexcept
{
    m_failed = true;
    m_lastErrno = errnoValue;
    std::snprintf(m_errorMessage.data(), m_errorMessage.size(), "recordingId=%lld position=%lld: %s%s%s",
        static_cast<long long>(m_params.recordingId), static_cast<long long>(m_position), what,
        errnoValue != 0 ? ": " : "", errnoValue != 0 ? std::strerror(errnoValue) : "");
    return code;
}

std::int64_t RecordingWriter::ioFailure(const char* what, int errnoValue) noexcept
{
    return fail(isSpaceError(errnoValue) ? STORAGE_SPACE : IO_ERROR, what, errnoValue);
}

std::int64_t RecordingWriter::writeFully(const std::uint8_t* data, std::int64_t length, std::int64_t fileOffset) noexcept
{
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->beforeWrite(m_segmentPath, static_cast<std::uint64_t>(fileOffset), static_cast<std::uint64_t>(length));
    }
    std::int64_t done = 0;
    while (done < length)
    {
        const ssize_t n = ::pwrite(m_fd, data + done, static_cast<std::size_t>(length - done), fileOffset + done);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return ioFailure("write segment", errno);
        }
        done += n;
    }
    return 0;
}

std::int64_t RecordingWriter::syncData() noexcept
{
    if (m_params.syncLevel == FileSyncLevel::NONE)
    {
        return 0;
    }
    const int rc = m_params.syncLevel == FileSyncLevel::DATA ? ::fdatasync(m_fd) : ::fsync(m_fd);
    if (rc != 0)
    {
        return ioFailure("sync segment", errno);
    }
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->afterSync(m_segmentPath);
    }
    ++m_dataSyncCount;
    return 0;
}

std::int64_t RecordingWriter::beginBlock(std::int32_t length, std::int64_t blockPosition) noexcept
{
    if (m_failed || m_segmentBase == NULL_POSITION)
    {
        return INVALID_STATE;
    }
    const std::int32_t termOffset = static_cast<std::int32_t>(blockPosition & (m_params.termBufferLength - 1));
    if (blockPosition != m_position || length <= 0 || (length & (FRAME_ALIGNMENT - 1)) != 0 ||
        length > m_params.termBufferLength - termOffset)
    {
        return fail(INVALID_BLOCK, "block not contiguous, not aligned, or crossing a term", 0);
    }
    if (m_fd < 0)
    {
        return openSegment(m_segmentBase, true);
    }
    return 0;
}

std::int64_t RecordingWriter::endBlock(std::int32_t length, std::int64_t blockPosition) noexcept
{
    m_position = blockPosition + length;
    const bool isSegmentFull = m_position - m_segmentBase >= m_params.segmentFileLength;
    if (m_isSyncAsync && !isSegmentFull)
    {
        // The position moves when the syncer has flushed the block (pollSync), not now.
        return requestSync() ? m_durablePosition : flushSync();
    }
    if (const std::int64_t rc = flushSync(); rc < 0)
    {
        return rc;
    }
    if (isSegmentFull)
    {
        // Roll over lazily: the next file is created by the next block, so a recording stopped exactly
        // at a boundary leaves no empty segment behind.
        close();
        m_segmentBase += m_params.segmentFileLength;
    }
    return m_durablePosition;
}

bool RecordingWriter::requestSync() noexcept
{
    if (m_syncRequested || m_position == m_durablePosition)
    {
        return true; // pollSync asks again for what was written meanwhile once this one is done
    }
    m_syncRequested = m_params.syncer->request(m_syncTicket, m_fd, m_params.syncLevel, m_position);
    return m_syncRequested;
}

std::int64_t RecordingWriter::takeFinishedSync() noexcept
{
    if (!m_syncRequested || m_syncTicket.inFlight.load(std::memory_order_acquire))
    {
        return 0;
    }
    m_syncRequested = false;
    if (const int error = m_syncTicket.error.load(std::memory_order_relaxed); error != 0)
    {
        return ioFailure("sync segment", error);
    }
    ++m_dataSyncCount;
    m_durablePosition = std::max(m_durablePosition, m_syncTicket.syncedPosition.load(std::memory_order_relaxed));
    return 0;
}

std::int64_t RecordingWriter::pollSync() noexcept
{
    if (m_failed)
    {
        return INVALID_STATE;
    }
    if (!m_isSyncAsync)
    {
        return m_durablePosition;
    }
    if (const std::int64_t rc = takeFinishedSync(); rc < 0)
    {
        return rc;
    }
    if (!m_syncRequested && m_position > m_durablePosition && !requestSync())
    {
        return flushSync();
    }
    return m_durablePosition;
}

std::int64_t RecordingWriter::flushSync() noexcept
{
    if (m_failed)
    {
        return INVALID_STATE;
    }
    if (m_syncRequested)
    {
        FileSyncer::awaitIdle(m_syncTicket);
        if (const std::int64_t rc = takeFinishedSync(); rc < 0)
        {
            return rc;
        }
    }
    if (m_position > m_durablePosition && m_fd >= 0)
    {
        if (const std::int64_t rc = syncData(); rc < 0)
        {
            return rc;
        }
    }
    // Only now, with the bytes written (and synced at level >= DATA), does the position move.
    m_durablePosition = m_position;
    return m_durablePosition;
}

std::int64_t RecordingWriter::onImageBlock(
    const std::uint8_t* block, std::int32_t length, std::int64_t blockPosition) noexcept
{
    if (m_params.recordChecksum || length < HEADER_LENGTH)
    {
        return onBlock(block, length, blockPosition);
    }
    const std::int32_t frameLength = readInt32(block + HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
    if (frameLength < HEADER_LENGTH || util::align(frameLength, FRAME_ALIGNMENT) > length)
    {
        return onBlock(block, length, blockPosition); // reports the malformed frame
    }
    const bool isPadding = readUInt16(block + HeaderFlyweight::TYPE_FIELD_OFFSET) == HeaderFlyweight::HDR_TYPE_PAD;
    if (isPadding && util::align(frameLength, FRAME_ALIGNMENT) != length)
    {
        return onBlock(block, length, blockPosition); // not the lone padding block an image gives
    }
    if (const std::int64_t rc = beginBlock(length, blockPosition); rc < 0)
    {
        return rc;
    }
    // Padding keeps only its header: the rest stays a sparse hole reading as zero.
    const std::int64_t storedLength = isPadding ? HEADER_LENGTH : length;
    if (const std::int64_t rc = writeFully(block, storedLength, blockPosition - m_segmentBase); rc < 0)
    {
        return rc;
    }
    return endBlock(length, blockPosition);
}

std::int64_t RecordingWriter::onBlock(const std::uint8_t* block, std::int32_t length, std::int64_t blockPosition) noexcept
{
    if (const std::int64_t rc = beginBlock(length, blockPosition); rc < 0)
    {
        return rc;
    }

    const std::int64_t segmentOffset = blockPosition - m_segmentBase;
    // A run is a stretch of DATA frames written with one pwrite: straight from the block, or from the
    // scratch copy when checksums are stamped into it.
    const std::uint8_t* runStart = nullptr;
    std::int64_t runOffset = 0;
    std::int64_t runLength = 0;
    std::int32_t offset = 0;
    while (offset < length)
    {
        const std::uint8_t* frame = block + offset;
        const std::int32_t frameLength = readInt32(frame + HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
        const std::int32_t alignedLength = util::align(frameLength, FRAME_ALIGNMENT);
        if (frameLength < HEADER_LENGTH || alignedLength > length - offset)
        {
            return fail(INVALID_BLOCK, "malformed frame length in block", 0);
        }
        const bool isPadding = readUInt16(frame + HeaderFlyweight::TYPE_FIELD_OFFSET) == HeaderFlyweight::HDR_TYPE_PAD;
        const bool copy = m_params.recordChecksum && !isPadding;
        const bool breaksRun = isPadding || (copy && runLength + alignedLength > static_cast<std::int64_t>(m_scratch.size()));
        if (runLength > 0 && breaksRun)
        {
            if (const std::int64_t rc = writeFully(runStart, runLength, segmentOffset + runOffset); rc < 0)
            {
                return rc;
            }
            runLength = 0;
        }
        if (isPadding)
        {
            // Only the header is stored; the rest of the padding stays a sparse hole reading as zero.
            if (const std::int64_t rc = writeFully(frame, HEADER_LENGTH, segmentOffset + offset); rc < 0)
            {
                return rc;
            }
        }
        else
        {
            if (runLength == 0)
            {
                runStart = copy ? m_scratch.data() : frame;
                runOffset = offset;
            }
            if (copy)
            {
                if (alignedLength > static_cast<std::int32_t>(m_scratch.size()))
                {
                    return fail(INVALID_BLOCK, "frame longer than maxBlockLength", 0);
                }
                std::uint8_t* copied = m_scratch.data() + runLength;
                std::memcpy(copied, frame, static_cast<std::size_t>(alignedLength));
                const std::uint32_t crc = util::crc32c(
                    0, copied + HEADER_LENGTH, static_cast<std::size_t>(alignedLength - HEADER_LENGTH));
                std::memcpy(copied + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, &crc, sizeof(crc));
            }
            runLength += alignedLength;
        }
        offset += alignedLength;
    }
    if (runLength > 0)
    {
        if (const std::int64_t rc = writeFully(runStart, runLength, segmentOffset + runOffset); rc < 0)
        {
            return rc;
        }
    }
    return endBlock(length, blockPosition);
}
} // namespace cox::archive

#include "cox/archive/Catalog.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "cox/archive/ArchiveException.hpp"
#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Crc32c.hpp"
#include "cox/util/DurabilityObserver.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::archive
{
namespace
{
using codecs::archive::CatalogHeaderDecoder;
using codecs::archive::CatalogHeaderEncoder;
using codecs::archive::RecordingDescriptorDecoder;
using codecs::archive::RecordingDescriptorEncoder;
using codecs::archive::RecordingDescriptorHeaderEncoder;

// Offsets inside the catalog header and an entry's 32-byte header (facts §1.2, catalog-only messages).
constexpr std::size_t NEXT_RECORDING_ID_OFFSET = 8;
constexpr std::size_t ENTRY_LENGTH_OFFSET = RecordingDescriptorHeaderEncoder::lengthEncodingOffset();
constexpr std::size_t ENTRY_STATE_OFFSET = RecordingDescriptorHeaderEncoder::stateEncodingOffset();
constexpr std::size_t ENTRY_CHECKSUM_OFFSET = RecordingDescriptorHeaderEncoder::checksumEncodingOffset();

// Offsets of the body fields updated in place, relative to the entry start.
constexpr std::size_t BODY = Catalog::DESCRIPTOR_HEADER_LENGTH;
constexpr std::size_t RECORDING_ID = BODY + RecordingDescriptorEncoder::recordingIdEncodingOffset();
constexpr std::size_t CONTROL_SESSION_ID = BODY + RecordingDescriptorEncoder::controlSessionIdEncodingOffset();
constexpr std::size_t CORRELATION_ID = BODY + RecordingDescriptorEncoder::correlationIdEncodingOffset();
constexpr std::size_t STOP_TIMESTAMP = BODY + RecordingDescriptorEncoder::stopTimestampEncodingOffset();
constexpr std::size_t START_POSITION = BODY + RecordingDescriptorEncoder::startPositionEncodingOffset();
constexpr std::size_t STOP_POSITION = BODY + RecordingDescriptorEncoder::stopPositionEncodingOffset();
constexpr std::size_t SESSION_ID = BODY + RecordingDescriptorEncoder::sessionIdEncodingOffset();

std::string idText(std::int64_t recordingId)
{
    return "recordingId=" + std::to_string(recordingId);
}

[[noreturn]] void throwUnknown(std::int64_t recordingId)
{
    throw ArchiveException(ArchiveErrorCode::UNKNOWN_RECORDING, "unknown recording " + idText(recordingId));
}
} // namespace

Catalog::Catalog(const std::string& archiveDir, const Options& options)
    : m_path(archiveDir + "/" + FILE_NAME), m_options(options)
{
    if (m_options.initialCapacity < MIN_CAPACITY || m_options.initialCapacity > MAX_CAPACITY)
    {
        throw util::IllegalArgumentException("catalog capacity out of range: " + std::to_string(options.initialCapacity));
    }
    struct stat info = {};
    const bool exists = ::stat(m_path.c_str(), &info) == 0;
    if (!exists)
    {
        if (m_options.readOnly)
        {
            throw ArchiveException(ArchiveErrorCode::GENERIC, "no catalog at " + m_path);
        }
        createFile(m_options.initialCapacity);
    }
    m_fd = ::open(m_path.c_str(), m_options.readOnly ? O_RDONLY : O_RDWR | O_CLOEXEC);
    if (m_fd < 0)
    {
        throw util::IoException(util::errnoMessage("open catalog", m_path));
    }
    mapFile();
    buildIndex();
}

Catalog::~Catalog()
{
    m_file.reset();
    if (m_fd >= 0)
    {
        ::close(m_fd);
    }
}

void Catalog::createFile(std::int64_t capacity)
{
    // Write the header into a fresh file under a temporary name and rename it into place, so a crash
    // during creation never leaves a catalog without a header.
    const std::string tmpPath = m_path + ".tmp";
    const int fd = ::open(tmpPath.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
    {
        throw util::IoException(util::errnoMessage("create catalog", tmpPath));
    }
    std::uint8_t header[HEADER_LENGTH] = {};
    CatalogHeaderEncoder encoder;
    encoder.wrapForEncode(header, 0, sizeof(header))
        .version(VERSION)
        .length(HEADER_LENGTH)
        .nextRecordingId(0)
        .alignment(ALIGNMENT)
        .reserved(0);
    const bool ok = ::ftruncate(fd, capacity) == 0 && ::pwrite(fd, header, sizeof(header), 0) == HEADER_LENGTH &&
        ::fsync(fd) == 0;
    const int savedErrno = errno;
    ::close(fd);
    if (!ok || ::rename(tmpPath.c_str(), m_path.c_str()) != 0)
    {
        errno = ok ? errno : savedErrno;
        throw util::IoException(util::errnoMessage("initialise catalog", m_path));
    }
}

void Catalog::mapFile()
{
    m_file = util::MemoryMappedFile::open(m_path, m_options.readOnly);
    if (m_file->length() < static_cast<std::size_t>(HEADER_LENGTH))
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, "catalog too short: " + m_path);
    }
}

void Catalog::buildIndex()
{
    CatalogHeaderDecoder header;
    const auto* memory = m_file->memory();
    if (header.wrapForDecode(memory, 0, HEADER_LENGTH, CatalogHeaderDecoder::SCHEMA_VERSION, m_file->length()) !=
            codecs::sbe::DecodeError::NONE ||
        (header.version() >> 16) != MAJOR_VERSION || header.alignment() != ALIGNMENT ||
        header.length() != HEADER_LENGTH)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC,
            "not a version 3 catalog (version=" + std::to_string(header.version()) + "): " + m_path);
    }

    const auto buffer = m_file->buffer();
    const auto capacityBytes = static_cast<std::int64_t>(m_file->length());
    std::int64_t offset = HEADER_LENGTH;
    std::int64_t lastId = -1;
    while (offset + DESCRIPTOR_HEADER_LENGTH <= capacityBytes)
    {
        const std::int32_t length = buffer.getInt32(static_cast<std::size_t>(offset) + ENTRY_LENGTH_OFFSET);
        if (length <= 0)
        {
            break;
        }
        const std::int64_t frameLength = DESCRIPTOR_HEADER_LENGTH + static_cast<std::int64_t>(length);
        if (frameLength > capacityBytes - offset || length < RecordingDescriptorEncoder::BLOCK_LENGTH ||
            frameLength % ALIGNMENT != 0)
        {
            throw ArchiveException(ArchiveErrorCode::GENERIC,
                "corrupt catalog entry at offset " + std::to_string(offset) + " length " + std::to_string(length));
        }
        const std::int64_t recordingId = buffer.getInt64(static_cast<std::size_t>(offset) + RECORDING_ID);
        if (recordingId <= lastId)
        {
            throw ArchiveException(ArchiveErrorCode::GENERIC,
                "catalog ids out of order at offset " + std::to_string(offset) + ": " + idText(recordingId));
        }
        lastId = recordingId;
        const auto state = static_cast<RecordingState>(buffer.getInt32(static_cast<std::size_t>(offset) + ENTRY_STATE_OFFSET));
        if (state != RecordingState::DELETED)
        {
            m_index.add(recordingId, offset);
        }
        offset += frameLength;
    }
    m_nextEntryOffset = offset;

    const std::int64_t nextId = buffer.getInt64(NEXT_RECORDING_ID_OFFSET);
    if (nextId == 0 && lastId >= 0 && !m_options.readOnly)
    {
        aboutToWrite(NEXT_RECORDING_ID_OFFSET, sizeof(std::int64_t));
        m_file->buffer().putInt64Ordered(NEXT_RECORDING_ID_OFFSET, lastId + 1);
        sync();
    }
    else if (nextId < lastId + 1 && !(nextId == 0 && m_options.readOnly))
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC,
            "invalid nextRecordingId " + std::to_string(nextId) + " below last id + 1 = " + std::to_string(lastId + 1));
    }
}

void Catalog::aboutToWrite(std::int64_t offset, std::int64_t length) const
{
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->beforeWrite(m_path, static_cast<std::uint64_t>(offset), static_cast<std::uint64_t>(length));
    }
}

std::int64_t Catalog::entryLength(std::int64_t entryOffset) const
{
    return DESCRIPTOR_HEADER_LENGTH +
        m_file->buffer().getInt32(static_cast<std::size_t>(entryOffset) + ENTRY_LENGTH_OFFSET);
}

void Catalog::checkWritable() const
{
    if (m_options.readOnly)
    {
        throw util::IllegalStateException("catalog opened read-only: " + m_path);
    }
}

void Catalog::growTo(std::int64_t minimumLength)
{
    const auto current = static_cast<std::int64_t>(m_file->length());
    std::int64_t newLength = std::max(current + current / 2, minimumLength);
    newLength = std::min(util::align<std::int64_t>(newLength, 4096), MAX_CAPACITY);
    if (newLength < minimumLength)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, "catalog is full: " + m_path);
    }
    m_file.reset();
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->beforeResize(m_path, static_cast<std::uint64_t>(newLength));
    }
    if (::ftruncate(m_fd, newLength) != 0)
    {
        throw util::IoException(util::errnoMessage("grow catalog", m_path));
    }
    mapFile();
}

std::int64_t Catalog::addNewRecording(
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
    std::string_view sourceIdentity)
{
    checkWritable();
    if (startPosition < 0 || (stopPosition != NULL_POSITION && stopPosition < startPosition))
    {
        throw util::IllegalArgumentException("invalid start/stop positions for a new recording");
    }
    const std::int64_t bodyLength = RecordingDescriptorEncoder::BLOCK_LENGTH + 12 +
        static_cast<std::int64_t>(strippedChannel.size() + originalChannel.size() + sourceIdentity.size());
    const std::int64_t frameLength = util::align<std::int64_t>(DESCRIPTOR_HEADER_LENGTH + bodyLength, ALIGNMENT);
    if (frameLength > MAX_CAPACITY - m_nextEntryOffset)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, "catalog is full: " + m_path);
    }
    if (m_nextEntryOffset + frameLength > static_cast<std::int64_t>(m_file->length()))
    {
        growTo(m_nextEntryOffset + frameLength);
    }

    auto buffer = m_file->buffer();
    aboutToWrite(NEXT_RECORDING_ID_OFFSET, sizeof(std::int64_t));
    aboutToWrite(m_nextEntryOffset, frameLength);
    const std::int64_t recordingId = buffer.getInt64(NEXT_RECORDING_ID_OFFSET);
    // The id is marked used before the entry exists: a crash in between leaves a harmless gap, never
    // an entry whose id the header would hand out again.
    buffer.putInt64Ordered(NEXT_RECORDING_ID_OFFSET, recordingId + 1);

    const auto entryOffset = static_cast<std::size_t>(m_nextEntryOffset);
    RecordingDescriptorEncoder body;
    body.wrapForEncode(m_file->memory(), entryOffset + BODY, m_file->length())
        .controlSessionId(0)
        .correlationId(0)
        .recordingId(recordingId)
        .startTimestamp(startTimestamp)
        .stopTimestamp(stopTimestamp)
        .startPosition(startPosition)
        .stopPosition(stopPosition)
        .initialTermId(initialTermId)
        .segmentFileLength(segmentFileLength)
        .termBufferLength(termBufferLength)
        .mtuLength(mtuLength)
        .sessionId(sessionId)
        .streamId(streamId)
        .putStrippedChannel(strippedChannel)
        .putOriginalChannel(originalChannel)
        .putSourceIdentity(sourceIdentity);
    buffer.putInt32(entryOffset + ENTRY_STATE_OFFSET, static_cast<std::int32_t>(RecordingState::VALID));
    // The length goes in last: a scan (this process after a crash, or a tool reading live) stops at a
    // zero length and so never sees a half-written entry.
    buffer.putInt32Ordered(entryOffset + ENTRY_LENGTH_OFFSET, static_cast<std::int32_t>(frameLength - DESCRIPTOR_HEADER_LENGTH));
    updateChecksum(m_nextEntryOffset);

    m_index.add(recordingId, m_nextEntryOffset);
    m_nextEntryOffset += frameLength;
    sync();
    return recordingId;
}

std::int64_t Catalog::addNewRecording(
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
    std::string_view sourceIdentity)
{
    return addNewRecording(startPosition, NULL_POSITION, startTimestamp, NULL_TIMESTAMP, initialTermId,
        segmentFileLength, termBufferLength, mtuLength, sessionId, streamId, strippedChannel, originalChannel,
        sourceIdentity);
}

bool Catalog::hasRecording(std::int64_t recordingId) const noexcept
{
    return m_index.find(recordingId) != CatalogIndex::NULL_OFFSET;
}

std::int64_t Catalog::offsetOf(std::int64_t recordingId) const
{
    const std::int64_t offset = m_index.find(recordingId);
    if (offset == CatalogIndex::NULL_OFFSET)
    {
        throwUnknown(recordingId);
    }
    return offset;
}

RecordingDescriptor Catalog::decode(std::int64_t entryOffset) const
{
    const auto buffer = m_file->buffer();
    const auto at = static_cast<std::size_t>(entryOffset);
    const std::int32_t length = buffer.getInt32(at + ENTRY_LENGTH_OFFSET);
    RecordingDescriptorDecoder decoder;
    if (decoder.wrapForDecode(m_file->memory(), at + BODY, RecordingDescriptorDecoder::BLOCK_LENGTH,
            RecordingDescriptorDecoder::SCHEMA_VERSION, at + BODY + static_cast<std::size_t>(length)) !=
        codecs::sbe::DecodeError::NONE)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, "corrupt catalog entry at offset " + std::to_string(entryOffset));
    }
    RecordingDescriptor d;
    d.recordingId = decoder.recordingId();
    d.controlSessionId = decoder.controlSessionId();
    d.correlationId = decoder.correlationId();
    d.startTimestamp = decoder.startTimestamp();
    d.stopTimestamp = buffer.getInt64Volatile(at + STOP_TIMESTAMP);
    d.startPosition = buffer.getInt64Volatile(at + START_POSITION);
    d.stopPosition = buffer.getInt64Volatile(at + STOP_POSITION);
    d.initialTermId = decoder.initialTermId();
    d.segmentFileLength = decoder.segmentFileLength();
    d.termBufferLength = decoder.termBufferLength();
    d.mtuLength = decoder.mtuLength();
    d.sessionId = decoder.sessionId();
    d.streamId = decoder.streamId();
    d.strippedChannel = std::string(decoder.strippedChannel());
    d.originalChannel = std::string(decoder.originalChannel());
    d.sourceIdentity = std::string(decoder.sourceIdentity());
    d.state = static_cast<RecordingState>(buffer.getInt32(at + ENTRY_STATE_OFFSET));
    return d;
}

std::optional<RecordingDescriptor> Catalog::findRecording(std::int64_t recordingId) const
{
    const std::int64_t offset = m_index.find(recordingId);
    if (offset == CatalogIndex::NULL_OFFSET)
    {
        return std::nullopt;
    }
    return decode(offset);
}

RecordingDescriptor Catalog::recording(std::int64_t recordingId) const
{
    return decode(offsetOf(recordingId));
}

void Catalog::recordingStopped(std::int64_t recordingId, std::int64_t stopPosition, std::int64_t stopTimestamp)
{
    checkWritable();
    const auto at = static_cast<std::size_t>(offsetOf(recordingId));
    auto buffer = m_file->buffer();
    if (stopPosition < buffer.getInt64(at + START_POSITION))
    {
        throw util::IllegalArgumentException("stop position below start for " + idText(recordingId));
    }
    aboutToWrite(static_cast<std::int64_t>(at), entryLength(static_cast<std::int64_t>(at)));
    buffer.putInt64(at + STOP_TIMESTAMP, stopTimestamp);
    buffer.putInt64Ordered(at + STOP_POSITION, stopPosition);
    updateChecksum(static_cast<std::int64_t>(at));
    sync();
}

void Catalog::stopPosition(std::int64_t recordingId, std::int64_t position)
{
    checkWritable();
    const auto at = static_cast<std::size_t>(offsetOf(recordingId));
    auto buffer = m_file->buffer();
    if (position < buffer.getInt64(at + START_POSITION))
    {
        throw util::IllegalArgumentException("stop position below start for " + idText(recordingId));
    }
    aboutToWrite(static_cast<std::int64_t>(at), entryLength(static_cast<std::int64_t>(at)));
    buffer.putInt64Ordered(at + STOP_POSITION, position);
    updateChecksum(static_cast<std::int64_t>(at));
    sync();
}

void Catalog::startPosition(std::int64_t recordingId, std::int64_t position)
{
    checkWritable();
    const auto at = static_cast<std::size_t>(offsetOf(recordingId));
    auto buffer = m_file->buffer();
    const std::int64_t stop = buffer.getInt64(at + STOP_POSITION);
    if (position < 0 || (stop != NULL_POSITION && position > stop))
    {
        throw util::IllegalArgumentException("start position beyond stop for " + idText(recordingId));
    }
    aboutToWrite(static_cast<std::int64_t>(at), entryLength(static_cast<std::int64_t>(at)));
    buffer.putInt64Ordered(at + START_POSITION, position);
    updateChecksum(static_cast<std::int64_t>(at));
    sync();
}

void Catalog::extendRecording(
    std::int64_t recordingId, std::int64_t controlSessionId, std::int64_t correlationId, std::int32_t sessionId)
{
    checkWritable();
    const auto at = static_cast<std::size_t>(offsetOf(recordingId));
    auto buffer = m_file->buffer();
    aboutToWrite(static_cast<std::int64_t>(at), entryLength(static_cast<std::int64_t>(at)));
    buffer.putInt64(at + CONTROL_SESSION_ID, controlSessionId);
    buffer.putInt64(at + CORRELATION_ID, correlationId);
    buffer.putInt32(at + SESSION_ID, sessionId);
    buffer.putInt64(at + STOP_TIMESTAMP, NULL_TIMESTAMP);
    buffer.putInt64Ordered(at + STOP_POSITION, NULL_POSITION);
    updateChecksum(static_cast<std::int64_t>(at));
    sync();
}

std::int64_t Catalog::findAnyOffset(std::int64_t recordingId) const noexcept
{
    const auto buffer = m_file->buffer();
    std::int64_t offset = HEADER_LENGTH;
    while (offset < m_nextEntryOffset)
    {
        const auto at = static_cast<std::size_t>(offset);
        if (buffer.getInt64(at + RECORDING_ID) == recordingId)
        {
            return offset;
        }
        offset += DESCRIPTOR_HEADER_LENGTH + buffer.getInt32(at + ENTRY_LENGTH_OFFSET);
    }
    return CatalogIndex::NULL_OFFSET;
}

void Catalog::changeState(std::int64_t recordingId, RecordingState state)
{
    checkWritable();
    if (state != RecordingState::VALID && state != RecordingState::INVALID && state != RecordingState::DELETED)
    {
        throw util::IllegalArgumentException("invalid recording state");
    }
    std::int64_t offset = m_index.find(recordingId);
    if (offset == CatalogIndex::NULL_OFFSET)
    {
        // DELETED is final: the entry stays on disk only so the id is never reused.
        throwUnknown(recordingId);
    }
    auto buffer = m_file->buffer();
    aboutToWrite(offset, entryLength(offset));
    buffer.putInt32Ordered(static_cast<std::size_t>(offset) + ENTRY_STATE_OFFSET, static_cast<std::int32_t>(state));
    if (state == RecordingState::DELETED)
    {
        m_index.remove(recordingId);
    }
    updateChecksum(offset);
    sync();
}

std::int64_t Catalog::stopPositionVolatile(std::int64_t recordingId) const noexcept
{
    const std::int64_t offset = m_index.find(recordingId);
    return offset == CatalogIndex::NULL_OFFSET ? NULL_POSITION
                                               : m_file->buffer().getInt64Volatile(static_cast<std::size_t>(offset) + STOP_POSITION);
}

std::int64_t Catalog::startPositionVolatile(std::int64_t recordingId) const noexcept
{
    const std::int64_t offset = m_index.find(recordingId);
    return offset == CatalogIndex::NULL_OFFSET ? NULL_POSITION
                                               : m_file->buffer().getInt64Volatile(static_cast<std::size_t>(offset) + START_POSITION);
}

std::int64_t Catalog::nextRecordingId() const noexcept
{
    return m_file->buffer().getInt64Volatile(NEXT_RECORDING_ID_OFFSET);
}

std::int64_t Catalog::capacity() const noexcept
{
    return static_cast<std::int64_t>(m_file->length());
}

void Catalog::forEach(const std::function<void(const RecordingDescriptor&)>& visitor) const
{
    const auto buffer = m_file->buffer();
    std::int64_t offset = HEADER_LENGTH;
    while (offset < m_nextEntryOffset)
    {
        visitor(decode(offset));
        offset += DESCRIPTOR_HEADER_LENGTH + buffer.getInt32(static_cast<std::size_t>(offset) + ENTRY_LENGTH_OFFSET);
    }
}

std::vector<RecordingDescriptor> Catalog::listRecordings(std::int64_t fromRecordingId, std::int32_t recordCount) const
{
    return listRecordingsForUri(fromRecordingId, recordCount, std::string_view(), -1);
}

std::vector<RecordingDescriptor> Catalog::listRecordingsForUri(
    std::int64_t fromRecordingId, std::int32_t recordCount, std::string_view channelFragment, std::int32_t streamId) const
{
    // streamId -1 with an empty fragment is the unfiltered ListRecordings; Aeron stream ids are never -1
    // in a ListRecordingsForUri request that matters here, but keep the two paths explicit anyway.
    const bool filter = !(channelFragment.empty() && streamId == -1);
    std::vector<RecordingDescriptor> result;
    for (const auto& entry : m_index.entries())
    {
        if (static_cast<std::int32_t>(result.size()) >= recordCount)
        {
            break;
        }
        if (entry.recordingId < fromRecordingId)
        {
            continue;
        }
        RecordingDescriptor descriptor = decode(entry.catalogOffset);
        if (descriptor.state != RecordingState::VALID)
        {
            continue;
        }
        if (filter && (descriptor.streamId != streamId ||
                          descriptor.strippedChannel.find(channelFragment) == std::string::npos))
        {
            continue;
        }
        result.push_back(std::move(descriptor));
    }
    return result;
}

void Catalog::updateChecksum(std::int64_t entryOffset)
{
    if (!m_options.entryChecksum)
    {
        return;
    }
    auto buffer = m_file->buffer();
    const auto at = static_cast<std::size_t>(entryOffset);
    const auto length = static_cast<std::size_t>(buffer.getInt32(at + ENTRY_LENGTH_OFFSET));
    const std::uint32_t crc = util::crc32c(0, m_file->memory() + at + BODY, length);
    buffer.putInt32(at + ENTRY_CHECKSUM_OFFSET, static_cast<std::int32_t>(crc));
}

bool Catalog::verifyEntryChecksum(std::int64_t recordingId) const
{
    const std::int64_t offset = findAnyOffset(recordingId);
    if (offset == CatalogIndex::NULL_OFFSET)
    {
        throwUnknown(recordingId);
    }
    const auto buffer = m_file->buffer();
    const auto at = static_cast<std::size_t>(offset);
    const std::int32_t stored = buffer.getInt32(at + ENTRY_CHECKSUM_OFFSET);
    if (stored == 0)
    {
        return true;
    }
    const auto length = static_cast<std::size_t>(buffer.getInt32(at + ENTRY_LENGTH_OFFSET));
    return static_cast<std::int32_t>(util::crc32c(0, m_file->memory() + at + BODY, length)) == stored;
}

void Catalog::sync() const
{
    if (m_options.syncLevel == FileSyncLevel::NONE || m_options.readOnly)
    {
        return;
    }
    // The mapping is shared, so its dirty pages are page-cache pages of the file: fdatasync/fsync on
    // the descriptor writes them back, with no separate msync needed.
    const int rc = m_options.syncLevel == FileSyncLevel::DATA ? ::fdatasync(m_fd) : ::fsync(m_fd);
    if (rc != 0)
    {
        throw util::IoException(util::errnoMessage("sync catalog", m_path));
    }
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->afterSync(m_path);
    }
}
} // namespace cox::archive

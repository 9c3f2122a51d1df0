#include "cox/archive/RecordingReader.hpp"

#include <cstdio>

#include "FrameCheck.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::archive
{
std::int32_t RecordedFrame::storedLength() const noexcept
{
    return isPadding() ? detail::HEADER_LENGTH : util::align(frameLength, detail::FRAME_ALIGNMENT);
}

RecordingReader::RecordingReader(
    std::string archiveDir, const RecordingDescriptor& descriptor, std::int64_t fromPosition,
    std::int64_t limitPosition, bool verifyChecksum)
    : m_archiveDir(std::move(archiveDir)),
      m_descriptor(descriptor),
      m_position(fromPosition),
      m_limitPosition(limitPosition),
      m_verifyChecksum(verifyChecksum),
      m_positionBitsToShift(util::numberOfTrailingZeroes(static_cast<std::uint64_t>(descriptor.termBufferLength)))
{
    SegmentFile::validateLengths(descriptor.segmentFileLength, descriptor.termBufferLength);
    const std::string where = "recordingId=" + std::to_string(descriptor.recordingId);
    if (fromPosition < descriptor.startPosition || (fromPosition & (detail::FRAME_ALIGNMENT - 1)) != 0 ||
        limitPosition < fromPosition)
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, where + " requested position " + std::to_string(fromPosition) +
            " not a frame boundary within [" + std::to_string(descriptor.startPosition) + ", " +
            std::to_string(limitPosition) + "]");
    }
    if (fromPosition < limitPosition &&
        !openSegment(SegmentFile::basePosition(
            descriptor.startPosition, fromPosition, descriptor.termBufferLength, descriptor.segmentFileLength)))
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC, where + ": " + m_errorMessage.data());
    }
}

RecordingReader::~RecordingReader() = default;

void RecordingReader::limitPosition(std::int64_t position) noexcept
{
    if (position > m_limitPosition)
    {
        m_limitPosition = position;
    }
}

bool RecordingReader::openSegment(std::int64_t base)
{
    m_segment.reset();
    m_segmentBase = NULL_POSITION;
    const std::string path = m_archiveDir + "/" + SegmentFile::fileName(m_descriptor.recordingId, base);
    try
    {
        m_segment = util::MemoryMappedFile::open(path, true);
    }
    catch (const std::exception& e)
    {
        std::snprintf(m_errorMessage.data(), m_errorMessage.size(), "segment file missing or unreadable: %s", e.what());
        return false;
    }
    m_segmentBase = base;
    return true;
}

std::int32_t RecordingReader::fail(std::int32_t code, const char* what)
{
    m_failure = code;
    std::snprintf(m_errorMessage.data(), m_errorMessage.size(), "recordingId=%lld position=%lld: %s",
        static_cast<long long>(m_descriptor.recordingId), static_cast<long long>(m_position), what);
    return code;
}

std::int32_t RecordingReader::nextFrame()
{
    if (m_failure != 0)
    {
        return m_failure;
    }
    if (m_position >= m_limitPosition)
    {
        return 0;
    }
    const std::int64_t base = SegmentFile::basePosition(
        m_descriptor.startPosition, m_position, m_descriptor.termBufferLength, m_descriptor.segmentFileLength);
    if (base != m_segmentBase && !openSegment(base))
    {
        m_failure = SEGMENT_MISSING;
        return SEGMENT_MISSING;
    }

    const std::int64_t fileOffset = m_position - base;
    const auto mapped = static_cast<std::int64_t>(m_segment->length());
    const std::int64_t available = std::min(mapped, static_cast<std::int64_t>(m_descriptor.segmentFileLength)) - fileOffset;
    const std::uint8_t* data = m_segment->memory() + fileOffset;
    const detail::FrameExpectation expect{m_descriptor.termBufferLength, m_positionBitsToShift,
        m_descriptor.initialTermId, m_descriptor.streamId, m_verifyChecksum};

    std::int32_t alignedLength = 0;
    std::int32_t storedLength = 0;
    const detail::FrameStatus status = detail::checkFrame(data, available, m_position, expect, alignedLength, storedLength);
    if (status == detail::FrameStatus::OK && m_position + alignedLength > m_limitPosition)
    {
        return 0;
    }
    switch (status)
    {
        case detail::FrameStatus::OK:
            break;
        case detail::FrameStatus::CHECKSUM_MISMATCH:
            return fail(CHECKSUM_MISMATCH, detail::toString(status));
        case detail::FrameStatus::EMPTY:
        case detail::FrameStatus::BAD_HEADER:
        case detail::FrameStatus::TRUNCATED:
            return fail(INVALID_FRAME, detail::toString(status));
    }

    m_frame.frame = data;
    m_frame.frameLength = detail::load<std::int32_t>(data);
    m_frame.position = m_position;
    m_frame.type = detail::load<std::uint16_t>(data + detail::HeaderFlyweight::TYPE_FIELD_OFFSET);
    m_frame.flags = data[detail::HeaderFlyweight::FLAGS_FIELD_OFFSET];
    m_frame.termOffset = detail::load<std::int32_t>(data + detail::DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET);
    m_frame.sessionId = detail::load<std::int32_t>(data + detail::DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET);
    m_frame.streamId = detail::load<std::int32_t>(data + detail::DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET);
    m_frame.termId = detail::load<std::int32_t>(data + detail::DataHeaderFlyweight::TERM_ID_FIELD_OFFSET);
    m_frame.reservedValue = detail::load<std::int64_t>(data + detail::DataHeaderFlyweight::RESERVED_VALUE_FIELD_OFFSET);
    m_position += alignedLength;
    return 1;
}
} // namespace cox::archive

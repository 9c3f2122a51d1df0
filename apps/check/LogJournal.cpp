#include "LogJournal.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "cox/archive/Catalog.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps::check
{
namespace
{
constexpr std::int32_t FRAME_ALIGNMENT = 32;
constexpr std::int32_t FRAME_HEADER_LENGTH = 32;
constexpr std::size_t SBE_HEADER_LENGTH = 8;
/// The cluster schema's SessionMessageHeader: template 1 of schema 111, a 24-byte block before the payload.
constexpr std::uint16_t CLUSTER_SCHEMA_ID = 111;
constexpr std::uint16_t SESSION_MESSAGE_TEMPLATE_ID = 1;
constexpr std::size_t SESSION_MESSAGE_BLOCK_LENGTH = 24;
/// Every kv request (schema 200) starts its block with the correlation id.
constexpr std::uint16_t KV_SCHEMA_ID = 200;

template <typename T>
T readLittleEndian(const std::uint8_t* at) noexcept
{
    T value{};
    std::memcpy(&value, at, sizeof(value));
    return value;
}
} // namespace

LogJournal readLogJournal(const std::string& archiveDir, std::int32_t memberId, std::int64_t endPosition,
                          std::int32_t logStreamId,
                          std::int64_t correlationStride)
{
    archive::Catalog::Options options;
    options.readOnly = true;
    const archive::Catalog catalog(archiveDir, options);
    std::optional<archive::RecordingDescriptor> log;
    catalog.forEach(
        [&](const archive::RecordingDescriptor& descriptor)
        {
            if (descriptor.streamId == logStreamId && (!log || descriptor.startPosition < log->startPosition))
            {
                log = descriptor;
            }
        });
    if (!log)
    {
        throw util::IoException("no log recording (stream " + std::to_string(logStreamId) + ") in " + archiveDir);
    }
    LogJournal journal;
    journal.memberId = memberId;
    journal.recordingId = log->recordingId;
    journal.startPosition = log->startPosition;
    const std::int64_t end =
        log->stopPosition >= 0 ? std::min(endPosition, log->stopPosition) : endPosition;

    std::vector<std::uint8_t> segment;
    std::int64_t loadedBase = -1;
    std::int64_t position = log->startPosition;
    while (position < end)
    {
        const std::int64_t base = archive::SegmentFile::basePosition(log->startPosition, position,
                                                                     log->termBufferLength, log->segmentFileLength);
        if (base != loadedBase)
        {
            const std::string path =
                (std::filesystem::path(archiveDir) / archive::SegmentFile::fileName(log->recordingId, base)).string();
            archive::SegmentFile::readFile(path, segment, static_cast<std::size_t>(log->segmentFileLength));
            loadedBase = base;
        }
        const auto offset = static_cast<std::size_t>(position - base);
        if (offset + FRAME_HEADER_LENGTH > segment.size())
        {
            throw util::IllegalStateException("log frame header past the end of its segment at " +
                                              std::to_string(position));
        }
        const std::uint8_t* frame = segment.data() + offset;
        const auto frameLength = readLittleEndian<std::int32_t>(frame);
        if (frameLength < FRAME_HEADER_LENGTH || offset + static_cast<std::size_t>(frameLength) > segment.size())
        {
            throw util::IllegalStateException("log frame of length " + std::to_string(frameLength) + " at " +
                                              std::to_string(position) + " does not fit");
        }
        const std::int64_t next = position + util::align(frameLength, FRAME_ALIGNMENT);
        const auto type = readLittleEndian<std::uint16_t>(frame + 6);
        const std::uint8_t flags = frame[5];
        const std::size_t payloadLength = static_cast<std::size_t>(frameLength - FRAME_HEADER_LENGTH);
        const std::uint8_t* payload = frame + FRAME_HEADER_LENGTH;
        if (type == codecs::frames::HeaderFlyweight::HDR_TYPE_DATA && payloadLength >= SBE_HEADER_LENGTH &&
            readLittleEndian<std::uint16_t>(payload + 2) == SESSION_MESSAGE_TEMPLATE_ID &&
            readLittleEndian<std::uint16_t>(payload + 4) == CLUSTER_SCHEMA_ID)
        {
            ++journal.sessionMessages;
            std::uint64_t hash = 0xcbf29ce484222325ULL; // FNV-1a over the message
            for (std::size_t i = 0; i < payloadLength; ++i)
            {
                hash = (hash ^ payload[i]) * 0x100000001b3ULL;
            }
            const auto timestamp = payloadLength >= SBE_HEADER_LENGTH + SESSION_MESSAGE_BLOCK_LENGTH
                ? readLittleEndian<std::int64_t>(payload + SBE_HEADER_LENGTH + 16)
                : std::int64_t{0};
            journal.entries.push_back(sim::AppliedEntry{memberId, next, hash, timestamp});
            const std::size_t request = SBE_HEADER_LENGTH + SESSION_MESSAGE_BLOCK_LENGTH;
            if (flags != codecs::frames::DataHeaderFlyweight::BEGIN_AND_END_FLAGS ||
                payloadLength < request + SBE_HEADER_LENGTH + sizeof(std::int64_t) ||
                readLittleEndian<std::uint16_t>(payload + request + 4) != KV_SCHEMA_ID)
            {
                ++journal.skipped;
            }
            else
            {
                const auto correlationId =
                    readLittleEndian<std::int64_t>(payload + request + SBE_HEADER_LENGTH);
                journal.applied.push_back(
                    sim::AppliedMessage{next, correlationId / correlationStride, correlationId % correlationStride});
            }
        }
        position = next;
    }
    journal.endPosition = position;
    return journal;
}
} // namespace cox::apps::check

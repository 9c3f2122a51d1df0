#include "LogJournal.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <filesystem>
#include <map>

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
constexpr std::uint16_t KV_SCHEDULE_TIMER_TEMPLATE_ID = 5;
constexpr std::uint16_t KV_CANCEL_TIMER_TEMPLATE_ID = 6;
/// ScheduleTimerRequest: correlationId, timerId, deadlineOffset; CancelTimerRequest: correlationId, timerId.
constexpr std::size_t KV_SCHEDULE_TIMER_BLOCK_LENGTH = 24;
constexpr std::size_t KV_CANCEL_TIMER_BLOCK_LENGTH = 16;
/// The cluster schema's TimerEvent log entry: leadershipTermId, correlationId, timestamp.
constexpr std::uint16_t TIMER_EVENT_TEMPLATE_ID = 20;
constexpr std::size_t TIMER_EVENT_BLOCK_LENGTH = 24;

template <typename T>
T readLittleEndian(const std::uint8_t* at) noexcept
{
    T value{};
    std::memcpy(&value, at, sizeof(value));
    return value;
}

/// Follows the kv service's timers through the log as the service applies them.
class TimerTracker
{
public:
    explicit TimerTracker(LogJournal& journal) : m_journal(journal) {}

    void onRequest(const std::uint8_t* request, std::size_t length, std::int64_t timestamp, std::int64_t position)
    {
        const auto templateId = readLittleEndian<std::uint16_t>(request + 2);
        const auto blockLength = readLittleEndian<std::uint16_t>(request);
        if (templateId == KV_SCHEDULE_TIMER_TEMPLATE_ID && blockLength >= KV_SCHEDULE_TIMER_BLOCK_LENGTH &&
            length >= SBE_HEADER_LENGTH + KV_SCHEDULE_TIMER_BLOCK_LENGTH)
        {
            const auto timerId = readLittleEndian<std::int64_t>(request + SBE_HEADER_LENGTH + 8);
            const auto offset = readLittleEndian<std::int64_t>(request + SBE_HEADER_LENGTH + 16);
            // As KeyValueService: a negative or overflowing offset, or a timer already pending, is refused.
            const std::int64_t headroom =
                std::numeric_limits<std::int64_t>::max() - std::max<std::int64_t>(timestamp, 0);
            if (offset < 0 || offset >= headroom || m_pending.count(timerId) != 0)
            {
                return;
            }
            m_pending.emplace(timerId, m_journal.timerSchedules.size());
            m_journal.timerSchedules.push_back(sim::TimerSchedule{timerId, timestamp + offset, false});
            m_journal.timerRequestTimes.push_back(LogJournal::TimerRequestTimes{timestamp, -1});
        }
        else if (templateId == KV_CANCEL_TIMER_TEMPLATE_ID && blockLength >= KV_CANCEL_TIMER_BLOCK_LENGTH &&
                 length >= SBE_HEADER_LENGTH + KV_CANCEL_TIMER_BLOCK_LENGTH)
        {
            const auto it = m_pending.find(readLittleEndian<std::int64_t>(request + SBE_HEADER_LENGTH + 8));
            if (it != m_pending.end())
            {
                // As in the simulator's journal: the log order of this cancel and the timer's TimerEvent, not their
                // timestamps, decides whether a firing after it was suppressed.
                auto& schedule = m_journal.timerSchedules[it->second];
                schedule.cancelled = true;
                schedule.cancelPosition = position;
                m_journal.timerRequestTimes[it->second].cancelledAt = timestamp;
                m_pending.erase(it);
            }
        }
    }

    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp, std::int64_t position)
    {
        std::int64_t deadline = -1;
        const auto it = m_pending.find(correlationId);
        if (it != m_pending.end())
        {
            deadline = m_journal.timerSchedules[it->second].deadlineNs;
            m_pending.erase(it);
        }
        m_journal.timerEvents.push_back(sim::TimerEvent{correlationId, deadline, timestamp, position,
                                                        m_journal.memberId});
    }

private:
    LogJournal& m_journal;
    /// Pending timer id to its index in timerSchedules.
    std::map<std::int64_t, std::size_t> m_pending;
};

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

    TimerTracker timers(journal);
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
        if (type == codecs::frames::HeaderFlyweight::HDR_TYPE_DATA &&
            flags == codecs::frames::DataHeaderFlyweight::BEGIN_AND_END_FLAGS &&
            payloadLength >= SBE_HEADER_LENGTH + TIMER_EVENT_BLOCK_LENGTH &&
            readLittleEndian<std::uint16_t>(payload) >= TIMER_EVENT_BLOCK_LENGTH &&
            readLittleEndian<std::uint16_t>(payload + 2) == TIMER_EVENT_TEMPLATE_ID &&
            readLittleEndian<std::uint16_t>(payload + 4) == CLUSTER_SCHEMA_ID)
        {
            const auto timestamp = readLittleEndian<std::int64_t>(payload + SBE_HEADER_LENGTH + 16);
            journal.lastTimestamp = std::max(journal.lastTimestamp, timestamp);
            timers.onTimerEvent(readLittleEndian<std::int64_t>(payload + SBE_HEADER_LENGTH + 8), timestamp, next);
        }
        else if (type == codecs::frames::HeaderFlyweight::HDR_TYPE_DATA && payloadLength >= SBE_HEADER_LENGTH &&
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
            journal.lastTimestamp = std::max(journal.lastTimestamp, timestamp);
            const std::size_t request = SBE_HEADER_LENGTH + SESSION_MESSAGE_BLOCK_LENGTH;
            if (flags != codecs::frames::DataHeaderFlyweight::BEGIN_AND_END_FLAGS ||
                payloadLength < request + SBE_HEADER_LENGTH + sizeof(std::int64_t) ||
                readLittleEndian<std::uint16_t>(payload + request + 4) != KV_SCHEMA_ID)
            {
                ++journal.skipped;
            }
            else if (const std::uint16_t kvTemplate = readLittleEndian<std::uint16_t>(payload + request + 2);
                     kvTemplate == KV_SCHEDULE_TIMER_TEMPLATE_ID || kvTemplate == KV_CANCEL_TIMER_TEMPLATE_ID)
            {
                timers.onRequest(payload + request, payloadLength - request, timestamp, next);
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

std::int64_t pendingTimersAt(const LogJournal& journal, std::int64_t clusterTime)
{
    std::int64_t pending = 0;
    for (std::size_t i = 0; i < journal.timerSchedules.size() && i < journal.timerRequestTimes.size(); ++i)
    {
        const auto& times = journal.timerRequestTimes[i];
        const bool cancelledBy = times.cancelledAt >= 0 && times.cancelledAt <= clusterTime;
        pending += times.scheduledAt <= clusterTime && journal.timerSchedules[i].deadlineNs > clusterTime &&
                !cancelledBy
            ? 1
            : 0;
    }
    return pending;
}
} // namespace cox::apps::check

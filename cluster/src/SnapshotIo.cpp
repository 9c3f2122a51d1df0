#include "SnapshotIo.hpp"

#include "consensus/LogPublisher.hpp"

#include <chrono>
#include <vector>

#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/RecordingPos.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/SnapshotMarker.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelText.hpp"
#include "cox/transport/ControlledPollAction.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

ClusterTimeUnit timeUnitFromCode(std::int32_t code) noexcept
{
    switch (code)
    {
    case static_cast<std::int32_t>(cc::ClusterTimeUnit::MICROS):
        return ClusterTimeUnit::MICROSECONDS;
    case static_cast<std::int32_t>(cc::ClusterTimeUnit::NANOS):
        return ClusterTimeUnit::NANOSECONDS;
    default:
        return ClusterTimeUnit::MILLISECONDS;
    }
}

std::int64_t snapshotNanoTime() noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

SnapshotPublication::SnapshotPublication(transport::Aeron& aeron, archive::AeronArchive& archive,
                                         const std::string& channel, std::int32_t streamId, SnapshotIdle idle,
                                         std::int64_t timeoutNs)
    : m_aeron(aeron), m_archive(archive), m_idle(std::move(idle)), m_timeoutNs(timeoutNs)
{
    m_publication = aeron.addExclusivePublication(channel, streamId);
    const std::string recordedChannel =
        transport::withParam(channel, "session-id", std::to_string(m_publication->sessionId()));
    // autoStop: the recording ends with the publication, so a snapshot recording is never left open.
    archive.startRecording(recordedChannel, streamId, archive::SourceLocation::LOCAL, true);
    const std::int64_t deadlineNs = snapshotNanoTime() + m_timeoutNs;
    while (true)
    {
        m_recordingCounterId =
            archive::RecordingPos::findCounterIdBySession(aeron.countersReader(), m_publication->sessionId());
        if (m_recordingCounterId >= 0)
        {
            break;
        }
        idleOrTimeout("the archive to start recording the snapshot", deadlineNs);
    }
    m_recordingId = archive::RecordingPos::getRecordingId(aeron.countersReader(), m_recordingCounterId);
}

SnapshotPublication::~SnapshotPublication()
{
    if (m_publication)
    {
        m_publication->close();
    }
}

void SnapshotPublication::idleOrTimeout(const char* waitingFor, std::int64_t deadlineNs)
{
    if (snapshotNanoTime() > deadlineNs)
    {
        throw util::IllegalStateException(std::string("snapshot: timed out waiting for ") + waitingFor);
    }
    m_idle();
}

void SnapshotPublication::offer(const std::uint8_t* data, std::int32_t length)
{
    const std::int64_t deadlineNs = snapshotNanoTime() + m_timeoutNs;
    while (true)
    {
        const std::int64_t result = m_publication->offer(data, length);
        if (result > 0)
        {
            return;
        }
        if (result == transport::PublicationResult::CLOSED ||
            result == transport::PublicationResult::MAX_POSITION_EXCEEDED)
        {
            throw util::IllegalStateException(std::string("snapshot publication: ") +
                                              transport::PublicationResult::name(result));
        }
        idleOrTimeout("room in the snapshot publication", deadlineNs);
    }
}

void SnapshotPublication::marker(std::int64_t typeId, std::int64_t logPosition, std::int64_t leadershipTermId,
                                 bool isBegin, ClusterTimeUnit timeUnit, std::int32_t appVersion)
{
    std::uint8_t buffer[64];
    cc::MessageHeaderEncoder header;
    cc::SnapshotMarkerEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, sizeof(buffer), header)
        .typeId(typeId)
        .logPosition(logPosition)
        .leadershipTermId(leadershipTermId)
        .index(0)
        .mark(isBegin ? cc::SnapshotMark::BEGIN : cc::SnapshotMark::END)
        .timeUnit(static_cast<cc::ClusterTimeUnit>(timeUnitCode(timeUnit)))
        .appVersion(appVersion);
    offer(buffer, static_cast<std::int32_t>(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength()));
}

std::int64_t SnapshotPublication::complete()
{
    const std::int64_t position = m_publication->position();
    const std::int64_t deadlineNs = snapshotNanoTime() + m_timeoutNs;
    const util::CountersReader& counters = m_aeron.countersReader();
    while (counters.getCounterValue(m_recordingCounterId) < position)
    {
        if (!archive::RecordingPos::isActive(counters, m_recordingCounterId, m_recordingId))
        {
            throw util::IllegalStateException("snapshot recording " + std::to_string(m_recordingId) +
                                              " stopped before it reached " + std::to_string(position));
        }
        idleOrTimeout("the archive to record the snapshot", deadlineNs);
    }
    m_publication->close();
    m_publication.reset();
    return position;
}

SnapshotReplay::SnapshotReplay(transport::Aeron& aeron, archive::AeronArchive& archive, std::int64_t recordingId,
                               const std::string& replayChannel, std::int32_t replayStreamId, SnapshotIdle idle,
                               std::int64_t timeoutNs)
    : m_idle(std::move(idle)), m_timeoutNs(timeoutNs)
{
    m_stopPosition = archive.getStopPosition(recordingId);
    if (m_stopPosition < 0)
    {
        throw util::IllegalStateException("snapshot recording " + std::to_string(recordingId) +
                                          " is not complete (no stop position)");
    }
    const std::int64_t replaySessionId =
        archive.startReplay(recordingId, 0, m_stopPosition, replayChannel, replayStreamId);
    const auto sessionId = static_cast<std::int32_t>(replaySessionId);
    m_subscription = aeron.addSubscription(
        transport::withParam(replayChannel, "session-id", std::to_string(sessionId)), replayStreamId);
    const std::int64_t deadlineNs = snapshotNanoTime() + m_timeoutNs;
    while (!(m_image = m_subscription->imageBySessionId(sessionId)))
    {
        if (snapshotNanoTime() > deadlineNs)
        {
            throw util::IllegalStateException("snapshot: no replay of recording " + std::to_string(recordingId) +
                                              " arrived");
        }
        m_idle();
    }
}

SnapshotReplay::~SnapshotReplay()
{
    if (m_subscription)
    {
        m_subscription->close();
    }
}

void SnapshotReplay::readUntil(const std::function<bool(const std::uint8_t*, std::int32_t)>& handler)
{
    std::vector<std::uint8_t> assembly;
    bool done = false;
    auto onFragment = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                          const transport::Header& header)
    {
        if (done)
        {
            return transport::ControlledPollAction::ABORT;
        }
        const std::uint8_t flags = header.flags();
        const std::uint8_t* data = buffer.buffer() + offset;
        if ((flags & transport::FrameDescriptor::UNFRAGMENTED) == transport::FrameDescriptor::UNFRAGMENTED)
        {
            done = handler(data, length);
        }
        else
        {
            if ((flags & transport::FrameDescriptor::BEGIN_FRAG_FLAG) != 0)
            {
                assembly.clear();
            }
            assembly.insert(assembly.end(), data, data + length);
            if ((flags & transport::FrameDescriptor::END_FRAG_FLAG) != 0)
            {
                done = handler(assembly.data(), static_cast<std::int32_t>(assembly.size()));
                assembly.clear();
            }
        }
        return done ? transport::ControlledPollAction::BREAK : transport::ControlledPollAction::CONTINUE;
    };
    std::int64_t deadlineNs = snapshotNanoTime() + m_timeoutNs;
    while (!done)
    {
        const int fragments = m_image->controlledPoll(onFragment, 64);
        if (fragments > 0)
        {
            deadlineNs = snapshotNanoTime() + m_timeoutNs;
            continue;
        }
        if (m_image->isClosed() || m_image->position() >= m_stopPosition)
        {
            throw util::IllegalStateException("snapshot ended at " + std::to_string(m_image->position()) +
                                              " before its end marker");
        }
        if (snapshotNanoTime() > deadlineNs)
        {
            throw util::IllegalStateException("snapshot: replay stalled at " + std::to_string(m_image->position()));
        }
        m_idle();
    }
}

void SnapshotReplay::readToEnd()
{
    std::int64_t deadlineNs = snapshotNanoTime() + m_timeoutNs;
    while (m_image->position() < m_stopPosition)
    {
        const int fragments = m_image->poll(
            [](const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&) {}, 1024);
        if (fragments > 0)
        {
            deadlineNs = snapshotNanoTime() + m_timeoutNs;
            continue;
        }
        if (m_image->isClosed())
        {
            throw util::IllegalStateException("snapshot replay ended at " + std::to_string(m_image->position()) +
                                              " of " + std::to_string(m_stopPosition));
        }
        if (snapshotNanoTime() > deadlineNs)
        {
            throw util::IllegalStateException("snapshot: replay stalled at " + std::to_string(m_image->position()) +
                                              " of " + std::to_string(m_stopPosition));
        }
        m_idle();
    }
}
} // namespace cox::cluster

// Snapshots, log retention and the orderly lifecycle of the consensus module (Aeron's ConsensusModuleAgent
// snapshot and termination paths, ConsensusModuleSnapshotTaker and ConsensusModuleSnapshotLoader).
//
// A snapshot is an entry in the log: the leader appends a SNAPSHOT action at position P, and every member,
// reading it, stops applying the log at P, lets each service snapshot there (the container does it inside its log
// callback and acks with the recording id), then records its own state at P and adds the set to the recording
// log. Stopping at P matters: a service's timers and messages sent while it applied the log up to P reach the
// module before its ack, so the module's state at the ack is exactly its state at P.
#include <algorithm>
#include <iostream>
#include <thread>

#include "SnapshotIo.hpp"
#include "consensus/ConsensusModuleAgent.hpp"
#include "consensus/SnapshotRetrieval.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/cluster/ClusterControl.hpp"
#include "cox/codecs/cluster/ClusterAction.hpp"
#include "cox/codecs/cluster/ClusterSchema.hpp"
#include "cox/codecs/cluster/ClusterSession.hpp"
#include "cox/codecs/cluster/ConsensusModule.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/PendingMessageTracker.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/codecs/cluster/SnapshotMarker.hpp"
#include "cox/codecs/cluster/Timer.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

namespace
{
constexpr std::int64_t SNAPSHOT_TIMEOUT_NS = 60'000'000'000;

/// Service session ids start at INT64_MIN (service 0), so "the last one the log holds" before any is one below:
/// computed with two's-complement wrap-around, as Aeron's Java arithmetic does, and undone the same way on load.
std::int64_t previousId(std::int64_t id) noexcept
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(id) - 1U);
}

std::int64_t nextId(std::int64_t id) noexcept
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(id) + 1U);
}

template <typename Encoder> std::int32_t encodedLength(const Encoder& encoder)
{
    return static_cast<std::int32_t>(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

template <typename Decoder>
void wrapOrThrow(Decoder& decoder, const std::uint8_t* data, std::size_t length, const cc::MessageHeaderDecoder& header,
                 std::int64_t recordingId)
{
    if (decoder.wrapForDecode(data, cc::MessageHeaderDecoder::ENCODED_LENGTH, header.blockLength(), header.version(),
                              length) != codecs::sbe::DecodeError::NONE)
    {
        throw util::IllegalStateException("consensus module snapshot " + std::to_string(recordingId) +
                                          " holds a malformed message (template " +
                                          std::to_string(header.templateId()) + ")");
    }
}
} // namespace

void ConsensusModuleAgent::invokeWhileWaiting()
{
    int work = m_aeron->conductorAgentInvoker().invoke();
    if (m_context.archiveInvoker)
    {
        work += m_context.archiveInvoker();
    }
    if (work == 0)
    {
        std::this_thread::yield();
    }
}

void ConsensusModuleAgent::resetToggle(std::int64_t expected)
{
    m_controlToggleCounter->compareAndSet(expected, static_cast<std::int64_t>(ToggleState::NEUTRAL));
}

int ConsensusModuleAgent::checkControlToggle(std::int64_t nowNs)
{
    const std::int64_t code = m_controlToggleCounter->get();
    const auto toggle = toggleStateFromCode(code);
    if (!toggle || *toggle == ToggleState::NEUTRAL || *toggle == ToggleState::INACTIVE)
    {
        return 0;
    }
    if (m_pendingSnapshot || m_termination != Termination::NONE)
    {
        return 0; // busy: the toggle waits
    }
    const std::int64_t timestamp = clusterTime(nowNs);
    const auto append = [&](cc::ClusterAction action)
    { return m_logPublisher.appendClusterAction(m_leadershipTermId, timestamp, static_cast<std::int32_t>(action), 0); };
    switch (*toggle)
    {
    case ToggleState::SNAPSHOT:
    case ToggleState::SHUTDOWN:
    {
        if (m_state != ConsensusModuleState::ACTIVE)
        {
            return 0;
        }
        const std::int64_t position = append(cc::ClusterAction::SNAPSHOT);
        if (position <= 0)
        {
            return 0; // back pressure: the next slow tick tries again
        }
        std::cout << "consensus-module: member " << m_thisMember->id << " appended SNAPSHOT at log position "
                  << position << (*toggle == ToggleState::SHUTDOWN ? " for a shutdown" : "") << std::endl;
        if (*toggle == ToggleState::SHUTDOWN)
        {
            m_termination = Termination::SHUTDOWN;
            m_terminationPosition = position;
            m_terminationLeadershipTermId = m_leadershipTermId;
            for (auto& [memberId, publication] : m_consensusPublications)
            {
                static_cast<void>(memberId);
                m_consensusPublisher.terminationPosition(*publication, m_leadershipTermId, position);
            }
        }
        enterSnapshot(position, m_leadershipTermId, timestamp);
        return 1;
    }
    case ToggleState::ABORT:
    {
        m_termination = Termination::ABORT;
        m_terminationPosition = m_logPublisher.position();
        m_terminationLeadershipTermId = m_leadershipTermId;
        std::cout << "consensus-module: member " << m_thisMember->id << " aborts at log position "
                  << m_terminationPosition << std::endl;
        for (auto& [memberId, publication] : m_consensusPublications)
        {
            static_cast<void>(memberId);
            m_consensusPublisher.terminationPosition(*publication, m_leadershipTermId, m_terminationPosition);
        }
        beginTermination(nowNs);
        return 1;
    }
    case ToggleState::SUSPEND:
        if (m_state == ConsensusModuleState::ACTIVE && append(cc::ClusterAction::SUSPEND) > 0)
        {
            state(ConsensusModuleState::SUSPENDED); // the toggle stays SUSPEND until a RESUME
            std::cout << "consensus-module: member " << m_thisMember->id << " suspended" << std::endl;
            return 1;
        }
        return 0;
    case ToggleState::RESUME:
        if (m_state == ConsensusModuleState::SUSPENDED)
        {
            if (append(cc::ClusterAction::RESUME) <= 0)
            {
                return 0;
            }
            state(ConsensusModuleState::ACTIVE);
            std::cout << "consensus-module: member " << m_thisMember->id << " resumed" << std::endl;
        }
        resetToggle(code);
        return 1;
    default:
        resetToggle(code); // STANDBY_SNAPSHOT: there are no standby nodes to take it
        return 1;
    }
}

void ConsensusModuleAgent::onLogClusterAction(std::int64_t position, std::int64_t leadershipTermId,
                                              std::int64_t timestamp, std::int32_t action, std::int32_t flags)
{
    switch (static_cast<cc::ClusterAction>(action))
    {
    case cc::ClusterAction::SNAPSHOT:
        if (flags == 0)
        {
            enterSnapshot(position, leadershipTermId, timestamp);
        }
        break;
    case cc::ClusterAction::SUSPEND:
        state(ConsensusModuleState::SUSPENDED);
        break;
    case cc::ClusterAction::RESUME:
        state(ConsensusModuleState::ACTIVE);
        break;
    default:
        onInvalidLogEntry("unknown cluster action");
        break;
    }
}

void ConsensusModuleAgent::enterSnapshot(std::int64_t logPosition, std::int64_t leadershipTermId,
                                         std::int64_t timestamp)
{
    PendingSnapshot pending;
    pending.logPosition = logPosition;
    pending.leadershipTermId = leadershipTermId;
    pending.timestamp = timestamp;
    pending.startNs = m_context.nanoClock->nanoTime();
    pending.previousState = m_state == ConsensusModuleState::SNAPSHOT ? ConsensusModuleState::ACTIVE : m_state;
    for (const auto& ack : m_serviceAcks)
    {
        pending.ackIdBase.push_back(ack.nextAckId);
    }
    m_pendingSnapshot = std::move(pending);
    state(ConsensusModuleState::SNAPSHOT);
}

int ConsensusModuleAgent::snapshotWork(std::int64_t nowNs)
{
    const PendingSnapshot& pending = *m_pendingSnapshot;
    for (std::size_t i = 0; i < m_serviceAcks.size(); ++i)
    {
        const auto& ack = m_serviceAcks[i];
        if (ack.nextAckId <= pending.ackIdBase[i] || ack.lastAckPosition != pending.logPosition)
        {
            return 0;
        }
    }
    bool servicesSucceeded = true;
    for (const auto& ack : m_serviceAcks)
    {
        servicesSucceeded = servicesSucceeded && ack.lastRelevantId >= 0;
    }
    if (!servicesSucceeded)
    {
        m_errorCounter->setOrdered(m_errorCounter->get() + 1);
        std::cerr << "consensus-module: failed to take snapshot at log position " << pending.logPosition
                  << ": a service could not take its own (see its error log); no snapshot entry written" << std::endl;
    }
    else
    {
        try
        {
            const std::int64_t recordingId = recordConsensusModuleSnapshot();
            const RecordingLog::Entry* term = m_recordingLog->findTermEntry(pending.leadershipTermId);
            const std::int64_t termBase = term != nullptr ? term->termBaseLogPosition : m_termBaseLogPosition;
            for (std::int32_t serviceId = m_config.serviceCount - 1; serviceId >= 0; --serviceId)
            {
                m_recordingLog->appendSnapshot(m_serviceAcks[static_cast<std::size_t>(serviceId)].lastRelevantId,
                                               pending.leadershipTermId, termBase, pending.logPosition,
                                               pending.timestamp, serviceId);
            }
            m_recordingLog->appendSnapshot(recordingId, pending.leadershipTermId, termBase, pending.logPosition,
                                           pending.timestamp, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
            m_recordingLog->force(static_cast<archive::FileSyncLevel>(m_config.fileSyncLevel));
            const std::int64_t durationNs = m_context.nanoClock->nanoTime() - pending.startNs;
            m_snapshotCounter->setOrdered(m_snapshotCounter->get() + 1);
            if (durationNs > m_maxSnapshotDurationCounter->get())
            {
                m_maxSnapshotDurationCounter->setOrdered(durationNs);
            }
            std::cout << "consensus-module: member " << m_thisMember->id << " took snapshot "
                      << m_snapshotCounter->get() << " at log position " << pending.logPosition << " (term "
                      << pending.leadershipTermId << ", recording " << recordingId << ") in "
                      << durationNs / 1'000'000 << " ms" << std::endl;
            purgeBeyondRetention();
        }
        catch (const std::exception& e)
        {
            m_errorCounter->setOrdered(m_errorCounter->get() + 1);
            std::cerr << "consensus-module: failed to take snapshot at log position " << pending.logPosition << ": "
                      << e.what() << std::endl;
        }
    }
    // Sessions were idle for as long as the snapshot took through no fault of their clients.
    for (auto& [id, session] : m_sessions)
    {
        static_cast<void>(id);
        session->timeOfLastActivityNs = nowNs;
    }
    const ConsensusModuleState previous = pending.previousState;
    const std::int64_t position = pending.logPosition;
    m_pendingSnapshot.reset();
    state(previous);
    if (m_role == Role::LEADER)
    {
        resetToggle(static_cast<std::int64_t>(ToggleState::SNAPSHOT));
    }
    if (m_termination == Termination::SHUTDOWN && position == m_terminationPosition)
    {
        beginTermination(nowNs);
    }
    return 1;
}

std::int64_t ConsensusModuleAgent::recordConsensusModuleSnapshot()
{
    const PendingSnapshot& pending = *m_pendingSnapshot;
    SnapshotPublication snapshot(*m_aeron, *m_archive, m_config.snapshotChannel,
                                 m_config.consensusModuleSnapshotStreamId, [this] { invokeWhileWaiting(); },
                                 SNAPSHOT_TIMEOUT_NS);
    snapshot.marker(CONSENSUS_MODULE_SNAPSHOT_TYPE_ID, pending.logPosition, pending.leadershipTermId, true, m_timeUnit,
                    m_config.appVersion);
    std::vector<std::uint8_t> buffer(4096);
    cc::MessageHeaderEncoder header;
    {
        const PendingServiceMessageTracker& first = m_pendingServiceMessages.front();
        cc::ConsensusModuleEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .nextSessionId(m_nextSessionId)
            .nextServiceSessionId(first.nextServiceSessionId())
            .logServiceSessionId(previousId(first.nextLogServiceSessionId()))
            .pendingMessageCapacity(0);
        snapshot.offer(buffer.data(), encodedLength(encoder));
    }
    for (const auto& [id, session] : m_sessions)
    {
        if (session->state != ClusterSession::State::OPEN && session->state != ClusterSession::State::CLOSING)
        {
            continue;
        }
        buffer.resize(std::max<std::size_t>(buffer.size(), 128 + session->responseChannel.size()));
        cc::ClusterSessionEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .clusterSessionId(id)
            .correlationId(session->correlationId)
            .openedLogPosition(session->openedLogPosition)
            .timeOfLastActivity(0)
            // As Aeron: a close reason only for a session the leader is closing (NULL_VALUE while it is open), so
            // that it is restored CLOSING and its close still reaches the log.
            .closeReason(session->state == ClusterSession::State::CLOSING
                             ? static_cast<cc::CloseReason>(session->closeReason)
                             : cc::CloseReason::NULL_VALUE)
            .responseStreamId(session->responseStreamId)
            .putResponseChannel(session->responseChannel);
        snapshot.offer(buffer.data(), encodedLength(encoder));
    }
    m_timerService.snapshot(
        [&](std::int64_t correlationId, std::int64_t deadline)
        {
            cc::TimerEncoder encoder;
            encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
                .correlationId(correlationId)
                .deadline(deadline);
            snapshot.offer(buffer.data(), encodedLength(encoder));
        });
    for (const auto& tracker : m_pendingServiceMessages)
    {
        cc::PendingMessageTrackerEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .nextServiceSessionId(tracker.nextServiceSessionId())
            .logServiceSessionId(previousId(tracker.nextLogServiceSessionId()))
            .pendingMessageCapacity(0)
            .serviceId(tracker.serviceId());
        snapshot.offer(buffer.data(), encodedLength(encoder));
        tracker.forEachMessage(
            [&](std::int64_t serviceSessionId, const std::vector<std::uint8_t>& payload)
            {
                const std::size_t length = LogPublisher::SESSION_HEADER_LENGTH + payload.size();
                buffer.resize(std::max(buffer.size(), length));
                cc::SessionMessageHeaderEncoder messageHeader;
                messageHeader.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
                    .leadershipTermId(pending.leadershipTermId)
                    .clusterSessionId(serviceSessionId)
                    .timestamp(pending.timestamp);
                std::copy(payload.begin(), payload.end(), buffer.begin() + LogPublisher::SESSION_HEADER_LENGTH);
                snapshot.offer(buffer.data(), static_cast<std::int32_t>(length));
            });
    }
    snapshot.marker(CONSENSUS_MODULE_SNAPSHOT_TYPE_ID, pending.logPosition, pending.leadershipTermId, false,
                    m_timeUnit, m_config.appVersion);
    snapshot.complete();
    return snapshot.recordingId();
}

void ConsensusModuleAgent::loadConsensusModuleSnapshot(std::int64_t recordingId)
{
    SnapshotReplay replay(*m_aeron, *m_archive, recordingId, m_config.replayChannel, m_config.replayStreamId,
                          [this] { invokeWhileWaiting(); }, SNAPSHOT_TIMEOUT_NS);
    bool begun = false;
    PendingServiceMessageTracker* tracker = nullptr;
    std::int64_t sessions = 0;
    std::int64_t timers = 0;
    std::int64_t messages = 0;
    m_timerService.clear();
    replay.readUntil(
        [&](const std::uint8_t* data, std::int32_t length)
        {
            const auto size = static_cast<std::size_t>(length);
            cc::MessageHeaderDecoder header;
            if (cc::checkHeader(data, 0, size, header) != codecs::sbe::DecodeError::NONE)
            {
                throw util::IllegalStateException("consensus module snapshot " + std::to_string(recordingId) +
                                                  " holds an undecodable message");
            }
            switch (header.templateId())
            {
            case cc::SnapshotMarkerDecoder::TEMPLATE_ID:
            {
                cc::SnapshotMarkerDecoder marker;
                wrapOrThrow(marker, data, size, header, recordingId);
                if (marker.typeId() != CONSENSUS_MODULE_SNAPSHOT_TYPE_ID)
                {
                    throw util::IllegalStateException("recording " + std::to_string(recordingId) +
                                                      " is not a consensus module snapshot");
                }
                if (marker.mark() == cc::SnapshotMark::BEGIN)
                {
                    if (timeUnitFromCode(static_cast<std::int32_t>(marker.timeUnit())) != m_timeUnit)
                    {
                        throw util::IllegalStateException("consensus module snapshot " +
                                                          std::to_string(recordingId) +
                                                          " was taken with another cluster time unit");
                    }
                    begun = true;
                    return false;
                }
                if (!begun)
                {
                    throw util::IllegalStateException("consensus module snapshot ends before it begins");
                }
                return true;
            }
            case cc::ConsensusModuleDecoder::TEMPLATE_ID:
            {
                cc::ConsensusModuleDecoder decoder;
                wrapOrThrow(decoder, data, size, header, recordingId);
                m_nextSessionId = decoder.nextSessionId();
                return false;
            }
            case cc::ClusterSessionDecoder::TEMPLATE_ID:
            {
                cc::ClusterSessionDecoder decoder;
                wrapOrThrow(decoder, data, size, header, recordingId);
                auto session = std::make_unique<ClusterSession>();
                session->id = decoder.clusterSessionId();
                session->correlationId = decoder.correlationId();
                session->openedLogPosition = decoder.openedLogPosition();
                const std::int32_t closeReason = decoder.closeReasonRaw();
                const bool closing = closeReason >= static_cast<std::int32_t>(CloseReason::CLIENT_ACTION) &&
                    closeReason <= static_cast<std::int32_t>(CloseReason::TIMEOUT);
                session->closeReason = closing ? static_cast<CloseReason>(closeReason) : CloseReason::CLIENT_ACTION;
                session->responseStreamId = decoder.responseStreamId();
                session->responseChannel = std::string(decoder.responseChannel());
                session->timeOfLastActivityNs = m_nowNs;
                session->state = closing ? ClusterSession::State::CLOSING : ClusterSession::State::OPEN;
                m_sessions[session->id] = std::move(session);
                ++sessions;
                return false;
            }
            case cc::TimerDecoder::TEMPLATE_ID:
            {
                cc::TimerDecoder decoder;
                wrapOrThrow(decoder, data, size, header, recordingId);
                m_timerService.restoreTimer(decoder.correlationId(), decoder.deadline());
                ++timers;
                return false;
            }
            case cc::PendingMessageTrackerDecoder::TEMPLATE_ID:
            {
                cc::PendingMessageTrackerDecoder decoder;
                wrapOrThrow(decoder, data, size, header, recordingId);
                const std::int32_t serviceId = decoder.serviceId();
                if (serviceId < 0 || serviceId >= m_config.serviceCount)
                {
                    throw util::IllegalStateException("consensus module snapshot " + std::to_string(recordingId) +
                                                      " has pending messages of service " +
                                                      std::to_string(serviceId) + ", but this node has " +
                                                      std::to_string(m_config.serviceCount) + " services");
                }
                tracker = &m_pendingServiceMessages[static_cast<std::size_t>(serviceId)];
                tracker->restoreState(decoder.nextServiceSessionId(), nextId(decoder.logServiceSessionId()));
                return false;
            }
            case cc::SessionMessageHeaderDecoder::TEMPLATE_ID:
            {
                if (tracker == nullptr || size < static_cast<std::size_t>(LogPublisher::SESSION_HEADER_LENGTH))
                {
                    throw util::IllegalStateException("consensus module snapshot " + std::to_string(recordingId) +
                                                      " has a pending message outside a tracker");
                }
                cc::SessionMessageHeaderDecoder decoder;
                wrapOrThrow(decoder, data, size, header, recordingId);
                tracker->restoreMessage(decoder.clusterSessionId(), data + LogPublisher::SESSION_HEADER_LENGTH,
                                        length - LogPublisher::SESSION_HEADER_LENGTH);
                ++messages;
                return false;
            }
            default:
                throw util::IllegalStateException("consensus module snapshot " + std::to_string(recordingId) +
                                                  " holds unexpected template " +
                                                  std::to_string(header.templateId()));
            }
        });
    std::cout << "consensus-module: member " << m_thisMember->id << " loaded snapshot recording " << recordingId
              << ": " << sessions << " sessions, " << timers << " timers, " << messages
              << " pending service messages, next session id " << m_nextSessionId << std::endl;
}

std::string ConsensusModuleAgent::checkSnapshot(const RecoveryPlan::Snapshot& snapshot)
{
    const std::int64_t expectedType = snapshot.serviceId == RecordingLog::CONSENSUS_MODULE_SERVICE_ID
        ? CONSENSUS_MODULE_SNAPSHOT_TYPE_ID
        : SERVICE_SNAPSHOT_TYPE_ID;
    try
    {
        SnapshotReplay replay(*m_aeron, *m_archive, snapshot.recordingId, m_config.replayChannel,
                              m_config.replayStreamId, [this] { invokeWhileWaiting(); }, SNAPSHOT_TIMEOUT_NS);
        std::string problem;
        replay.readUntil(
            [&](const std::uint8_t* data, std::int32_t length)
            {
                const auto size = static_cast<std::size_t>(length);
                cc::MessageHeaderDecoder header;
                cc::SnapshotMarkerDecoder marker;
                if (cc::checkHeader(data, 0, size, header) != codecs::sbe::DecodeError::NONE ||
                    header.templateId() != cc::SnapshotMarkerDecoder::TEMPLATE_ID ||
                    marker.wrapForDecode(data, cc::MessageHeaderDecoder::ENCODED_LENGTH, header.blockLength(),
                                         header.version(), size) != codecs::sbe::DecodeError::NONE)
                {
                    problem = "it does not start with a snapshot marker";
                }
                else if (marker.typeId() != expectedType || marker.mark() != cc::SnapshotMark::BEGIN ||
                         marker.logPosition() != snapshot.logPosition)
                {
                    problem = "its begin marker (type " + std::to_string(marker.typeId()) + ", position " +
                        std::to_string(marker.logPosition()) + ") does not match the recording log";
                }
                else if ((marker.appVersion() >> 16) != (m_config.appVersion >> 16))
                {
                    problem = "it was written by app version " + std::to_string(marker.appVersion()) +
                        ", whose major version differs from this node's " + std::to_string(m_config.appVersion);
                }
                return true;
            });
        if (!problem.empty())
        {
            return problem;
        }
        replay.readToEnd();
        return {};
    }
    catch (const std::exception& e)
    {
        return e.what();
    }
}

void ConsensusModuleAgent::selectUsableSnapshots(RecordingExtentSource& extents)
{
    while (!m_recoveryPlan->snapshots.empty())
    {
        std::string problem;
        std::int64_t recordingId = -1;
        for (const auto& snapshot : m_recoveryPlan->snapshots)
        {
            problem = checkSnapshot(snapshot);
            if (!problem.empty())
            {
                recordingId = snapshot.recordingId;
                break;
            }
        }
        if (problem.empty())
        {
            break;
        }
        const std::int64_t position = m_recoveryPlan->snapshots.front().logPosition;
        m_errorCounter->setOrdered(m_errorCounter->get() + 1);
        std::cerr << "consensus-module: the snapshot at log position " << position << " cannot be loaded (recording "
                  << recordingId << ": " << problem << "); it is invalidated and the previous one used" << std::endl;
        m_recordingLog->invalidateLatestSnapshot();
        m_recordingLog->force(static_cast<archive::FileSyncLevel>(m_config.fileSyncLevel));
        m_recoveryPlan = createRecoveryPlan(*m_recordingLog, m_config.serviceCount, extents);
    }
    if (m_recoveryPlan->log)
    {
        const std::int64_t replayFrom =
            m_recoveryPlan->snapshots.empty() ? 0 : m_recoveryPlan->snapshots.front().logPosition;
        const std::int64_t logStart = m_archive->getStartPosition(m_recoveryPlan->log->recordingId);
        if (logStart > replayFrom)
        {
            throw util::IllegalStateException(
                "cannot recover: the log before " + std::to_string(logStart) +
                " was purged, but the usable snapshots need it from " + std::to_string(replayFrom) +
                " (restore the purged snapshot, or start this member on an empty directory to catch up from the "
                "leader)");
        }
    }
}

void ConsensusModuleAgent::purgeBeyondRetention()
{
    if (m_config.snapshotRetentionCount <= 0)
    {
        return;
    }
    std::vector<RecordingLog::Entry> moduleSnapshots;
    for (const auto& entry : m_recordingLog->snapshots())
    {
        if (entry.serviceId == RecordingLog::CONSENSUS_MODULE_SERVICE_ID &&
            entry.type == RecordingLog::ENTRY_TYPE_SNAPSHOT)
        {
            moduleSnapshots.push_back(entry);
        }
    }
    const auto retained = static_cast<std::size_t>(m_config.snapshotRetentionCount);
    if (moduleSnapshots.size() <= retained)
    {
        return;
    }
    const RecordingLog::Entry oldestKept = moduleSnapshots[moduleSnapshots.size() - retained];
    // Every snapshot entry (module and services) older than the oldest kept set goes, recording and all.
    std::vector<RecordingLog::Entry> toRemove;
    for (const auto& entry : m_recordingLog->entries())
    {
        if (entry.type == RecordingLog::ENTRY_TYPE_SNAPSHOT && entry.logPosition < oldestKept.logPosition)
        {
            toRemove.push_back(entry);
        }
    }
    for (const auto& entry : toRemove)
    {
        try
        {
            m_archive->purgeRecording(entry.recordingId);
        }
        catch (const std::exception& e)
        {
            std::cerr << "consensus-module: could not purge snapshot recording " << entry.recordingId << ": "
                      << e.what() << std::endl;
        }
        m_recordingLog->removeEntry(entry.leadershipTermId, entry.entryIndex);
    }
    // The log before the oldest kept snapshot is never replayed again: drop its whole segments.
    archive::RecordingDescriptor descriptor;
    if (m_logRecordingId >= 0 &&
        m_archive->listRecording(m_logRecordingId, [&](const archive::RecordingDescriptor& d) { descriptor = d; }) > 0)
    {
        const std::int64_t newStart = archive::SegmentFile::basePosition(
            descriptor.startPosition, oldestKept.logPosition, descriptor.termBufferLength,
            descriptor.segmentFileLength);
        const std::int64_t startBase = archive::SegmentFile::basePosition(
            descriptor.startPosition, descriptor.startPosition, descriptor.termBufferLength,
            descriptor.segmentFileLength);
        if (newStart >= startBase + descriptor.segmentFileLength)
        {
            try
            {
                const std::int64_t deleted = m_archive->purgeSegments(m_logRecordingId, newStart);
                std::cout << "consensus-module: member " << m_thisMember->id << " purged the log before "
                          << newStart << " (" << deleted << " segment files), keeping "
                          << m_config.snapshotRetentionCount << " snapshots" << std::endl;
            }
            catch (const std::exception& e)
            {
                std::cerr << "consensus-module: could not purge the log before " << newStart << ": " << e.what()
                          << std::endl;
            }
        }
    }
    m_recordingLog->force(static_cast<archive::FileSyncLevel>(m_config.fileSyncLevel));
}

void ConsensusModuleAgent::onSnapshotRecordingQuery(std::int64_t correlationId, std::int32_t requestMemberId)
{
    auto it = m_consensusPublications.find(requestMemberId);
    if (it == m_consensusPublications.end())
    {
        onInvalidIngress("SnapshotRecordingQuery from an unknown member");
        return;
    }
    // Only an active leader offers its snapshot: the log after it is what the election will then bring.
    const bool isLeader = m_role == Role::LEADER && m_election == nullptr && !m_snapshotRetrieval;
    std::vector<RecoveryPlan::Snapshot> snapshots;
    if (isLeader)
    {
        for (std::int32_t serviceId = m_config.serviceCount - 1; serviceId >= -1; --serviceId)
        {
            const RecordingLog::Entry* entry = m_recordingLog->getLatestSnapshot(serviceId);
            if (entry == nullptr)
            {
                snapshots.clear();
                break;
            }
            snapshots.push_back({entry->recordingId, entry->leadershipTermId, entry->termBaseLogPosition,
                                 entry->logPosition, entry->timestamp, entry->serviceId});
        }
    }
    const std::string status = "member=" + std::to_string(m_thisMember->id) + ";role=" +
        std::string(isLeader ? "LEADER" : "OTHER") + ";log=" + (m_recordingLog->entries().empty() ? "0" : "1");
    m_consensusPublisher.snapshotRecordings(*it->second, correlationId, snapshots, status);
}

void ConsensusModuleAgent::onSnapshotRecordings(std::int64_t correlationId,
                                                const std::vector<RecoveryPlan::Snapshot>& snapshots,
                                                std::string_view status)
{
    if (m_snapshotRetrieval)
    {
        m_snapshotRetrieval->onSnapshotRecordings(correlationId, snapshots, status);
    }
}

void ConsensusModuleAgent::onTerminationPosition(std::int64_t leadershipTermId, std::int64_t logPosition)
{
    if (m_role != Role::FOLLOWER || leadershipTermId != m_leadershipTermId || m_termination != Termination::NONE)
    {
        return;
    }
    std::cout << "consensus-module: member " << m_thisMember->id << " will terminate at log position " << logPosition
              << std::endl;
    // Whether a snapshot comes first is in the log: a SNAPSHOT entry at this position.
    m_termination = Termination::SHUTDOWN;
    m_terminationPosition = logPosition;
    m_terminationLeadershipTermId = leadershipTermId;
}

void ConsensusModuleAgent::onTerminationAck(std::int64_t leadershipTermId, std::int64_t logPosition,
                                            std::int32_t memberId)
{
    if (m_role != Role::LEADER || leadershipTermId != m_terminationLeadershipTermId ||
        logPosition != m_terminationPosition)
    {
        return;
    }
    if (std::find(m_terminationAckedMembers.begin(), m_terminationAckedMembers.end(), memberId) ==
        m_terminationAckedMembers.end())
    {
        m_terminationAckedMembers.push_back(memberId);
    }
}

void ConsensusModuleAgent::beginTermination(std::int64_t nowNs)
{
    m_terminationAckIdBase.clear();
    for (const auto& ack : m_serviceAcks)
    {
        m_terminationAckIdBase.push_back(ack.nextAckId);
    }
    m_serviceTerminationSent = false;
    m_terminationDeadlineNs = nowNs + m_config.terminationTimeoutNs;
    state(ConsensusModuleState::TERMINATING);
}

int ConsensusModuleAgent::terminationWork(std::int64_t nowNs)
{
    if (m_state != ConsensusModuleState::TERMINATING)
    {
        // A follower told of a termination starts it once it has applied the log up to there (and taken the
        // snapshot at that position, if the log holds one).
        if (m_role == Role::FOLLOWER && !m_pendingSnapshot && m_terminationPosition >= 0 &&
            m_logAdapterPosition >= m_terminationPosition)
        {
            beginTermination(nowNs);
            return 1;
        }
        return 0;
    }
    if (!m_serviceTerminationSent)
    {
        m_serviceTerminationSent = m_serviceProxy->terminationPosition(m_terminationPosition);
        return m_serviceTerminationSent ? 1 : 0;
    }
    bool servicesDone = true;
    for (std::size_t i = 0; i < m_serviceAcks.size(); ++i)
    {
        servicesDone = servicesDone && m_serviceAcks[i].nextAckId > m_terminationAckIdBase[i] &&
            m_serviceAcks[i].lastAckPosition >= m_terminationPosition;
    }
    const bool timedOut = nowNs >= m_terminationDeadlineNs;
    if (!servicesDone && !timedOut)
    {
        return 0;
    }
    if (m_role == Role::FOLLOWER)
    {
        if (m_leaderMember != nullptr)
        {
            auto it = m_consensusPublications.find(m_leaderMember->id);
            if (it != m_consensusPublications.end())
            {
                m_consensusPublisher.terminationAck(*it->second, m_terminationLeadershipTermId,
                                                    m_terminationPosition, m_thisMember->id);
            }
        }
        terminate(servicesDone ? "terminated at the leader's termination position"
                               : "termination timed out waiting for the services");
        return 1;
    }
    const std::size_t followers = m_members.size() - 1;
    if (m_terminationAckedMembers.size() < followers && !timedOut)
    {
        return 0;
    }
    terminate(m_terminationAckedMembers.size() >= followers ? "every member acknowledged the termination"
                                                             : "termination timed out waiting for followers");
    return 1;
}

void ConsensusModuleAgent::failStop(const std::string& reason)
{
    std::cerr << "consensus-module: member " << m_thisMember->id << " STOPS to stay consistent: " << reason
              << "; restart it (it recovers from its snapshot and log)" << std::endl;
    m_errorCounter->setOrdered(m_errorCounter->get() + 1);
    try
    {
        if (m_logRecordingSubscriptionId >= 0)
        {
            m_archive->tryStopRecording(m_logRecordingSubscriptionId);
            m_logRecordingSubscriptionId = -1;
        }
    }
    catch (const std::exception& e)
    {
        std::cerr << "consensus-module: while stopping: " << e.what() << std::endl;
    }
    closeLog();
    state(ConsensusModuleState::CLOSED);
    m_failStopReason = reason;
    m_isTerminated.store(true, std::memory_order_release);
}

void ConsensusModuleAgent::terminate(const char* reason)
{
    std::cout << "consensus-module: member " << m_thisMember->id << " terminates at log position "
              << m_terminationPosition << ": " << reason << std::endl;
    try
    {
        if (m_logRecordingSubscriptionId >= 0)
        {
            m_archive->tryStopRecording(m_logRecordingSubscriptionId);
            m_logRecordingSubscriptionId = -1;
        }
        if (m_leadershipTermId >= 0 && m_recordingLog->findTermEntry(m_leadershipTermId) != nullptr)
        {
            m_recordingLog->commitLogPosition(m_leadershipTermId, m_terminationPosition);
        }
        m_recordingLog->force(static_cast<archive::FileSyncLevel>(m_config.fileSyncLevel));
    }
    catch (const std::exception& e)
    {
        std::cerr << "consensus-module: while terminating: " << e.what() << std::endl;
    }
    closeLog();
    resetToggle(m_controlToggleCounter->get());
    state(ConsensusModuleState::CLOSED);
    m_isTerminated = true;
}
} // namespace cox::cluster

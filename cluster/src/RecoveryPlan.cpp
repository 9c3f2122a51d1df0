#include "cox/cluster/RecoveryPlan.hpp"

#include <algorithm>
#include <sstream>

#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
using Entry = RecordingLog::Entry;

bool isValidSnapshot(const Entry& entry) noexcept
{
    return entry.isValid && entry.type == RecordingLog::ENTRY_TYPE_SNAPSHOT;
}

RecoveryPlan::Snapshot toSnapshot(const Entry& entry)
{
    return {entry.recordingId, entry.leadershipTermId, entry.termBaseLogPosition,
            entry.logPosition, entry.timestamp,        entry.serviceId};
}

// The valid snapshot of serviceId taken with the consensus module snapshot cm (same term and position).
const Entry* findServiceSnapshot(const std::vector<Entry>& entries, const Entry& cm, std::int32_t serviceId)
{
    for (const Entry& entry : entries)
    {
        if (isValidSnapshot(entry) && entry.serviceId == serviceId && entry.leadershipTermId == cm.leadershipTermId &&
            entry.logPosition == cm.logPosition)
        {
            return &entry;
        }
    }
    return nullptr;
}

// Port of Aeron's snapshot scan in planRecovery(), matching by position rather than by the index of each
// service entry relative to the consensus module's, so a stray invalid entry between them does no harm.
std::vector<RecoveryPlan::Snapshot> latestCompleteSnapshotSet(const std::vector<Entry>& entries,
                                                              std::int32_t serviceCount)
{
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    {
        if (!isValidSnapshot(*it) || it->serviceId != RecordingLog::CONSENSUS_MODULE_SERVICE_ID)
        {
            continue;
        }
        std::vector<RecoveryPlan::Snapshot> set{toSnapshot(*it)};
        for (std::int32_t serviceId = 0; serviceId < serviceCount; ++serviceId)
        {
            const Entry* service = findServiceSnapshot(entries, *it, serviceId);
            if (service == nullptr)
            {
                break;
            }
            set.push_back(toSnapshot(*service));
        }
        if (set.size() == static_cast<std::size_t>(serviceCount) + 1)
        {
            return set;
        }
    }
    return {};
}

const Entry* latestTermWithRecording(const std::vector<Entry>& entries)
{
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    {
        if (it->isValid && it->type == RecordingLog::ENTRY_TYPE_TERM && it->recordingId != RecordingLog::NULL_VALUE)
        {
            return &*it;
        }
    }
    return nullptr;
}

RecoveryPlan::Log planLog(const Entry& term, const RecoveryPlan::Snapshot* snapshot, RecordingExtentSource& source)
{
    const auto descriptor = source.findRecording(term.recordingId);
    if (!descriptor)
    {
        throw util::IllegalStateException("recording " + std::to_string(term.recordingId) + " of leadershipTermId " +
                                          std::to_string(term.leadershipTermId) + " is unknown to the archive");
    }

    RecoveryPlan::Log log;
    log.recordingId = term.recordingId;
    log.leadershipTermId = term.leadershipTermId;
    log.termBaseLogPosition = term.termBaseLogPosition;
    log.logPosition = term.logPosition;
    log.startPosition = snapshot != nullptr ? snapshot->logPosition : descriptor->startPosition;
    log.stopPosition = descriptor->stopPosition;
    if (log.stopPosition == archive::NULL_POSITION)
    {
        log.stopPosition = source.recordedPosition(term.recordingId);
    }
    if (log.stopPosition == archive::NULL_POSITION)
    {
        // Nothing is known to be recorded beyond where the recording began.
        log.stopPosition = descriptor->startPosition;
    }
    log.initialTermId = descriptor->initialTermId;
    log.termBufferLength = descriptor->termBufferLength;
    log.mtuLength = descriptor->mtuLength;
    log.sessionId = descriptor->sessionId;
    return log;
}
} // namespace

RecoveryPlan createRecoveryPlan(const RecordingLog& recordingLog, std::int32_t serviceCount,
                                RecordingExtentSource& source)
{
    if (serviceCount < 0)
    {
        throw util::IllegalArgumentException("serviceCount must be >= 0: " + std::to_string(serviceCount));
    }

    RecoveryPlan plan;
    const auto& entries = recordingLog.entries();
    plan.snapshots = latestCompleteSnapshotSet(entries, serviceCount);
    const RecoveryPlan::Snapshot* snapshot = plan.snapshots.empty() ? nullptr : &plan.snapshots.front();

    if (snapshot != nullptr)
    {
        plan.lastLeadershipTermId = snapshot->leadershipTermId;
        plan.lastTermBaseLogPosition = snapshot->termBaseLogPosition;
        plan.appendedLogPosition = snapshot->logPosition;
        plan.committedLogPosition = snapshot->logPosition;
    }

    if (const Entry* term = latestTermWithRecording(entries); term != nullptr)
    {
        plan.log = planLog(*term, snapshot, source);
        if (term->leadershipTermId >= plan.lastLeadershipTermId)
        {
            plan.lastLeadershipTermId = term->leadershipTermId;
            plan.lastTermBaseLogPosition = term->termBaseLogPosition;
        }
        plan.appendedLogPosition = plan.log->stopPosition;
        if (term->logPosition != RecordingLog::NULL_POSITION)
        {
            // A snapshot is only taken at a committed position, so the commit is never below it.
            plan.committedLogPosition = std::max(plan.committedLogPosition, term->logPosition);
        }
    }
    return plan;
}

std::string RecoveryPlan::toString() const
{
    std::ostringstream out;
    out << "RecoveryPlan\n"
        << "  lastLeadershipTermId=" << lastLeadershipTermId << "\n"
        << "  lastTermBaseLogPosition=" << lastTermBaseLogPosition << "\n"
        << "  appendedLogPosition=" << appendedLogPosition << "\n"
        << "  committedLogPosition=" << committedLogPosition << "\n";
    if (snapshots.empty())
    {
        out << "  snapshots: none\n";
    }
    else
    {
        out << "  snapshots:\n";
        for (const Snapshot& snapshot : snapshots)
        {
            out << "    serviceId=" << snapshot.serviceId << " recordingId=" << snapshot.recordingId
                << " leadershipTermId=" << snapshot.leadershipTermId
                << " termBaseLogPosition=" << snapshot.termBaseLogPosition << " logPosition=" << snapshot.logPosition
                << " timestamp=" << snapshot.timestamp << "\n";
        }
    }
    if (!log)
    {
        out << "  log: none\n";
    }
    else
    {
        out << "  log: recordingId=" << log->recordingId << " leadershipTermId=" << log->leadershipTermId
            << " termBaseLogPosition=" << log->termBaseLogPosition << " logPosition=" << log->logPosition
            << " replay=[" << log->startPosition << ", " << log->stopPosition << ")"
            << " initialTermId=" << log->initialTermId << " termBufferLength=" << log->termBufferLength
            << " mtuLength=" << log->mtuLength << " sessionId=" << log->sessionId << "\n";
    }
    return out.str();
}
} // namespace cox::cluster

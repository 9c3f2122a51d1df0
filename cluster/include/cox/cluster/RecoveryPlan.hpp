#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cox/archive/RecordingDescriptor.hpp"
#include "cox/cluster/RecordingLog.hpp"

namespace cox::cluster
{
/// What the recovery plan needs from the local archive's catalog, so the plan can be built from the
/// archive client (AeronArchive::listRecording / getRecordingPosition), from an in-process Catalog, or
/// from a test's table, without this layer depending on any of them.
class RecordingExtentSource
{
public:
    virtual ~RecordingExtentSource() = default;

    /// The catalog's descriptor of recordingId, or nullopt if the archive does not know it.
    [[nodiscard]] virtual std::optional<archive::RecordingDescriptor> findRecording(std::int64_t recordingId) = 0;

    /// For a recording still being recorded (stopPosition NULL_POSITION): how far it has got, or
    /// NULL_POSITION if the archive cannot say. The consensus module normally stops the last term's
    /// recording before planning, so this is the fallback, not the rule.
    [[nodiscard]] virtual std::int64_t recordedPosition(std::int64_t recordingId) = 0;
};

/// How a node restarts (Aeron's RecordingLog.RecoveryPlan): which snapshots to load and which stretch of
/// the log to replay on top of them to get back to where it was. Values only.
struct RecoveryPlan
{
    /// A snapshot recording to load.
    struct Snapshot
    {
        std::int64_t recordingId = RecordingLog::NULL_VALUE;
        std::int64_t leadershipTermId = RecordingLog::NULL_VALUE;
        std::int64_t termBaseLogPosition = 0;
        std::int64_t logPosition = 0;
        std::int64_t timestamp = 0;
        std::int32_t serviceId = RecordingLog::CONSENSUS_MODULE_SERVICE_ID;

        [[nodiscard]] bool operator==(const Snapshot&) const = default;
    };

    /// The log recording of the last term and the part of it to replay: [startPosition, stopPosition).
    struct Log
    {
        std::int64_t recordingId = RecordingLog::NULL_VALUE;
        std::int64_t leadershipTermId = RecordingLog::NULL_VALUE;
        std::int64_t termBaseLogPosition = 0;
        /// The term entry's logPosition (NULL_POSITION while the term is open).
        std::int64_t logPosition = RecordingLog::NULL_POSITION;
        /// The snapshot's log position if there is a snapshot, else the recording's start.
        std::int64_t startPosition = 0;
        /// The recording's stop position, or its recorded position while it is still active.
        std::int64_t stopPosition = 0;
        std::int32_t initialTermId = 0;
        std::int32_t termBufferLength = 0;
        std::int32_t mtuLength = 0;
        std::int32_t sessionId = 0;

        [[nodiscard]] bool operator==(const Log&) const = default;
    };

    std::int64_t lastLeadershipTermId = RecordingLog::NULL_VALUE;
    std::int64_t lastTermBaseLogPosition = 0;
    /// How far this node's log is recorded: the log recording's stop (or recorded) position.
    std::int64_t appendedLogPosition = 0;
    /// The last term's committed logPosition if set, else the snapshot's position.
    std::int64_t committedLogPosition = 0;
    /// The consensus module's snapshot first, then services 0..n-1; empty if there is none.
    std::vector<Snapshot> snapshots;
    std::optional<Log> log;

    /// Multi-line, for `coxctl recovery-plan` and the start-up log.
    [[nodiscard]] std::string toString() const;
};

/// Builds the plan for a node with serviceCount services (Aeron's createRecoveryPlan): the latest valid,
/// complete snapshot set (consensus module plus every service at the same term and log position; sets
/// with an invalid or missing member are skipped in favour of an earlier one) and the latest valid TERM
/// entry with a recording, whose extent comes from source. Standby snapshots are not used. Throws
/// IllegalStateException if the term's recording is unknown to the archive, IllegalArgumentException if
/// serviceCount < 0.
[[nodiscard]] RecoveryPlan createRecoveryPlan(const RecordingLog& recordingLog, std::int32_t serviceCount,
                                              RecordingExtentSource& source);
} // namespace cox::cluster

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cox/sim/History.hpp"

namespace cox::apps::check
{
/// What readLogJournal found.
struct LogJournal
{
    std::vector<sim::AppliedMessage> applied;
    /// Every session message as a log entry of this member (position after it, a hash of its bytes, its cluster
    /// timestamp), for log agreement (C3) and cluster time (C9).
    std::vector<sim::AppliedEntry> entries;
    /// The kv service's timers as this log shows them: a ScheduleTimer request the service would accept (deadline
    /// = the request's timestamp + its offset), cancelled (with the position after the cancel) when a CancelTimer
    /// found it pending, that is before any TimerEvent for it; and every TimerEvent entry (position after it, its
    /// timestamp, this member). A TimerEvent after the cancel is kept: C8 judges it a suppressed firing.
    std::vector<sim::TimerSchedule> timerSchedules;
    /// Per timerSchedules entry: the cluster timestamps of its ScheduleTimer request and of the cancel that found it
    /// pending (-1 if none).
    struct TimerRequestTimes
    {
        std::int64_t scheduledAt = -1;
        std::int64_t cancelledAt = -1;
    };
    std::vector<TimerRequestTimes> timerRequestTimes;
    std::vector<sim::TimerEvent> timerEvents;
    /// The largest cluster timestamp read (session messages and timer events), -1 if none.
    std::int64_t lastTimestamp = -1;
    std::int32_t memberId = -1;
    /// The log recording read, its start, and where reading stopped.
    std::int64_t recordingId = -1;
    std::int64_t startPosition = 0;
    std::int64_t endPosition = 0;
    std::int64_t sessionMessages = 0;
    /// Session messages that were not kv requests, or fragmented (not decoded); kv timer requests are counted in
    /// neither (they are C8's, not the client's operations).
    std::int64_t skipped = 0;
};

/// The session messages a member's log recording holds up to endPosition, as applied-message records and log
/// entries: the log recording is the one on logStreamId that starts earliest (a member that started from a copied
/// snapshot has no log before it; applied records are only complete when it starts at 0); each kv request's
/// correlation id names its client and sequence as coxswain-client --history numbers them (clientId *
/// correlationStride + sequence); the position recorded is the one after the message, as the log reports it.
/// Read offline after the member stopped. Throws util::IoException when the archive cannot be read or holds no
/// such recording, util::IllegalStateException on a frame that does not fit its segment.
[[nodiscard]] LogJournal readLogJournal(const std::string& archiveDir, std::int32_t memberId, std::int64_t endPosition,
                                        std::int32_t logStreamId = 100,
                                        std::int64_t correlationStride = 1'000'000'000);

/// Timers of journal pending at clusterTime: scheduled at or before it, due after it (so not yet fired by a
/// consensus module that keeps deadlines), and not cancelled by then. Meaningful for a log read from position 0.
[[nodiscard]] std::int64_t pendingTimersAt(const LogJournal& journal, std::int64_t clusterTime);
} // namespace cox::apps::check

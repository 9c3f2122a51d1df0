#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ClientOptions.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/sim/History.hpp"
#include "cox/util/Clock.hpp"

namespace cox::apps::client
{
/// What a history run did, for the summary line.
struct HistoryRunResult
{
    std::int64_t operations = 0;
    std::int64_t acknowledged = 0;
    std::int64_t indeterminate = 0;
    std::int64_t newLeaders = 0;
    std::int64_t failoverLost = 0;
    std::int64_t reconnects = 0;
    std::int64_t undecodable = 0;
    std::int64_t unmatched = 0;
    /// Timer requests sent (--timers), and how many the service answered OK.
    std::int64_t timerSchedules = 0;
    std::int64_t timerCancels = 0;
    std::int64_t timerRequestsOk = 0;
    /// No session could be (re)established within the connect timeout.
    bool disconnected = false;
};

/// Drives kv requests for a fault test and records every one of them as a cox::sim::Operation, to be checked
/// afterwards (cox-check-history) rather than against a model while running: under faults the client cannot
/// know whether an unanswered request took effect, so it records it as indeterminate and carries on.
///
/// Keys are "<prefix><index>", shared by every client that uses the same prefix, so the linearizability check
/// sees contention; after one of this client's requests on a key becomes indeterminate it moves to a key of its
/// own ("<prefix><index>.c<client>.g<generation>") so an open-ended operation does not widen every later search
/// on the shared key. Values are unique ("v<client>.<seq>").
///
/// Responses are matched by correlation id, so a late response completes its operation whenever it arrives.
/// A request unanswered after --op-timeout leaves the window (it stays indeterminate unless that late response
/// comes). After a leader change the cluster's failover outcome names the requests that never reached the new
/// leader; they leave the window as indeterminate too. If the cluster closes the session (or it times out) the
/// runner reconnects through the given function, with the same client id and continuing sequence numbers.
class HistoryRunner final : public cluster::EgressListener
{
public:
    using Connector = std::function<std::unique_ptr<cluster::ClusterClient>()>;

    HistoryRunner(const ClientOptions& options, util::NanoClock& clock);

    /// Runs for options.seconds (after any warm-up, which is recorded too), then waits up to the drain timeout
    /// for the last responses. connect returns a connected client (this runner must be its egress listener) or
    /// throws cluster::ClusterException.
    [[nodiscard]] HistoryRunResult run(const Connector& connect);

    /// A flag (set by a signal handler) that ends the run early, as if its time were up; the drain still runs.
    void stopWhen(const volatile std::sig_atomic_t* flag) noexcept { m_stop = flag; }

    /// Every request issued so far, in invocation order.
    [[nodiscard]] const sim::History& history() const noexcept { return m_history; }

    void onMessage(std::int64_t clusterSessionId, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                   std::int32_t offset, std::int32_t length, const transport::Header& header) override;
    void onNewLeader(std::int64_t clusterSessionId, std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                     std::string_view ingressEndpoints) override;
    void onFailoverOutcome(std::int64_t clusterSessionId, std::int64_t messagesApplied,
                           std::int64_t messagesLost) override;

    /// The key a request on key slot index uses now (exposed for tests).
    [[nodiscard]] std::string keyFor(std::size_t index) const;

private:
    struct InFlight
    {
        std::size_t operationIndex = 0;
        std::int64_t correlationId = 0;
        /// Which message of its session it was (0-based), to match a failover outcome.
        std::int64_t sessionMessageIndex = 0;
        std::size_t keyIndex = 0;
    };

    int trySend(std::int64_t nowNs);
    int trySendTimer(std::int64_t nowNs);
    int expire(std::int64_t nowNs);
    /// Takes an in-flight request out of the window, leaving its operation indeterminate; its key slot moves on.
    void giveUp(std::size_t inFlightIndex);
    void abandonSession();

    const ClientOptions& m_options;
    util::NanoClock& m_clock;
    std::unique_ptr<cluster::ClusterClient> m_client;
    const volatile std::sig_atomic_t* m_stop = nullptr;
    sim::History m_history;
    HistoryRunResult m_result;
    std::uint64_t m_random;
    std::vector<std::uint64_t> m_generations;
    /// The value this client last saw or wrote per key slot ("" when it believes the key absent).
    std::vector<std::string> m_knownValues;
    std::vector<InFlight> m_inFlight;
    /// correlation id -> operation index, for every request sent (late responses still complete operations).
    std::unordered_map<std::int64_t, std::size_t> m_operationByCorrelation;
    std::vector<std::uint8_t> m_request;
    /// Timers this client scheduled and has not asked to cancel (some may have fired), and the correlation ids of
    /// its timer requests, whose responses are not operations.
    std::vector<std::int64_t> m_timerIds;
    std::unordered_set<std::int64_t> m_timerCorrelations;
    std::int64_t m_nextSequence = 1;
    std::int64_t m_nextSendNs = 0;
    std::int64_t m_intervalNs = 0;
    std::int64_t m_lastSendNs = 0;
};
} // namespace cox::apps::client

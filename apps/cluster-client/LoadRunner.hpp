#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ClientOptions.hpp"
#include "Workload.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/Histogram.hpp"

namespace cox::apps::client
{
/// What one run measured and checked.
struct RunResult
{
    explicit RunResult() : latencyNs(util::Histogram::ONE_HOUR_NS) {}

    /// Round trips of requests sent after the warm-up, in nanoseconds.
    util::Histogram latencyNs;
    std::int64_t warmupResponses = 0;
    std::int64_t measuredResponses = 0;
    /// From the end of the warm-up to the last measured response.
    double measuredSeconds = 0.0;
    std::int64_t mismatches = 0;
    /// Requests still unanswered when the drain timed out.
    std::int64_t lost = 0;
    std::int64_t backPressuredOffers = 0;
    std::int64_t keepAlives = 0;
    bool sessionClosed = false;
    /// The first mismatch, or why the run stopped early.
    std::string firstError;

    [[nodiscard]] bool passed() const noexcept
    {
        return mismatches == 0 && lost == 0 && !sessionClosed && measuredResponses > 0;
    }
    [[nodiscard]] double throughput() const noexcept
    {
        return measuredSeconds > 0.0 ? static_cast<double>(measuredResponses) / measuredSeconds : 0.0;
    }
};

/// Drives a workload over a connected client: offers requests (at most window() in flight, paced when a rate is
/// set), polls egress, checks every response and times each round trip. It is the client's EgressListener:
/// set it in ClusterClientContext::egressListener before connecting, then attach() the client.
class LoadRunner final : public cluster::EgressListener
{
public:
    /// A session that sends nothing for this long sends a keep-alive (the cluster's default session timeout is
    /// ten times longer).
    static constexpr std::int64_t KEEP_ALIVE_INTERVAL_NS = 1'000'000'000;

    LoadRunner(const ClientOptions& options, util::NanoClock& clock);

    void attach(cluster::ClusterClient& client, Workload& workload) noexcept;

    /// Warm-up, measured run and drain, as the options say. Stops early on the first mismatch.
    [[nodiscard]] RunResult run();

    void onMessage(std::int64_t clusterSessionId, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                   std::int32_t offset, std::int32_t length, const transport::Header& header) override;
    void onSessionEvent(std::int64_t correlationId, std::int64_t clusterSessionId, std::int64_t leadershipTermId,
                        std::int32_t leaderMemberId, cluster::EventCode code, std::string_view detail) override;

private:
    /// Offers the pending request, encoding a new one first if none is pending. Returns work done.
    int trySend(std::int64_t nowNs);
    int keepAlive(std::int64_t nowNs);

    const ClientOptions& m_options;
    util::NanoClock& m_clock;
    cluster::ClusterClient* m_client = nullptr;
    Workload* m_workload = nullptr;
    RunResult* m_result = nullptr;
    std::vector<std::uint8_t> m_request;
    std::int32_t m_requestLength = 0;
    bool m_pending = false;
    std::int64_t m_pendingStartNs = 0;
    std::int64_t m_nextCorrelationId = 1;
    /// When each in-flight request was (or was scheduled to be) sent, oldest first.
    ExpectationQueue<std::int64_t> m_sendTimesNs;
    std::int64_t m_measureFromNs = 0;
    std::int64_t m_lastMeasuredResponseNs = 0;
    std::int64_t m_nextSendNs = 0;
    std::int64_t m_intervalNs = 0;
    std::int64_t m_lastSendNs = 0;
};

/// The human-readable summary lines and the final JSON line.
[[nodiscard]] std::string formatSummary(const ClientOptions& options, const RunResult& result);
[[nodiscard]] std::string formatJson(const ClientOptions& options, const RunResult& result);
} // namespace cox::apps::client

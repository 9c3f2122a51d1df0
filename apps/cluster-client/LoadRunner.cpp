#include "LoadRunner.hpp"

#include <cstdio>

#include "cox/transport/PublicationResult.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::apps::client
{
namespace
{
constexpr double NS_PER_SECOND = 1e9;

std::int64_t toNs(double seconds)
{
    return static_cast<std::int64_t>(seconds * NS_PER_SECOND);
}

std::string microseconds(std::int64_t ns)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f", static_cast<double>(ns) / 1000.0);
    return text;
}
} // namespace

LoadRunner::LoadRunner(const ClientOptions& options, util::NanoClock& clock) :
    m_options(options), m_clock(clock), m_sendTimesNs(static_cast<std::size_t>(options.window))
{
    m_intervalNs = options.rate > 0 ? static_cast<std::int64_t>(NS_PER_SECOND / static_cast<double>(options.rate)) : 0;
}

void LoadRunner::attach(cluster::ClusterClient& client, Workload& workload) noexcept
{
    m_client = &client;
    m_workload = &workload;
    m_request.assign(workload.maxRequestLength(), 0);
}

RunResult LoadRunner::run()
{
    RunResult result;
    m_result = &result;
    const std::unique_ptr<util::IdleStrategy> idle = util::newIdleStrategy("backoff");
    const std::int64_t startNs = m_clock.nanoTime();
    m_measureFromNs = startNs + toNs(m_options.warmupSeconds);
    const std::int64_t endNs = m_measureFromNs + toNs(m_options.seconds);
    m_nextSendNs = startNs;
    m_lastSendNs = startNs;

    std::int64_t nowNs = startNs;
    while (nowNs < endNs && result.mismatches == 0 && !m_client->isClosed())
    {
        int work = trySend(nowNs);
        work += m_client->pollEgress();
        work += keepAlive(nowNs);
        idle->idle(work);
        nowNs = m_clock.nanoTime();
    }

    // Drain: every request sent must be answered.
    const std::int64_t drainDeadlineNs = nowNs + toNs(m_options.drainTimeoutSeconds);
    while (m_workload->inFlight() > 0 && nowNs < drainDeadlineNs && result.mismatches == 0 && !m_client->isClosed())
    {
        const int work = m_client->pollEgress() + keepAlive(nowNs);
        idle->idle(work);
        nowNs = m_clock.nanoTime();
    }
    result.lost = static_cast<std::int64_t>(m_workload->inFlight());
    result.sessionClosed = m_client->isClosed();
    if (result.firstError.empty() && result.sessionClosed)
    {
        result.firstError = "the cluster closed the session";
    }
    if (result.firstError.empty() && result.lost > 0)
    {
        result.firstError = std::to_string(result.lost) + " request(s) unanswered after the drain timeout";
    }
    if (m_lastMeasuredResponseNs > m_measureFromNs)
    {
        result.measuredSeconds = static_cast<double>(m_lastMeasuredResponseNs - m_measureFromNs) / NS_PER_SECOND;
    }
    m_result = nullptr;
    return result;
}

int LoadRunner::trySend(std::int64_t nowNs)
{
    if (!m_pending)
    {
        if (m_workload->inFlight() >= m_workload->window() || (m_intervalNs > 0 && nowNs < m_nextSendNs))
        {
            return 0;
        }
        m_requestLength = m_workload->nextRequest(m_nextCorrelationId++, m_request.data());
        // With a rate, time from when the request was due, so a stall shows in the latency (coordinated omission).
        m_pendingStartNs = m_intervalNs > 0 ? m_nextSendNs : nowNs;
        m_nextSendNs += m_intervalNs;
        m_pending = true;
    }
    const std::int64_t result = m_client->offer(m_request.data(), m_requestLength);
    if (result < 0)
    {
        ++m_result->backPressuredOffers;
        return 0;
    }
    m_sendTimesNs.push(m_intervalNs > 0 ? m_pendingStartNs : m_clock.nanoTime());
    m_pending = false;
    m_lastSendNs = nowNs;
    return 1;
}

int LoadRunner::keepAlive(std::int64_t nowNs)
{
    if (nowNs - m_lastSendNs < KEEP_ALIVE_INTERVAL_NS)
    {
        return 0;
    }
    m_lastSendNs = nowNs;
    if (m_client->sendKeepAlive())
    {
        ++m_result->keepAlives;
    }
    return 1;
}

void LoadRunner::onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                           std::int32_t length, const transport::Header&)
{
    if (m_result == nullptr || m_workload == nullptr)
    {
        return;
    }
    const std::int64_t nowNs = m_clock.nanoTime();
    if (!m_workload->checkResponse(buffer.buffer() + offset, static_cast<std::size_t>(length)))
    {
        if (m_result->mismatches++ == 0)
        {
            m_result->firstError = m_workload->lastError();
        }
        return;
    }
    const std::int64_t sentNs = m_sendTimesNs.pop();
    if (sentNs >= m_measureFromNs)
    {
        m_result->latencyNs.record(nowNs - sentNs);
        ++m_result->measuredResponses;
        m_lastMeasuredResponseNs = nowNs;
    }
    else
    {
        ++m_result->warmupResponses;
    }
}

void LoadRunner::onSessionEvent(std::int64_t, std::int64_t, std::int64_t, std::int32_t, cluster::EventCode code,
                                std::string_view detail)
{
    if (m_result != nullptr && code != cluster::EventCode::OK && m_result->firstError.empty())
    {
        m_result->firstError = "session event " + std::to_string(static_cast<int>(code)) + ": " + std::string(detail);
    }
}

std::string formatSummary(const ClientOptions& options, const RunResult& result)
{
    const util::Histogram& h = result.latencyNs;
    char throughput[64];
    std::snprintf(throughput, sizeof(throughput), "%.0f", result.throughput());
    std::string text = std::string("workload ") + toString(options.workload) + ", window " +
        std::to_string(options.window) + ", rate " + (options.rate == 0 ? "max" : std::to_string(options.rate) + "/s") +
        "\n";
    text += "  requests " + std::to_string(result.measuredResponses) + " measured (+" +
        std::to_string(result.warmupResponses) + " warm-up), throughput " + throughput + " req/s\n";
    text += "  round trip us: p50 " + microseconds(h.valueAtPercentile(50.0)) + "  p90 " +
        microseconds(h.valueAtPercentile(90.0)) + "  p99 " + microseconds(h.valueAtPercentile(99.0)) + "  p99.9 " +
        microseconds(h.valueAtPercentile(99.9)) + "  max " + microseconds(h.max()) + "\n";
    text += "  checks: " + std::to_string(result.measuredResponses + result.warmupResponses) + " responses matched, " +
        std::to_string(result.mismatches) + " mismatched, " + std::to_string(result.lost) + " lost; " +
        std::to_string(result.backPressuredOffers) + " offers retried, " + std::to_string(result.keepAlives) +
        " keep-alives\n";
    if (!result.firstError.empty())
    {
        text += "  error: " + result.firstError + "\n";
    }
    text += std::string("RESULT: ") + (result.passed() ? "PASS" : "FAIL") + "\n";
    return text;
}

std::string formatJson(const ClientOptions& options, const RunResult& result)
{
    const util::Histogram& h = result.latencyNs;
    char text[512];
    std::snprintf(text, sizeof(text),
                  "{\"workload\":\"%s\",\"window\":%d,\"rate\":%lld,\"seconds\":%.3f,\"requests\":%lld,"
                  "\"throughput\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
                  "\"max_us\":%.1f,\"mismatches\":%lld,\"lost\":%lld,\"passed\":%s}",
                  toString(options.workload), options.window, static_cast<long long>(options.rate),
                  result.measuredSeconds, static_cast<long long>(result.measuredResponses), result.throughput(),
                  static_cast<double>(h.valueAtPercentile(50.0)) / 1000.0,
                  static_cast<double>(h.valueAtPercentile(90.0)) / 1000.0,
                  static_cast<double>(h.valueAtPercentile(99.0)) / 1000.0,
                  static_cast<double>(h.valueAtPercentile(99.9)) / 1000.0, static_cast<double>(h.max()) / 1000.0,
                  static_cast<long long>(result.mismatches), static_cast<long long>(result.lost),
                  result.passed() ? "true" : "false");
    return text;
}
} // namespace cox::apps::client

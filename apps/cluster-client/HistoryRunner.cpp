#include "HistoryRunner.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "cox/codecs/kv/ResponseCode.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::apps::client
{
namespace
{
using codecs::kv::ResponseCode;
using examples::KeyValueClient;
using sim::OpKind;
using sim::OpOutcome;

constexpr double NS_PER_SECOND = 1e9;
constexpr std::int64_t KEEP_ALIVE_INTERVAL_NS = 1'000'000'000;
/// Correlation ids are clientId * this + sequence, so clients never share one and a reconnected session keeps
/// its numbering.
constexpr std::int64_t CORRELATION_CLIENT_STRIDE = 1'000'000'000;
/// Percentages of the mix: gets, then puts, then compare-and-sets; the rest are deletes.
constexpr std::uint64_t GET_PERCENT = 40;
constexpr std::uint64_t PUT_PERCENT = 30;
constexpr std::uint64_t CAS_PERCENT = 20;
constexpr std::uint64_t CAS_WRONG_EXPECTED_ONE_IN = 5;
constexpr std::size_t MAX_VALUE_TEXT = 48;
/// --timers: deadlines 200..2000 ms (the cluster's default time unit) after the request.
constexpr std::uint64_t MIN_TIMER_OFFSET_MS = 200;
constexpr std::uint64_t TIMER_OFFSET_SPAN_MS = 1801;

std::int64_t toNs(double seconds)
{
    return static_cast<std::int64_t>(seconds * NS_PER_SECOND);
}

std::uint64_t splitMix(std::uint64_t& state) noexcept
{
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
} // namespace

HistoryRunner::HistoryRunner(const ClientOptions& options, util::NanoClock& clock) :
    m_options(options),
    m_clock(clock),
    m_random(options.seed ^ (static_cast<std::uint64_t>(options.clientId) * 0x9E3779B97F4A7C15ULL)),
    m_generations(static_cast<std::size_t>(options.keys), 0),
    m_knownValues(static_cast<std::size_t>(options.keys))
{
    m_intervalNs = options.rate > 0 ? static_cast<std::int64_t>(NS_PER_SECOND / static_cast<double>(options.rate)) : 0;
    const std::size_t keyLength = options.keyPrefix.size() + 40;
    m_request.assign(static_cast<std::size_t>(
                         KeyValueClient::compareAndSetRequestLength(keyLength, MAX_VALUE_TEXT, MAX_VALUE_TEXT)),
                     0);
    m_inFlight.reserve(static_cast<std::size_t>(options.window));
}

std::string HistoryRunner::keyFor(std::size_t index) const
{
    std::string key = m_options.keyPrefix + std::to_string(index);
    if (m_generations[index] != 0)
    {
        key += ".c" + std::to_string(m_options.clientId) + ".g" + std::to_string(m_generations[index]);
    }
    return key;
}

HistoryRunResult HistoryRunner::run(const Connector& connect)
{
    const std::unique_ptr<util::IdleStrategy> idle = util::newIdleStrategy("backoff");
    const std::int64_t startNs = m_clock.nanoTime();
    const std::int64_t endNs = startNs + toNs(m_options.warmupSeconds + m_options.seconds);
    m_nextSendNs = startNs;
    m_lastSendNs = startNs;

    std::int64_t nowNs = startNs;
    while (nowNs < endNs && (m_stop == nullptr || *m_stop == 0))
    {
        if (!m_client || m_client->isClosed())
        {
            if (m_client)
            {
                abandonSession();
                ++m_result.reconnects;
            }
            try
            {
                m_client = connect();
            }
            catch (const cluster::ClusterException& ex)
            {
                std::cerr << "coxswain-client: could not reconnect: " << ex.what() << std::endl;
                m_result.disconnected = true;
                break;
            }
            m_lastSendNs = m_clock.nanoTime();
        }
        int work = trySend(nowNs);
        work += m_client->pollEgress();
        work += expire(nowNs);
        if (nowNs - m_lastSendNs >= KEEP_ALIVE_INTERVAL_NS)
        {
            m_lastSendNs = nowNs;
            (void)m_client->sendKeepAlive();
        }
        idle->idle(work);
        nowNs = m_clock.nanoTime();
    }

    const std::int64_t drainDeadlineNs = nowNs + toNs(m_options.drainTimeoutSeconds);
    while (m_client && !m_client->isClosed() && !m_inFlight.empty() && nowNs < drainDeadlineNs)
    {
        idle->idle(m_client->pollEgress());
        nowNs = m_clock.nanoTime();
    }
    while (!m_inFlight.empty())
    {
        giveUp(m_inFlight.size() - 1);
    }
    if (m_client)
    {
        m_client->close();
    }
    m_result.operations = static_cast<std::int64_t>(m_history.operations.size());
    m_result.acknowledged = 0;
    m_result.indeterminate = 0;
    for (const sim::Operation& op : m_history.operations)
    {
        m_result.acknowledged += op.isAcknowledged() ? 1 : 0;
        m_result.indeterminate += op.isIndeterminate() ? 1 : 0;
    }
    return m_result;
}

int HistoryRunner::trySend(std::int64_t nowNs)
{
    if (static_cast<std::int32_t>(m_inFlight.size()) >= m_options.window || (m_intervalNs > 0 && nowNs < m_nextSendNs))
    {
        return 0;
    }
    if (m_options.timersPercent > 0 &&
        splitMix(m_random) % 100 < static_cast<std::uint64_t>(m_options.timersPercent))
    {
        return trySendTimer(nowNs);
    }
    const std::size_t keyIndex = static_cast<std::size_t>(splitMix(m_random) % m_generations.size());
    const std::uint64_t roll = splitMix(m_random) % 100;
    const std::int64_t sequence = m_nextSequence;
    const std::int64_t correlationId = m_options.clientId * CORRELATION_CLIENT_STRIDE + sequence;

    sim::Operation op;
    op.clientId = m_options.clientId;
    op.sequence = sequence;
    op.key = keyFor(keyIndex);
    const std::string newValue = "v" + std::to_string(m_options.clientId) + "." + std::to_string(sequence);
    std::uint8_t* buffer = m_request.data();
    const std::size_t capacity = m_request.size();
    std::int32_t length = 0;
    if (roll < GET_PERCENT)
    {
        op.kind = OpKind::GET;
        length = KeyValueClient::encodeGet(buffer, capacity, correlationId, op.key);
    }
    else if (roll < GET_PERCENT + PUT_PERCENT)
    {
        op.kind = OpKind::PUT;
        op.value = newValue;
        length = KeyValueClient::encodePut(buffer, capacity, correlationId, op.key, op.value);
    }
    else if (roll < GET_PERCENT + PUT_PERCENT + CAS_PERCENT)
    {
        op.kind = OpKind::CAS;
        op.value = newValue;
        // Usually what this client last saw, so most succeed; a never-written value when it knows nothing, and one
        // time in CAS_WRONG_EXPECTED_ONE_IN, so that mismatches are recorded too.
        const bool offerKnown = !m_knownValues[keyIndex].empty() && splitMix(m_random) % CAS_WRONG_EXPECTED_ONE_IN != 0;
        op.expected = offerKnown ? m_knownValues[keyIndex] : "v0.0";
        length = KeyValueClient::encodeCompareAndSet(buffer, capacity, correlationId, op.key, op.expected, op.value);
    }
    else
    {
        op.kind = OpKind::DELETE;
        length = KeyValueClient::encodeDelete(buffer, capacity, correlationId, op.key);
    }
    // Invoked before the offer: an earlier invocation only widens the window the checker allows.
    op.invokeNs = m_clock.nanoTime();
    const std::int64_t offered = m_client->messagesOffered();
    if (m_client->offer(buffer, length) < 0)
    {
        return 0; // not sent (back pressure, or no leader yet); a new request is drawn next time
    }
    ++m_nextSequence;
    m_nextSendNs = std::max(m_nextSendNs + m_intervalNs, nowNs - m_intervalNs);
    m_lastSendNs = nowNs;
    const std::size_t operationIndex = m_history.operations.size();
    m_history.operations.push_back(std::move(op));
    m_operationByCorrelation.emplace(correlationId, operationIndex);
    m_inFlight.push_back(InFlight{operationIndex, correlationId, offered, keyIndex});
    return 1;
}

int HistoryRunner::trySendTimer(std::int64_t nowNs)
{
    const std::int64_t correlationId = m_options.clientId * CORRELATION_CLIENT_STRIDE + m_nextSequence;
    const bool cancel = !m_timerIds.empty() && splitMix(m_random) % 4 == 0;
    std::size_t cancelIndex = 0;
    std::int32_t length = 0;
    if (cancel)
    {
        cancelIndex = static_cast<std::size_t>(splitMix(m_random) % m_timerIds.size());
        length = KeyValueClient::encodeCancelTimer(m_request.data(), m_request.size(), correlationId,
                                                   m_timerIds[cancelIndex]);
    }
    else
    {
        // The timer id is the request's own correlation id: unique across clients and runs of one test.
        const auto offset = static_cast<std::int64_t>(MIN_TIMER_OFFSET_MS + splitMix(m_random) % TIMER_OFFSET_SPAN_MS);
        length = KeyValueClient::encodeScheduleTimer(m_request.data(), m_request.size(), correlationId, correlationId,
                                                     offset);
    }
    if (m_client->offer(m_request.data(), length) < 0)
    {
        return 0;
    }
    ++m_nextSequence;
    m_nextSendNs = std::max(m_nextSendNs + m_intervalNs, nowNs - m_intervalNs);
    m_lastSendNs = nowNs;
    m_timerCorrelations.insert(correlationId);
    if (cancel)
    {
        m_timerIds.erase(m_timerIds.begin() + static_cast<std::ptrdiff_t>(cancelIndex));
        ++m_result.timerCancels;
    }
    else
    {
        m_timerIds.push_back(correlationId);
        ++m_result.timerSchedules;
    }
    return 1;
}

int HistoryRunner::expire(std::int64_t nowNs)
{
    const std::int64_t timeoutNs = toNs(m_options.opTimeoutSeconds);
    int work = 0;
    for (std::size_t i = m_inFlight.size(); i-- > 0;)
    {
        if (nowNs - m_history.operations[m_inFlight[i].operationIndex].invokeNs > timeoutNs)
        {
            giveUp(i);
            ++work;
        }
    }
    return work;
}

void HistoryRunner::giveUp(std::size_t inFlightIndex)
{
    const InFlight entry = m_inFlight[inFlightIndex];
    m_inFlight.erase(m_inFlight.begin() + static_cast<std::ptrdiff_t>(inFlightIndex));
    ++m_generations[entry.keyIndex];
    m_knownValues[entry.keyIndex].clear();
}

void HistoryRunner::abandonSession()
{
    while (!m_inFlight.empty())
    {
        giveUp(m_inFlight.size() - 1);
    }
}

void HistoryRunner::onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                              std::int32_t length, const transport::Header&)
{
    const std::int64_t nowNs = m_clock.nanoTime();
    KeyValueClient::Response response;
    if (!KeyValueClient::decodeResponse(buffer.buffer() + offset, static_cast<std::size_t>(length), response))
    {
        ++m_result.undecodable;
        return;
    }
    if (m_timerCorrelations.erase(response.correlationId) != 0)
    {
        m_result.timerRequestsOk += response.code == ResponseCode::OK ? 1 : 0;
        return;
    }
    const auto found = m_operationByCorrelation.find(response.correlationId);
    if (found == m_operationByCorrelation.end())
    {
        if (m_result.unmatched++ == 0)
        {
            std::cerr << "coxswain-client: a response to correlation id " << response.correlationId
                      << ", which this client never sent" << std::endl;
        }
        return;
    }
    sim::Operation& op = m_history.operations[found->second];
    if (!op.isIndeterminate())
    {
        if (m_result.unmatched++ == 0)
        {
            std::cerr << "coxswain-client: a second response (" << codecs::kv::toString(response.code)
                      << ") to an answered request: " << sim::describeOperation(op, found->second) << std::endl;
        }
        return;
    }
    op.completeNs = nowNs;
    switch (response.code)
    {
    case ResponseCode::OK:
        op.outcome = OpOutcome::OK;
        if (op.kind == OpKind::GET)
        {
            op.value = std::string(response.value);
        }
        break;
    case ResponseCode::NOT_FOUND:
        op.outcome = OpOutcome::NOT_FOUND;
        break;
    case ResponseCode::CAS_MISMATCH:
        op.outcome = OpOutcome::FAIL;
        break;
    default:
        op.outcome = OpOutcome::REJECTED;
        break;
    }

    const auto inFlight = std::find_if(m_inFlight.begin(), m_inFlight.end(), [&](const InFlight& entry)
                                       { return entry.correlationId == response.correlationId; });
    if (inFlight == m_inFlight.end())
    {
        return; // answered after this client gave up on it: the key slot has already moved on
    }
    const std::size_t keyIndex = inFlight->keyIndex;
    m_inFlight.erase(inFlight);
    if (op.outcome == OpOutcome::OK)
    {
        m_knownValues[keyIndex] = op.kind == OpKind::DELETE ? std::string() : op.value;
    }
    else if (op.outcome == OpOutcome::NOT_FOUND)
    {
        m_knownValues[keyIndex].clear();
    }
    else if (op.outcome == OpOutcome::FAIL)
    {
        m_knownValues[keyIndex] = std::string(response.value);
    }
}

void HistoryRunner::onNewLeader(std::int64_t, std::int64_t, std::int32_t, std::string_view)
{
    ++m_result.newLeaders;
}

void HistoryRunner::onFailoverOutcome(std::int64_t, std::int64_t messagesApplied, std::int64_t messagesLost)
{
    // Requests past the first messagesApplied of this session never reached the new leader: no answer will come.
    for (std::size_t i = m_inFlight.size(); i-- > 0;)
    {
        const std::int64_t index = m_inFlight[i].sessionMessageIndex;
        if (index >= messagesApplied && index < messagesApplied + messagesLost)
        {
            ++m_result.failoverLost;
            giveUp(i);
        }
    }
}
} // namespace cox::apps::client

#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "DemoProtocol.hpp"
#include "KeyValueStore.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/AtomicCounter.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/Histogram.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/OneToOneRingBuffer.hpp"

namespace cox::apps::demo
{
/// Where the agents report bad input: the distinct error log (each kind once, with a count) and the
/// errors counter. Texts are literals, so reporting allocates nothing. Thread-safe.
class ErrorReporter
{
public:
    ErrorReporter(util::DistinctErrorLog& errorLog, util::AtomicCounter errorCounter) noexcept
        : m_errorLog(errorLog), m_errorCounter(errorCounter)
    {
    }

    void report(std::string_view text) noexcept;

private:
    util::DistinctErrorLog& m_errorLog;
    util::AtomicCounter m_errorCounter;
};

/// A cluster client: encodes SessionMessageHeader + KeyValuePut messages straight into the ingress ring
/// (tryClaim, as Aeron's ExclusivePublication::tryClaim) in bursts, until it has sent messageLimit
/// messages or a stop is requested. Its counter is the number sent.
class ClientAgent final : public util::Agent
{
public:
    static constexpr int BURST = 32;
    /// messageLimit for a client that sends until stopped.
    static constexpr std::int64_t UNLIMITED = INT64_MAX;

    ClientAgent(std::int32_t clientIndex, std::int64_t messageLimit, std::int64_t keysPerClient,
                util::ManyToOneRingBuffer& ingress, const util::NanoClock& nanoClock, util::AtomicCounter sentCounter,
                util::AtomicCounter backPressureCounter, const std::atomic<bool>& stopRequested);

    int doWork() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return m_roleName; }

    /// True once the client will send no more; any thread. sentCount() is final from then on.
    [[nodiscard]] bool isDone() const noexcept { return m_isDone.load(std::memory_order_acquire); }
    [[nodiscard]] std::int64_t sentCount() const noexcept { return m_sentCounter.get(); }
    [[nodiscard]] std::int32_t clientIndex() const noexcept { return m_clientIndex; }

private:
    std::int32_t m_clientIndex;
    std::int64_t m_messageLimit;
    std::int64_t m_keysPerClient;
    util::ManyToOneRingBuffer& m_ingress;
    const util::NanoClock& m_nanoClock;
    util::AtomicCounter m_sentCounter;
    util::AtomicCounter m_backPressureCounter;
    const std::atomic<bool>& m_stopRequested;
    std::int64_t m_sent = 0;
    std::atomic<bool> m_isDone{false};
    std::string m_roleName;
};

/// The leader's part, reduced to its core: reads ingress, stamps each message with the cluster time
/// and its log position, and appends it to the log with a CRC32C. Back pressure from the log leaves
/// the message in ingress (controlledRead ABORT) to be retried on the next duty cycle.
class SequencerAgent final : public util::Agent
{
public:
    static constexpr int FRAGMENT_LIMIT = 256;

    struct Counters
    {
        util::AtomicCounter sequenced;
        util::AtomicCounter rejected;
        util::AtomicCounter logBackPressure;
        util::AtomicCounter logPosition;
    };

    /// corruptEvery > 0 flips one payload bit of every corruptEvery-th entry after its checksum is
    /// taken, to show the service's check at work; 0 in normal runs.
    SequencerAgent(util::ManyToOneRingBuffer& ingress, util::OneToOneRingBuffer& log, const util::NanoClock& nanoClock,
                   Counters counters, ErrorReporter& errors, std::int64_t corruptEvery = 0);

    int doWork() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "sequencer"; }

private:
    util::ControlledReadAction onIngressMessage(std::int32_t msgTypeId, const util::AtomicBuffer& buffer,
                                                std::size_t index, std::size_t length);

    util::ManyToOneRingBuffer& m_ingress;
    util::OneToOneRingBuffer& m_log;
    const util::NanoClock& m_nanoClock;
    Counters m_counters;
    ErrorReporter& m_errors;
    std::int64_t m_corruptEvery;
    std::int64_t m_nowNs = 0;
    std::int64_t m_logPosition = 0;
    std::int64_t m_sequenced = 0;
    std::int64_t m_rejected = 0;
    std::int64_t m_logBackPressure = 0;
};

/// The clustered service: consumes the log, verifies each entry's CRC32C, position and decoding,
/// applies the put to its KeyValueStore while keeping an incremental state hash, checks every client's
/// sequence has no gap, and records client-send-to-apply latency. Latency uses the time read at the
/// top of the duty cycle, so it excludes the part of a batch that is processed before an entry.
class ServiceAgent final : public util::Agent
{
public:
    static constexpr int FRAGMENT_LIMIT = 256;

    struct Counters
    {
        util::AtomicCounter consumed;
        util::AtomicCounter applied;
        util::AtomicCounter crcFailures;
        util::AtomicCounter sequenceGaps;
        util::AtomicCounter servicePosition;
        util::AtomicCounter entries;
    };

    ServiceAgent(util::OneToOneRingBuffer& log, const util::NanoClock& nanoClock, std::int32_t clients,
                 std::int64_t keysPerClient, Counters counters, ErrorReporter& errors);

    int doWork() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "service"; }

    /// The following are for the owning thread, or any thread once the agent has stopped.
    [[nodiscard]] std::uint64_t stateHash() const noexcept { return m_stateHash; }
    /// The state hash recomputed from the map's contents rather than kept incrementally.
    [[nodiscard]] std::uint64_t recomputeStateHash() const;
    [[nodiscard]] const KeyValueStore& store() const noexcept { return m_store; }
    [[nodiscard]] const util::Histogram& latencyHistogram() const noexcept { return m_latencyNs; }

private:
    void onLogEntry(std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length);
    void apply(const codecs::cluster::SessionMessageHeaderDecoder& header, const KeyValuePut& put);

    util::OneToOneRingBuffer& m_log;
    const util::NanoClock& m_nanoClock;
    std::int64_t m_keysPerClient;
    Counters m_counters;
    ErrorReporter& m_errors;
    KeyValueStore m_store;
    util::Histogram m_latencyNs;
    std::vector<std::int64_t> m_nextSequence;
    std::uint64_t m_stateHash = 0;
    std::int64_t m_nowNs = 0;
    std::int64_t m_position = 0;
    std::int64_t m_lastTimestamp = INT64_MIN;
    std::int64_t m_consumed = 0;
    std::int64_t m_applied = 0;
    std::int64_t m_crcFailures = 0;
    std::int64_t m_sequenceGaps = 0;
};
} // namespace cox::apps::demo

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "DemoAgents.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/AgentRunner.hpp"
#include "cox/util/CompositeAgent.hpp"
#include "cox/util/CountedErrorHandler.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/IdleStrategy.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::apps::demo
{
/// How the agents are put on threads, Aeron's threading modes.
enum class ThreadingMode
{
    /// A thread per agent.
    Dedicated,
    /// One thread runs every agent through a CompositeAgent.
    Shared,
    /// The caller's thread drives the CompositeAgent through invoke().
    Invoker,
};

[[nodiscard]] std::string_view toString(ThreadingMode mode) noexcept;

struct PipelineConfig
{
    std::int32_t clients = 3;
    /// Messages in total, spread evenly over the clients; ClientAgent::UNLIMITED to run until requestStop().
    std::int64_t messages = 1'000'000;
    std::int64_t keysPerClient = 1'024;
    /// Ring capacities in bytes, powers of two.
    std::size_t ingressCapacity = 128 * 1024;
    std::size_t logCapacity = 128 * 1024;
    /// See SequencerAgent; 0 in normal runs.
    std::int64_t corruptEvery = 0;
    ThreadingMode threading = ThreadingMode::Shared;
    /// An alias newIdleStrategy() accepts; not used in invoker mode.
    std::string idleStrategy = "backoff";
    /// Existing directory for counters.dat and errors.dat.
    std::string directory;
};

/// Counter values as the agents last published them; any thread.
struct PipelineProgress
{
    std::int64_t sent = 0;
    std::int64_t sequenced = 0;
    std::int64_t applied = 0;
    std::int64_t logPosition = 0;
};

struct DistinctError
{
    std::int32_t observations;
    std::string text;
};

/// Everything the summary reports, taken after close().
struct PipelineResult
{
    std::vector<std::int64_t> sentPerClient;
    std::int64_t sent = 0;
    std::int64_t sequenced = 0;
    std::int64_t rejected = 0;
    std::int64_t consumed = 0;
    std::int64_t applied = 0;
    std::int64_t crcFailures = 0;
    std::int64_t sequenceGaps = 0;
    std::int64_t logPosition = 0;
    std::int64_t ingressBackPressure = 0;
    std::int64_t logBackPressure = 0;
    std::int64_t entries = 0;
    std::int64_t expectedEntries = 0;
    std::uint64_t serviceStateHash = 0;
    std::uint64_t recomputedStateHash = 0;
    std::uint64_t expectedStateHash = 0;
    std::int64_t errorCount = 0;
    std::vector<DistinctError> errors;

    [[nodiscard]] bool hashesMatch() const noexcept
    {
        return serviceStateHash == expectedStateHash && recomputedStateHash == expectedStateHash &&
               entries == expectedEntries;
    }

    /// Every message sent was applied, nothing was rejected, lost or corrupted, and the state matches.
    [[nodiscard]] bool passed() const noexcept
    {
        return hashesMatch() && applied == sent && sequenced == sent && rejected == 0 && crcFailures == 0 &&
               sequenceGaps == 0 && errorCount == 0 && errors.empty();
    }
};

/// The demo's in-process sequencer pipeline, a sketch of the cluster made of the real parts:
///
///   client agents --(ManyToOneRingBuffer: ingress)--> sequencer --(OneToOneRingBuffer: log)--> service
///
/// with its counters in <directory>/counters.dat (for cox-stat) and its distinct error log in
/// <directory>/errors.dat. Set up on one thread; start(), invoke(), requestStop(), close() from that
/// thread; progress() and isFinished() from any.
class SequencerPipeline
{
public:
    static constexpr std::int32_t MAX_COUNTERS = 64;
    static constexpr std::size_t ERROR_LOG_LENGTH = 64 * 1024;
    /// Counter type ids, so cox-stat --type can pick a kind.
    static constexpr std::int32_t CLIENT_SENT_TYPE_ID = 1001;
    static constexpr std::int32_t PIPELINE_COUNT_TYPE_ID = 1002;
    static constexpr std::int32_t POSITION_TYPE_ID = 1003;
    static constexpr std::int32_t ERROR_COUNT_TYPE_ID = 1004;

    /// Creates the files and agents. Clocks must outlive the pipeline. Throws IllegalArgumentException
    /// for a bad configuration and IoException if the files cannot be created.
    SequencerPipeline(PipelineConfig config, const util::NanoClock& nanoClock, const util::EpochClock& epochClock);

    ~SequencerPipeline();
    SequencerPipeline(const SequencerPipeline&) = delete;
    SequencerPipeline& operator=(const SequencerPipeline&) = delete;

    [[nodiscard]] const PipelineConfig& config() const noexcept { return m_config; }
    [[nodiscard]] std::string countersPath() const;

    /// Starts the runners (dedicated, shared) or the invoker.
    void start();

    /// Invoker mode: one duty cycle of every agent on this thread; the work count. Throws
    /// IllegalStateException in the other modes.
    int invoke();

    /// Clients stop sending after their current burst; what was sent is still sequenced and applied.
    void requestStop() noexcept { m_stopRequested.store(true, std::memory_order_release); }

    /// True when every client is done and every message it sent has left the pipeline (applied or dropped).
    [[nodiscard]] bool isFinished() const noexcept;

    [[nodiscard]] PipelineProgress progress() const noexcept;

    /// Stops and joins the runners or closes the invoker. Idempotent.
    void close();

    /// After close(): the figures and the three state hashes. Throws IllegalStateException before.
    [[nodiscard]] PipelineResult result() const;
    [[nodiscard]] const util::Histogram& latencyHistogram() const;

private:
    util::AtomicCounter newCounter(std::string_view label, std::int32_t typeId);
    void createAgents();

    PipelineConfig m_config;
    const util::NanoClock& m_nanoClock;
    std::unique_ptr<util::CountersManager> m_countersManager;
    std::unique_ptr<util::MemoryMappedFile> m_errorLogFile;
    std::unique_ptr<util::DistinctErrorLog> m_errorLog;
    util::AtomicCounter m_errorCounter;
    std::unique_ptr<util::CountedErrorHandler> m_errorHandler;
    std::unique_ptr<ErrorReporter> m_errorReporter;

    // Ring memory as 64-bit words: the rings' trailers hold 64-bit atomics and need 8-byte alignment.
    std::vector<std::uint64_t> m_ingressMemory;
    std::vector<std::uint64_t> m_logMemory;
    std::unique_ptr<util::ManyToOneRingBuffer> m_ingress;
    std::unique_ptr<util::OneToOneRingBuffer> m_log;

    std::atomic<bool> m_stopRequested{false};
    util::AtomicCounter m_ingressBackPressure;
    SequencerAgent::Counters m_sequencerCounters;
    ServiceAgent::Counters m_serviceCounters;
    std::vector<std::unique_ptr<ClientAgent>> m_clients;
    std::unique_ptr<SequencerAgent> m_sequencer;
    std::unique_ptr<ServiceAgent> m_service;

    std::unique_ptr<util::CompositeAgent> m_composite;
    std::vector<std::unique_ptr<util::IdleStrategy>> m_idleStrategies;
    std::vector<std::unique_ptr<util::AgentRunner<>>> m_runners;
    std::unique_ptr<util::AgentInvoker> m_invoker;
    bool m_isClosed = false;
};
} // namespace cox::apps::demo

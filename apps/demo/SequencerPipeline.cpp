#include "SequencerPipeline.hpp"

#include <filesystem>

#include "cox/util/BitUtil.hpp"
#include "cox/util/ErrorLogReader.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace cox::apps::demo
{
namespace
{
constexpr std::size_t MIN_RING_CAPACITY = 4 * 1024;
constexpr std::int64_t MAX_KEYS_PER_CLIENT = std::int64_t{1} << 20;
constexpr std::int32_t MAX_CLIENTS = 32;

void validate(const PipelineConfig& config)
{
    auto fail = [](const std::string& message) { throw util::IllegalArgumentException(message); };
    if (config.clients < 1 || config.clients > MAX_CLIENTS)
    {
        fail("clients must be in [1, " + std::to_string(MAX_CLIENTS) + "]: " + std::to_string(config.clients));
    }
    if (config.messages < 0)
    {
        fail("messages must not be negative: " + std::to_string(config.messages));
    }
    if (config.keysPerClient < 1 || config.keysPerClient > MAX_KEYS_PER_CLIENT)
    {
        fail("keys per client must be in [1, 2^20]: " + std::to_string(config.keysPerClient));
    }
    for (const std::size_t capacity : {config.ingressCapacity, config.logCapacity})
    {
        if (!util::isPowerOfTwo(capacity) || capacity < MIN_RING_CAPACITY ||
            capacity > util::RingBufferDescriptor::MAX_CAPACITY)
        {
            fail("ring capacity must be a power of two in [4 KiB, 1 GiB]: " + std::to_string(capacity));
        }
    }
    if (config.corruptEvery < 0)
    {
        fail("corrupt-every must not be negative: " + std::to_string(config.corruptEvery));
    }
    if (config.directory.empty())
    {
        fail("no directory for the counters file");
    }
    if (config.threading != ThreadingMode::Invoker)
    {
        // Fails here, before any file is created, rather than at start().
        (void)util::newIdleStrategy(config.idleStrategy);
    }
}

std::vector<std::uint64_t> ringMemory(std::size_t capacity)
{
    return std::vector<std::uint64_t>((capacity + util::RingBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t),
                                      0);
}

util::AtomicBuffer bufferOver(std::vector<std::uint64_t>& memory)
{
    return {memory.data(), memory.size() * sizeof(std::uint64_t)};
}
} // namespace

std::string_view toString(ThreadingMode mode) noexcept
{
    switch (mode)
    {
        case ThreadingMode::Dedicated: return "dedicated";
        case ThreadingMode::Shared: return "shared";
        case ThreadingMode::Invoker: return "invoker";
    }
    return "unknown";
}

SequencerPipeline::SequencerPipeline(PipelineConfig config, const util::NanoClock& nanoClock,
                                     const util::EpochClock& epochClock)
    : m_config(std::move(config)), m_nanoClock(nanoClock)
{
    validate(m_config);
    const std::filesystem::path directory(m_config.directory);
    m_countersManager =
        util::CountersManager::create((directory / "counters.dat").string(), MAX_COUNTERS, epochClock);
    m_errorLogFile = util::MemoryMappedFile::create((directory / "errors.dat").string(), ERROR_LOG_LENGTH);
    m_errorLog = std::make_unique<util::DistinctErrorLog>(m_errorLogFile->buffer(), epochClock);
    m_errorCounter = newCounter("demo: errors", ERROR_COUNT_TYPE_ID);
    m_errorHandler = std::make_unique<util::CountedErrorHandler>(*m_errorLog, m_errorCounter);
    m_errorReporter = std::make_unique<ErrorReporter>(*m_errorLog, m_errorCounter);

    m_ingressMemory = ringMemory(m_config.ingressCapacity);
    m_logMemory = ringMemory(m_config.logCapacity);
    m_ingress = std::make_unique<util::ManyToOneRingBuffer>(bufferOver(m_ingressMemory));
    m_log = std::make_unique<util::OneToOneRingBuffer>(bufferOver(m_logMemory));
    createAgents();
}

SequencerPipeline::~SequencerPipeline()
{
    close();
}

util::AtomicCounter SequencerPipeline::newCounter(std::string_view label, std::int32_t typeId)
{
    return m_countersManager->newCounter(label, typeId);
}

void SequencerPipeline::createAgents()
{
    m_ingressBackPressure = newCounter("demo: ingress back pressure (client retries)", PIPELINE_COUNT_TYPE_ID);
    const bool unlimited = m_config.messages == ClientAgent::UNLIMITED;
    for (std::int32_t i = 0; i < m_config.clients; ++i)
    {
        const std::int64_t limit = unlimited ? ClientAgent::UNLIMITED
                                             : m_config.messages / m_config.clients +
                                                   (i < m_config.messages % m_config.clients ? 1 : 0);
        const util::AtomicCounter sent =
            newCounter("demo: client " + std::to_string(i + 1) + " messages sent", CLIENT_SENT_TYPE_ID);
        m_clients.push_back(std::make_unique<ClientAgent>(i, limit, m_config.keysPerClient, *m_ingress, m_nanoClock,
                                                          sent, m_ingressBackPressure, m_stopRequested));
    }

    m_sequencerCounters = {newCounter("demo: messages sequenced", PIPELINE_COUNT_TYPE_ID),
                           newCounter("demo: ingress messages rejected", PIPELINE_COUNT_TYPE_ID),
                           newCounter("demo: log back pressure (sequencer retries)", PIPELINE_COUNT_TYPE_ID),
                           newCounter("demo: log position (sequencer)", POSITION_TYPE_ID)};
    m_sequencer = std::make_unique<SequencerAgent>(*m_ingress, *m_log, m_nanoClock, m_sequencerCounters,
                                                   *m_errorReporter, m_config.corruptEvery);

    m_serviceCounters = {newCounter("demo: log entries consumed", PIPELINE_COUNT_TYPE_ID),
                         newCounter("demo: messages applied", PIPELINE_COUNT_TYPE_ID),
                         newCounter("demo: log entry CRC failures", PIPELINE_COUNT_TYPE_ID),
                         newCounter("demo: client sequence gaps", PIPELINE_COUNT_TYPE_ID),
                         newCounter("demo: log position (service)", POSITION_TYPE_ID),
                         newCounter("demo: key-value entries", PIPELINE_COUNT_TYPE_ID)};
    m_service = std::make_unique<ServiceAgent>(*m_log, m_nanoClock, m_config.clients, m_config.keysPerClient,
                                               m_serviceCounters, *m_errorReporter);
}

std::string SequencerPipeline::countersPath() const
{
    return (std::filesystem::path(m_config.directory) / "counters.dat").string();
}

void SequencerPipeline::start()
{
    if (!m_runners.empty() || m_invoker || m_isClosed)
    {
        throw util::IllegalStateException("pipeline already started or closed");
    }
    std::vector<util::Agent*> agents;
    for (const auto& client : m_clients)
    {
        agents.push_back(client.get());
    }
    agents.push_back(m_sequencer.get());
    agents.push_back(m_service.get());

    const util::ErrorHandler errorHandler = m_errorHandler->asErrorHandler();
    if (m_config.threading == ThreadingMode::Dedicated)
    {
        for (util::Agent* agent : agents)
        {
            m_idleStrategies.push_back(util::newIdleStrategy(m_config.idleStrategy));
            m_runners.push_back(
                std::make_unique<util::AgentRunner<>>(*agent, *m_idleStrategies.back(), errorHandler));
        }
    }
    else
    {
        m_composite = std::make_unique<util::CompositeAgent>(agents);
        if (m_config.threading == ThreadingMode::Shared)
        {
            m_idleStrategies.push_back(util::newIdleStrategy(m_config.idleStrategy));
            m_runners.push_back(
                std::make_unique<util::AgentRunner<>>(*m_composite, *m_idleStrategies.back(), errorHandler));
        }
        else
        {
            m_invoker = std::make_unique<util::AgentInvoker>(*m_composite, errorHandler);
            m_invoker->start();
        }
    }
    for (const auto& runner : m_runners)
    {
        runner->start();
    }
}

int SequencerPipeline::invoke()
{
    if (!m_invoker)
    {
        throw util::IllegalStateException("invoke() needs the invoker threading mode, started");
    }
    return m_invoker->invoke();
}

bool SequencerPipeline::isFinished() const noexcept
{
    std::int64_t sent = 0;
    for (const auto& client : m_clients)
    {
        if (!client->isDone())
        {
            return false;
        }
        sent += client->sentCount();
    }
    return m_sequencerCounters.rejected.get() + m_serviceCounters.consumed.get() == sent;
}

PipelineProgress SequencerPipeline::progress() const noexcept
{
    PipelineProgress progress;
    for (const auto& client : m_clients)
    {
        progress.sent += client->sentCount();
    }
    progress.sequenced = m_sequencerCounters.sequenced.get();
    progress.applied = m_serviceCounters.applied.get();
    progress.logPosition = m_sequencerCounters.logPosition.get();
    return progress;
}

void SequencerPipeline::close()
{
    if (m_isClosed)
    {
        return;
    }
    for (const auto& runner : m_runners)
    {
        runner->close();
    }
    if (m_invoker)
    {
        m_invoker->close();
    }
    m_isClosed = true;
}

PipelineResult SequencerPipeline::result() const
{
    if (!m_isClosed)
    {
        throw util::IllegalStateException("pipeline result read before close()");
    }
    PipelineResult result;
    for (const auto& client : m_clients)
    {
        result.sentPerClient.push_back(client->sentCount());
        result.sent += client->sentCount();
    }
    result.sequenced = m_sequencerCounters.sequenced.get();
    result.rejected = m_sequencerCounters.rejected.get();
    result.logBackPressure = m_sequencerCounters.logBackPressure.get();
    result.logPosition = m_sequencerCounters.logPosition.get();
    result.ingressBackPressure = m_ingressBackPressure.get();
    result.consumed = m_serviceCounters.consumed.get();
    result.applied = m_serviceCounters.applied.get();
    result.crcFailures = m_serviceCounters.crcFailures.get();
    result.sequenceGaps = m_serviceCounters.sequenceGaps.get();
    result.entries = m_service->store().size();
    result.expectedEntries = expectedEntryCount(result.sentPerClient, m_config.keysPerClient);
    result.serviceStateHash = m_service->stateHash();
    result.recomputedStateHash = m_service->recomputeStateHash();
    result.expectedStateHash = expectedStateHash(result.sentPerClient, m_config.keysPerClient);
    result.errorCount = m_errorCounter.get();
    util::ErrorLogReader::read(m_errorLog->buffer(),
                               [&result](std::int32_t observations, std::int64_t, std::int64_t, std::string_view text)
                               { result.errors.push_back({observations, std::string(text)}); });
    return result;
}

const util::Histogram& SequencerPipeline::latencyHistogram() const
{
    if (!m_isClosed)
    {
        throw util::IllegalStateException("latency histogram read before close()");
    }
    return m_service->latencyHistogram();
}
} // namespace cox::apps::demo

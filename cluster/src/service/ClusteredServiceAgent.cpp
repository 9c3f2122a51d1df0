#include "service/ClusteredServiceAgent.hpp"

#include "SnapshotIo.hpp"

#include <thread>

#include <algorithm>
#include <functional>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "cox/codecs/cluster/ClusterActionRequest.hpp"
#include "cox/codecs/cluster/ClusterSchema.hpp"
#include "cox/codecs/cluster/JoinLog.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/NewLeadershipTermEvent.hpp"
#include "cox/codecs/cluster/ServiceTerminationPosition.hpp"
#include "cox/codecs/cluster/SessionCloseEvent.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/codecs/cluster/SessionOpenEvent.hpp"
#include "cox/codecs/cluster/TimerEvent.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;
using transport::PublicationResult;

namespace
{
constexpr std::int64_t SLOW_TICK_INTERVAL_NS = 1'000'000'000;
constexpr std::int64_t LIVE_LOG_MAX_POSITION = std::numeric_limits<std::int64_t>::max();
constexpr std::int32_t SERVICE_ERROR_KEY_LENGTH = 8;

template <typename Decoder>
bool decodeBody(Decoder& decoder, const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                std::uint16_t version, codecs::sbe::DecodeError& error) noexcept
{
    error = decoder.wrapForDecode(data, cc::MessageHeaderDecoder::ENCODED_LENGTH, blockLength, version, length);
    return error == codecs::sbe::DecodeError::NONE;
}
/// What Cluster::idleStrategy() gives a service in a single-threaded node: idling also runs the archive and the
/// driver, so a service reading its snapshot or waiting out back pressure lets them make the progress it waits on.
class InvokingIdleStrategy final : public util::IdleStrategy
{
public:
    InvokingIdleStrategy(std::unique_ptr<util::IdleStrategy> inner, std::function<int()> invoker)
        : m_inner(std::move(inner)), m_invoker(std::move(invoker))
    {
    }

    void idle() noexcept override
    {
        try
        {
            if (m_invoker() > 0)
            {
                m_inner->reset();
                return;
            }
        }
        catch (const std::exception&)
        {
            // The archive's or driver's own error handling has recorded it; idling must not throw.
        }
        m_inner->idle();
    }
    void reset() noexcept override { m_inner->reset(); }
    [[nodiscard]] std::string_view alias() const noexcept override { return m_inner->alias(); }

private:
    std::unique_ptr<util::IdleStrategy> m_inner;
    std::function<int()> m_invoker;
};

std::unique_ptr<util::IdleStrategy> serviceIdleStrategy(const ClusteredServiceContainerContext& context)
{
    auto strategy = util::newIdleStrategy(context.idleStrategy);
    if (!context.archiveInvoker)
    {
        return strategy;
    }
    std::function<int()> invoker = [aeron = context.aeron, archiveInvoker = context.archiveInvoker]
    { return aeron->conductorAgentInvoker().invoke() + archiveInvoker(); };
    return std::make_unique<InvokingIdleStrategy>(std::move(strategy), std::move(invoker));
}
} // namespace

void ServiceControlHandler::operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                       const transport::Header& /*header*/) const
{
    agent->onControlMessage(buffer, offset, length);
}

void ServiceLogHandler::operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                   const transport::Header& header) const
{
    agent->onLogEntry(buffer, offset, length, header);
}

ClusteredServiceAgent::ClusteredServiceAgent(const ClusteredServiceContainerContext& context)
    : m_context(context),
      m_service(*context.clusteredService),
      m_idleStrategy(serviceIdleStrategy(context)),
      m_controlAssembler(ServiceControlHandler{this}),
      m_logAssembler(ServiceLogHandler{this}),
      m_scratch(std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(
          transport::BufferClaim::DataHeaderFlyweight::HEADER_LENGTH + SESSION_HEADER_LENGTH +
          MAX_SCRATCH_CLAIM_LENGTH)))
{
    m_scratchBuffer.wrap(m_scratch.get(), static_cast<std::size_t>(transport::BufferClaim::DataHeaderFlyweight::HEADER_LENGTH +
                                                                   SESSION_HEADER_LENGTH + MAX_SCRATCH_CLAIM_LENGTH));
    m_sessionById.reserve(64);
    m_sessions.reserve(64);
}

ClusteredServiceAgent::~ClusteredServiceAgent() = default;

// ---- lifecycle ----

void ClusteredServiceAgent::onStart()
{
    std::filesystem::create_directories(m_context.clusterDir);
    ClusterMarkFileHeader header;
    header.componentType = ClusterComponentType::CONTAINER;
    header.serviceId = m_context.serviceId;
    header.clusterId = m_context.clusterId;
    header.serviceStreamId = m_context.serviceStreamId;
    header.consensusModuleStreamId = m_context.consensusModuleStreamId;
    header.aeronDirectory = m_context.aeron->context().aeronDirectoryName;
    header.controlChannel = m_context.controlChannel;
    header.serviceName = "clustered-service";
    header.clusterDirectory = m_context.clusterDir;
    const std::string path =
        (std::filesystem::path(m_context.clusterDir) / ClusterMarkFile::fileName(m_context.serviceId)).string();
    m_markFile = ClusterMarkFile::create(path, header, static_cast<std::int32_t>(m_context.errorBufferLength),
                                         m_context.epochClock->time());
    m_errorLog = std::make_unique<util::DistinctErrorLog>(m_markFile->errorBuffer(), *m_context.epochClock);
}

void ClusteredServiceAgent::onClose()
{
    if (m_isServiceStarted && !m_isServiceTerminated)
    {
        // Aeron calls onTerminate when the agent closes without having been told to terminate.
        m_isServiceTerminated = true;
        try
        {
            BackgroundInvocation guard(m_isBackgroundInvocation);
            m_service.onTerminate(*this);
        }
        catch (const std::exception& e)
        {
            reportError(e);
        }
    }
    closeLog();
    m_sessions.clear();
    m_sessionById.clear();
    try
    {
        if (m_controlSubscription)
        {
            m_controlSubscription->close();
        }
        if (m_consensusModuleProxy.publication() != nullptr)
        {
            m_consensusModuleProxy.publication()->close();
        }
        if (m_errorCounter)
        {
            m_errorCounter->close();
        }
        if (m_archive)
        {
            m_archive->close();
            m_archive.reset();
        }
    }
    catch (const std::exception& e)
    {
        reportError(e);
    }
    if (m_markFile)
    {
        m_markFile->close();
    }
}

int ClusteredServiceAgent::doWork()
{
    if (m_state == State::TERMINATED)
    {
        return 0;
    }
    const std::int64_t nowNs = m_context.nanoClock->nanoTime();
    int workCount = m_context.aeron->conductorAgentInvoker().invoke();
    switch (m_state)
    {
    case State::AWAITING_COUNTERS:
        return workCount + awaitCounters();
    case State::AWAITING_CONTROL:
        return workCount + awaitControl();
    case State::ACTIVE:
        break;
    case State::TERMINATED:
        return workCount;
    }

    workCount += resolvePending();
    if (!sendPendingAck() || m_state == State::TERMINATED)
    {
        return workCount;
    }
    workCount += slowTick(nowNs);
    if (m_state == State::TERMINATED)
    {
        return workCount;
    }
    workCount += pollControl();
    workCount += checkRole();
    workCount += pollLog();
    checkTermination();
    if (m_state == State::ACTIVE && !m_pendingAck)
    {
        BackgroundInvocation guard(m_isBackgroundInvocation);
        workCount += m_service.doBackgroundWork(nowNs);
    }
    return workCount;
}

int ClusteredServiceAgent::awaitCounters()
{
    const util::CountersReader& counters = m_context.aeron->countersReader();
    const std::int32_t commitPositionId =
        ClusterCounters::find(counters, ClusterCounters::COMMIT_POSITION_TYPE_ID, m_context.clusterId);
    if (commitPositionId == ClusterCounters::NULL_COUNTER_ID)
    {
        return 0;
    }
    const std::int32_t recoveryStateId = RecoveryState::findCounterId(counters, m_context.clusterId);
    if (recoveryStateId == ClusterCounters::NULL_COUNTER_ID)
    {
        return 0;
    }
    const std::optional<RecoveryState::Values> recoveryState = RecoveryState::read(counters, recoveryStateId);
    if (!recoveryState)
    {
        throw util::IllegalStateException("recovery state counter " + std::to_string(recoveryStateId) +
                                          " of clusterId=" + std::to_string(m_context.clusterId) +
                                          " has an invalid key");
    }
    if (m_context.serviceId >= recoveryState->serviceCount)
    {
        throw util::IllegalStateException("serviceId=" + std::to_string(m_context.serviceId) +
                                          " is not in the recovery state (serviceCount=" +
                                          std::to_string(recoveryState->serviceCount) + ")");
    }

    m_recoveryState = *recoveryState;
    m_commitPositionId = commitPositionId;
    m_commitPosition = util::Position(counters.valuesBuffer(), commitPositionId);
    m_logPosition = recoveryState->logPosition;
    m_clusterTime = recoveryState->timestamp;
    m_leadershipTermId = recoveryState->leadershipTermId;

    transport::Aeron& client = *m_context.aeron;
    m_controlSubscriptionId = client.asyncAddSubscription(m_context.controlChannel, m_context.serviceStreamId);
    m_controlPublicationId =
        client.asyncAddExclusivePublication(m_context.controlChannel, m_context.consensusModuleStreamId);
    std::array<std::uint8_t, SERVICE_ERROR_KEY_LENGTH> key{};
    std::memcpy(key.data(), &m_context.clusterId, sizeof(std::int32_t));
    std::memcpy(key.data() + sizeof(std::int32_t), &m_context.serviceId, sizeof(std::int32_t));
    m_errorCounterRegistrationId =
        client.asyncAddCounter(ClusterCounters::CLUSTERED_SERVICE_ERROR_COUNT_TYPE_ID, key,
                               ClusterCounters::label("Cluster Container Errors", m_context.clusterId) +
                                   " serviceId=" + std::to_string(m_context.serviceId));
    m_state = State::AWAITING_CONTROL;
    return 1;
}

int ClusteredServiceAgent::awaitControl()
{
    transport::Aeron& client = *m_context.aeron;
    if (!m_controlSubscription)
    {
        m_controlSubscription = client.findSubscription(m_controlSubscriptionId);
    }
    if (m_consensusModuleProxy.publication() == nullptr)
    {
        m_consensusModuleProxy.publication(client.findExclusivePublication(m_controlPublicationId));
    }
    if (!m_controlSubscription || m_consensusModuleProxy.publication() == nullptr)
    {
        return 0;
    }

    m_state = State::ACTIVE;
    m_isServiceStarted = true;
    const std::int64_t snapshotRecordingId = m_recoveryState.snapshotRecordingId(m_context.serviceId);
    if (snapshotRecordingId != RecoveryState::NULL_RECORDING_ID)
    {
        loadSnapshot(snapshotRecordingId);
    }
    else
    {
        BackgroundInvocation guard(m_isBackgroundInvocation);
        m_service.onStart(*this, nullptr);
    }
    queueAck(m_recoveryState.logPosition, m_recoveryState.timestamp, client.clientId(), false);
    static_cast<void>(sendPendingAck());
    return 1;
}

int ClusteredServiceAgent::slowTick(std::int64_t nowNs)
{
    if (nowNs < m_nextSlowTickNs)
    {
        return 0;
    }
    m_nextSlowTickNs = nowNs + SLOW_TICK_INTERVAL_NS;
    if (m_markFile)
    {
        m_markFile->updateActivityTimestamp(m_context.epochClock->time());
    }
    const util::CountersReader& counters = m_context.aeron->countersReader();
    if (counters.getCounterState(m_commitPositionId) != util::CountersDescriptor::RECORD_ALLOCATED)
    {
        reportError(util::IllegalStateException("the consensus module's commit position counter is gone: "
                                                "terminating the service"));
        terminate(false);
    }
    return 1;
}

// ---- acks and termination ----

void ClusteredServiceAgent::queueAck(std::int64_t logPosition, std::int64_t timestamp, std::int64_t relevantId,
                                     bool isFinal)
{
    m_pendingAck = PendingAck{logPosition, timestamp, relevantId, isFinal};
}

bool ClusteredServiceAgent::sendPendingAck()
{
    if (!m_pendingAck)
    {
        return true;
    }
    const std::int64_t result = m_consensusModuleProxy.ack(m_pendingAck->logPosition, m_pendingAck->timestamp,
                                                           m_nextAckId, m_pendingAck->relevantId, m_context.serviceId);
    if (result < 0)
    {
        if (result == PublicationResult::CLOSED || result == PublicationResult::MAX_POSITION_EXCEEDED)
        {
            throw util::IllegalStateException(std::string("ServiceAck cannot be sent: ") +
                                              PublicationResult::name(result));
        }
        return false;
    }
    ++m_nextAckId;
    const bool isFinal = m_pendingAck->isFinal;
    m_pendingAck.reset();
    if (isFinal)
    {
        m_state = State::TERMINATED;
    }
    return true;
}

void ClusteredServiceAgent::checkTermination()
{
    if (m_terminationPosition == NULL_POSITION || m_pendingAck)
    {
        return;
    }
    const std::int64_t position =
        m_activeLog && m_activeLog->image ? std::max(m_logPosition, m_activeLog->image->position()) : m_logPosition;
    if (position >= m_terminationPosition)
    {
        terminate(true);
    }
}

void ClusteredServiceAgent::terminate(bool sendAck)
{
    const std::int64_t terminationPosition = m_terminationPosition;
    m_terminationPosition = NULL_POSITION;
    closeLog();
    if (!m_isServiceTerminated)
    {
        m_isServiceTerminated = true;
        BackgroundInvocation guard(m_isBackgroundInvocation);
        m_service.onTerminate(*this);
    }
    if (sendAck)
    {
        queueAck(terminationPosition, m_clusterTime, NULL_VALUE, true);
        static_cast<void>(sendPendingAck());
    }
    else
    {
        m_state = State::TERMINATED;
    }
}

// ---- control channel ----

int ClusteredServiceAgent::pollControl()
{
    return m_controlSubscription->poll(m_controlAssembler.handler(), 10);
}

void ClusteredServiceAgent::onControlMessage(const util::AtomicBuffer& buffer, std::int32_t offset,
                                             std::int32_t length)
{
    const std::uint8_t* data = buffer.buffer() + offset;
    const auto dataLength = static_cast<std::size_t>(length);
    cc::MessageHeaderDecoder header;
    const codecs::sbe::DecodeError headerError = cc::checkHeader(data, 0, dataLength, header);
    if (headerError != codecs::sbe::DecodeError::NONE)
    {
        reportDecodeError(header.templateId(), codecs::sbe::toString(headerError), NULL_POSITION);
        return;
    }
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    switch (header.templateId())
    {
    case cc::TemplateId::JOIN_LOG:
        onJoinLog(data, dataLength, header.blockLength(), header.version());
        break;
    case cc::TemplateId::SERVICE_TERMINATION_POSITION:
    {
        cc::ServiceTerminationPositionDecoder decoder;
        if (!decodeBody(decoder, data, dataLength, header.blockLength(), header.version(), error))
        {
            reportDecodeError(header.templateId(), codecs::sbe::toString(error), NULL_POSITION);
            return;
        }
        m_terminationPosition = decoder.logPosition();
        break;
    }
    default:
        // Messages for the consensus module or for tools share the channel; none are ours.
        break;
    }
}

void ClusteredServiceAgent::onJoinLog(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                      std::uint16_t version)
{
    cc::JoinLogDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, data, length, blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::JOIN_LOG, codecs::sbe::toString(error), NULL_POSITION);
        return;
    }
    ActiveLog log;
    log.logPosition = decoder.logPosition();
    log.maxLogPosition = decoder.maxLogPosition();
    log.memberId = decoder.memberId();
    log.logSessionId = decoder.logSessionId();
    log.logStreamId = decoder.logStreamId();
    log.isStartup = decoder.isStartupRaw() == static_cast<std::int32_t>(cc::BooleanType::TRUE);
    log.role = decoder.role();
    log.logChannel = std::string(decoder.logChannel());
    m_pendingJoin = std::move(log);
    static_cast<void>(switchToPendingLog());
}

bool ClusteredServiceAgent::switchToPendingLog()
{
    if (!m_pendingJoin)
    {
        return false;
    }
    // The log being replaced (the previous term, as far as it reaches) is applied up to where the next one
    // starts, so no entry is skipped when the consensus module moves the services to a new term or a replay.
    if (m_activeLog && m_activeLog->image && !m_activeLog->image->isClosed() &&
        !m_activeLog->image->isEndOfStream() && m_activeLog->image->position() < m_pendingJoin->logPosition)
    {
        return false;
    }
    closeLog();
    ActiveLog log = std::move(*m_pendingJoin);
    m_pendingJoin.reset();
    log.subscriptionRegistrationId = m_context.aeron->asyncAddSubscription(log.logChannel, log.logStreamId);
    m_activeLog = std::move(log);
    return true;
}

void ClusteredServiceAgent::awaitLogImage()
{
    ActiveLog& log = *m_activeLog;
    if (!log.subscription)
    {
        log.subscription = m_context.aeron->findSubscription(log.subscriptionRegistrationId);
        if (!log.subscription)
        {
            return;
        }
    }
    log.image = log.subscription->imageBySessionId(log.logSessionId);
    if (!log.image)
    {
        return;
    }
    if (log.image->joinPosition() != log.logPosition)
    {
        const std::int64_t joinPosition = log.image->joinPosition();
        const std::int64_t expectedPosition = log.logPosition;
        closeLog();
        throw util::IllegalStateException("log image joined at position " + std::to_string(joinPosition) +
                                          ", JoinLog expected logPosition=" + std::to_string(expectedPosition));
    }
    m_memberId = log.memberId;
    m_logPosition = log.logPosition;
    // Joined: the consensus module lets the log flow (a replay's limit, a new term's first append) only once
    // every service has acked its join.
    queueAck(log.logPosition, m_clusterTime, NULL_VALUE, false);
    static_cast<void>(sendPendingAck());
    const std::optional<Role> newRole = roleFromCode(log.role);
    if (newRole && *newRole != m_role)
    {
        changeRole(*newRole);
    }
}

void ClusteredServiceAgent::closeLog() noexcept
{
    if (!m_activeLog)
    {
        return;
    }
    if (m_activeLog->subscription)
    {
        try
        {
            m_activeLog->subscription->close();
        }
        catch (const std::exception& e)
        {
            reportError(e);
        }
    }
    m_logAssembler.freeSessionBuffer(m_activeLog->logSessionId);
    m_activeLog.reset();
}

// ---- resolving asynchronous adds ----

int ClusteredServiceAgent::resolvePending()
{
    int workCount = 0;
    transport::Aeron& client = *m_context.aeron;
    if (!m_errorCounter && m_errorCounterRegistrationId != NULL_VALUE)
    {
        try
        {
            m_errorCounter = client.findCounter(m_errorCounterRegistrationId);
        }
        catch (const std::exception& e)
        {
            m_errorCounterRegistrationId = NULL_VALUE;
            reportError(e);
        }
        if (m_errorCounter)
        {
            m_errorCounter->setOrdered(m_errorCount);
            ++workCount;
        }
    }
    if (m_connectingSessionCount > 0)
    {
        m_connectingSessionCount = 0;
        for (ContainerClientSession* session : m_sessions)
        {
            try
            {
                session->resolvePublication(client);
            }
            catch (const std::exception& e)
            {
                reportError(e);
            }
            m_connectingSessionCount += session->isConnecting() ? 1 : 0;
        }
    }
    if (m_pendingJoin && switchToPendingLog())
    {
        ++workCount;
    }
    if (m_activeLog && !m_activeLog->image)
    {
        awaitLogImage();
    }
    return workCount;
}

// ---- role ----

int ClusteredServiceAgent::checkRole()
{
    if (m_nodeRoleId == ClusterCounters::NULL_COUNTER_ID)
    {
        // The consensus module allocates the role with the commit position; look until it is there.
        const util::CountersReader& counters = m_context.aeron->countersReader();
        m_nodeRoleId = ClusterCounters::find(counters, ClusterCounters::NODE_ROLE_TYPE_ID, m_context.clusterId);
        if (m_nodeRoleId == ClusterCounters::NULL_COUNTER_ID)
        {
            return 0;
        }
        m_nodeRole = util::Position(counters.valuesBuffer(), m_nodeRoleId);
    }
    const std::optional<Role> role = roleFromCode(m_nodeRole.getVolatile());
    if (!role || *role == m_role)
    {
        return 0;
    }
    changeRole(*role);
    return 1;
}

void ClusteredServiceAgent::changeRole(Role newRole)
{
    m_role = newRole;
    for (ContainerClientSession* session : m_sessions)
    {
        if (newRole == Role::LEADER)
        {
            session->connect(*m_context.aeron);
            m_connectingSessionCount += session->isConnecting() ? 1 : 0;
        }
        else
        {
            session->disconnect();
        }
    }
    BackgroundInvocation guard(m_isBackgroundInvocation);
    m_service.onRoleChange(newRole);
}

// ---- the log ----

int ClusteredServiceAgent::pollLog()
{
    if (!m_activeLog || !m_activeLog->image)
    {
        return 0;
    }
    transport::Image& image = *m_activeLog->image;
    const std::int64_t maxLogPosition = m_activeLog->maxLogPosition;
    std::int64_t limit = std::min(m_commitPosition.getVolatile(), maxLogPosition);
    if (m_terminationPosition != NULL_POSITION)
    {
        limit = std::min(limit, m_terminationPosition); // nothing after the termination position is applied
    }
    const int fragments = image.boundedPoll(m_logAssembler.handler(), limit, m_context.logFragmentLimit);
    if (!m_activeLog)
    {
        return fragments; // a callback terminated the agent
    }
    if (maxLogPosition != LIVE_LOG_MAX_POSITION && image.position() >= maxLogPosition)
    {
        // The replay is applied: the CM waits for every service's ack before it goes on.
        m_logPosition = std::max(m_logPosition, maxLogPosition);
        closeLog();
        queueAck(maxLogPosition, m_clusterTime, NULL_VALUE, false);
        static_cast<void>(sendPendingAck());
        return fragments + 1;
    }
    if (image.isClosed())
    {
        closeLog(); // the CM stopped the log; a new JoinLog follows its next election
    }
    return fragments;
}

void ClusteredServiceAgent::onLogEntry(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                       const transport::Header& header)
{
    const std::uint8_t* data = buffer.buffer() + offset;
    const auto dataLength = static_cast<std::size_t>(length);
    cc::MessageHeaderDecoder messageHeader;
    const codecs::sbe::DecodeError headerError = cc::checkHeader(data, 0, dataLength, messageHeader);
    if (headerError != codecs::sbe::DecodeError::NONE)
    {
        reportDecodeError(messageHeader.templateId(), codecs::sbe::toString(headerError), header.position());
        return;
    }
    const std::uint16_t blockLength = messageHeader.blockLength();
    const std::uint16_t version = messageHeader.version();
    switch (messageHeader.templateId())
    {
    case cc::TemplateId::SESSION_MESSAGE_HEADER:
        onSessionMessage(buffer, offset, length, header, blockLength, version);
        break;
    case cc::TemplateId::TIMER_EVENT:
        onTimerEvent(data, dataLength, blockLength, version, header);
        break;
    case cc::TemplateId::SESSION_OPEN_EVENT:
        onSessionOpen(data, dataLength, blockLength, version, header);
        break;
    case cc::TemplateId::SESSION_CLOSE_EVENT:
        onSessionClose(data, dataLength, blockLength, version, header);
        break;
    case cc::TemplateId::NEW_LEADERSHIP_TERM_EVENT:
        onNewLeadershipTerm(data, dataLength, blockLength, version, header);
        break;
    case cc::TemplateId::CLUSTER_ACTION_REQUEST:
        onClusterAction(data, dataLength, blockLength, version, header);
        break;
    default:
        // Log entries only the consensus module acts on (e.g. the legacy MembershipChangeEvent).
        m_logPosition = header.position();
        break;
    }
}

void ClusteredServiceAgent::onSessionMessage(const util::AtomicBuffer& buffer, std::int32_t offset,
                                             std::int32_t length, const transport::Header& header,
                                             std::uint16_t blockLength, std::uint16_t version)
{
    cc::SessionMessageHeaderDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, buffer.buffer() + offset, static_cast<std::size_t>(length), blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::SESSION_MESSAGE_HEADER, codecs::sbe::toString(error), header.position());
        return;
    }
    const std::int32_t payloadOffset =
        offset + static_cast<std::int32_t>(cc::MessageHeaderDecoder::ENCODED_LENGTH) + blockLength;
    const std::int32_t payloadLength = offset + length - payloadOffset;
    const std::int64_t clusterSessionId = decoder.clusterSessionId();
    const std::int64_t timestamp = decoder.timestamp();
    m_logPosition = header.position();
    m_clusterTime = timestamp;
    // A negative id is an inter-service message (Cluster::offer); an unknown one is delivered as Aeron does.
    ClientSession* session = clusterSessionId >= 0 ? getClientSession(clusterSessionId) : nullptr;
    m_service.onSessionMessage(session, timestamp, buffer, payloadOffset, payloadLength, header);
}

void ClusteredServiceAgent::onTimerEvent(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                         std::uint16_t version, const transport::Header& header)
{
    cc::TimerEventDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, data, length, blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::TIMER_EVENT, codecs::sbe::toString(error), header.position());
        return;
    }
    m_logPosition = header.position();
    m_clusterTime = decoder.timestamp();
    m_service.onTimerEvent(decoder.correlationId(), decoder.timestamp());
}

void ClusteredServiceAgent::onSessionOpen(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                          std::uint16_t version, const transport::Header& header)
{
    cc::SessionOpenEventDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, data, length, blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::SESSION_OPEN_EVENT, codecs::sbe::toString(error), header.position());
        return;
    }
    const std::int64_t clusterSessionId = decoder.clusterSessionId();
    const std::int64_t timestamp = decoder.timestamp();
    m_logPosition = header.position();
    m_clusterTime = timestamp;
    if (m_sessionById.contains(clusterSessionId))
    {
        reportError(util::IllegalStateException("SessionOpenEvent for clusterSessionId=" +
                                                std::to_string(clusterSessionId) + " which is already open"));
        return;
    }
    const std::int32_t responseStreamId = decoder.responseStreamId();
    std::string responseChannel(decoder.responseChannel());
    const std::string_view principal = decoder.encodedPrincipal();
    auto session = std::make_unique<ContainerClientSession>(
        *this, clusterSessionId, responseStreamId, std::move(responseChannel),
        std::vector<std::uint8_t>(principal.begin(), principal.end()));
    ContainerClientSession& added = *session;
    m_sessionById.emplace(clusterSessionId, std::move(session));
    m_sessions.push_back(&added);
    if (m_role == Role::LEADER)
    {
        added.connect(*m_context.aeron);
        m_connectingSessionCount += added.isConnecting() ? 1 : 0;
    }
    m_service.onSessionOpen(added, timestamp);
}

void ClusteredServiceAgent::onSessionClose(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                           std::uint16_t version, const transport::Header& header)
{
    cc::SessionCloseEventDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, data, length, blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::SESSION_CLOSE_EVENT, codecs::sbe::toString(error), header.position());
        return;
    }
    const std::int32_t rawReason = decoder.closeReasonRaw();
    if (!cc::isCloseReasonValid(rawReason))
    {
        reportDecodeError(cc::TemplateId::SESSION_CLOSE_EVENT, "invalid closeReason", header.position());
        return;
    }
    const std::int64_t clusterSessionId = decoder.clusterSessionId();
    const std::int64_t timestamp = decoder.timestamp();
    m_logPosition = header.position();
    m_clusterTime = timestamp;
    const auto it = m_sessionById.find(clusterSessionId);
    if (it == m_sessionById.end())
    {
        reportError(util::IllegalStateException("SessionCloseEvent for unknown clusterSessionId=" +
                                                std::to_string(clusterSessionId)));
        return;
    }
    std::unique_ptr<ContainerClientSession> session = std::move(it->second);
    m_sessionById.erase(it);
    m_sessions.erase(std::find(m_sessions.begin(), m_sessions.end(), session.get()));
    if (session->isConnecting())
    {
        --m_connectingSessionCount;
    }
    m_service.onSessionClose(*session, timestamp, static_cast<CloseReason>(rawReason));
    session->disconnect();
}

void ClusteredServiceAgent::onNewLeadershipTerm(const std::uint8_t* data, std::size_t length,
                                                std::uint16_t blockLength, std::uint16_t version,
                                                const transport::Header& header)
{
    cc::NewLeadershipTermEventDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, data, length, blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::NEW_LEADERSHIP_TERM_EVENT, codecs::sbe::toString(error),
                          header.position());
        return;
    }
    const ClusterTimeUnit timeUnit =
        decoder.timeUnitInActingVersion() ? timeUnitFromCode(decoder.timeUnitRaw()) : ClusterTimeUnit::MILLISECONDS;
    const std::int32_t appVersion = decoder.appVersionInActingVersion() ? decoder.appVersion() : 0;
    m_logPosition = header.position();
    m_clusterTime = decoder.timestamp();
    m_leadershipTermId = decoder.leadershipTermId();
    m_timeUnit = timeUnit;
    m_service.onNewLeadershipTermEvent(decoder.leadershipTermId(), decoder.logPosition(), decoder.timestamp(),
                                       decoder.termBaseLogPosition(), decoder.leaderMemberId(),
                                       decoder.logSessionId(), timeUnit, appVersion);
}

void ClusteredServiceAgent::onClusterAction(const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                            std::uint16_t version, const transport::Header& header)
{
    cc::ClusterActionRequestDecoder decoder;
    codecs::sbe::DecodeError error = codecs::sbe::DecodeError::NONE;
    if (!decodeBody(decoder, data, length, blockLength, version, error))
    {
        reportDecodeError(cc::TemplateId::CLUSTER_ACTION_REQUEST, codecs::sbe::toString(error), header.position());
        return;
    }
    m_logPosition = header.position();
    m_clusterTime = decoder.timestamp();
    const std::int32_t flags = decoder.flagsInActingVersion() ? decoder.flags() : 0;
    // SUSPEND and RESUME concern only the module; a standby snapshot (flags 1) is for standby nodes only.
    if (decoder.action() == cc::ClusterAction::SNAPSHOT && (flags == 0 || flags == decoder.flagsNullValue()))
    {
        onSnapshotAction(header.position(), decoder.leadershipTermId(), decoder.timestamp());
    }
}

// ---- Cluster: sessions, timers, inter-service messages ----

ClientSession* ClusteredServiceAgent::getClientSession(std::int64_t clusterSessionId) noexcept
{
    const auto it = m_sessionById.find(clusterSessionId);
    return it == m_sessionById.end() ? nullptr : it->second.get();
}

void ClusteredServiceAgent::forEachClientSession(const std::function<void(ClientSession&)>& consumer)
{
    for (ContainerClientSession* session : m_sessions)
    {
        consumer(*session);
    }
}

bool ClusteredServiceAgent::closeClientSession(std::int64_t clusterSessionId)
{
    checkForValidInvocation();
    const auto it = m_sessionById.find(clusterSessionId);
    if (it == m_sessionById.end())
    {
        throw util::IllegalArgumentException("unknown clusterSessionId=" + std::to_string(clusterSessionId));
    }
    ContainerClientSession& session = *it->second;
    if (session.isClosing())
    {
        return true;
    }
    if (checkResult(m_consensusModuleProxy.closeSession(clusterSessionId)))
    {
        session.markClosing();
        return true;
    }
    return false;
}

bool ClusteredServiceAgent::scheduleTimer(std::int64_t correlationId, std::int64_t deadline)
{
    checkForValidInvocation();
    if (deadline == std::numeric_limits<std::int64_t>::max())
    {
        throw util::IllegalArgumentException("timer deadline INT64_MAX is not allowed");
    }
    return checkResult(m_consensusModuleProxy.scheduleTimer(correlationId, deadline));
}

bool ClusteredServiceAgent::cancelTimer(std::int64_t correlationId)
{
    checkForValidInvocation();
    return checkResult(m_consensusModuleProxy.cancelTimer(correlationId));
}

std::int64_t ClusteredServiceAgent::offer(const std::uint8_t* payload, std::int32_t length)
{
    const transport::BufferVector vector{payload, length};
    return offer(std::span<const transport::BufferVector>(&vector, 1));
}

std::int64_t ClusteredServiceAgent::offer(std::span<const transport::BufferVector> vectors)
{
    checkForValidInvocation();
    return m_consensusModuleProxy.offer(m_leadershipTermId, m_context.serviceId, m_clusterTime, vectors);
}

std::int64_t ClusteredServiceAgent::tryClaim(std::int32_t length, transport::BufferClaim& claim)
{
    checkForValidInvocation();
    return m_consensusModuleProxy.tryClaim(m_leadershipTermId, m_context.serviceId, m_clusterTime, length, claim);
}

void ClusteredServiceAgent::checkForValidInvocation() const
{
    if (m_isBackgroundInvocation)
    {
        throw util::IllegalStateException(
            "sending messages or scheduling timers is not allowed from onStart, onTerminate, onRoleChange or "
            "doBackgroundWork");
    }
    if (m_state != State::ACTIVE)
    {
        throw util::IllegalStateException("the service container is not active");
    }
}

bool ClusteredServiceAgent::checkResult(std::int64_t result) const
{
    if (result > 0)
    {
        return true;
    }
    // As Aeron's ConsensusModuleProxy: retrying cannot help these, so they are errors, not back pressure.
    if (result == PublicationResult::CLOSED || result == PublicationResult::MAX_POSITION_EXCEEDED ||
        result == PublicationResult::ERROR)
    {
        throw util::IllegalStateException(std::string("control publication to the consensus module: ") +
                                          PublicationResult::name(result));
    }
    return false;
}

// ---- egress ----

transport::Publication* ClusteredServiceAgent::awaitSessionPublication(ContainerClientSession& session) noexcept
{
    // The first reply to a new session can come microseconds after its SessionOpenEvent, before the driver has
    // answered the add: wait for that answer here, once per session, rather than lose the reply. The driver
    // shares the consensus module's publication to the same client, which is already connected.
    if (session.publication() != nullptr || !session.isConnecting())
    {
        return session.publication();
    }
    transport::Aeron& aeron = *m_context.aeron;
    const std::int64_t deadlineNs = m_context.nanoClock->nanoTime() + aeron.context().driverTimeoutMs * 1'000'000;
    try
    {
        // The iteration bound keeps a frozen (simulated) clock from turning this into a hang.
        for (int attempt = 0; attempt < 1'000'000 && session.isConnecting() && session.publication() == nullptr &&
             m_context.nanoClock->nanoTime() < deadlineNs;
             ++attempt)
        {
            session.resolvePublication(aeron);
            if (session.publication() == nullptr)
            {
                int work = 0;
                if (aeron.context().useConductorAgentInvoker)
                {
                    work += aeron.conductorAgentInvoker().invoke();
                }
                if (aeron.context().driverInvoker)
                {
                    work += aeron.context().driverInvoker();
                }
                if (work == 0)
                {
                    std::this_thread::yield();
                }
            }
        }
    }
    catch (const std::exception& e)
    {
        reportError(e);
    }
    return session.publication();
}

std::int64_t ClusteredServiceAgent::offerEgress(ContainerClientSession& session,
                                                std::span<const transport::BufferVector> payload) noexcept
{
    if (m_role != Role::LEADER)
    {
        return ClientSession::MOCKED_OFFER;
    }
    transport::Publication* publication = awaitSessionPublication(session);
    if (publication == nullptr)
    {
        return PublicationResult::NOT_CONNECTED;
    }
    if (payload.size() > MAX_PAYLOAD_VECTORS)
    {
        return PublicationResult::ERROR;
    }
    encodeSessionHeader(m_egressHeader.data(), 0, m_egressHeader.size(), m_leadershipTermId, session.id(),
                        m_clusterTime);
    m_egressVectors[0] = {m_egressHeader.data(), SESSION_HEADER_LENGTH};
    std::copy(payload.begin(), payload.end(), m_egressVectors.begin() + 1);
    return publication->offer(std::span<const transport::BufferVector>(m_egressVectors.data(), payload.size() + 1));
}

std::int64_t ClusteredServiceAgent::tryClaimEgress(ContainerClientSession& session, std::int32_t length,
                                                   transport::BufferClaim& claim) noexcept
{
    if (length < 0 || length > std::numeric_limits<std::int32_t>::max() - SESSION_HEADER_LENGTH)
    {
        return PublicationResult::ERROR;
    }
    if (m_role != Role::LEADER)
    {
        if (length > MAX_SCRATCH_CLAIM_LENGTH)
        {
            return PublicationResult::ERROR;
        }
        // The service writes as on the leader, into a buffer nobody reads, so it runs the same code.
        claim.wrap(m_scratchBuffer, 0,
                   transport::BufferClaim::DataHeaderFlyweight::HEADER_LENGTH + SESSION_HEADER_LENGTH + length);
        encodeSessionHeader(m_scratch.get(), static_cast<std::size_t>(claim.offset()), m_scratchBuffer.capacity(),
                            m_leadershipTermId, session.id(), m_clusterTime);
        return ClientSession::MOCKED_OFFER;
    }
    transport::Publication* publication = awaitSessionPublication(session);
    if (publication == nullptr)
    {
        return PublicationResult::NOT_CONNECTED;
    }
    const std::int64_t result = publication->tryClaim(SESSION_HEADER_LENGTH + length, claim);
    if (result > 0)
    {
        encodeSessionHeader(claim.buffer().buffer(), static_cast<std::size_t>(claim.offset()),
                            claim.buffer().capacity(), m_leadershipTermId, session.id(), m_clusterTime);
    }
    return result;
}

// ---- errors ----

void ClusteredServiceAgent::reportError(const std::exception& error) noexcept
{
    ++m_errorCount;
    if (m_errorCounter)
    {
        m_errorCounter->setOrdered(m_errorCount);
    }
    try
    {
        if (m_errorLog && !m_errorLog->record(error))
        {
            util::printErrorToStderr(error);
        }
    }
    catch (...)
    {
        util::printErrorToStderr(error);
    }
    util::reportError(m_context.errorHandler, error);
}

void ClusteredServiceAgent::reportDecodeError(std::int32_t templateId, const char* what,
                                              std::int64_t position) noexcept
{
    try
    {
        reportError(util::IllegalArgumentException(
            "undecodable cluster message dropped: templateId=" + std::to_string(templateId) + " error=" + what +
            (position == NULL_POSITION ? std::string(" (control channel)")
                                       : " logPosition=" + std::to_string(position))));
    }
    catch (...)
    {
        ++m_errorCount; // no memory for the text; the count still shows it
    }
}
} // namespace cox::cluster

#include "cox/archive/AeronArchive.hpp"

#include <limits>

#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::archive
{
using transport::ChannelUri;

namespace
{
std::string withSessionId(const std::string& channel, std::int32_t sessionId)
{
    ChannelUri uri = ChannelUri::parse(channel);
    uri.put(ChannelUri::SESSION_ID_PARAM, std::to_string(sessionId));
    return uri.toString();
}

std::vector<std::uint8_t> credentials(const CredentialsSupplier& supplier)
{
    return supplier.encodedCredentials ? supplier.encodedCredentials() : std::vector<std::uint8_t>{};
}
} // namespace

// ---- AeronArchiveContext ----

void AeronArchiveContext::conclude()
{
    if (controlRequestChannel.empty() || controlResponseChannel.empty())
    {
        throw util::IllegalArgumentException("AeronArchiveContext: control request and response channels must be set");
    }
    if (messageTimeoutNs <= 0)
    {
        throw util::IllegalArgumentException("AeronArchiveContext: messageTimeoutNs must be positive, got " +
                                             std::to_string(messageTimeoutNs));
    }
    // Both are parsed now so a bad channel fails here, with the URI in the message, not at the first request.
    const ChannelUri responseUri = ChannelUri::parse(controlResponseChannel);
    static_cast<void>(ChannelUri::parse(controlRequestChannel));
    if (responseUri.isUdp())
    {
        const auto endpoint = responseUri.endpoint();
        if (!endpoint || endpoint->ends_with(":0"))
        {
            throw util::IllegalArgumentException("AeronArchiveContext: a UDP control response channel needs an "
                                                 "explicit endpoint port: " +
                                                 controlResponseChannel);
        }
    }
    if (!errorHandler)
    {
        errorHandler = util::printErrorToStderr;
    }
}

// ---- AsyncConnect ----

AeronArchive::AsyncConnect::AsyncConnect(AeronArchiveContext context) : m_context(std::move(context))
{
    m_context.conclude();
    m_aeron = m_context.aeron;
    if (!m_aeron)
    {
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_context.aeronDirectoryName;
        m_aeron = transport::Aeron::connect(aeronContext);
        m_ownsAeron = true;
    }
    m_deadlineNs = m_aeron->context().nanoClock->nanoTime() + m_context.messageTimeoutNs;
    try
    {
        m_subscriptionRegistrationId =
            m_aeron->asyncAddSubscription(m_context.controlResponseChannel, m_context.controlResponseStreamId);
        m_publicationRegistrationId =
            m_aeron->asyncAddExclusivePublication(m_context.controlRequestChannel, m_context.controlRequestStreamId);
    }
    catch (...)
    {
        closeResources();
        throw;
    }
}

AeronArchive::AsyncConnect::~AsyncConnect()
{
    closeResources();
}

void AeronArchive::AsyncConnect::closeResources() noexcept
{
    try
    {
        if (m_step != Step::DONE && m_proxy && m_controlSessionId != -1)
        {
            static_cast<void>(m_proxy->closeSession(m_controlSessionId));
        }
    }
    catch (const std::exception&)
    {
        // Best effort: the archive times the session out anyway.
    }
    try
    {
        if (m_publication)
        {
            m_publication->close();
        }
        else if (m_publicationRegistrationId != -1 && m_aeron && !m_aeron->isClosed())
        {
            if (auto publication = m_aeron->findExclusivePublication(m_publicationRegistrationId))
            {
                publication->close();
            }
        }
        if (m_subscription)
        {
            m_subscription->close();
        }
        else if (m_subscriptionRegistrationId != -1 && m_aeron && !m_aeron->isClosed())
        {
            if (auto subscription = m_aeron->findSubscription(m_subscriptionRegistrationId))
            {
                subscription->close();
            }
        }
        if (m_ownsAeron && m_aeron)
        {
            m_aeron->close();
        }
    }
    catch (const std::exception&)
    {
        // A refused registration or a closed client leaves nothing more to release.
    }
    m_publication.reset();
    m_subscription.reset();
    m_proxy.reset();
    m_poller.reset();
    m_publicationRegistrationId = -1;
    m_subscriptionRegistrationId = -1;
    if (m_ownsAeron)
    {
        m_aeron.reset();
    }
}

void AeronArchive::AsyncConnect::checkDeadline(std::int64_t nowNs) const
{
    if (nowNs - m_deadlineNs > 0)
    {
        throw ArchiveTimeoutException("archive connect timed out after " +
                                      std::to_string(m_context.messageTimeoutNs / 1'000'000) + " ms at step " +
                                      std::to_string(static_cast<int>(m_step)) + " (request channel " +
                                      m_context.controlRequestChannel + " stream " +
                                      std::to_string(m_context.controlRequestStreamId) + ", response channel " +
                                      m_context.controlResponseChannel + " stream " +
                                      std::to_string(m_context.controlResponseStreamId) + ")");
    }
}

void AeronArchive::AsyncConnect::awaitResponse(std::int64_t correlationId, Step onOk)
{
    while (m_poller->poll() > 0 || m_poller->isPollComplete())
    {
        if (!m_poller->isPollComplete() || m_poller->correlationId() != correlationId)
        {
            continue;
        }
        if (m_poller->wasChallenged())
        {
            m_controlSessionId = m_poller->controlSessionId();
            m_encodedChallenge = m_poller->encodedChallenge();
            m_step = Step::SEND_CHALLENGE_RESPONSE;
            return;
        }
        if (!m_poller->isControlResponse())
        {
            continue;
        }
        if (m_poller->code() != ControlResponseCode::OK)
        {
            m_controlSessionId = m_poller->controlSessionId();
            const std::int64_t code =
                m_poller->code() == ControlResponseCode::ERROR ? m_poller->relevantId() : 0;
            throw ArchiveResponseException(code, "archive connect refused: " + m_poller->errorMessage(),
                                           correlationId);
        }
        if (onOk == Step::SEND_ARCHIVE_ID_REQUEST)
        {
            m_controlSessionId = m_poller->relevantId();
            m_poller->controlSessionIdFilter(m_controlSessionId);
        }
        else
        {
            m_archiveId = m_poller->relevantId();
        }
        m_step = onOk;
        return;
    }
}

std::unique_ptr<AeronArchive> AeronArchive::AsyncConnect::poll()
{
    if (!m_aeron)
    {
        throw util::IllegalStateException("AsyncConnect already failed or completed");
    }
    try
    {
        checkDeadline(m_aeron->context().nanoClock->nanoTime());
        if (m_step == Step::ADD_PUBLICATION)
        {
            if (!m_subscription)
            {
                m_subscription = m_aeron->findSubscription(m_subscriptionRegistrationId);
            }
            if (!m_publication)
            {
                m_publication = m_aeron->findExclusivePublication(m_publicationRegistrationId);
            }
            if (!m_subscription || !m_publication)
            {
                return nullptr;
            }
            m_proxy = std::make_unique<ArchiveProxy>(m_publication);
            m_poller = std::make_unique<ControlResponsePoller>(m_subscription);
            m_step = Step::AWAIT_PUBLICATION_CONNECTED;
        }
        if (m_step == Step::AWAIT_PUBLICATION_CONNECTED)
        {
            if (!m_publication->isConnected())
            {
                return nullptr;
            }
            m_step = Step::SEND_CONNECT_REQUEST;
        }
        if (m_step == Step::SEND_CONNECT_REQUEST)
        {
            if (m_correlationId == -1)
            {
                m_correlationId = m_aeron->nextCorrelationId();
            }
            if (!m_proxy->tryConnect(m_context.controlResponseChannel, m_context.controlResponseStreamId,
                                     credentials(m_context.credentialsSupplier), m_correlationId))
            {
                return nullptr;
            }
            m_step = Step::AWAIT_SUBSCRIPTION_CONNECTED;
        }
        if (m_step == Step::AWAIT_SUBSCRIPTION_CONNECTED)
        {
            if (!m_subscription->isConnected())
            {
                return nullptr;
            }
            m_step = Step::AWAIT_CONNECT_RESPONSE;
        }
        if (m_step == Step::AWAIT_CONNECT_RESPONSE || m_step == Step::AWAIT_CHALLENGE_RESPONSE)
        {
            awaitResponse(m_correlationId, Step::SEND_ARCHIVE_ID_REQUEST);
        }
        if (m_step == Step::SEND_CHALLENGE_RESPONSE)
        {
            const std::vector<std::uint8_t> answer = m_context.credentialsSupplier.onChallenge
                                                         ? m_context.credentialsSupplier.onChallenge(m_encodedChallenge)
                                                         : std::vector<std::uint8_t>{};
            // The archive adopts the correlation id of the challenge response for its answer.
            const std::int64_t correlationId = m_aeron->nextCorrelationId();
            if (!m_proxy->tryChallengeResponse(answer, correlationId, m_controlSessionId))
            {
                return nullptr;
            }
            m_correlationId = correlationId;
            m_step = Step::AWAIT_CHALLENGE_RESPONSE;
            awaitResponse(m_correlationId, Step::SEND_ARCHIVE_ID_REQUEST);
        }
        if (m_step == Step::SEND_ARCHIVE_ID_REQUEST)
        {
            const std::int64_t correlationId = m_aeron->nextCorrelationId();
            if (!m_proxy->archiveId(correlationId, m_controlSessionId))
            {
                return nullptr;
            }
            m_correlationId = correlationId;
            m_step = Step::AWAIT_ARCHIVE_ID_RESPONSE;
        }
        if (m_step == Step::AWAIT_ARCHIVE_ID_RESPONSE)
        {
            awaitResponse(m_correlationId, Step::DONE);
            if (m_step != Step::DONE)
            {
                return nullptr;
            }
        }
        if (m_step == Step::DONE)
        {
            if (!m_proxy->keepAlive(NULL_VALUE, m_controlSessionId))
            {
                return nullptr;
            }
            auto archive = std::unique_ptr<AeronArchive>(new AeronArchive(
                std::move(m_context), m_aeron, m_ownsAeron, std::move(m_proxy), std::move(m_poller), m_subscription,
                m_controlSessionId, m_archiveId));
            // Ownership moved to the client: nothing is left for the destructor to release.
            m_publication.reset();
            m_subscription.reset();
            m_publicationRegistrationId = -1;
            m_subscriptionRegistrationId = -1;
            m_ownsAeron = false;
            m_aeron.reset();
            return archive;
        }
        return nullptr;
    }
    catch (...)
    {
        closeResources();
        throw;
    }
}

// ---- AeronArchive ----

std::unique_ptr<AeronArchive> AeronArchive::connect(AeronArchiveContext context)
{
    AsyncConnect asyncConnect(std::move(context));
    std::shared_ptr<transport::Aeron> aeron = asyncConnect.aeron();
    std::function<int()> archiveInvoker = asyncConnect.context().archiveInvoker;
    util::BackoffIdleStrategy idleStrategy;
    while (true)
    {
        if (auto archive = asyncConnect.poll())
        {
            return archive;
        }
        int work = 0;
        if (aeron->context().useConductorAgentInvoker)
        {
            work += aeron->conductorAgentInvoker().invoke();
        }
        if (aeron->context().driverInvoker)
        {
            work += aeron->context().driverInvoker();
        }
        if (archiveInvoker)
        {
            work += archiveInvoker();
        }
        idleStrategy.idle(work);
    }
}

std::unique_ptr<AeronArchive::AsyncConnect> AeronArchive::asyncConnect(AeronArchiveContext context)
{
    return std::make_unique<AsyncConnect>(std::move(context));
}

AeronArchive::AeronArchive(AeronArchiveContext context, std::shared_ptr<transport::Aeron> aeron, bool ownsAeron,
                           std::unique_ptr<ArchiveProxy> proxy, std::unique_ptr<ControlResponsePoller> poller,
                           std::shared_ptr<transport::Subscription> subscription, std::int64_t controlSessionId,
                           std::int64_t archiveId)
    : m_context(std::move(context)),
      m_aeron(std::move(aeron)),
      m_ownsAeron(ownsAeron),
      m_proxy(std::move(proxy)),
      m_poller(std::move(poller)),
      m_subscription(std::move(subscription)),
      m_idleStrategy(std::make_unique<util::BackoffIdleStrategy>()),
      m_controlSessionId(controlSessionId),
      m_archiveId(archiveId)
{
    m_poller->controlSessionIdFilter(m_controlSessionId);
}

AeronArchive::~AeronArchive()
{
    try
    {
        close();
    }
    catch (const std::exception& error)
    {
        util::reportError(m_context.errorHandler, error);
    }
}

void AeronArchive::close()
{
    std::lock_guard lock(m_lock);
    if (m_isClosed)
    {
        return;
    }
    m_isClosed = true;
    if (!m_aeron->isClosed())
    {
        try
        {
            static_cast<void>(m_proxy->closeSession(m_controlSessionId));
        }
        catch (const std::exception&)
        {
            // Best effort: the archive notices the response publication going away.
        }
        m_proxy->publication()->close();
        m_subscription->close();
    }
    if (m_ownsAeron)
    {
        m_aeron->close();
    }
}

const std::shared_ptr<transport::Subscription>& AeronArchive::controlResponseSubscription() const noexcept
{
    return m_subscription;
}

void AeronArchive::ensureOpen() const
{
    if (m_isClosed)
    {
        throw util::IllegalStateException("AeronArchive is closed");
    }
}

std::int64_t AeronArchive::nowNs() const noexcept
{
    return m_aeron->context().nanoClock->nanoTime();
}

void AeronArchive::ensureConnected(const char* requestName) const
{
    if (m_aeron->isClosed() || m_subscription->isClosed())
    {
        throw ArchiveException(ArchiveErrorCode::GENERIC,
                               std::string(requestName) + ": the connection to the archive was closed");
    }
    // As Aeron: an archive that closed this control session (it timed it out) also closed the response stream, so
    // no response can come; failing now spares the caller the whole message timeout.
    if (!m_subscription->isConnected())
    {
        throw ArchiveException(ArchiveErrorCode::UNKNOWN_CONTROL_SESSION,
                               std::string(requestName) + ": the archive's response stream is not connected "
                                                          "(the archive closed control session " +
                                   std::to_string(m_controlSessionId) + ")");
    }
}

void AeronArchive::idle()
{
    int work = 0;
    const transport::AeronContext& aeronContext = m_aeron->context();
    if (aeronContext.useConductorAgentInvoker)
    {
        work += m_aeron->conductorAgentInvoker().invoke();
    }
    if (aeronContext.driverInvoker)
    {
        work += aeronContext.driverInvoker();
    }
    if (m_context.archiveInvoker)
    {
        work += m_context.archiveInvoker();
    }
    m_idleStrategy->idle(work);
}

template <typename Send> void AeronArchive::send(const char* requestName, std::int64_t correlationId, Send&& send)
{
    const std::int64_t deadlineNs = nowNs() + m_context.messageTimeoutNs;
    while (!send(correlationId))
    {
        if (nowNs() - deadlineNs > 0)
        {
            throw ArchiveTimeoutException(std::string("failed to send ") + requestName + " request within " +
                                          std::to_string(m_context.messageTimeoutNs / 1'000'000) +
                                          " ms: correlationId=" + std::to_string(correlationId));
        }
        idle();
    }
}

template <typename Send> std::int64_t AeronArchive::request(const char* requestName, Send&& sendRequest)
{
    ensureOpen();
    const std::int64_t correlationId = m_aeron->nextCorrelationId();
    send(requestName, correlationId, sendRequest);
    return pollForResponse(requestName, correlationId);
}

void AeronArchive::dispatchSignal()
{
    if (m_context.recordingSignalConsumer)
    {
        m_context.recordingSignalConsumer(m_poller->controlSessionId(), m_poller->correlationId(),
                                          m_poller->recordingId(), m_poller->subscriptionId(), m_poller->position(),
                                          m_poller->recordingSignal());
    }
}

void AeronArchive::onUnrelatedMessage()
{
    if (m_poller->isRecordingSignal())
    {
        dispatchSignal();
    }
    else if (m_poller->isCodeError())
    {
        util::reportError(m_context.errorHandler,
                          ArchiveResponseException(m_poller->relevantId(), m_poller->errorMessage(),
                                                   m_poller->correlationId()));
    }
}

std::int64_t AeronArchive::pollForResponse(const char* requestName, std::int64_t correlationId)
{
    const std::int64_t deadlineNs = nowNs() + m_context.messageTimeoutNs;
    while (true)
    {
        const int fragments = m_poller->poll();
        if (m_poller->isPollComplete())
        {
            if (m_poller->isControlResponse() && m_poller->correlationId() == correlationId)
            {
                if (m_poller->code() == ControlResponseCode::ERROR)
                {
                    throw ArchiveResponseException(m_poller->relevantId(),
                                                   std::string(requestName) + ": " + m_poller->errorMessage(),
                                                   correlationId);
                }
                if (m_poller->code() != ControlResponseCode::OK)
                {
                    throw ArchiveResponseException(
                        static_cast<std::int64_t>(ArchiveErrorCode::GENERIC),
                        std::string(requestName) + ": unexpected response code " + toString(m_poller->code()),
                        correlationId);
                }
                return m_poller->relevantId();
            }
            onUnrelatedMessage();
            continue;
        }
        ensureConnected(requestName);
        if (nowNs() - deadlineNs > 0)
        {
            throw ArchiveResponseTimeoutException(std::string(requestName) + " response not received within " +
                                          std::to_string(m_context.messageTimeoutNs / 1'000'000) +
                                          " ms: correlationId=" + std::to_string(correlationId) +
                                          " controlSessionId=" + std::to_string(m_controlSessionId));
        }
        if (fragments == 0)
        {
            idle();
        }
    }
}

int AeronArchive::pollForDescriptors(const char* requestName, std::int64_t correlationId, std::int32_t recordCount,
                                     const RecordingDescriptorConsumer& consumer)
{
    std::int32_t remaining = recordCount;
    std::int64_t deadlineNs = nowNs() + m_context.messageTimeoutNs;
    while (remaining > 0)
    {
        const int fragments = m_poller->poll();
        if (m_poller->isPollComplete())
        {
            if (m_poller->correlationId() == correlationId)
            {
                if (m_poller->isRecordingDescriptor())
                {
                    consumer(m_poller->recordingDescriptor());
                    --remaining;
                    // A long listing is paced by the archive: only silence counts against the timeout.
                    deadlineNs = nowNs() + m_context.messageTimeoutNs;
                    continue;
                }
                if (m_poller->isControlResponse())
                {
                    if (m_poller->code() == ControlResponseCode::RECORDING_UNKNOWN)
                    {
                        break;
                    }
                    if (m_poller->code() == ControlResponseCode::ERROR)
                    {
                        throw ArchiveResponseException(m_poller->relevantId(),
                                                       std::string(requestName) + ": " + m_poller->errorMessage(),
                                                       correlationId);
                    }
                    // An OK under the listing's id carries nothing; keep waiting for descriptors.
                    continue;
                }
            }
            onUnrelatedMessage();
            continue;
        }
        ensureConnected(requestName);
        if (nowNs() - deadlineNs > 0)
        {
            throw ArchiveResponseTimeoutException(std::string(requestName) + " descriptors not received within " +
                                          std::to_string(m_context.messageTimeoutNs / 1'000'000) +
                                          " ms: correlationId=" + std::to_string(correlationId) + ", received " +
                                          std::to_string(recordCount - remaining) + " of " +
                                          std::to_string(recordCount));
        }
        if (fragments == 0)
        {
            idle();
        }
    }
    return recordCount - remaining;
}

// ---- recording ----

std::int64_t AeronArchive::startRecording(const std::string& channel, std::int32_t streamId,
                                          SourceLocation sourceLocation, bool autoStop)
{
    std::lock_guard lock(m_lock);
    return request("StartRecording",
                   [&](std::int64_t correlationId)
                   {
                       return m_proxy->startRecording(channel, streamId, sourceLocation, autoStop, correlationId,
                                                      m_controlSessionId);
                   });
}

std::int64_t AeronArchive::extendRecording(std::int64_t recordingId, const std::string& channel,
                                           std::int32_t streamId, SourceLocation sourceLocation, bool autoStop)
{
    std::lock_guard lock(m_lock);
    return request("ExtendRecording",
                   [&](std::int64_t correlationId)
                   {
                       return m_proxy->extendRecording(channel, streamId, sourceLocation, autoStop, recordingId,
                                                       correlationId, m_controlSessionId);
                   });
}

void AeronArchive::stopRecording(const std::string& channel, std::int32_t streamId)
{
    std::lock_guard lock(m_lock);
    request("StopRecording", [&](std::int64_t correlationId)
            { return m_proxy->stopRecording(channel, streamId, correlationId, m_controlSessionId); });
}

void AeronArchive::stopRecording(std::int64_t subscriptionId)
{
    std::lock_guard lock(m_lock);
    request("StopRecordingSubscription", [&](std::int64_t correlationId)
            { return m_proxy->stopRecording(subscriptionId, correlationId, m_controlSessionId); });
}

void AeronArchive::stopRecording(const transport::Publication& publication)
{
    stopRecording(withSessionId(publication.channel(), publication.sessionId()), publication.streamId());
}

bool AeronArchive::tryStopRecording(std::int64_t subscriptionId)
{
    try
    {
        stopRecording(subscriptionId);
        return true;
    }
    catch (const ArchiveException& error)
    {
        if (error.errorCode() == ArchiveErrorCode::UNKNOWN_SUBSCRIPTION)
        {
            return false;
        }
        throw;
    }
}

bool AeronArchive::tryStopRecording(const std::string& channel, std::int32_t streamId)
{
    try
    {
        stopRecording(channel, streamId);
        return true;
    }
    catch (const ArchiveException& error)
    {
        if (error.errorCode() == ArchiveErrorCode::UNKNOWN_SUBSCRIPTION)
        {
            return false;
        }
        throw;
    }
}

bool AeronArchive::tryStopRecordingByIdentity(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("StopRecordingByIdentity",
                   [&](std::int64_t correlationId)
                   { return m_proxy->stopRecordingByIdentity(recordingId, correlationId, m_controlSessionId); }) != 0;
}

template <typename PublicationT>
std::shared_ptr<PublicationT> AeronArchive::recordPublication(std::shared_ptr<PublicationT> publication)
{
    if (!publication->isOriginal())
    {
        publication->close();
        throw util::IllegalStateException("publication already added for channel " + publication->channel() +
                                          " stream " + std::to_string(publication->streamId()));
    }
    try
    {
        startRecording(withSessionId(publication->channel(), publication->sessionId()), publication->streamId(),
                       SourceLocation::LOCAL);
    }
    catch (...)
    {
        publication->close();
        throw;
    }
    return publication;
}

std::shared_ptr<transport::Publication> AeronArchive::addRecordedPublication(const std::string& channel,
                                                                             std::int32_t streamId)
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    return recordPublication(m_aeron->addPublication(channel, streamId));
}

std::shared_ptr<transport::ExclusivePublication> AeronArchive::addRecordedExclusivePublication(
    const std::string& channel, std::int32_t streamId)
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    return recordPublication(m_aeron->addExclusivePublication(channel, streamId));
}

// ---- positions and listing ----

std::int64_t AeronArchive::getRecordingPosition(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("RecordingPosition", [&](std::int64_t correlationId)
                   { return m_proxy->getRecordingPosition(recordingId, correlationId, m_controlSessionId); });
}

std::int64_t AeronArchive::getStartPosition(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("StartPosition", [&](std::int64_t correlationId)
                   { return m_proxy->getStartPosition(recordingId, correlationId, m_controlSessionId); });
}

std::int64_t AeronArchive::getStopPosition(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("StopPosition", [&](std::int64_t correlationId)
                   { return m_proxy->getStopPosition(recordingId, correlationId, m_controlSessionId); });
}

std::int64_t AeronArchive::getMaxRecordedPosition(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("MaxRecordedPosition", [&](std::int64_t correlationId)
                   { return m_proxy->getMaxRecordedPosition(recordingId, correlationId, m_controlSessionId); });
}

int AeronArchive::listRecording(std::int64_t recordingId, const RecordingDescriptorConsumer& consumer)
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    const std::int64_t correlationId = m_aeron->nextCorrelationId();
    send("ListRecording", correlationId,
         [&](std::int64_t id) { return m_proxy->listRecording(recordingId, id, m_controlSessionId); });
    return pollForDescriptors("ListRecording", correlationId, 1, consumer);
}

int AeronArchive::listRecordings(std::int64_t fromRecordingId, std::int32_t recordCount,
                                 const RecordingDescriptorConsumer& consumer)
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    const std::int64_t correlationId = m_aeron->nextCorrelationId();
    send("ListRecordings", correlationId,
         [&](std::int64_t id)
         { return m_proxy->listRecordings(fromRecordingId, recordCount, id, m_controlSessionId); });
    return pollForDescriptors("ListRecordings", correlationId, recordCount, consumer);
}

int AeronArchive::listRecordingsForUri(std::int64_t fromRecordingId, std::int32_t recordCount,
                                       const std::string& channelFragment, std::int32_t streamId,
                                       const RecordingDescriptorConsumer& consumer)
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    const std::int64_t correlationId = m_aeron->nextCorrelationId();
    send("ListRecordingsForUri", correlationId,
         [&](std::int64_t id)
         {
             return m_proxy->listRecordingsForUri(fromRecordingId, recordCount, channelFragment, streamId, id,
                                                  m_controlSessionId);
         });
    return pollForDescriptors("ListRecordingsForUri", correlationId, recordCount, consumer);
}

std::int64_t AeronArchive::findLastMatchingRecording(std::int64_t minRecordingId, const std::string& channelFragment,
                                                     std::int32_t streamId, std::int32_t sessionId)
{
    std::lock_guard lock(m_lock);
    return request("FindLastMatchingRecording",
                   [&](std::int64_t correlationId)
                   {
                       return m_proxy->findLastMatchingRecording(minRecordingId, channelFragment, streamId, sessionId,
                                                                 correlationId, m_controlSessionId);
                   });
}

// ---- replay ----

std::int64_t AeronArchive::startReplay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                                       const std::string& replayChannel, std::int32_t replayStreamId)
{
    std::lock_guard lock(m_lock);
    return request("Replay",
                   [&](std::int64_t correlationId)
                   {
                       return m_proxy->replay(recordingId, position, length, replayChannel, replayStreamId,
                                              correlationId, m_controlSessionId);
                   });
}

std::int64_t AeronArchive::startBoundedReplay(std::int64_t recordingId, std::int64_t position, std::int64_t length,
                                              std::int32_t limitCounterId, const std::string& replayChannel,
                                              std::int32_t replayStreamId)
{
    std::lock_guard lock(m_lock);
    return request("BoundedReplay",
                   [&](std::int64_t correlationId)
                   {
                       return m_proxy->boundedReplay(recordingId, position, length, limitCounterId, replayChannel,
                                                     replayStreamId, correlationId, m_controlSessionId);
                   });
}

std::shared_ptr<transport::Subscription> AeronArchive::replay(std::int64_t recordingId, std::int64_t position,
                                                              std::int64_t length, const std::string& replayChannel,
                                                              std::int32_t replayStreamId)
{
    std::lock_guard lock(m_lock);
    // Parse first so a bad channel fails before the archive starts a replay nobody will read.
    static_cast<void>(ChannelUri::parse(replayChannel));
    const std::int64_t replaySessionId = startReplay(recordingId, position, length, replayChannel, replayStreamId);
    return m_aeron->addSubscription(withSessionId(replayChannel, static_cast<std::int32_t>(replaySessionId)),
                                    replayStreamId);
}

void AeronArchive::stopReplay(std::int64_t replaySessionId)
{
    std::lock_guard lock(m_lock);
    request("StopReplay", [&](std::int64_t correlationId)
            { return m_proxy->stopReplay(replaySessionId, correlationId, m_controlSessionId); });
}

void AeronArchive::stopAllReplays(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    request("StopAllReplays", [&](std::int64_t correlationId)
            { return m_proxy->stopAllReplays(recordingId, correlationId, m_controlSessionId); });
}

// ---- truncate, purge, segments ----

std::int64_t AeronArchive::truncateRecording(std::int64_t recordingId, std::int64_t position)
{
    std::lock_guard lock(m_lock);
    return request("TruncateRecording", [&](std::int64_t correlationId)
                   { return m_proxy->truncateRecording(recordingId, position, correlationId, m_controlSessionId); });
}

std::int64_t AeronArchive::purgeRecording(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("PurgeRecording", [&](std::int64_t correlationId)
                   { return m_proxy->purgeRecording(recordingId, correlationId, m_controlSessionId); });
}

std::int64_t AeronArchive::detachSegments(std::int64_t recordingId, std::int64_t newStartPosition)
{
    std::lock_guard lock(m_lock);
    return request("DetachSegments",
                   [&](std::int64_t correlationId) {
                       return m_proxy->detachSegments(recordingId, newStartPosition, correlationId, m_controlSessionId);
                   });
}

std::int64_t AeronArchive::deleteDetachedSegments(std::int64_t recordingId)
{
    std::lock_guard lock(m_lock);
    return request("DeleteDetachedSegments", [&](std::int64_t correlationId)
                   { return m_proxy->deleteDetachedSegments(recordingId, correlationId, m_controlSessionId); });
}

std::int64_t AeronArchive::purgeSegments(std::int64_t recordingId, std::int64_t newStartPosition)
{
    std::lock_guard lock(m_lock);
    return request("PurgeSegments",
                   [&](std::int64_t correlationId) {
                       return m_proxy->purgeSegments(recordingId, newStartPosition, correlationId, m_controlSessionId);
                   });
}

// ---- replication ----

std::int64_t AeronArchive::replicate(std::int64_t srcRecordingId, std::int64_t dstRecordingId,
                                     std::int32_t srcControlStreamId, const std::string& srcControlChannel,
                                     const std::string& liveDestination)
{
    ReplicationParams params;
    params.dstRecordingId = dstRecordingId;
    params.liveDestination = liveDestination;
    return replicate(srcRecordingId, srcControlStreamId, srcControlChannel, params);
}

std::int64_t AeronArchive::replicate(std::int64_t srcRecordingId, std::int32_t srcControlStreamId,
                                     const std::string& srcControlChannel, const ReplicationParams& params)
{
    std::lock_guard lock(m_lock);
    return request("Replicate",
                   [&](std::int64_t correlationId)
                   {
                       return m_proxy->replicate(srcRecordingId, srcControlStreamId, srcControlChannel, params,
                                                 correlationId, m_controlSessionId);
                   });
}

void AeronArchive::stopReplication(std::int64_t replicationId)
{
    std::lock_guard lock(m_lock);
    request("StopReplication", [&](std::int64_t correlationId)
            { return m_proxy->stopReplication(replicationId, correlationId, m_controlSessionId); });
}

bool AeronArchive::tryStopReplication(std::int64_t replicationId)
{
    try
    {
        stopReplication(replicationId);
        return true;
    }
    catch (const ArchiveException& error)
    {
        if (error.errorCode() == ArchiveErrorCode::UNKNOWN_REPLICATION)
        {
            return false;
        }
        throw;
    }
}

// ---- polling between requests ----

int AeronArchive::pollForRecordingSignals()
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    const int fragments = m_poller->poll();
    if (m_poller->isRecordingSignal())
    {
        dispatchSignal();
    }
    else if (m_poller->isCodeError())
    {
        throw ArchiveResponseException(m_poller->relevantId(), m_poller->errorMessage(), m_poller->correlationId());
    }
    return fragments;
}

void AeronArchive::checkForErrorResponse()
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    static_cast<void>(m_poller->poll());
    if (m_poller->isRecordingSignal())
    {
        dispatchSignal();
    }
    else if (m_poller->isCodeError())
    {
        throw ArchiveResponseException(m_poller->relevantId(), m_poller->errorMessage(), m_poller->correlationId());
    }
}

std::string AeronArchive::pollForErrorResponse()
{
    std::lock_guard lock(m_lock);
    ensureOpen();
    static_cast<void>(m_poller->poll());
    if (m_poller->isRecordingSignal())
    {
        dispatchSignal();
    }
    else if (m_poller->isCodeError())
    {
        return m_poller->errorMessage();
    }
    return {};
}
} // namespace cox::archive

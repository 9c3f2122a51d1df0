#include "ClientConductor.hpp"

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "cox/codecs/driver/DriverCodecs.hpp"
#include "cox/transport/CncFileDescriptor.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
using namespace codecs::driver;
using codecs::sbe::DecodeError;

namespace
{
constexpr int RESPONSE_LIMIT = 16;
constexpr auto WAIT_SLEEP = std::chrono::microseconds(100);

std::int32_t genericError() { return static_cast<std::int32_t>(CncFileDescriptor::ErrorCode::GENERIC_ERROR); }

/// Size of a file, or -1 if it does not exist (yet).
std::int64_t fileLength(const std::string& path)
{
    std::error_code error;
    const auto length = std::filesystem::file_size(path, error);
    return error ? -1 : static_cast<std::int64_t>(length);
}
} // namespace

ClientConductor::ClientConductor(const AeronContext& context)
    : m_context(context), m_driverTimeoutNs(context.driverTimeoutMs * 1'000'000), m_lastKeepaliveNs(nowNs())
{
    mapDriverFiles();
    const CncFileDescriptor::CncBuffers buffers = CncFileDescriptor::wrap(m_cncFile->buffer());
    m_toDriver = std::make_unique<util::ManyToOneRingBuffer>(buffers.toDriver);
    m_broadcastReceiver = std::make_unique<util::BroadcastReceiver>(buffers.toClients);
    m_toClients = std::make_unique<util::CopyBroadcastReceiver>(*m_broadcastReceiver);
    m_driverProxy = std::make_unique<DriverProxy>(*m_toDriver, *m_context.nanoClock, m_driverTimeoutNs,
                                                  m_context.driverInvoker);
    m_clientId = m_toDriver->nextCorrelationId();
    m_driverProxy->clientId(m_clientId);
}

ClientConductor::~ClientConductor() = default;

// Waits for the driver to have published both files: cnc.dat's version is stored last, with release, so a
// non-zero version read with acquire means the header and buffers are laid out; counters.dat likewise.
void ClientConductor::mapDriverFiles()
{
    const std::string& dir = m_context.aeronDirectoryName;
    const std::string cncPath = dir + "/" + CncFileDescriptor::CNC_FILE;
    const std::string countersPath = dir + "/" + CncFileDescriptor::COUNTERS_FILE;
    const std::int64_t deadlineNs = nowNs() + m_driverTimeoutNs;
    while (true)
    {
        if (!m_cncFile && fileLength(cncPath) >= static_cast<std::int64_t>(CncFileDescriptor::HEADER_LENGTH))
        {
            auto file = util::MemoryMappedFile::open(cncPath);
            const std::int32_t version = file->buffer().getInt32Volatile(CncFileDescriptor::VERSION_OFFSET);
            if (version != 0 && version != CncFileDescriptor::CNC_VERSION)
            {
                throw util::IllegalStateException("cnc.dat in " + dir + " has version " + std::to_string(version) +
                                                  ", this client needs " +
                                                  std::to_string(CncFileDescriptor::CNC_VERSION));
            }
            if (version != 0)
            {
                m_cncFile = std::move(file);
            }
        }
        if (m_cncFile && !m_countersFile &&
            fileLength(countersPath) >= static_cast<std::int64_t>(util::CountersDescriptor::HEADER_LENGTH))
        {
            auto file = util::MemoryMappedFile::open(countersPath);
            if (file->buffer().getInt32Volatile(util::CountersDescriptor::VERSION_OFFSET) != 0)
            {
                m_countersFile = std::move(file);
            }
        }
        if (m_cncFile && m_countersFile)
        {
            break;
        }
        if (nowNs() - deadlineNs > 0)
        {
            throw DriverTimeoutException("no media driver in " + dir + ": " +
                                         (m_cncFile ? std::string("counters.dat") : std::string("cnc.dat")) +
                                         " not ready within " + std::to_string(m_context.driverTimeoutMs) + " ms");
        }
        if (!m_context.driverInvoker || m_context.driverInvoker() <= 0)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    // Both files come from another process: check every length before trusting it.
    const util::AtomicBuffer cnc = m_cncFile->buffer();
    const std::int64_t toDriver = cnc.getInt32(CncFileDescriptor::TO_DRIVER_BUFFER_LENGTH_OFFSET);
    const std::int64_t toClients = cnc.getInt32(CncFileDescriptor::TO_CLIENTS_BUFFER_LENGTH_OFFSET);
    const std::int64_t errorLog = cnc.getInt32(CncFileDescriptor::ERROR_LOG_BUFFER_LENGTH_OFFSET);
    if (toDriver <= 0 || toClients <= 0 || errorLog < 0 ||
        static_cast<std::int64_t>(CncFileDescriptor::HEADER_LENGTH) + toDriver + toClients + errorLog >
            static_cast<std::int64_t>(cnc.capacity()))
    {
        throw util::IllegalStateException("cnc.dat in " + dir + " is inconsistent: buffer lengths exceed the file");
    }
    if (m_cncFile->buffer().getInt32Volatile(CncFileDescriptor::VERSION_OFFSET) != CncFileDescriptor::CNC_VERSION)
    {
        throw util::IllegalStateException("cnc.dat in " + dir + " changed version while connecting");
    }

    const util::AtomicBuffer counters = m_countersFile->buffer();
    const std::int32_t countersVersion = counters.getInt32Volatile(util::CountersDescriptor::VERSION_OFFSET);
    const std::int64_t metadataLength = counters.getInt32(util::CountersDescriptor::METADATA_LENGTH_FIELD_OFFSET);
    const std::int64_t valuesLength = counters.getInt32(util::CountersDescriptor::VALUES_LENGTH_FIELD_OFFSET);
    if (countersVersion != util::CountersDescriptor::VERSION || metadataLength < 0 || valuesLength < 0 ||
        static_cast<std::int64_t>(util::CountersDescriptor::HEADER_LENGTH) + metadataLength + valuesLength >
            static_cast<std::int64_t>(counters.capacity()))
    {
        throw util::IllegalStateException("counters.dat in " + dir + " is not a version " +
                                          std::to_string(util::CountersDescriptor::VERSION) +
                                          " counters file or its lengths exceed the file");
    }
    m_counterValues.wrap(counters, util::CountersDescriptor::HEADER_LENGTH + static_cast<std::size_t>(metadataLength),
                         static_cast<std::size_t>(valuesLength));
    util::AtomicBuffer counterMetadata;
    counterMetadata.wrap(counters, util::CountersDescriptor::HEADER_LENGTH, static_cast<std::size_t>(metadataLength));
    m_countersReader = std::make_unique<util::CountersReader>(counterMetadata, m_counterValues);
}

void ClientConductor::ensureOpen() const
{
    if (m_timedOut)
    {
        throw ClientTimeoutException("Aeron client " + std::to_string(m_clientId) + " was timed out by the driver");
    }
    if (isClosed())
    {
        throw util::IllegalStateException("Aeron client is closed");
    }
}

bool ClientConductor::isValidCounterId(std::int32_t counterId) const noexcept
{
    return counterId >= 0 && m_counterValues.inBounds(util::CountersDescriptor::counterOffset(counterId),
                                                      util::CountersDescriptor::COUNTER_LENGTH);
}

util::Position ClientConductor::position(std::int32_t counterId) const
{
    return {m_counterValues, counterId};
}

// ---- user API ----

std::int64_t ClientConductor::asyncAddPublication(const std::string& channel, std::int32_t streamId, bool exclusive)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    const std::int64_t correlationId = m_driverProxy->addPublication(channel, streamId, exclusive);
    Registration registration;
    registration.kind = exclusive ? Kind::EXCLUSIVE_PUBLICATION : Kind::PUBLICATION;
    registration.channel = channel;
    registration.streamId = streamId;
    registration.deadlineNs = nowNs() + m_driverTimeoutNs;
    m_registrations.emplace(correlationId, std::move(registration));
    return correlationId;
}

std::int64_t ClientConductor::asyncAddSubscription(const std::string& channel, std::int32_t streamId,
                                                   OnAvailableImage onAvailableImage,
                                                   OnUnavailableImage onUnavailableImage)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    const std::int64_t correlationId = m_driverProxy->addSubscription(channel, streamId);
    Registration registration;
    registration.kind = Kind::SUBSCRIPTION;
    registration.channel = channel;
    registration.streamId = streamId;
    registration.deadlineNs = nowNs() + m_driverTimeoutNs;
    registration.onAvailableImage = std::move(onAvailableImage);
    registration.onUnavailableImage = std::move(onUnavailableImage);
    m_registrations.emplace(correlationId, std::move(registration));
    return correlationId;
}

bool ClientConductor::settleRegistration(RegistrationMap::iterator it, const std::string& what)
{
    Registration& registration = it->second;
    switch (registration.status)
    {
        case Status::AWAITING:
            if (nowNs() - registration.deadlineNs > 0)
            {
                m_registrations.erase(it);
                throw DriverTimeoutException("no response from the driver to " + what + " within " +
                                             std::to_string(m_context.driverTimeoutMs) + " ms");
            }
            return false;
        case Status::ERRORED:
        {
            const std::int32_t code = registration.errorCode;
            const std::string message = what + ": " + registration.errorMessage;
            m_registrations.erase(it);
            throw RegistrationException(code, message);
        }
        case Status::READY:
            break;
    }
    m_registrations.erase(it);
    return true;
}

std::shared_ptr<Publication> ClientConductor::findPublication(std::int64_t registrationId)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    auto it = m_registrations.find(registrationId);
    if (it != m_registrations.end())
    {
        if (it->second.kind != Kind::PUBLICATION && it->second.kind != Kind::EXCLUSIVE_PUBLICATION)
        {
            throw util::IllegalArgumentException("registration " + std::to_string(registrationId) +
                                                 " is not a publication");
        }
        if (!settleRegistration(it, "AddPublication channel=" + it->second.channel +
                                        " streamId=" + std::to_string(it->second.streamId)))
        {
            return nullptr;
        }
    }
    auto found = m_publications.find(registrationId);
    return found == m_publications.end() ? nullptr : found->second;
}

std::shared_ptr<Subscription> ClientConductor::findSubscription(std::int64_t registrationId)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    auto it = m_registrations.find(registrationId);
    if (it != m_registrations.end())
    {
        if (it->second.kind != Kind::SUBSCRIPTION)
        {
            throw util::IllegalArgumentException("registration " + std::to_string(registrationId) +
                                                 " is not a subscription");
        }
        if (!settleRegistration(it, "AddSubscription channel=" + it->second.channel +
                                        " streamId=" + std::to_string(it->second.streamId)))
        {
            return nullptr;
        }
    }
    auto found = m_subscriptions.find(registrationId);
    return found == m_subscriptions.end() ? nullptr : found->second;
}

std::int64_t ClientConductor::asyncAddCounter(std::int32_t typeId, std::span<const std::uint8_t> key,
                                             std::string_view label)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    const std::int64_t correlationId = m_driverProxy->addCounter(typeId, key, label);
    Registration registration;
    registration.kind = Kind::COUNTER;
    registration.channel = "counter typeId=" + std::to_string(typeId) + " label=" + std::string(label);
    registration.deadlineNs = nowNs() + m_driverTimeoutNs;
    m_registrations.emplace(correlationId, std::move(registration));
    return correlationId;
}

std::shared_ptr<Counter> ClientConductor::findCounter(std::int64_t registrationId)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    auto it = m_registrations.find(registrationId);
    if (it != m_registrations.end())
    {
        if (it->second.kind != Kind::COUNTER)
        {
            throw util::IllegalArgumentException("registration " + std::to_string(registrationId) + " is not a counter");
        }
        if (!settleRegistration(it, "AddCounter " + it->second.channel))
        {
            return nullptr;
        }
    }
    auto found = m_counters.find(registrationId);
    return found == m_counters.end() ? nullptr : found->second;
}

void ClientConductor::releaseCounter(Counter& counter)
{
    std::lock_guard lock(m_adminLock);
    if (counter.isClosed())
    {
        return;
    }
    counter.markClosed();
    if (isClosed())
    {
        return;
    }
    auto it = m_counters.find(counter.registrationId());
    if (it == m_counters.end() || it->second.get() != &counter)
    {
        return;
    }
    const std::shared_ptr<Counter> keepAlive = it->second;
    m_counters.erase(it);
    m_asyncCommands.insert(m_driverProxy->removeCounter(counter.registrationId()));
}

void ClientConductor::onCounterReady(const std::uint8_t* message, std::size_t length)
{
    CounterReadyDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    const std::int64_t correlationId = decoder.correlationId();
    auto it = m_registrations.find(correlationId);
    if (it == m_registrations.end() || it->second.status != Status::AWAITING || it->second.kind != Kind::COUNTER)
    {
        return;
    }
    const std::int32_t counterId = decoder.counterId();
    if (!isValidCounterId(counterId))
    {
        failRegistration(it->second, 11, "driver named counter id " + std::to_string(counterId) +
                                             " outside the counters file");
        return;
    }
    m_counters[correlationId] = std::make_shared<Counter>(*this, correlationId, position(counterId));
    it->second.status = Status::READY;
}

void ClientConductor::releasePublication(Publication& publication)
{
    std::lock_guard lock(m_adminLock);
    publication.markClosed();
    if (isClosed())
    {
        return;
    }
    auto it = m_publications.find(publication.registrationId());
    if (it == m_publications.end() || it->second.get() != &publication)
    {
        return;
    }
    const std::shared_ptr<Publication> keepAlive = it->second;
    m_publications.erase(it);
    m_asyncCommands.insert(m_driverProxy->removePublication(publication.registrationId()));
}

void ClientConductor::releaseSubscription(Subscription& subscription)
{
    std::lock_guard lock(m_adminLock);
    if (subscription.isClosed())
    {
        return;
    }
    auto retired = subscription.closeAndRemoveImages();
    if (isClosed())
    {
        linger(std::move(retired), nullptr);
        return;
    }
    for (const auto& image : retired->images)
    {
        notify(subscription.m_onUnavailableImage, *image);
    }
    linger(std::move(retired), nullptr);
    auto it = m_subscriptions.find(subscription.registrationId());
    if (it != m_subscriptions.end() && it->second.get() == &subscription)
    {
        const std::shared_ptr<Subscription> keepAlive = it->second;
        m_subscriptions.erase(it);
    }
    m_asyncCommands.insert(m_driverProxy->removeSubscription(subscription.registrationId()));
}

void ClientConductor::awaitStep()
{
    if (m_invoker != nullptr)
    {
        {
            std::lock_guard lock(m_adminLock);
            if (m_doWorkDepth > 0)
            {
                throw util::IllegalStateException(
                    "blocking Aeron call from a handler the client conductor is running; use the async form");
            }
        }
        int work = m_invoker->invoke();
        if (m_context.driverInvoker)
        {
            work += m_context.driverInvoker();
        }
        if (work <= 0)
        {
            std::this_thread::yield();
        }
        return;
    }
    if (!m_context.driverInvoker || m_context.driverInvoker() <= 0)
    {
        std::this_thread::sleep_for(WAIT_SLEEP);
    }
}

std::int64_t ClientConductor::nextCorrelationId()
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    return m_driverProxy->nextCorrelationId();
}

// ---- duty cycle ----

int ClientConductor::doWork()
{
    std::lock_guard lock(m_adminLock);
    if (isClosed() || m_doWorkDepth > 0)
    {
        return 0;
    }
    ++m_doWorkDepth;
    int workCount = 0;
    try
    {
        for (int i = 0; i < RESPONSE_LIMIT && !isClosed(); ++i)
        {
            const int received = m_toClients->receive(
                [this](std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
                { onResponse(msgTypeId, buffer, index, length); });
            if (received == 0)
            {
                break;
            }
            if (received == util::CopyBroadcastReceiver::LAPPED)
            {
                ++m_lappedCount;
                util::reportError(m_context.errorHandler,
                                  util::IllegalStateException("client conductor lapped by the driver's broadcast "
                                                              "buffer: responses were lost"));
            }
            ++workCount;
        }
        const std::int64_t now = nowNs();
        workCount += sendKeepalive(now);
        workCount += processLinger(now);
    }
    catch (...)
    {
        --m_doWorkDepth;
        throw;
    }
    --m_doWorkDepth;
    return workCount;
}

int ClientConductor::sendKeepalive(std::int64_t nowNs)
{
    if (isClosed() || nowNs - (m_lastKeepaliveNs + m_context.keepaliveIntervalNs) < 0)
    {
        return 0;
    }
    // A full ring is retried on the next duty cycle rather than blocking the conductor.
    if (m_driverProxy->sendClientKeepalive())
    {
        m_lastKeepaliveNs = nowNs;
        return 1;
    }
    return 0;
}

int ClientConductor::processLinger(std::int64_t nowNs)
{
    int workCount = 0;
    while (!m_lingering.empty() && nowNs - m_lingering.front().deadlineNs >= 0)
    {
        m_lingering.pop_front();
        ++workCount;
    }
    return workCount;
}

void ClientConductor::linger(std::unique_ptr<ImageList> list, std::shared_ptr<Image> image)
{
    m_lingering.push_back(Lingering{nowNs() + m_context.resourceLingerDurationNs, std::move(list), std::move(image)});
}

void ClientConductor::notify(const OnAvailableImage& handler, Image& image)
{
    if (!handler)
    {
        return;
    }
    try
    {
        handler(image);
    }
    catch (const std::exception& e)
    {
        util::reportError(m_context.errorHandler, e);
    }
}

void ClientConductor::onClose()
{
    std::lock_guard lock(m_adminLock);
    if (isClosed())
    {
        return;
    }
    closeAllResources();
    if (!m_timedOut)
    {
        try
        {
            m_driverProxy->clientClose();
        }
        catch (const std::exception& e)
        {
            util::reportError(m_context.errorHandler, e);
        }
    }
}

// Marks everything closed without telling the driver: ClientClose (or the driver's own timeout of this
// client) releases them all there. Retired lists stay until the conductor is destroyed, as pollers on
// other threads may still hold them.
void ClientConductor::closeAllResources()
{
    m_isClosed.store(true, std::memory_order_release);
    for (auto& [id, publication] : m_publications)
    {
        publication->markClosed();
    }
    for (auto& [id, counter] : m_counters)
    {
        counter->markClosed();
    }
    std::vector<std::shared_ptr<Subscription>> subscriptions;
    for (auto& [id, subscription] : m_subscriptions)
    {
        subscriptions.push_back(subscription);
    }
    for (auto& subscription : subscriptions)
    {
        // No unavailable-image callbacks here: this runs from Aeron's destructor, when the objects the
        // handlers refer to may already be gone.
        linger(subscription->closeAndRemoveImages(), nullptr);
    }
    m_registrations.clear();
}

// ---- responses ----

void ClientConductor::onResponse(std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index,
                                 std::size_t length)
{
    if (!buffer.inBounds(index, length))
    {
        ++m_malformedResponses;
        return;
    }
    const std::uint8_t* message = buffer.buffer() + index;
    switch (msgTypeId)
    {
        case TemplateId::PUBLICATION_READY:
            onPublicationReady(message, length);
            break;
        case TemplateId::SUBSCRIPTION_READY:
            onSubscriptionReady(message, length);
            break;
        case TemplateId::AVAILABLE_IMAGE:
            onAvailableImage(message, length);
            break;
        case TemplateId::UNAVAILABLE_IMAGE:
            onUnavailableImage(message, length);
            break;
        case TemplateId::OPERATION_SUCCESS:
            onOperationSuccess(message, length);
            break;
        case TemplateId::ERROR:
            onError(message, length);
            break;
        case TemplateId::CLIENT_TIMEOUT:
            onClientTimeout(message, length);
            break;
        case TemplateId::COUNTER_READY:
            onCounterReady(message, length);
            break;
        default:
            break;
    }
}

void ClientConductor::failRegistration(Registration& registration, std::int32_t errorCode, std::string message)
{
    registration.status = Status::ERRORED;
    registration.errorCode = errorCode;
    registration.errorMessage = std::move(message);
}

void ClientConductor::onPublicationReady(const std::uint8_t* message, std::size_t length)
{
    PublicationReadyDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    const std::int64_t correlationId = decoder.correlationId();
    auto it = m_registrations.find(correlationId);
    if (it == m_registrations.end() || it->second.status != Status::AWAITING || it->second.kind == Kind::SUBSCRIPTION)
    {
        return;
    }
    Registration& registration = it->second;
    const std::int32_t limitCounterId = decoder.publicationLimitCounterId();
    if (!isValidCounterId(limitCounterId))
    {
        failRegistration(registration, genericError(),
                         "driver gave publication limit counter id " + std::to_string(limitCounterId) +
                             " outside counters.dat");
        return;
    }
    const bool exclusive = registration.kind == Kind::EXCLUSIVE_PUBLICATION;
    const std::string logFileName(decoder.logFileName());
    std::shared_ptr<Publication> publication;
    try
    {
        auto logBuffers = LogBuffers::open(logFileName);
        if (exclusive)
        {
            publication = std::make_shared<ExclusivePublication>(
                *this, registration.channel, decoder.streamId(), decoder.sessionId(), correlationId,
                decoder.registrationId(), position(limitCounterId), decoder.channelStatusIndicatorId(),
                std::move(logBuffers), true);
        }
        else
        {
            publication = std::make_shared<Publication>(
                *this, registration.channel, decoder.streamId(), decoder.sessionId(), correlationId,
                decoder.registrationId(), position(limitCounterId), decoder.channelStatusIndicatorId(),
                std::move(logBuffers), false);
        }
    }
    catch (const std::exception& e)
    {
        failRegistration(registration, genericError(), std::string("cannot map log ") + logFileName + ": " + e.what());
        return;
    }
    m_publications[correlationId] = std::move(publication);
    registration.status = Status::READY;
}

void ClientConductor::onSubscriptionReady(const std::uint8_t* message, std::size_t length)
{
    SubscriptionReadyDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    const std::int64_t correlationId = decoder.correlationId();
    auto it = m_registrations.find(correlationId);
    if (it == m_registrations.end() || it->second.status != Status::AWAITING || it->second.kind != Kind::SUBSCRIPTION)
    {
        return;
    }
    Registration& registration = it->second;
    OnAvailableImage onAvailable =
        registration.onAvailableImage ? registration.onAvailableImage : m_context.availableImageHandler;
    OnUnavailableImage onUnavailable =
        registration.onUnavailableImage ? registration.onUnavailableImage : m_context.unavailableImageHandler;
    m_subscriptions[correlationId] = std::make_shared<Subscription>(
        *this, correlationId, registration.channel, registration.streamId, decoder.channelStatusIndicatorId(),
        std::move(onAvailable), std::move(onUnavailable));
    registration.status = Status::READY;
}

void ClientConductor::onAvailableImage(const std::uint8_t* message, std::size_t length)
{
    AvailableImageDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    auto it = m_subscriptions.find(decoder.subscriptionRegistrationId());
    if (it == m_subscriptions.end())
    {
        return;
    }
    const std::shared_ptr<Subscription> subscription = it->second;
    const std::int64_t correlationId = decoder.correlationId();
    for (const auto& image : subscription->m_ownedList->images)
    {
        if (image->correlationId() == correlationId)
        {
            return;
        }
    }
    const std::int32_t positionId = decoder.subscriberPositionId();
    const std::string logFileName(decoder.logFileName());
    const std::string sourceIdentity(decoder.sourceIdentity());
    if (!isValidCounterId(positionId))
    {
        util::reportError(m_context.errorHandler,
                          util::IllegalStateException("AvailableImage " + std::to_string(correlationId) +
                                                      " names subscriber position counter " +
                                                      std::to_string(positionId) + " outside counters.dat"));
        return;
    }
    std::shared_ptr<Image> image;
    try
    {
        image = std::make_shared<Image>(decoder.sessionId(), correlationId, subscription->registrationId(),
                                        sourceIdentity, position(positionId), LogBuffers::open(logFileName));
    }
    catch (const std::exception& e)
    {
        util::reportError(m_context.errorHandler, e);
        return;
    }
    linger(subscription->addImage(image), nullptr);
    notify(subscription->m_onAvailableImage, *image);
}

void ClientConductor::onUnavailableImage(const std::uint8_t* message, std::size_t length)
{
    UnavailableImageDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    auto it = m_subscriptions.find(decoder.subscriptionRegistrationId());
    if (it == m_subscriptions.end())
    {
        return;
    }
    const std::shared_ptr<Subscription> subscription = it->second;
    std::shared_ptr<Image> removed;
    auto retired = subscription->removeImage(decoder.correlationId(), removed);
    if (!removed)
    {
        return;
    }
    removed->close();
    linger(std::move(retired), removed);
    notify(subscription->m_onUnavailableImage, *removed);
}

void ClientConductor::onOperationSuccess(const std::uint8_t* message, std::size_t length)
{
    OperationSuccessDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    m_asyncCommands.erase(decoder.correlationId());
    auto it = m_registrations.find(decoder.correlationId());
    if (it != m_registrations.end() && it->second.kind == Kind::DESTINATION)
    {
        it->second.status = Status::READY;
    }
}

void ClientConductor::addDestination(std::int64_t publicationRegistrationId, const std::string& channel)
{
    std::int64_t correlationId;
    {
        std::lock_guard lock(m_adminLock);
        ensureOpen();
        correlationId = m_driverProxy->addDestination(publicationRegistrationId, channel);
        Registration registration;
        registration.kind = Kind::DESTINATION;
        registration.channel = channel;
        registration.deadlineNs = nowNs() + m_driverTimeoutNs;
        m_registrations.emplace(correlationId, std::move(registration));
    }
    awaitOperation(correlationId, "AddDestination " + channel);
}

void ClientConductor::removeDestination(std::int64_t publicationRegistrationId, const std::string& channel)
{
    std::int64_t correlationId;
    {
        std::lock_guard lock(m_adminLock);
        ensureOpen();
        correlationId = m_driverProxy->removeDestination(publicationRegistrationId, channel);
        Registration registration;
        registration.kind = Kind::DESTINATION;
        registration.channel = channel;
        registration.deadlineNs = nowNs() + m_driverTimeoutNs;
        m_registrations.emplace(correlationId, std::move(registration));
    }
    awaitOperation(correlationId, "RemoveDestination " + channel);
}

std::int64_t ClientConductor::registerDestinationCommand(std::int64_t correlationId, const std::string& channel)
{
    Registration registration;
    registration.kind = Kind::DESTINATION;
    registration.channel = channel;
    registration.deadlineNs = nowNs() + m_driverTimeoutNs;
    m_registrations.emplace(correlationId, std::move(registration));
    return correlationId;
}

std::int64_t ClientConductor::asyncAddRcvDestination(
    std::int64_t subscriptionRegistrationId, const std::string& channel)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    return registerDestinationCommand(m_driverProxy->addRcvDestination(subscriptionRegistrationId, channel), channel);
}

std::int64_t ClientConductor::asyncRemoveRcvDestination(
    std::int64_t subscriptionRegistrationId, const std::string& channel)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    return registerDestinationCommand(m_driverProxy->removeRcvDestination(subscriptionRegistrationId, channel),
                                      channel);
}

void ClientConductor::addRcvDestination(std::int64_t subscriptionRegistrationId, const std::string& channel)
{
    awaitOperation(asyncAddRcvDestination(subscriptionRegistrationId, channel), "AddRcvDestination " + channel);
}

void ClientConductor::removeRcvDestination(std::int64_t subscriptionRegistrationId, const std::string& channel)
{
    awaitOperation(asyncRemoveRcvDestination(subscriptionRegistrationId, channel), "RemoveRcvDestination " + channel);
}

bool ClientConductor::findDestinationResponse(std::int64_t correlationId)
{
    std::lock_guard lock(m_adminLock);
    ensureOpen();
    auto it = m_registrations.find(correlationId);
    if (it == m_registrations.end())
    {
        return true;
    }
    if (it->second.kind != Kind::DESTINATION)
    {
        throw util::IllegalArgumentException("command " + std::to_string(correlationId) +
                                             " is not a destination command");
    }
    return settleRegistration(it, "destination command " + it->second.channel);
}

void ClientConductor::awaitOperation(std::int64_t correlationId, const std::string& what)
{
    while (true)
    {
        {
            std::lock_guard lock(m_adminLock);
            auto it = m_registrations.find(correlationId);
            if (it == m_registrations.end() || settleRegistration(it, what))
            {
                return;
            }
        }
        awaitStep();
    }
}

void ClientConductor::onError(const std::uint8_t* message, std::size_t length)
{
    ErrorDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    const std::int64_t correlationId = decoder.offendingCorrelationId();
    const std::int32_t errorCode = decoder.errorCode();
    const std::string errorMessage(decoder.errorMessage());
    auto it = m_registrations.find(correlationId);
    if (it != m_registrations.end() && it->second.status == Status::AWAITING)
    {
        failRegistration(it->second, errorCode, errorMessage);
        return;
    }
    if (m_asyncCommands.erase(correlationId) > 0)
    {
        util::reportError(m_context.errorHandler,
                          RegistrationException(errorCode, "command " + std::to_string(correlationId) +
                                                               " failed: " + errorMessage));
    }
}

void ClientConductor::onClientTimeout(const std::uint8_t* message, std::size_t length)
{
    ClientTimeoutDecoder decoder;
    if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
    {
        ++m_malformedResponses;
        return;
    }
    if (decoder.clientId() != m_clientId)
    {
        return;
    }
    m_timedOut = true;
    closeAllResources();
    util::reportError(m_context.errorHandler,
                      ClientTimeoutException("Aeron client " + std::to_string(m_clientId) +
                                             " was timed out by the driver; it is closed"));
}
} // namespace cox::transport

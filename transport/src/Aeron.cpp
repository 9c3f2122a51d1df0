#include "cox/transport/Aeron.hpp"

#include <cstdlib>
#include <filesystem>

#include "ClientConductor.hpp"

namespace cox::transport
{
void AeronContext::conclude()
{
    if (aeronDirectoryName.empty())
    {
        aeronDirectoryName = defaultAeronDirectoryName();
    }
    if (driverTimeoutMs <= 0 || keepaliveIntervalNs <= 0 || resourceLingerDurationNs < 0)
    {
        throw util::IllegalArgumentException("AeronContext: driverTimeoutMs and keepaliveIntervalNs must be positive "
                                             "and resourceLingerDurationNs non-negative");
    }
    if (!nanoClock)
    {
        nanoClock = std::make_shared<util::SystemNanoClock>();
    }
    if (!epochClock)
    {
        epochClock = std::make_shared<util::SystemEpochClock>();
    }
    if (!errorHandler)
    {
        errorHandler = util::printErrorToStderr;
    }
}

std::string AeronContext::defaultAeronDirectoryName()
{
    const char* user = std::getenv("USER");
    const std::string name = std::string("coxswain-") + (user != nullptr ? user : "default");
    std::error_code error;
    return std::filesystem::is_directory("/dev/shm", error) ? "/dev/shm/" + name : "/tmp/" + name;
}

std::shared_ptr<Aeron> Aeron::connect(AeronContext context)
{
    return std::make_shared<Aeron>(std::move(context));
}

Aeron::Aeron(AeronContext context) : m_context(std::move(context))
{
    m_context.conclude();
    m_conductor = std::make_unique<ClientConductor>(m_context);
    if (m_context.useConductorAgentInvoker)
    {
        m_invoker = std::make_unique<util::AgentInvoker>(*m_conductor, m_context.errorHandler);
        m_conductor->agentInvoker(m_invoker.get());
        m_invoker->start();
    }
    else
    {
        m_idleStrategy = util::newIdleStrategy(m_context.idleStrategy);
        m_runner = std::make_unique<util::AgentRunner<>>(*m_conductor, *m_idleStrategy, m_context.errorHandler);
        m_runner->start();
    }
}

Aeron::~Aeron()
{
    close();
}

void Aeron::close()
{
    if (m_runner)
    {
        m_runner->close();
    }
    if (m_invoker)
    {
        m_invoker->close();
    }
    // A runner that never ran its agent, or a conductor closed by a driver timeout, still owes ClientClose.
    m_conductor->onClose();
}

bool Aeron::isClosed() const noexcept
{
    return m_conductor->isClosed();
}

std::int64_t Aeron::clientId() const noexcept
{
    return m_conductor->clientId();
}

const util::CountersReader& Aeron::countersReader() const noexcept
{
    return m_conductor->countersReader();
}

std::int64_t Aeron::nextCorrelationId()
{
    return m_conductor->nextCorrelationId();
}

util::AgentInvoker& Aeron::conductorAgentInvoker()
{
    if (!m_invoker)
    {
        throw util::IllegalStateException("Aeron client was not started with useConductorAgentInvoker");
    }
    return *m_invoker;
}

std::int64_t Aeron::asyncAddPublication(const std::string& channel, std::int32_t streamId)
{
    return m_conductor->asyncAddPublication(channel, streamId, false);
}

std::int64_t Aeron::asyncAddExclusivePublication(const std::string& channel, std::int32_t streamId)
{
    return m_conductor->asyncAddPublication(channel, streamId, true);
}

std::int64_t Aeron::asyncAddSubscription(const std::string& channel, std::int32_t streamId)
{
    return m_conductor->asyncAddSubscription(channel, streamId, {}, {});
}

std::int64_t Aeron::asyncAddSubscription(const std::string& channel, std::int32_t streamId,
                                         OnAvailableImage onAvailableImage, OnUnavailableImage onUnavailableImage)
{
    return m_conductor->asyncAddSubscription(channel, streamId, std::move(onAvailableImage),
                                             std::move(onUnavailableImage));
}

std::shared_ptr<Publication> Aeron::findPublication(std::int64_t registrationId)
{
    return m_conductor->findPublication(registrationId);
}

std::shared_ptr<ExclusivePublication> Aeron::findExclusivePublication(std::int64_t registrationId)
{
    auto publication = m_conductor->findPublication(registrationId);
    if (!publication)
    {
        return nullptr;
    }
    auto exclusive = std::dynamic_pointer_cast<ExclusivePublication>(publication);
    if (!exclusive)
    {
        throw util::IllegalArgumentException("registration " + std::to_string(registrationId) +
                                             " is not an exclusive publication");
    }
    return exclusive;
}

std::shared_ptr<Subscription> Aeron::findSubscription(std::int64_t registrationId)
{
    return m_conductor->findSubscription(registrationId);
}

std::shared_ptr<Publication> Aeron::addPublication(const std::string& channel, std::int32_t streamId)
{
    const std::int64_t registrationId = asyncAddPublication(channel, streamId);
    while (true)
    {
        if (auto publication = findPublication(registrationId))
        {
            return publication;
        }
        m_conductor->awaitStep();
    }
}

std::shared_ptr<ExclusivePublication> Aeron::addExclusivePublication(const std::string& channel,
                                                                     std::int32_t streamId)
{
    const std::int64_t registrationId = asyncAddExclusivePublication(channel, streamId);
    while (true)
    {
        if (auto publication = findExclusivePublication(registrationId))
        {
            return publication;
        }
        m_conductor->awaitStep();
    }
}

std::shared_ptr<Subscription> Aeron::addSubscription(const std::string& channel, std::int32_t streamId)
{
    return addSubscription(channel, streamId, {}, {});
}

std::shared_ptr<Subscription> Aeron::addSubscription(const std::string& channel, std::int32_t streamId,
                                                     OnAvailableImage onAvailableImage,
                                                     OnUnavailableImage onUnavailableImage)
{
    const std::int64_t registrationId =
        asyncAddSubscription(channel, streamId, std::move(onAvailableImage), std::move(onUnavailableImage));
    while (true)
    {
        if (auto subscription = findSubscription(registrationId))
        {
            return subscription;
        }
        m_conductor->awaitStep();
    }
}

std::int64_t Aeron::asyncAddCounter(std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label)
{
    return m_conductor->asyncAddCounter(typeId, key, label);
}

std::shared_ptr<Counter> Aeron::findCounter(std::int64_t registrationId)
{
    return m_conductor->findCounter(registrationId);
}

std::shared_ptr<Counter> Aeron::addCounter(std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label)
{
    const std::int64_t registrationId = asyncAddCounter(typeId, key, label);
    while (true)
    {
        if (auto counter = findCounter(registrationId))
        {
            return counter;
        }
        m_conductor->awaitStep();
    }
}

void Counter::close()
{
    m_conductor.releaseCounter(*this);
}
} // namespace cox::transport

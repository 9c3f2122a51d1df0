#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cox/transport/AeronContext.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/AgentRunner.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::transport
{
class ClientConductor;

/// A client of a media driver (Aeron's Aeron): reaches the driver only through the files of its directory,
/// cnc.dat (commands and responses) and counters.dat (positions and limits), and the log buffer files the
/// driver names. The client conductor runs on its own thread, or in the caller's when
/// AeronContext::useConductorAgentInvoker is set.
///
/// All methods may be called from any thread; adding and removing is serialised by the conductor's lock.
/// Blocking adds wait for the driver's answer (driving the conductor, and AeronContext::driverInvoker,
/// themselves in invoker mode) and throw RegistrationException if the driver refuses, or
/// DriverTimeoutException if it does not answer within driverTimeoutMs.
///
/// Publications and subscriptions stay registered until closed (their close(), or this client's):
/// dropping the last shared_ptr does not remove them from the driver.
class Aeron
{
public:
    /// Maps cnc.dat and counters.dat of context.aeronDirectoryName, waiting up to driverTimeoutMs for the
    /// driver to have created them; throws DriverTimeoutException naming the directory otherwise.
    [[nodiscard]] static std::shared_ptr<Aeron> connect(AeronContext context = {});

    explicit Aeron(AeronContext context);
    ~Aeron();

    Aeron(const Aeron&) = delete;
    Aeron& operator=(const Aeron&) = delete;

    [[nodiscard]] std::shared_ptr<Publication> addPublication(const std::string& channel, std::int32_t streamId);
    [[nodiscard]] std::shared_ptr<ExclusivePublication> addExclusivePublication(const std::string& channel,
                                                                               std::int32_t streamId);
    /// Image handlers default to the context's.
    [[nodiscard]] std::shared_ptr<Subscription> addSubscription(const std::string& channel, std::int32_t streamId);
    [[nodiscard]] std::shared_ptr<Subscription> addSubscription(const std::string& channel, std::int32_t streamId,
                                                                OnAvailableImage onAvailableImage,
                                                                OnUnavailableImage onUnavailableImage);

    /// Sends the command and returns its registration id at once; findXxx returns null until the driver
    /// has answered, then the resource (throwing as the blocking form would if the driver refused).
    [[nodiscard]] std::int64_t asyncAddPublication(const std::string& channel, std::int32_t streamId);
    [[nodiscard]] std::int64_t asyncAddExclusivePublication(const std::string& channel, std::int32_t streamId);
    [[nodiscard]] std::int64_t asyncAddSubscription(const std::string& channel, std::int32_t streamId);
    [[nodiscard]] std::int64_t asyncAddSubscription(const std::string& channel, std::int32_t streamId,
                                                    OnAvailableImage onAvailableImage,
                                                    OnUnavailableImage onUnavailableImage);
    [[nodiscard]] std::shared_ptr<Publication> findPublication(std::int64_t registrationId);
    [[nodiscard]] std::shared_ptr<ExclusivePublication> findExclusivePublication(std::int64_t registrationId);
    [[nodiscard]] std::shared_ptr<Subscription> findSubscription(std::int64_t registrationId);

    /// Unique id from the driver's correlation counter.
    /// Asks the driver for a counter in its counters file (type id, key bytes up to 112, label up to
    /// 380); this client is its single writer. Blocking and async forms, as for publications.
    [[nodiscard]] std::shared_ptr<Counter> addCounter(
        std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label);
    [[nodiscard]] std::int64_t asyncAddCounter(
        std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label);
    [[nodiscard]] std::shared_ptr<Counter> findCounter(std::int64_t registrationId);

    [[nodiscard]] std::int64_t nextCorrelationId();
    [[nodiscard]] std::int64_t clientId() const noexcept;
    [[nodiscard]] const AeronContext& context() const noexcept { return m_context; }

    /// The driver's counters (counters.dat), read-only: positions, limits and the counters other clients
    /// (e.g. an archive's RecordingPos) allocated. Valid until this client is destroyed.
    [[nodiscard]] const util::CountersReader& countersReader() const noexcept;

    /// The conductor's invoker; throws IllegalStateException unless useConductorAgentInvoker is set.
    [[nodiscard]] util::AgentInvoker& conductorAgentInvoker();

    /// Closes every publication and subscription, sends ClientClose and stops the conductor. Idempotent.
    void close();
    [[nodiscard]] bool isClosed() const noexcept;

private:
    AeronContext m_context;
    std::unique_ptr<ClientConductor> m_conductor;
    std::unique_ptr<util::IdleStrategy> m_idleStrategy;
    std::unique_ptr<util::AgentRunner<>> m_runner;
    std::unique_ptr<util::AgentInvoker> m_invoker;
};
} // namespace cox::transport

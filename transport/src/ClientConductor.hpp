#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "DriverProxy.hpp"
#include "cox/transport/AeronContext.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BroadcastReceiver.hpp"
#include "cox/util/CopyBroadcastReceiver.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/MemoryMappedFile.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
/// The client's agent (Aeron's ClientConductor): sends commands through DriverProxy, reads responses and
/// image events from the to-clients broadcast buffer, keeps the registrations, publications and
/// subscriptions of this client, sends keepalives, and frees retired image lists after their linger.
///
/// Every entry point takes m_adminLock, a recursive mutex: user threads add and close resources while the
/// conductor thread runs doWork, and image handlers called from doWork may add resources themselves. This
/// is the user API boundary; no data path takes it.
class ClientConductor final : public util::Agent
{
public:
    /// Maps cnc.dat and counters.dat (waiting for the driver up to context.driverTimeoutMs) and takes a
    /// client id. context must be concluded and outlive the conductor.
    explicit ClientConductor(const AeronContext& context);
    ~ClientConductor() override;

    ClientConductor(const ClientConductor&) = delete;
    ClientConductor& operator=(const ClientConductor&) = delete;

    int doWork() override;
    void onClose() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "aeron-client"; }

    /// In invoker mode, the invoker that waits should drive.
    void agentInvoker(util::AgentInvoker* invoker) noexcept { m_invoker = invoker; }

    std::int64_t asyncAddPublication(const std::string& channel, std::int32_t streamId, bool exclusive);
    std::int64_t asyncAddSubscription(const std::string& channel, std::int32_t streamId,
                                      OnAvailableImage onAvailableImage, OnUnavailableImage onUnavailableImage);
    std::shared_ptr<Publication> findPublication(std::int64_t registrationId);
    std::shared_ptr<Subscription> findSubscription(std::int64_t registrationId);
    std::int64_t asyncAddCounter(std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label);
    std::shared_ptr<Counter> findCounter(std::int64_t registrationId);
    void releaseCounter(Counter& counter);
    /// Multi-destination cast, manual mode: adds or removes a destination of a publication and waits
    /// for the driver's answer; throws RegistrationException on an error response.
    void addDestination(std::int64_t publicationRegistrationId, const std::string& channel);
    void removeDestination(std::int64_t publicationRegistrationId, const std::string& channel);

    /// Multi-destination subscription (control-mode=manual): sends AddRcvDestination / RemoveRcvDestination
    /// and returns its correlation id at once; findDestinationResponse tells when the driver answered.
    std::int64_t asyncAddRcvDestination(std::int64_t subscriptionRegistrationId, const std::string& channel);
    std::int64_t asyncRemoveRcvDestination(std::int64_t subscriptionRegistrationId, const std::string& channel);
    /// As the async forms, waiting for the answer; throws RegistrationException on an error response.
    void addRcvDestination(std::int64_t subscriptionRegistrationId, const std::string& channel);
    void removeRcvDestination(std::int64_t subscriptionRegistrationId, const std::string& channel);
    /// For a destination command's correlation id: false while unanswered, true once it succeeded (or was
    /// already settled); throws RegistrationException if the driver refused it, DriverTimeoutException if
    /// the driver did not answer in time.
    bool findDestinationResponse(std::int64_t correlationId);

    void releasePublication(Publication& publication);
    void releaseSubscription(Subscription& subscription);

    /// One step of a blocking wait: drives the conductor (invoker mode) and the driver invoker, or sleeps
    /// briefly. Throws IllegalStateException if called from inside a handler the conductor is running.
    void awaitStep();

    [[nodiscard]] std::int64_t nextCorrelationId();
    [[nodiscard]] std::int64_t clientId() const noexcept { return m_clientId; }
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed.load(std::memory_order_acquire); }
    /// A reader over the driver's counters.dat, mapped at construction.
    [[nodiscard]] const util::CountersReader& countersReader() const noexcept { return *m_countersReader; }

    /// Counts of what the conductor dropped: responses that failed to decode, and broadcast laps.
    [[nodiscard]] std::int64_t malformedResponseCount() const noexcept { return m_malformedResponses; }
    [[nodiscard]] std::int64_t lappedCount() const noexcept { return m_lappedCount; }

private:
    enum class Kind : std::int8_t
    {
        PUBLICATION,
        EXCLUSIVE_PUBLICATION,
        SUBSCRIPTION,
        COUNTER,
        DESTINATION,
    };
    enum class Status : std::int8_t
    {
        AWAITING,
        READY,
        ERRORED,
    };
    struct Registration
    {
        Kind kind = Kind::PUBLICATION;
        Status status = Status::AWAITING;
        std::string channel;
        std::int32_t streamId = 0;
        std::int64_t deadlineNs = 0;
        std::int32_t errorCode = 0;
        std::string errorMessage;
        OnAvailableImage onAvailableImage;
        OnUnavailableImage onUnavailableImage;
    };
    /// A retired image list and/or a closed image, kept mapped until deadlineNs.
    struct Lingering
    {
        std::int64_t deadlineNs;
        std::unique_ptr<ImageList> list;
        std::shared_ptr<Image> image;
    };

    void mapDriverFiles();
    void ensureOpen() const;
    [[nodiscard]] std::int64_t nowNs() const noexcept { return m_context.nanoClock->nanoTime(); }
    [[nodiscard]] util::Position position(std::int32_t counterId) const;
    [[nodiscard]] bool isValidCounterId(std::int32_t counterId) const noexcept;
    void linger(std::unique_ptr<ImageList> list, std::shared_ptr<Image> image);
    void failRegistration(Registration& registration, std::int32_t errorCode, std::string message);
    void notify(const OnAvailableImage& handler, Image& image);
    void closeAllResources();
    int processLinger(std::int64_t nowNs);
    int sendKeepalive(std::int64_t nowNs);

    void onResponse(std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length);
    void onPublicationReady(const std::uint8_t* message, std::size_t length);
    void onSubscriptionReady(const std::uint8_t* message, std::size_t length);
    void onAvailableImage(const std::uint8_t* message, std::size_t length);
    void onUnavailableImage(const std::uint8_t* message, std::size_t length);
    void onOperationSuccess(const std::uint8_t* message, std::size_t length);
    void onError(const std::uint8_t* message, std::size_t length);
    void onClientTimeout(const std::uint8_t* message, std::size_t length);
    void onCounterReady(const std::uint8_t* message, std::size_t length);
    void awaitOperation(std::int64_t correlationId, const std::string& what);
    std::int64_t registerDestinationCommand(std::int64_t correlationId, const std::string& channel);
    using RegistrationMap = std::unordered_map<std::int64_t, Registration>;
    /// For a registration found in the map: false while the driver has not answered; true (and
    /// forgotten) once ready; throws on an error response or the driver timeout, naming `what`.
    bool settleRegistration(RegistrationMap::iterator it, const std::string& what);

    const AeronContext& m_context;
    mutable std::recursive_mutex m_adminLock;
    std::unique_ptr<util::MemoryMappedFile> m_cncFile;
    std::unique_ptr<util::MemoryMappedFile> m_countersFile;
    util::AtomicBuffer m_counterValues;
    std::unique_ptr<util::CountersReader> m_countersReader;
    std::unique_ptr<util::ManyToOneRingBuffer> m_toDriver;
    std::unique_ptr<util::BroadcastReceiver> m_broadcastReceiver;
    std::unique_ptr<util::CopyBroadcastReceiver> m_toClients;
    std::unique_ptr<DriverProxy> m_driverProxy;
    util::AgentInvoker* m_invoker = nullptr;
    std::int64_t m_clientId = -1;
    std::int64_t m_driverTimeoutNs;
    std::int64_t m_lastKeepaliveNs;
    std::int64_t m_malformedResponses = 0;
    std::int64_t m_lappedCount = 0;
    int m_doWorkDepth = 0;
    bool m_timedOut = false;
    std::atomic<bool> m_isClosed{false};

    std::unordered_map<std::int64_t, Registration> m_registrations;
    std::unordered_map<std::int64_t, std::shared_ptr<Publication>> m_publications;
    std::unordered_map<std::int64_t, std::shared_ptr<Subscription>> m_subscriptions;
    std::unordered_map<std::int64_t, std::shared_ptr<Counter>> m_counters;
    /// Remove commands awaiting OperationSuccess, so that an Error for one is reported, not ignored.
    std::unordered_set<std::int64_t> m_asyncCommands;
    std::deque<Lingering> m_lingering;
};
} // namespace cox::transport

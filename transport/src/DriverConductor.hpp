#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cox/util/CommandQueue.hpp"
#include "cox/util/StallDetector.hpp"
#include "IpcPublication.hpp"
#include "SystemCounters.hpp"
#include "ReceiveChannelEndpoint.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/AgentGroup.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BroadcastTransmitter.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"

namespace cox::transport
{
class NetworkPublication;
class PublicationImage;
class Sender;
class Receiver;
class SendChannelEndpoint;
class ReceiveChannelEndpoint;

/// What the conductor, sender and receiver share: the context, the files, and the queues between
/// the agents. Built by MediaDriver::launch.
struct DriverResources
{
    MediaDriverContext context;
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    std::shared_ptr<UdpMedia> udpMedia;
    std::unique_ptr<util::MemoryMappedFile> cncFile;
    std::unique_ptr<util::CountersManager> counters;
    std::unique_ptr<util::DistinctErrorLog> errorLog;
    util::ErrorHandler errorHandler;
    SystemCounters systemCounters;
    util::CommandQueue toConductor;
    util::CommandQueue toSender;
    util::CommandQueue toReceiver;
    std::unique_ptr<DriverConductor> conductor;
    std::unique_ptr<Sender> sender;
    std::unique_ptr<Receiver> receiver;
    std::unique_ptr<util::AgentGroup> agents;
    bool isClosed = false;

    DriverResources();
    ~DriverResources();
};

/// The driver's control plane (Aeron's DriverConductor): takes client commands from the to-driver
/// ring buffer, creates and removes publications, subscriptions and images, answers on the
/// to-clients broadcast buffer, sets publisher limits, cleans logs, and times out dead clients.
/// Runs on one thread; the sender and receiver get their work through command queues.
class DriverConductor final : public util::Agent
{
public:
    explicit DriverConductor(DriverResources& resources);
    ~DriverConductor() override;

    int doWork() override;
    void onClose() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "driver-conductor"; }

    /// From the receiver (through toConductor): a SETUP arrived for a subscribed stream.
    void onCreatePublicationImage(const SetupRequest& request, ReceiveChannelEndpoint* endpoint);

    /// From the receiver: an image went unavailable (no data for the liveness timeout, or end of stream).
    void onImageInactive(PublicationImage* image);

private:
    struct ClientSession
    {
        std::int64_t clientId;
        std::int64_t lastKeepaliveNs;
    };

    /// A client's handle on a publication; several may share one (concurrent publications).
    struct PublicationLink
    {
        std::int64_t registrationId; ///< correlation id of the client's AddPublication
        std::int64_t clientId;
        IpcPublication* ipcPublication;
        NetworkPublication* networkPublication;
    };

    struct SubscriptionLink
    {
        std::int64_t registrationId;
        std::int64_t clientId;
        std::int32_t streamId;
        std::string channel;
        ChannelUri uri;
        std::optional<std::int32_t> sessionId;
        ReceiveChannelEndpoint* endpoint = nullptr; ///< UDP subscriptions only
    };

    void onCommand(std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length);
    void onAddPublication(std::int64_t correlationId, std::int64_t clientId, std::int32_t streamId, bool exclusive,
                          std::string_view channel);
    void onRemovePublication(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId);
    void onAddSubscription(std::int64_t correlationId, std::int64_t clientId, std::int32_t streamId,
                           std::string_view channel);
    void onRemoveSubscription(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId);
    void onAddCounter(std::int64_t correlationId, std::int64_t clientId, std::int32_t typeId,
                      std::string_view key, std::string_view label);
    void onRemoveCounter(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId);
    void onDestination(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId,
                       std::string_view channel, bool add);
    void onRcvDestination(std::int64_t correlationId, std::int64_t clientId, std::int64_t registrationId,
                          std::string_view channel, bool add);
    void addRcvDestination(ReceiveChannelEndpoint* endpoint, const std::string& endpointText,
                           const InetAddress& address);
    void removeRcvDestination(ReceiveChannelEndpoint* endpoint, const std::string& endpointText,
                              const InetAddress& address);
    ReceiveChannelEndpoint* multiDestinationEndpointFor(const ChannelUri& uri);
    ReceiveChannelEndpoint* taggedEndpointFor(const ChannelUri& uri);
    ReceiveChannelEndpoint* findTaggedEndpoint(const std::string& tag);
    void onClientKeepalive(std::int64_t clientId);
    void onClientClose(std::int64_t clientId);

    void addIpcPublication(std::int64_t correlationId, std::int64_t clientId, std::int32_t streamId, bool exclusive,
                           const ChannelUri& uri, std::string_view channel);
    void addNetworkPublication(std::int64_t correlationId, std::int64_t clientId, std::int32_t streamId,
                               bool exclusive, const ChannelUri& uri, std::string_view channel);
    void linkIpcSubscriber(IpcPublication& publication, const SubscriptionLink& subscription);
    ReceiveChannelEndpoint* receiveEndpointFor(const ChannelUri& uri);
    SendChannelEndpoint* sendEndpointFor(const ChannelUri& uri);
    void addUdpSubscriber(const SubscriptionLink& subscription);
    void removeUdpSubscriber(const SubscriptionLink& subscription);
    int processNetworkTimers(std::int64_t nowNs);
    void tryCloseReceiveEndpoint(ReceiveChannelEndpoint* endpoint);
    void deleteNetworkPublication(NetworkPublication* publication);
    [[nodiscard]] static bool matches(const SubscriptionLink& subscription, const PublicationImage& image);
    void linkSpySubscriber(NetworkPublication& publication, const SubscriptionLink& subscription);
    void removeSubscriptionLink(std::size_t index);
    void removePublicationLink(std::size_t index);

    ClientSession& clientFor(std::int64_t clientId);
    int processTimers(std::int64_t nowNs);
    int updatePublications(std::int64_t nowNs);
    std::int32_t nextSessionId();
    std::int32_t termLengthFor(const ChannelUri& uri, std::int32_t defaultLength) const;
    std::int32_t mtuFor(const ChannelUri& uri, std::int32_t defaultMtu) const;
    static std::int32_t windowFor(const ChannelUri& uri, std::int32_t contextWindow, std::int32_t termLength,
                                  std::int32_t mtu);

    void sendPublicationReady(std::int64_t correlationId, std::int64_t registrationId, std::int32_t sessionId,
                              std::int32_t streamId, std::int32_t publisherLimitId, bool exclusive,
                              const std::string& logFileName);
    void sendSubscriptionReady(std::int64_t correlationId, std::int32_t channelStatusId);
    void sendAvailableImage(std::int64_t imageCorrelationId, std::int64_t subscriptionRegistrationId,
                            std::int32_t sessionId, std::int32_t streamId, std::int32_t subscriberPositionId,
                            const std::string& logFileName, const std::string& sourceIdentity);
    void sendUnavailableImage(std::int64_t imageCorrelationId, std::int64_t subscriptionRegistrationId,
                              std::int32_t streamId);
    void sendOperationSuccess(std::int64_t correlationId);
    void sendError(std::int64_t correlationId, std::int32_t errorCode, const std::string& message);
    void sendClientTimeout(std::int64_t clientId);
    void sendCounterReady(std::int64_t correlationId, std::int32_t counterId);
    void transmit(std::int32_t templateId, std::size_t length);

    DriverResources& m_resources;
    MediaDriverContext& m_context;
    util::ManyToOneRingBuffer m_toDriverCommands;
    util::BroadcastTransmitter m_toClients;
    std::vector<std::uint8_t> m_responseBuffer;
    util::AtomicBuffer m_response;
    std::int64_t m_nowNs = 0;
    std::int64_t m_timerDeadlineNs = 0;
    std::mt19937_64 m_random;
    std::int32_t m_nextSessionId;

    /// Counters clients allocated (AddCounter); freed on RemoveCounter or when the client goes.
    struct CounterLink
    {
        std::int64_t registrationId;
        std::int64_t clientId;
        std::int32_t counterId;
    };

    /// A destination of a multi-destination subscription: its socket lives in the endpoint's slot
    /// transportIndex (receiver thread); the conductor keeps what it needs to find and free it.
    struct RcvDestination
    {
        ReceiveChannelEndpoint* endpoint;
        std::string endpointText;
        InetAddress address;
        InetAddress boundAddress;
        int transportIndex;
        std::int32_t localSocketAddressId;
    };

    std::vector<ClientSession> m_clients;
    util::StallDetector m_stallDetector;
    std::vector<CounterLink> m_counterLinks;
    std::vector<PublicationLink> m_publicationLinks;
    std::vector<SubscriptionLink> m_subscriptions;
    std::vector<RcvDestination> m_rcvDestinations;
    std::vector<std::unique_ptr<IpcPublication>> m_ipcPublications;
    std::vector<std::unique_ptr<NetworkPublication>> m_networkPublications;
    struct LingeringImage
    {
        std::unique_ptr<PublicationImage> image;
        std::int64_t deleteDeadlineNs;
    };
    std::vector<std::unique_ptr<SendChannelEndpoint>> m_sendEndpoints;
    std::vector<std::unique_ptr<ReceiveChannelEndpoint>> m_receiveEndpoints;
    std::vector<std::unique_ptr<PublicationImage>> m_images;
    std::vector<LingeringImage> m_lingeringImages;
    std::set<NetworkPublication*> m_retiringPublications;
    std::set<ReceiveChannelEndpoint*> m_receiveEndpointsClosing;
    /// Send endpoints whose last publication has gone and whose removal the sender has yet to confirm: a new
    /// publication to the same channel must get an endpoint of its own, not one about to be deleted.
    std::set<SendChannelEndpoint*> m_sendEndpointsClosing;
    std::int64_t m_nextReceiverId;
};
} // namespace cox::transport

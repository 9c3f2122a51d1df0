#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cox/transport/AeronContext.hpp"
#include "cox/transport/ControlledPollAction.hpp"
#include "cox/transport/Image.hpp"

namespace cox::transport
{
class ClientConductor;

/// The images of a subscription at one moment. Lists are immutable once published: the client conductor
/// builds a new one for every change (copy-on-write) and keeps the old one mapped for a linger period, so
/// a poll that loaded the old pointer finishes safely.
struct ImageList
{
    std::vector<std::shared_ptr<Image>> images;
};

/// Receives the streams of one channel and stream id (Aeron's Subscription): one Image per publisher
/// session. Added with Aeron::addSubscription.
///
/// poll and controlledPoll belong to one thread (they keep a round-robin cursor); they take no lock and
/// copy no shared_ptr, reading the image list published by the conductor with a release store. The other
/// calls may be made from any thread.
class Subscription
{
public:
    Subscription(ClientConductor& conductor, std::int64_t registrationId, std::string channel, std::int32_t streamId,
                 std::int32_t channelStatusId, OnAvailableImage onAvailableImage,
                 OnUnavailableImage onUnavailableImage);
    ~Subscription();

    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    [[nodiscard]] const std::string& channel() const noexcept { return m_channel; }
    [[nodiscard]] std::int32_t streamId() const noexcept { return m_streamId; }
    [[nodiscard]] std::int64_t registrationId() const noexcept { return m_registrationId; }
    [[nodiscard]] std::int32_t channelStatusId() const noexcept { return m_channelStatusId; }
    /// The receive channel endpoint's status (Aeron's ChannelEndpointStatus: 0 initializing, 1 active,
    /// 2 closing, -1 errored) from its counter; 1 for IPC and spy subscriptions, which have none.
    [[nodiscard]] std::int64_t channelStatus() const;
    /// The local address the UDP endpoint is bound to, as "host:port" with the real port (useful when
    /// the channel asked for port 0), or "" while unknown or for IPC and spy subscriptions.
    [[nodiscard]] std::string resolvedEndpoint() const;
    /// The channel with a port-0 endpoint replaced by the port actually bound (the host as written), to
    /// hand to a sender; the channel unchanged when its endpoint names a port; "" while the endpoint is
    /// not active or its address not yet known.
    [[nodiscard]] std::string tryResolveChannelEndpointPort() const;

    /// Every local address the subscription receives on, as "host:port": one per destination of a
    /// multi-destination subscription, one for a plain UDP subscription; empty for IPC and spies.
    [[nodiscard]] std::vector<std::string> localSocketAddresses() const;

    /// Multi-destination subscription (a UDP channel with control-mode=manual and no endpoint, Aeron's MDS):
    /// receives on one more endpoint, `aeron:udp?endpoint=host:port`, feeding the same images (by session
    /// id), or stops receiving on one. Blocking; throws RegistrationException when the driver refuses (not
    /// an MDS subscription, a bad or duplicate destination, a port in use).
    void addDestination(const std::string& endpointChannel);
    void removeDestination(const std::string& endpointChannel);
    /// Non-blocking forms for an agent's duty cycle: send the command and return its correlation id, to be
    /// checked with findDestinationResponse (false while unanswered; throws on refusal or timeout).
    [[nodiscard]] std::int64_t asyncAddDestination(const std::string& endpointChannel);
    [[nodiscard]] std::int64_t asyncRemoveDestination(const std::string& endpointChannel);
    [[nodiscard]] bool findDestinationResponse(std::int64_t correlationId);

    /// Polls the images in turn, starting one further along each call so none is starved, until
    /// fragmentLimit fragments were delivered; returns how many were. Handler as Image::poll.
    template <typename Handler> int poll(Handler&& handler, int fragmentLimit)
    {
        return pollImages([&](Image& image, int limit) { return image.poll(handler, limit); }, fragmentLimit);
    }

    /// As poll with a controlled handler (see Image::controlledPoll).
    template <typename Handler> int controlledPoll(Handler&& handler, int fragmentLimit)
    {
        return pollImages([&](Image& image, int limit) { return image.controlledPoll(handler, limit); },
                          fragmentLimit);
    }

    [[nodiscard]] std::size_t imageCount() const noexcept { return m_imageList.load(std::memory_order_acquire)->images.size(); }
    /// True when at least one image is open.
    [[nodiscard]] bool isConnected() const noexcept;
    /// The image of a publisher session, or null.
    [[nodiscard]] std::shared_ptr<Image> imageBySessionId(std::int32_t sessionId) const;
    /// A snapshot of the current images (copies shared_ptrs: not for the polling hot path).
    [[nodiscard]] std::vector<std::shared_ptr<Image>> images() const;

    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed.load(std::memory_order_acquire); }
    /// Sends RemoveSubscription and closes the images. Idempotent; polls return 0 from then on.
    void close();

private:
    friend class ClientConductor;

    template <typename PollImage> int pollImages(PollImage&& pollImage, int fragmentLimit)
    {
        const ImageList* list = m_imageList.load(std::memory_order_acquire);
        const std::size_t length = list->images.size();
        if (length == 0)
        {
            return 0;
        }
        std::size_t startingIndex = m_roundRobinIndex++;
        if (startingIndex >= length)
        {
            m_roundRobinIndex = 1;
            startingIndex = 0;
        }
        int fragmentsRead = 0;
        for (std::size_t i = startingIndex; i < length && fragmentsRead < fragmentLimit; ++i)
        {
            fragmentsRead += pollImage(*list->images[i], fragmentLimit - fragmentsRead);
        }
        for (std::size_t i = 0; i < startingIndex && fragmentsRead < fragmentLimit; ++i)
        {
            fragmentsRead += pollImage(*list->images[i], fragmentLimit - fragmentsRead);
        }
        return fragmentsRead;
    }

    // Conductor side, under its lock. Each returns the list it replaced, for the conductor to linger.
    std::unique_ptr<ImageList> addImage(std::shared_ptr<Image> image);
    std::unique_ptr<ImageList> removeImage(std::int64_t correlationId, std::shared_ptr<Image>& removed);
    std::unique_ptr<ImageList> closeAndRemoveImages();
    std::unique_ptr<ImageList> publish(std::unique_ptr<ImageList> next);

    ClientConductor* m_conductor;
    std::string m_channel;
    std::int64_t m_registrationId;
    std::int32_t m_streamId;
    std::int32_t m_channelStatusId;
    OnAvailableImage m_onAvailableImage;
    OnUnavailableImage m_onUnavailableImage;
    /// Owned by m_ownedList; swapped only by the conductor.
    std::atomic<const ImageList*> m_imageList;
    std::unique_ptr<ImageList> m_ownedList;
    std::size_t m_roundRobinIndex = 0;
    std::atomic<bool> m_isClosed{false};
};
} // namespace cox::transport

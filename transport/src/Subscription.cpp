#include "cox/transport/Subscription.hpp"

#include <cstring>

#include "ClientConductor.hpp"
#include "StreamCounters.hpp"
#include "cox/transport/ChannelUri.hpp"

namespace cox::transport
{
Subscription::Subscription(ClientConductor& conductor, std::int64_t registrationId, std::string channel,
                           std::int32_t streamId, std::int32_t channelStatusId, OnAvailableImage onAvailableImage,
                           OnUnavailableImage onUnavailableImage)
    : m_conductor(&conductor),
      m_channel(std::move(channel)),
      m_registrationId(registrationId),
      m_streamId(streamId),
      m_channelStatusId(channelStatusId),
      m_onAvailableImage(std::move(onAvailableImage)),
      m_onUnavailableImage(std::move(onUnavailableImage)),
      m_ownedList(std::make_unique<ImageList>())
{
    m_imageList.store(m_ownedList.get(), std::memory_order_release);
}

Subscription::~Subscription() = default;

std::int64_t Subscription::channelStatus() const
{
    if (m_channelStatusId < 0)
    {
        return ChannelEndpointStatus::ACTIVE;
    }
    const util::CountersReader& counters = m_conductor->countersReader();
    if (m_channelStatusId >= counters.maxCounters())
    {
        return ChannelEndpointStatus::ERRORED;
    }
    return counters.getCounterValue(m_channelStatusId);
}

std::string Subscription::resolvedEndpoint() const
{
    if (m_channelStatusId < 0 || channelStatus() != ChannelEndpointStatus::ACTIVE)
    {
        return {};
    }
    // The key is driver-written but read from a shared file, so its length is bounded before use.
    std::string address;
    m_conductor->countersReader().forEach(
        [&](const util::CounterMetadata& counter)
        {
            constexpr std::size_t HEADER = 2 * sizeof(std::int32_t);
            if (!address.empty() || counter.typeId != StreamCounterType::LOCAL_SOCKET_ADDRESS ||
                counter.value != ChannelEndpointStatus::ACTIVE || counter.key.size() < HEADER)
            {
                return;
            }
            std::int32_t statusId;
            std::int32_t length;
            std::memcpy(&statusId, counter.key.data(), sizeof(statusId));
            std::memcpy(&length, counter.key.data() + sizeof(statusId), sizeof(length));
            if (statusId == m_channelStatusId && length > 0 &&
                static_cast<std::size_t>(length) <= counter.key.size() - HEADER)
            {
                address.assign(reinterpret_cast<const char*>(counter.key.data() + HEADER),
                               static_cast<std::size_t>(length));
            }
        });
    return address;
}

std::vector<std::string> Subscription::localSocketAddresses() const
{
    std::vector<std::string> addresses;
    if (m_channelStatusId < 0 || channelStatus() != ChannelEndpointStatus::ACTIVE)
    {
        return addresses;
    }
    m_conductor->countersReader().forEach(
        [&](const util::CounterMetadata& counter)
        {
            constexpr std::size_t HEADER = 2 * sizeof(std::int32_t);
            if (counter.typeId != StreamCounterType::LOCAL_SOCKET_ADDRESS ||
                counter.value != ChannelEndpointStatus::ACTIVE || counter.key.size() < HEADER)
            {
                return;
            }
            std::int32_t statusId;
            std::int32_t length;
            std::memcpy(&statusId, counter.key.data(), sizeof(statusId));
            std::memcpy(&length, counter.key.data() + sizeof(statusId), sizeof(length));
            if (statusId == m_channelStatusId && length > 0 &&
                static_cast<std::size_t>(length) <= counter.key.size() - HEADER)
            {
                addresses.emplace_back(reinterpret_cast<const char*>(counter.key.data() + HEADER),
                                       static_cast<std::size_t>(length));
            }
        });
    return addresses;
}

void Subscription::addDestination(const std::string& endpointChannel)
{
    m_conductor->addRcvDestination(m_registrationId, endpointChannel);
}

void Subscription::removeDestination(const std::string& endpointChannel)
{
    m_conductor->removeRcvDestination(m_registrationId, endpointChannel);
}

std::int64_t Subscription::asyncAddDestination(const std::string& endpointChannel)
{
    return m_conductor->asyncAddRcvDestination(m_registrationId, endpointChannel);
}

std::int64_t Subscription::asyncRemoveDestination(const std::string& endpointChannel)
{
    return m_conductor->asyncRemoveRcvDestination(m_registrationId, endpointChannel);
}

bool Subscription::findDestinationResponse(std::int64_t correlationId)
{
    return m_conductor->findDestinationResponse(correlationId);
}

std::string Subscription::tryResolveChannelEndpointPort() const
{
    if (channelStatus() != ChannelEndpointStatus::ACTIVE)
    {
        return {};
    }
    ChannelUri uri = ChannelUri::parse(m_channel);
    const auto endpoint = uri.endpoint();
    if (!endpoint || !endpoint->ends_with(":0"))
    {
        return m_channel;
    }
    const std::string resolved = resolvedEndpoint();
    const std::size_t portStart = resolved.rfind(':');
    if (portStart == std::string::npos)
    {
        return {};
    }
    const std::string host(endpoint->substr(0, endpoint->size() - 1));
    uri.put(ChannelUri::ENDPOINT_PARAM, host + resolved.substr(portStart + 1));
    return uri.toString();
}

bool Subscription::isConnected() const noexcept
{
    for (const auto& image : m_imageList.load(std::memory_order_acquire)->images)
    {
        if (!image->isClosed())
        {
            return true;
        }
    }
    return false;
}

std::shared_ptr<Image> Subscription::imageBySessionId(std::int32_t sessionId) const
{
    for (const auto& image : m_imageList.load(std::memory_order_acquire)->images)
    {
        if (image->sessionId() == sessionId)
        {
            return image;
        }
    }
    return nullptr;
}

std::vector<std::shared_ptr<Image>> Subscription::images() const
{
    return m_imageList.load(std::memory_order_acquire)->images;
}

void Subscription::close()
{
    if (!isClosed())
    {
        m_conductor->releaseSubscription(*this);
    }
}

std::unique_ptr<ImageList> Subscription::publish(std::unique_ptr<ImageList> next)
{
    m_imageList.store(next.get(), std::memory_order_release);
    std::swap(m_ownedList, next);
    return next;
}

std::unique_ptr<ImageList> Subscription::addImage(std::shared_ptr<Image> image)
{
    auto next = std::make_unique<ImageList>(*m_ownedList);
    next->images.push_back(std::move(image));
    return publish(std::move(next));
}

std::unique_ptr<ImageList> Subscription::removeImage(std::int64_t correlationId, std::shared_ptr<Image>& removed)
{
    auto next = std::make_unique<ImageList>();
    for (const auto& image : m_ownedList->images)
    {
        if (image->correlationId() == correlationId)
        {
            removed = image;
        }
        else
        {
            next->images.push_back(image);
        }
    }
    if (!removed)
    {
        return nullptr;
    }
    return publish(std::move(next));
}

// Closes the images before the empty list is published, so a poller still holding the old list reads
// nothing more from them.
std::unique_ptr<ImageList> Subscription::closeAndRemoveImages()
{
    m_isClosed.store(true, std::memory_order_release);
    for (const auto& image : m_ownedList->images)
    {
        image->close();
    }
    return publish(std::make_unique<ImageList>());
}
} // namespace cox::transport

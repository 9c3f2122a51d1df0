#include "Receiver.hpp"

#include <algorithm>

#include "DriverConductor.hpp"
#include "PublicationImage.hpp"

namespace cox::transport
{
Receiver::Receiver(util::CommandQueue& commands, util::CommandQueue& toConductor, const util::NanoClock& nanoClock,
                   std::unique_ptr<UdpTransportPoller> poller)
    : m_commands(commands), m_toConductor(toConductor), m_nanoClock(nanoClock), m_poller(std::move(poller))
{
    m_onSetup = [this](const SetupRequest& request)
    {
        ReceiveChannelEndpoint* endpoint = m_pollingEndpoint;
        DriverConductor* conductor = m_conductor;
        m_toConductor.offer([conductor, endpoint, request]
                            { conductor->onCreatePublicationImage(request, endpoint); });
    };
}

int Receiver::doWork()
{
    const std::int64_t nowNs = m_nanoClock.nanoTime();
    int workCount = m_commands.drain();
    static_cast<void>(m_poller->poll()); // an error leaves the flags as they were: the next cycle tries again
    for (ReceiveChannelEndpoint* endpoint : m_endpoints)
    {
        m_pollingEndpoint = endpoint;
        workCount += endpoint->poll(nowNs, m_onSetup);
        workCount += endpoint->onIdle(nowNs);
    }
    m_pollingEndpoint = nullptr;
    for (std::size_t i = 0; i < m_images.size();)
    {
        PublicationImage* image = m_images[i];
        workCount += image->doDuties(nowNs);
        if (image->state() == PublicationImage::State::INACTIVE)
        {
            image->endpoint().removeImage(image);
            m_images.erase(m_images.begin() + static_cast<std::ptrdiff_t>(i));
            DriverConductor* conductor = m_conductor;
            m_toConductor.offer([conductor, image] { conductor->onImageInactive(image); });
        }
        else
        {
            ++i;
        }
    }
    return workCount;
}

void Receiver::onAddEndpoint(ReceiveChannelEndpoint* endpoint)
{
    endpoint->attach(*m_poller);
    m_endpoints.push_back(endpoint);
}

void Receiver::onRemoveEndpoint(ReceiveChannelEndpoint* endpoint)
{
    endpoint->detach();
    std::erase(m_endpoints, endpoint);
}

void Receiver::onAddImage(PublicationImage* image)
{
    m_images.push_back(image);
    image->endpoint().addImage(image);
}
} // namespace cox::transport

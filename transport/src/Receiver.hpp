#pragma once

#include <memory>
#include <vector>

#include "cox/util/CommandQueue.hpp"
#include "ReceiveChannelEndpoint.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/Clock.hpp"

namespace cox::transport
{
class PublicationImage;
class DriverConductor;

/// The receiver agent (Aeron's Receiver): reads datagrams from every receive endpoint into images,
/// then runs each image's loss (NAK), status message and liveness duties. Aeron scans for gaps on
/// the conductor; here the receiver does it so an image has a single thread.
class Receiver final : public util::Agent
{
public:
    Receiver(util::CommandQueue& commands, util::CommandQueue& toConductor, const util::NanoClock& nanoClock,
             std::unique_ptr<UdpTransportPoller> poller);

    void setConductor(DriverConductor* conductor) noexcept { m_conductor = conductor; }
    int doWork() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "receiver"; }

    // Called through the command queue, on the receiver thread.
    void onAddEndpoint(ReceiveChannelEndpoint* endpoint);
    void onRemoveEndpoint(ReceiveChannelEndpoint* endpoint);
    void onAddImage(PublicationImage* image);

private:
    util::CommandQueue& m_commands;
    util::CommandQueue& m_toConductor;
    const util::NanoClock& m_nanoClock;
    DriverConductor* m_conductor = nullptr;
    std::unique_ptr<UdpTransportPoller> m_poller;
    std::vector<ReceiveChannelEndpoint*> m_endpoints;
    std::vector<PublicationImage*> m_images;
    ReceiveChannelEndpoint* m_pollingEndpoint = nullptr;
    ReceiveChannelEndpoint::SetupHandler m_onSetup;
};
} // namespace cox::transport

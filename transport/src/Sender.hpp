#pragma once

#include <memory>
#include <vector>

#include "cox/util/CommandQueue.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/Clock.hpp"
#include "cox/transport/UdpMedia.hpp"

namespace cox::transport
{
class NetworkPublication;
class SendChannelEndpoint;

/// The sender agent (Aeron's Sender): sends every network publication's setup, data, heartbeats and
/// retransmits in turn, then reads status messages and NAKs from the send endpoints.
class Sender final : public util::Agent
{
public:
    Sender(util::CommandQueue& commands, const util::NanoClock& nanoClock, std::unique_ptr<UdpTransportPoller> poller);

    int doWork() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "sender"; }

    // Called through the command queue, on the sender thread.
    void onAddPublication(NetworkPublication* publication);
    void onRemovePublication(NetworkPublication* publication);
    void onAddEndpoint(SendChannelEndpoint* endpoint);
    void onRemoveEndpoint(SendChannelEndpoint* endpoint);

private:
    util::CommandQueue& m_commands;
    const util::NanoClock& m_nanoClock;
    std::unique_ptr<UdpTransportPoller> m_poller;
    std::vector<NetworkPublication*> m_publications;
    std::vector<SendChannelEndpoint*> m_endpoints;
    std::size_t m_roundRobinIndex = 0;
    int m_dutyCycleCount = 0;
};
} // namespace cox::transport

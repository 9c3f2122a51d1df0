#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"

namespace cox::transport
{
/// Encodes client commands into the driver's to-driver ring buffer (Aeron's DriverProxy): each a whole SBE
/// message (header, block, var data) with the template id as message type id. One user at a time: the
/// client conductor calls it under its lock.
class DriverProxy
{
public:
    /// waitHook is called between attempts when the ring is full (it drives an invoker-mode driver);
    /// writes give up after driverTimeoutNs on nanoClock.
    DriverProxy(util::ManyToOneRingBuffer& toDriver, const util::NanoClock& nanoClock, std::int64_t driverTimeoutNs,
                std::function<int()> waitHook);

    void clientId(std::int64_t clientId) noexcept { m_clientId = clientId; }
    [[nodiscard]] std::int64_t clientId() const noexcept { return m_clientId; }
    [[nodiscard]] std::int64_t nextCorrelationId() { return m_toDriver.nextCorrelationId(); }

    // Each returns the command's correlation id; throws DriverTimeoutException when the ring stays full
    // and IllegalArgumentException when a channel does not fit one ring message.
    std::int64_t addPublication(std::string_view channel, std::int32_t streamId, bool exclusive);
    std::int64_t removePublication(std::int64_t registrationId);
    std::int64_t addSubscription(std::string_view channel, std::int32_t streamId);
    std::int64_t removeSubscription(std::int64_t registrationId);
    std::int64_t addDestination(std::int64_t publicationRegistrationId, std::string_view channel);
    std::int64_t removeDestination(std::int64_t publicationRegistrationId, std::string_view channel);
    /// Multi-destination subscription: the channel names one more (or one fewer) endpoint to receive on.
    std::int64_t addRcvDestination(std::int64_t subscriptionRegistrationId, std::string_view channel);
    std::int64_t removeRcvDestination(std::int64_t subscriptionRegistrationId, std::string_view channel);
    std::int64_t addCounter(std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label);
    std::int64_t removeCounter(std::int64_t registrationId);
    /// One attempt, no waiting: the conductor's duty cycle retries on its next keepalive.
    bool sendClientKeepalive();
    /// Waits for ring space like the commands.
    void clientClose();

private:
    void checkChannel(std::string_view channel) const;
    void write(std::int32_t msgTypeId, std::size_t length);

    util::ManyToOneRingBuffer& m_toDriver;
    const util::NanoClock& m_nanoClock;
    std::int64_t m_driverTimeoutNs;
    std::function<int()> m_waitHook;
    std::vector<std::uint64_t> m_scratchMemory;
    util::AtomicBuffer m_scratch;
    std::int64_t m_clientId = -1;
};
} // namespace cox::transport

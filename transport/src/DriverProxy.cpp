#include "DriverProxy.hpp"

#include <string>
#include <thread>

#include "cox/codecs/driver/DriverCodecs.hpp"
#include "cox/transport/AeronContext.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
using namespace codecs::driver;

namespace
{
constexpr std::size_t HEADER = MessageHeaderEncoder::ENCODED_LENGTH;

BooleanType toBoolean(bool value) noexcept { return value ? BooleanType::TRUE : BooleanType::FALSE; }
} // namespace

DriverProxy::DriverProxy(util::ManyToOneRingBuffer& toDriver, const util::NanoClock& nanoClock,
                         std::int64_t driverTimeoutNs, std::function<int()> waitHook)
    : m_toDriver(toDriver),
      m_nanoClock(nanoClock),
      m_driverTimeoutNs(driverTimeoutNs),
      m_waitHook(std::move(waitHook)),
      m_scratchMemory((toDriver.maxMsgLength() + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t)),
      m_scratch(m_scratchMemory.data(), toDriver.maxMsgLength())
{
}

void DriverProxy::checkChannel(std::string_view channel) const
{
    // The largest block of a channel-carrying command plus the header and the var-data length prefix.
    constexpr std::size_t overhead = HEADER + AddPublicationEncoder::BLOCK_LENGTH + sizeof(std::uint32_t);
    if (channel.size() + overhead > m_scratch.capacity())
    {
        throw util::IllegalArgumentException("channel of " + std::to_string(channel.size()) +
                                             " bytes is too long for the driver's command buffer");
    }
}

std::int64_t DriverProxy::addPublication(std::string_view channel, std::int32_t streamId, bool exclusive)
{
    checkChannel(channel);
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    AddPublicationEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .streamId(streamId)
        .exclusive(toBoolean(exclusive))
        .putChannel(channel);
    write(AddPublicationEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::removePublication(std::int64_t registrationId)
{
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    RemovePublicationEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(registrationId);
    write(RemovePublicationEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::addSubscription(std::string_view channel, std::int32_t streamId)
{
    checkChannel(channel);
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    AddSubscriptionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .streamId(streamId)
        .putChannel(channel);
    write(AddSubscriptionEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::removeSubscription(std::int64_t registrationId)
{
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    RemoveSubscriptionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(registrationId);
    write(RemoveSubscriptionEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::addDestination(std::int64_t publicationRegistrationId, std::string_view channel)
{
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    AddDestinationEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(publicationRegistrationId)
        .putChannel(channel);
    write(AddDestinationEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::removeDestination(std::int64_t publicationRegistrationId, std::string_view channel)
{
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    RemoveDestinationEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(publicationRegistrationId)
        .putChannel(channel);
    write(RemoveDestinationEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::addRcvDestination(std::int64_t subscriptionRegistrationId, std::string_view channel)
{
    checkChannel(channel);
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    AddRcvDestinationEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(subscriptionRegistrationId)
        .putChannel(channel);
    write(AddRcvDestinationEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::removeRcvDestination(std::int64_t subscriptionRegistrationId, std::string_view channel)
{
    checkChannel(channel);
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    RemoveRcvDestinationEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(subscriptionRegistrationId)
        .putChannel(channel);
    write(RemoveRcvDestinationEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::addCounter(std::int32_t typeId, std::span<const std::uint8_t> key, std::string_view label)
{
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    AddCounterEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .typeId(typeId)
        .putKey(reinterpret_cast<const char*>(key.data()), key.size())
        .putLabel(label);
    write(AddCounterEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

std::int64_t DriverProxy::removeCounter(std::int64_t registrationId)
{
    const std::int64_t correlationId = nextCorrelationId();
    MessageHeaderEncoder header;
    RemoveCounterEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header)
        .correlationId(correlationId)
        .clientId(m_clientId)
        .registrationId(registrationId);
    write(RemoveCounterEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
    return correlationId;
}

bool DriverProxy::sendClientKeepalive()
{
    MessageHeaderEncoder header;
    ClientKeepaliveEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header).clientId(m_clientId);
    return m_toDriver.write(ClientKeepaliveEncoder::TEMPLATE_ID, m_scratch, 0, HEADER + encoder.encodedLength());
}

void DriverProxy::clientClose()
{
    MessageHeaderEncoder header;
    ClientCloseEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.buffer(), 0, m_scratch.capacity(), header).clientId(m_clientId);
    write(ClientCloseEncoder::TEMPLATE_ID, HEADER + encoder.encodedLength());
}

void DriverProxy::write(std::int32_t msgTypeId, std::size_t length)
{
    const std::int64_t deadlineNs = m_nanoClock.nanoTime() + m_driverTimeoutNs;
    while (!m_toDriver.write(msgTypeId, m_scratch, 0, length))
    {
        if (m_nanoClock.nanoTime() - deadlineNs > 0)
        {
            throw DriverTimeoutException("driver command buffer stayed full for " +
                                         std::to_string(m_driverTimeoutNs / 1'000'000) + " ms");
        }
        if (!m_waitHook || m_waitHook() <= 0)
        {
            std::this_thread::yield();
        }
    }
}
} // namespace cox::transport

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/InetAddress.hpp"
#include "cox/transport/LossGenerator.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/UdpMedia.hpp"

namespace cox::transport
{
struct SystemCounters;
class PublicationImage;

/// What the receiver learns from a SETUP frame for a stream someone subscribes to.
struct SetupRequest
{
    std::int32_t sessionId;
    std::int32_t streamId;
    std::int32_t initialTermId;
    std::int32_t activeTermId;
    std::int32_t termOffset;
    std::int32_t termLength;
    std::int32_t mtuLength;
    InetAddress controlAddress;
};

/// The socket a UDP subscription channel receives on (Aeron's receive channel endpoint plus its data
/// packet dispatcher): DATA goes to the image of its (stream, session); DATA from an unknown session
/// of a subscribed stream elicits a SETUP; a SETUP asks the conductor for an image. Status messages
/// and NAKs go back from the same socket to every address the image has heard its stream from. With `control=` (a dynamic
/// multi-destination-cast subscriber) it also sends setup-eliciting SMs to the control address every
/// second until an image exists.
///
/// Created and destroyed by the conductor; used only by the receiver thread in between.
class ReceiveChannelEndpoint
{
public:
    using SetupHandler = std::function<void(const SetupRequest&)>;

    ReceiveChannelEndpoint(
        const ChannelUri& uri, std::string key, UdpMedia& media, const MediaDriverContext& context, std::int64_t receiverId);

    [[nodiscard]] const std::string& key() const noexcept { return m_key; }
    /// Conductor: an endpoint bound to port 0 is re-keyed by the port it got, so a later subscription
    /// to the resolved channel shares it while another port-0 subscription binds a port of its own.
    void key(std::string key) { m_key = std::move(key); }
    /// Conductor: the channel status (rcv-channel) and bound address (rcv-local-sockaddr) counters.
    void statusCounters(std::int32_t channelStatusId, std::int32_t localSocketAddressId) noexcept
    {
        m_channelStatusId = channelStatusId;
        m_localSocketAddressId = localSocketAddressId;
    }
    [[nodiscard]] std::int32_t channelStatusId() const noexcept { return m_channelStatusId; }
    [[nodiscard]] std::int32_t localSocketAddressId() const noexcept { return m_localSocketAddressId; }
    [[nodiscard]] std::int64_t receiverId() const noexcept { return m_receiverId; }
    [[nodiscard]] const InetAddress& localAddress() const noexcept { return m_transport->localAddress(); }

    // ---- receiver thread ----

    /// Reads waiting datagrams and dispatches them; returns bytes received.
    int poll(std::int64_t nowNs, const SetupHandler& onSetup);
    /// Periodic elicitation to the control address (dynamic MDC subscribers).
    int onIdle(std::int64_t nowNs);

    void addSubscription(std::int32_t streamId, std::optional<std::int32_t> sessionId);
    void removeSubscription(std::int32_t streamId, std::optional<std::int32_t> sessionId);
    void addImage(PublicationImage* image);
    void removeImage(PublicationImage* image);
    /// A SETUP for this session was passed to the conductor, which declined it (no subscriber left).
    void onSetupDeclined(std::int32_t streamId, std::int32_t sessionId);

    std::int64_t sendStatusMessage(
        const InetAddress& to,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::int32_t termId,
        std::int32_t termOffset,
        std::int32_t windowLength,
        std::uint8_t flags) noexcept;
    std::int64_t sendNak(
        const InetAddress& to,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::int32_t termId,
        std::int32_t termOffset,
        std::int32_t length) noexcept;

    [[nodiscard]] std::int64_t invalidPackets() const noexcept { return m_invalidPackets; }
    void systemCounters(SystemCounters* counters) noexcept { m_systemCounters = counters; }

    [[nodiscard]] std::int64_t droppedByLossGenerator() const noexcept { return m_droppedByLossGenerator; }

    // ---- conductor thread (before the receiver has it, or through commands) ----
    void incRef() noexcept { ++m_refCount; }
    int decRef() noexcept { return --m_refCount; }
    [[nodiscard]] int refCount() const noexcept { return m_refCount; }

private:
    enum class SessionState : std::int8_t
    {
        PENDING_SETUP, ///< elicited a SETUP; waiting
        INIT_IN_PROGRESS, ///< SETUP passed to the conductor
        ACTIVE,
    };

    struct SessionEntry
    {
        SessionState state;
        PublicationImage* image;
        std::int64_t deadlineNs;
    };

    struct StreamInterest
    {
        int subscriberCount = 0;
        std::map<std::int32_t, SessionEntry> sessions;
    };

    void onData(const std::uint8_t* datagram, std::size_t length, const InetAddress& source, std::int64_t nowNs);
    void onSetup(const std::uint8_t* datagram, std::size_t length, const InetAddress& source, std::int64_t nowNs,
                 const SetupHandler& handler);
    void onRttMeasurement(const std::uint8_t* datagram, std::size_t length, const InetAddress& source);
    void elicitSetup(const InetAddress& to, std::int32_t sessionId, std::int32_t streamId) noexcept;

    std::string m_key;
    std::unique_ptr<UdpTransport> m_transport;
    std::int64_t m_receiverId;
    std::optional<InetAddress> m_controlAddress;
    std::map<std::int32_t, StreamInterest> m_streams;
    std::vector<std::uint8_t> m_receiveBuffer;
    std::uint8_t m_controlFrame[64] = {};
    std::unique_ptr<LossGenerator> m_receiveLoss;
    std::unique_ptr<DelayGenerator> m_receiveDelay;
    std::vector<InetAddress> m_delayedSources;
    std::size_t m_delayedSourcesHead = 0;
    std::size_t m_delayedSourcesSize = 0;
    std::int64_t m_nextElicitNs = 0;
    std::int64_t m_invalidPackets = 0;
    std::int64_t m_droppedByLossGenerator = 0;
    int m_refCount = 0;
    std::int32_t m_channelStatusId = -1;
    std::int32_t m_localSocketAddressId = -1;
    SystemCounters* m_systemCounters = nullptr;
};
} // namespace cox::transport

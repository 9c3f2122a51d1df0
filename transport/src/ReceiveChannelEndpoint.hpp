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
    /// Which of the endpoint's transports (destinations) it came in on.
    int transportIndex = 0;
};

/// The socket a UDP subscription channel receives on (Aeron's receive channel endpoint plus its data
/// packet dispatcher): DATA goes to the image of its (stream, session); DATA from an unknown session
/// of a subscribed stream elicits a SETUP; a SETUP asks the conductor for an image. Status messages
/// and NAKs go back from the same socket to every address the image has heard its stream from. With `control=` (a dynamic
/// multi-destination-cast subscriber) it also sends setup-eliciting SMs to the control address every
/// second until an image exists.
///
/// A multi-destination subscription (Aeron's MDS: `aeron:udp?control-mode=manual`, no endpoint) has an
/// endpoint with no socket of its own; each destination added to it brings one (a transport), and all of
/// them feed the same images by session id. Transports are kept in slots that never move, so an image's
/// connection can name the one to answer through; a removed destination leaves an empty slot.
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
    /// Conductor: the channel tag (the first of `tags=`) a manual-control endpoint was created with, so that
    /// `aeron:udp?tags=T` subscriptions (a recording, a service) share its images. Empty when untagged.
    [[nodiscard]] const std::string& channelTag() const noexcept { return m_channelTag; }
    void channelTag(std::string tag) { m_channelTag = std::move(tag); }
    /// Conductor: the channel status (rcv-channel) and bound address (rcv-local-sockaddr) counters.
    void statusCounters(std::int32_t channelStatusId, std::int32_t localSocketAddressId) noexcept
    {
        m_channelStatusId = channelStatusId;
        m_localSocketAddressId = localSocketAddressId;
    }
    [[nodiscard]] std::int32_t channelStatusId() const noexcept { return m_channelStatusId; }
    [[nodiscard]] std::int32_t localSocketAddressId() const noexcept { return m_localSocketAddressId; }
    [[nodiscard]] std::int64_t receiverId() const noexcept { return m_receiverId; }
    /// The bound address of a single-destination endpoint (conductor, at set-up).
    [[nodiscard]] const InetAddress& localAddress() const noexcept { return m_transports.front()->localAddress(); }
    [[nodiscard]] bool isMultiDestination() const noexcept { return m_isMultiDestination; }

    // ---- receiver thread ----

    /// Reads waiting datagrams and dispatches them; returns bytes received.
    int poll(std::int64_t nowNs, const SetupHandler& onSetup);
    /// The receiver's poller watches this endpoint's transports (and destinations added later) until detach.
    void attach(UdpTransportPoller& poller);
    void detach() noexcept;
    /// Periodic elicitation to the control address (dynamic MDC subscribers).
    int onIdle(std::int64_t nowNs);

    /// Multi-destination: puts a destination's transport in slot transportIndex (chosen by the conductor),
    /// or closes the one there.
    void addDestination(int transportIndex, std::shared_ptr<UdpTransport> transport);
    void removeDestination(int transportIndex);
    [[nodiscard]] int destinationCount() const noexcept;

    void addSubscription(std::int32_t streamId, std::optional<std::int32_t> sessionId);
    void removeSubscription(std::int32_t streamId, std::optional<std::int32_t> sessionId);
    void addImage(PublicationImage* image);
    void removeImage(PublicationImage* image);
    /// A SETUP for this session was passed to the conductor, which declined it (no subscriber left).
    void onSetupDeclined(std::int32_t streamId, std::int32_t sessionId);

    /// Control frames go out through the transport the peer was heard on (0 for a single-destination
    /// endpoint); nothing is sent through a removed destination's empty slot.
    std::int64_t sendStatusMessage(
        const InetAddress& to,
        int transportIndex,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::int32_t termId,
        std::int32_t termOffset,
        std::int32_t windowLength,
        std::uint8_t flags) noexcept;
    std::int64_t sendNak(
        const InetAddress& to,
        int transportIndex,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::int32_t termId,
        std::int32_t termOffset,
        std::int32_t length) noexcept;

    [[nodiscard]] std::int64_t invalidPackets() const noexcept { return m_invalidPackets; }
    void systemCounters(SystemCounters* counters) noexcept { m_systemCounters = counters; }

    [[nodiscard]] std::int64_t droppedByLossGenerator() const noexcept { return m_droppedByLossGenerator; }

    // ---- conductor thread (before the receiver has it, or through commands) ----
    /// The slot for the next destination added: slots are never reused.
    int nextDestinationIndex() noexcept { return m_nextDestinationIndex++; }
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

    struct DelayedSource
    {
        InetAddress address;
        int transportIndex = 0;
    };

    int pollTransport(int transportIndex, std::int64_t nowNs, const SetupHandler& onSetupRequest);
    /// Puts next in slot, moving the poller's watch from the old transport to the new one.
    void replaceTransport(std::shared_ptr<UdpTransport>& slot, std::shared_ptr<UdpTransport> next);
    void onData(const std::uint8_t* datagram, std::size_t length, const InetAddress& source, int transportIndex,
                std::int64_t nowNs);
    void onSetup(const std::uint8_t* datagram, std::size_t length, const InetAddress& source, int transportIndex,
                 std::int64_t nowNs, const SetupHandler& handler);
    void onRttMeasurement(const std::uint8_t* datagram, std::size_t length, const InetAddress& source,
                          int transportIndex);
    void elicitSetup(const InetAddress& to, int transportIndex, std::int32_t sessionId, std::int32_t streamId) noexcept;
    [[nodiscard]] UdpTransport* transport(int transportIndex) const noexcept;

    std::string m_key;
    std::string m_channelTag;
    std::vector<std::shared_ptr<UdpTransport>> m_transports;
    UdpTransportPoller* m_poller = nullptr;
    bool m_isMultiDestination = false;
    std::int64_t m_receiverId;
    std::optional<InetAddress> m_controlAddress;
    std::map<std::int32_t, StreamInterest> m_streams;
    std::vector<std::uint8_t> m_receiveBuffer;
    std::uint8_t m_controlFrame[64] = {};
    std::unique_ptr<LossGenerator> m_receiveLoss;
    std::unique_ptr<DelayGenerator> m_receiveDelay;
    std::vector<DelayedSource> m_delayedSources;
    std::size_t m_delayedSourcesHead = 0;
    std::size_t m_delayedSourcesSize = 0;
    std::int64_t m_nextElicitNs = 0;
    std::int64_t m_invalidPackets = 0;
    std::int64_t m_droppedByLossGenerator = 0;
    int m_refCount = 0;
    int m_nextDestinationIndex = 0;
    std::int32_t m_channelStatusId = -1;
    std::int32_t m_localSocketAddressId = -1;
    SystemCounters* m_systemCounters = nullptr;
};
} // namespace cox::transport

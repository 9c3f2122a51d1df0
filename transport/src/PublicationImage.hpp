#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/transport/InetAddress.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/transport/LossDetector.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/StatusMessageScheduler.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
struct SystemCounters;
class ReceiveChannelEndpoint;

/// The receiving side of one publisher's stream on one receive endpoint (Aeron's publication
/// image): datagrams are rebuilt into the image's log at their term offsets; gaps behind the
/// high-water mark are NAKed after a delay and retried until filled; status messages tell the
/// sender how far the slowest subscriber has read and how much more it may send.
///
/// One image may be fed by several senders of the same stream at once (Aeron's image connections):
/// e.g. a leader's live log and a catch-up replay of it from an archive, both with the same session
/// id, initial term id and term length. Each source address heard from is a connection; SMs and NAKs
/// go to every connection heard within the image liveness timeout, the rebuilder drops duplicates,
/// and the stream ends only when every live connection has sent end of stream.
///
/// The receiver thread inserts packets and runs loss and SM duties; the conductor creates it,
/// links subscribers (through receiver commands) and deletes it after it went inactive.
class PublicationImage
{
public:
    /// Sources beyond this replace the one heard from least recently.
    static constexpr int MAX_CONNECTIONS = 4;

    enum class State : std::int32_t
    {
        ACTIVE,
        INACTIVE, ///< the receiver stopped using it; the conductor lingers then deletes it
    };

    struct SubscriberPosition
    {
        std::int64_t subscriptionRegistrationId;
        util::Position position;
    };

    PublicationImage(
        std::int64_t correlationId,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::int64_t joinPosition,
        std::string logFileName,
        std::unique_ptr<LogBuffers> logBuffers,
        ReceiveChannelEndpoint& endpoint,
        const InetAddress& controlAddress,
        int transportIndex,
        util::Position receiverHwm,
        util::Position receiverPosition,
        std::vector<SubscriberPosition> subscribers,
        const MediaDriverContext& context,
        util::CountersManager& counters,
        std::int64_t nowNs);
    ~PublicationImage();

    PublicationImage(const PublicationImage&) = delete;
    PublicationImage& operator=(const PublicationImage&) = delete;

    // ---- receiver thread ----

    /// Inserts a DATA/PAD datagram (or notes a heartbeat) from source; returns bytes inserted. A packet
    /// beyond the window the image allowed (last SM position + term length / 2) is dropped and counted
    /// as an overrun; one below the last SM position is dropped as an underrun.
    int insertPacket(
        std::int32_t termId, std::int32_t termOffset, const std::uint8_t* datagram, std::int32_t length,
        bool isHeartbeat, bool isEndOfStream, const InetAddress& source, int transportIndex, std::int64_t nowNs);
    /// A SETUP for this image's session from source: a new sender of the same stream becomes a
    /// connection if its initial term id and term length match; returns whether they did.
    bool onSetup(std::int32_t initialTermId, std::int32_t termLength, const InetAddress& source, int transportIndex,
                 std::int64_t nowNs);
    /// A destination of the endpoint went: its sources are forgotten, so they neither get SMs nor hold the end
    /// of the stream open until they would have timed out.
    void onTransportRemoved(int transportIndex) noexcept;
    /// Gap scan and NAK, status message if due, cleaning, liveness; returns work done.
    int doDuties(std::int64_t nowNs);
    void addSubscriber(std::int64_t subscriptionRegistrationId, util::Position position);
    /// Removes (and frees) a subscription's positions; returns true if it had one.
    bool removeSubscriber(std::int64_t subscriptionRegistrationId);
    [[nodiscard]] bool hasSubscribers() const noexcept { return !m_subscribers.empty(); }

    // ---- any thread ----

    [[nodiscard]] State state() const noexcept { return m_state.load(std::memory_order_acquire); }
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_correlationId; }
    [[nodiscard]] std::int32_t sessionId() const noexcept { return m_sessionId; }
    [[nodiscard]] std::int32_t streamId() const noexcept { return m_streamId; }
    [[nodiscard]] const std::string& logFileName() const noexcept { return m_logFileName; }
    [[nodiscard]] const std::string& sourceIdentity() const noexcept { return m_sourceIdentity; }
    [[nodiscard]] ReceiveChannelEndpoint& endpoint() const noexcept { return m_endpoint; }
    [[nodiscard]] std::int64_t joinPosition() const noexcept { return m_joinPosition; }

    // ---- conductor thread ----

    /// Where a subscriber that joins an image already under way starts (Aeron's PublicationImage.joinPosition):
    /// what the receiver has rebuilt so far, but no later than the slowest subscriber already linked. Data that
    /// subscriber has yet to read is still in the buffer, and a subscriber that joins late alongside it (a
    /// service joining the log its consensus module has not read yet) must not skip what that one will read.
    [[nodiscard]] std::int64_t lateJoinPosition() const noexcept;
    /// The conductor's own view of the linked subscribers (the receiver owns m_subscribers).
    void linkSubscriber(std::int64_t subscriptionRegistrationId, util::Position position);
    void unlinkSubscriber(std::int64_t subscriptionRegistrationId) noexcept;

    [[nodiscard]] bool isAcceptingSubscriptions() const noexcept { return m_acceptingSubscriptions; }
    void stopAcceptingSubscriptions() noexcept { m_acceptingSubscriptions = false; }
    [[nodiscard]] std::int64_t naksSent() const noexcept { return m_naksSent; }
    // Receiver thread (tests read them after the receiver is quiet).
    [[nodiscard]] std::int64_t overruns() const noexcept { return m_overruns; }
    [[nodiscard]] std::int64_t underruns() const noexcept { return m_underruns; }
    [[nodiscard]] int connectionCount() const noexcept { return m_connectionCount; }
    void systemCounters(SystemCounters* counters) noexcept { m_systemCounters = counters; }

    /// Subscription ids linked at the moment it went inactive (conductor reads after INACTIVE).
    [[nodiscard]] const std::vector<SubscriberPosition>& subscribers() const noexcept { return m_subscribers; }

private:
    struct Connection
    {
        InetAddress controlAddress;
        int transportIndex = 0; ///< the endpoint transport (destination) it is heard on and answered through
        std::int64_t timeOfLastFrameNs = 0;
        std::int64_t endOfStreamPosition = INT64_MAX; ///< INT64_MAX until this source sent EOS
    };

    Connection* findConnection(const InetAddress& source, int transportIndex) noexcept;
    Connection& trackConnection(const InetAddress& source, int transportIndex, std::int64_t nowNs) noexcept;
    [[nodiscard]] bool isLive(const Connection& connection, std::int64_t nowNs) const noexcept;
    void onEndOfStream(Connection& connection, std::int64_t position, std::int64_t nowNs);
    void sendStatusMessage(std::int64_t nowNs);
    void cleanBufferTo(std::int64_t position);

    std::int64_t m_correlationId;
    std::int32_t m_sessionId;
    std::int32_t m_streamId;
    std::int64_t m_joinPosition;
    std::string m_logFileName;
    std::string m_sourceIdentity;
    std::unique_ptr<LogBuffers> m_logBuffers;
    ReceiveChannelEndpoint& m_endpoint;
    std::array<Connection, MAX_CONNECTIONS> m_connections{};
    int m_connectionCount = 0;
    int m_activeTransportCount = 0;
    util::Position m_receiverHwm;
    util::Position m_receiverPosition;
    std::vector<SubscriberPosition> m_subscribers;
    std::vector<SubscriberPosition> m_linkedSubscribers; ///< conductor thread
    util::CountersManager& m_counters;
    LossDetector m_lossDetector;
    StatusMessageScheduler m_statusMessages;
    std::int32_t m_termLength;
    std::int32_t m_termLengthMask;
    std::int32_t m_positionBitsToShift;
    std::int32_t m_initialTermId;
    std::int32_t m_windowLength;
    std::int64_t m_imageLivenessTimeoutNs;
    std::int64_t m_lastPacketNs;
    std::int64_t m_cleanPosition;
    std::int64_t m_endOfStreamPosition = INT64_MAX;
    std::int64_t m_naksSent = 0;
    std::int64_t m_overruns = 0;
    std::int64_t m_underruns = 0;
    std::int64_t m_invalidFrames = 0;
    std::atomic<State> m_state{State::ACTIVE};
    bool m_acceptingSubscriptions = true;
    SystemCounters* m_systemCounters = nullptr;
};
} // namespace cox::transport

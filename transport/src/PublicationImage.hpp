#pragma once

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
/// The receiver thread inserts packets and runs loss and SM duties; the conductor creates it,
/// links subscribers (through receiver commands) and deletes it after it went inactive.
class PublicationImage
{
public:
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

    /// Inserts a DATA/PAD datagram (or notes a heartbeat); returns bytes inserted.
    int insertPacket(
        std::int32_t termId, std::int32_t termOffset, const std::uint8_t* datagram, std::int32_t length,
        bool isHeartbeat, bool isEndOfStream, std::int64_t nowNs);
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
    [[nodiscard]] std::int64_t naksSent() const noexcept { return m_naksSent; }
    void systemCounters(SystemCounters* counters) noexcept { m_systemCounters = counters; }

    /// Subscription ids linked at the moment it went inactive (conductor reads after INACTIVE).
    [[nodiscard]] const std::vector<SubscriberPosition>& subscribers() const noexcept { return m_subscribers; }

private:
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
    InetAddress m_controlAddress;
    util::Position m_receiverHwm;
    util::Position m_receiverPosition;
    std::vector<SubscriberPosition> m_subscribers;
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
    SystemCounters* m_systemCounters = nullptr;
};
} // namespace cox::transport

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/codecs/frames/NakFlyweight.hpp"
#include "cox/codecs/frames/RttMeasurementFlyweight.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/FlowControl.hpp"
#include "cox/transport/InetAddress.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/RetransmitHandler.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
struct SystemCounters;
class SendChannelEndpoint;

/// The driver's side of a UDP publication (Aeron's network publication): the sender thread sends
/// SETUP until a receiver answers, then DATA from the log up to the flow-control limit, heartbeats
/// when idle, and retransmits on NAK; the conductor thread sets the publisher limit from the sender
/// position and tracks connection, draining and linger. Fields written by one thread and read by
/// the other are atomics or counters.
class NetworkPublication
{
public:
    enum class State : std::int32_t
    {
        ACTIVE,
        DRAINING,
        LINGER,
        DONE,
    };

    struct SpyPosition
    {
        std::int64_t subscriptionRegistrationId;
        util::Position position;
    };

    struct Positions
    {
        util::Position publisherLimit;
        util::Position senderPosition;
        util::Position senderLimit;
    };

    NetworkPublication(
        std::int64_t registrationId,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::string channel,
        const ChannelUri& uri,
        bool isExclusive,
        std::string logFileName,
        std::unique_ptr<LogBuffers> logBuffers,
        SendChannelEndpoint& endpoint,
        Positions positions,
        std::unique_ptr<FlowControl> flowControl,
        const MediaDriverContext& context,
        util::CountersManager& counters,
        std::int32_t termWindowLength);
    ~NetworkPublication();

    NetworkPublication(const NetworkPublication&) = delete;
    NetworkPublication& operator=(const NetworkPublication&) = delete;

    // ---- sender thread ----

    /// Setup, data, heartbeat and retransmit work for one duty cycle; returns bytes sent.
    int send(std::int64_t nowNs);
    void onStatusMessage(const codecs::frames::StatusMessageFlyweight& sm, const InetAddress& source, std::int64_t nowNs);
    void onNak(const codecs::frames::NakFlyweight& nak, std::int64_t nowNs);
    void onRttMeasurement(
        const codecs::frames::RttMeasurementFlyweight& rttm, const InetAddress& source, std::int64_t nowNs);

    // ---- conductor thread ----

    int updatePublisherLimit(std::int64_t nowNs);
    /// The driver did not run for stallNs (the process was stopped): its receivers could not be heard meanwhile,
    /// so the connection timeout counts from where it stood, not from before the stall.
    void onConductorStall(std::int64_t stallNs) noexcept;
    int decRef(std::int64_t nowNs);
    void incRef() noexcept { ++m_refCount; }
    /// Returns true when the publication just entered LINGER (spies are then told it is gone).
    bool onTimeEvent(std::int64_t nowNs);
    [[nodiscard]] std::int64_t producerPosition() const;
    [[nodiscard]] std::int64_t joinPosition() const { return m_senderPosition.getVolatile(); }
    void addSpy(std::int64_t subscriptionRegistrationId, util::Position position);
    bool removeSpySubscriber(std::int64_t subscriptionRegistrationId);
    [[nodiscard]] const std::vector<SpyPosition>& spies() const noexcept { return m_spies; }
    /// Whether an `aeron-spy:` subscription channel names this publication's channel.
    [[nodiscard]] bool matchesSpy(const ChannelUri& spyUri) const;

    /// The sampled producer position (Aeron's pub-pos, type 12), set by the conductor each duty cycle.
    void publisherPositionCounter(util::Position position) noexcept { m_publisherPosition = position; }

    [[nodiscard]] State state() const noexcept { return m_state.load(std::memory_order_acquire); }
    [[nodiscard]] bool isAcceptingSubscriptions() const noexcept { return state() == State::ACTIVE; }
    [[nodiscard]] std::int64_t registrationId() const noexcept { return m_registrationId; }
    [[nodiscard]] std::int32_t sessionId() const noexcept { return m_sessionId; }
    [[nodiscard]] std::int32_t streamId() const noexcept { return m_streamId; }
    [[nodiscard]] const std::string& channel() const noexcept { return m_channel; }
    [[nodiscard]] bool isExclusive() const noexcept { return m_isExclusive; }
    [[nodiscard]] const std::string& logFileName() const noexcept { return m_logFileName; }
    [[nodiscard]] std::int32_t publisherLimitId() const noexcept { return m_positions.publisherLimit.id(); }
    [[nodiscard]] SendChannelEndpoint& endpoint() const noexcept { return m_endpoint; }
    [[nodiscard]] std::int64_t retransmitsSent() const noexcept { return m_retransmitsSent; }
    void systemCounters(SystemCounters* counters) noexcept { m_systemCounters = counters; }


private:
    int sendData(std::int64_t nowNs, std::int64_t senderPosition);
    void sendSetupIfDue(std::int64_t nowNs, std::int64_t senderPosition);
    void sendHeartbeatIfDue(std::int64_t nowNs, std::int64_t senderPosition);
    void resend(std::int32_t termId, std::int32_t termOffset, std::int32_t length);
    void cleanBufferTo(std::int64_t position);
    [[nodiscard]] bool isConnected(std::int64_t nowNs) const noexcept;

    util::Position m_publisherPosition;
    std::int64_t m_registrationId;
    std::int32_t m_sessionId;
    std::int32_t m_streamId;
    std::string m_channel;
    std::string m_spyMatchKey;
    bool m_isExclusive;
    std::string m_logFileName;
    std::unique_ptr<LogBuffers> m_logBuffers;
    SendChannelEndpoint& m_endpoint;
    Positions m_positions;
    util::Position& m_senderPosition;
    std::unique_ptr<FlowControl> m_flowControl;
    RetransmitHandler m_retransmitHandler;
    util::CountersManager& m_counters;
    std::int32_t m_termLength;
    std::int32_t m_termLengthMask;
    std::int32_t m_positionBitsToShift;
    std::int32_t m_initialTermId;
    std::int32_t m_mtuLength;
    std::int32_t m_termWindowLength;
    std::int64_t m_heartbeatIntervalNs;
    std::int64_t m_setupIntervalNs;
    std::int64_t m_connectionTimeoutNs;
    std::int64_t m_lingerTimeoutNs;
    bool m_isGroup;

    // sender thread only
    std::int64_t m_timeOfLastSendNs = 0;
    std::int64_t m_timeOfLastSetupNs = 0;
    bool m_hasInitialConnection = false;
    bool m_isSetupElicited = false;
    std::int64_t m_retransmitsSent = 0;
    std::uint8_t m_controlFrame[64] = {};

    // written by the sender, read by the conductor
    std::atomic<std::int64_t> m_timeOfLastStatusMessageNs{INT64_MIN / 2};
    std::atomic<bool> m_hasRequiredReceivers{false};
    std::atomic<bool> m_receiverSentEos{false};
    // written by the conductor, read by the sender
    std::atomic<bool> m_isEndOfStream{false};
    std::atomic<std::int64_t> m_minSpyPosition{INT64_MAX};
    std::atomic<State> m_state{State::ACTIVE};

    // sender thread only
    std::int64_t m_cleanPosition = 0;

    // conductor thread only
    std::vector<SpyPosition> m_spies;
    std::int64_t m_endOfStreamPosition = INT64_MAX;
    std::int64_t m_lingerDeadlineNs = 0;
    bool m_isConnectedInLog = false;
    int m_refCount = 1;
    SystemCounters* m_systemCounters = nullptr;
};
} // namespace cox::transport

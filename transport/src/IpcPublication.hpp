#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/transport/LogBuffers.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
/// The driver's side of an `aeron:ipc` publication: its log buffer, the publisher limit it sets
/// for the producers, and one subscriber position per linked subscription. Subscribers read the
/// same log file the producers write, so there is no copy between them. Owned and driven by the
/// DriverConductor (facts §3.4, §3.5, §2.6).
class IpcPublication
{
public:
    enum class State
    {
        ACTIVE,   ///< producers may write
        DRAINING, ///< closed by every client; waiting for subscribers to reach the end
        LINGER,   ///< subscribers told it is gone; kept a while so late readers do not fault
        DONE,
    };

    struct SubscriberPosition
    {
        std::int64_t subscriptionRegistrationId;
        util::Position position;
    };

    IpcPublication(
        std::int64_t registrationId,
        std::int32_t sessionId,
        std::int32_t streamId,
        std::string channel,
        bool isExclusive,
        std::string logFileName,
        std::unique_ptr<LogBuffers> logBuffers,
        util::Position publisherLimit,
        std::int32_t termWindowLength,
        util::CountersManager& counters);
    ~IpcPublication();

    IpcPublication(const IpcPublication&) = delete;
    IpcPublication& operator=(const IpcPublication&) = delete;

    /// Producer position from the active term's tail.
    [[nodiscard]] std::int64_t producerPosition() const;
    /// Where a newly linked subscriber joins.
    [[nodiscard]] std::int64_t joinPosition() const { return producerPosition(); }

    /// Raises pub-lmt to the slowest subscriber + window (only past a trip point, to spare the
    /// cache line), sets is-connected, and cleans the log behind the slowest subscriber.
    int updatePublisherLimit();

    void addSubscriber(std::int64_t subscriptionRegistrationId, util::Position position);
    /// Removes and frees the subscriber positions of a subscription; returns true if it had one.
    bool removeSubscriber(std::int64_t subscriptionRegistrationId);
    [[nodiscard]] const std::vector<SubscriberPosition>& subscribers() const noexcept { return m_subscribers; }

    void incRef() noexcept { ++m_refCount; }
    /// Drops one client reference; the last one starts draining. Returns the count left.
    int decRef(std::int64_t nowNs);

    /// Advances DRAINING → LINGER → DONE; returns true when the state changed to LINGER (the
    /// conductor then tells subscribers their images are gone).
    bool onTimeEvent(std::int64_t nowNs, std::int64_t lingerTimeoutNs);

    /// The sampled producer position (Aeron's pub-pos, type 12), set by the conductor each duty cycle.
    void publisherPositionCounter(util::Position position) noexcept { m_publisherPosition = position; }

    [[nodiscard]] State state() const noexcept { return m_state; }
    [[nodiscard]] std::int64_t registrationId() const noexcept { return m_registrationId; }
    [[nodiscard]] std::int32_t sessionId() const noexcept { return m_sessionId; }
    [[nodiscard]] std::int32_t streamId() const noexcept { return m_streamId; }
    [[nodiscard]] const std::string& channel() const noexcept { return m_channel; }
    [[nodiscard]] bool isExclusive() const noexcept { return m_isExclusive; }
    [[nodiscard]] const std::string& logFileName() const noexcept { return m_logFileName; }
    [[nodiscard]] std::int32_t publisherLimitId() const noexcept { return m_publisherLimit.id(); }
    [[nodiscard]] bool isAcceptingSubscriptions() const noexcept { return m_state == State::ACTIVE; }

private:
    void cleanBufferTo(std::int64_t position);

    util::Position m_publisherPosition;
    std::int64_t m_registrationId;
    std::int32_t m_sessionId;
    std::int32_t m_streamId;
    std::string m_channel;
    bool m_isExclusive;
    std::string m_logFileName;
    std::unique_ptr<LogBuffers> m_logBuffers;
    util::Position m_publisherLimit;
    std::int32_t m_termWindowLength;
    std::int32_t m_tripGain;
    std::int32_t m_positionBitsToShift;
    std::int32_t m_initialTermId;
    util::CountersManager& m_counters;
    std::vector<SubscriberPosition> m_subscribers;
    std::int64_t m_tripLimit = 0;
    std::int64_t m_consumerPosition = 0;
    std::int64_t m_cleanPosition = 0;
    std::int64_t m_lingerDeadlineNs = 0;
    int m_refCount = 1;
    State m_state = State::ACTIVE;
};
} // namespace cox::transport

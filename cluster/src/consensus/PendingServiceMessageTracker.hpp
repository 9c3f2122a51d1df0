#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace cox::cluster
{
class LogPublisher;

/// Inter-service messages from one service waiting to be sequenced into the log (Aeron's
/// PendingServiceMessageTracker). Every member queues the same messages, because every member's services
/// send the same ones; the leader appends them, and everyone sweeps them once the log shows them, so after a
/// failover the new leader appends exactly those not yet in the log.
///
/// Service session ids are negative and unique per service: (serviceId << 56) | INT64_MIN, counting up.
class PendingServiceMessageTracker
{
public:
    static constexpr std::int32_t APPEND_LIMIT = 20;

    explicit PendingServiceMessageTracker(std::int32_t serviceId);

    [[nodiscard]] static std::int64_t serviceIdOf(std::int64_t serviceSessionId) noexcept;
    [[nodiscard]] std::int32_t serviceId() const noexcept { return m_serviceId; }

    /// A message from the service; dropped if the log already holds it (a replayed service re-sending).
    void enqueue(const std::uint8_t* payload, std::int32_t length);
    /// Leader: appends up to APPEND_LIMIT messages not yet appended; returns how many.
    int appendMessages(LogPublisher& logPublisher, std::int64_t leadershipTermId, std::int64_t timestamp);
    /// The log holds serviceSessionId (a follower or a replay read it): drop it and everything before it.
    void sweepFollowerMessages(std::int64_t serviceSessionId);
    /// Leader: drop messages whose append position is committed.
    void sweepLeaderMessages(std::int64_t commitPosition);
    /// After losing leadership: messages appended but not committed must be appended again by the next leader.
    void restoreUncommittedMessages();

    /// Every queued message, oldest first: at a snapshot position none of them is in the log yet.
    template <typename Consumer> void forEachMessage(Consumer&& consumer) const
    {
        for (const auto& message : m_messages)
        {
            consumer(message.serviceSessionId, message.payload);
        }
    }
    /// Loading a snapshot: the ids as they were at its position, then each message it held, in order.
    void restoreState(std::int64_t nextServiceSessionId, std::int64_t nextLogServiceSessionId);
    void restoreMessage(std::int64_t serviceSessionId, const std::uint8_t* payload, std::int32_t length);

    [[nodiscard]] std::size_t size() const noexcept { return m_messages.size(); }
    [[nodiscard]] std::int64_t nextServiceSessionId() const noexcept { return m_nextServiceSessionId; }
    /// The service session id the log is expected to hold next.
    [[nodiscard]] std::int64_t nextLogServiceSessionId() const noexcept { return m_nextLogServiceSessionId; }

private:
    struct Message
    {
        std::int64_t serviceSessionId;
        /// INT64_MAX until appended, then the log position after it.
        std::int64_t appendPosition;
        std::vector<std::uint8_t> payload;
    };

    std::int32_t m_serviceId;
    std::int64_t m_nextServiceSessionId;
    std::int64_t m_nextLogServiceSessionId;
    std::deque<Message> m_messages;
};
} // namespace cox::cluster

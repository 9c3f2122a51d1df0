#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cox/cluster/service/ClusteredService.hpp"

namespace cox::examples
{
/// A replicated in-memory key-value store: a deterministic ClusteredService answering the requests of the
/// coxswain-kv-codecs schema (Get, Put, CompareAndSet, Delete, ScheduleTimer, CancelTimer) with a Response to the
/// requesting session.
///
/// Timers are cluster timers (Cluster::scheduleTimer) named by the client's timerId, due at the request's cluster
/// timestamp plus its offset. The service keeps the pending ones and counts schedules, firings and cancels, so the
/// state hash and the snapshot cover them; the consensus module's own snapshot is what keeps them firing after a
/// restart. A cancel is handed to the consensus module only when the service applies it, so the leader may have
/// fired the timer in between and its TimerEvent then follows the cancel in the log: the service remembers the last
/// MAX_REMEMBERED_CANCELS cancels and ignores one such firing of each, counting it in suppressedTimerEvents.
///
/// Keys are 0..MAX_KEY_LENGTH bytes and values 0..MAX_VALUE_LENGTH bytes, both opaque. A request that does not
/// decode, breaks a limit, or has an unknown template is counted in invalidRequests and, when its correlation
/// id could be read, answered with INVALID_REQUEST; it never changes the store. Inter-service messages are
/// counted and otherwise ignored.
///
/// Every callback runs on the container's thread. Requests allocate only when a put creates a key or grows a
/// value; replies are encoded into a buffer allocated at construction.
class KeyValueService final : public cluster::ClusteredService
{
public:
    static constexpr std::int32_t MAX_KEY_LENGTH = 256;
    static constexpr std::int32_t MAX_VALUE_LENGTH = 4096;
    /// Cancelled timers remembered so that a firing that crossed the cancel is ignored (see above). A firing that
    /// arrives after this many later cancels counts as unexpected.
    static constexpr std::size_t MAX_REMEMBERED_CANCELS = 1024;

    /// Requests applied, one counter per outcome; each request adds to exactly one of them. Part of the state
    /// (in stateHash and the snapshot), since every member sees the same requests in the same order.
    struct Counts
    {
        std::int64_t gets = 0;
        std::int64_t puts = 0;
        std::int64_t compareAndSets = 0;
        std::int64_t compareAndSetMismatches = 0;
        std::int64_t deletes = 0;
        /// Get, CompareAndSet or Delete of a missing key.
        std::int64_t notFound = 0;
        std::int64_t invalidRequests = 0;
        std::int64_t interServiceMessages = 0;
        std::int64_t timersScheduled = 0;
        std::int64_t timersFired = 0;
        std::int64_t timersCancelled = 0;
        /// Cancels of a timer not pending (already fired or cancelled, or never scheduled).
        std::int64_t timerCancelsNotFound = 0;
        /// onTimerEvent for a timer neither pending nor recently cancelled (a second firing). Never expected.
        std::int64_t unexpectedTimerEvents = 0;
        /// onTimerEvent for a timer whose cancel was applied before it: ignored.
        std::int64_t suppressedTimerEvents = 0;

        bool operator==(const Counts&) const = default;
    };

    KeyValueService();

    /// Loads the store and counts from snapshotImage when given (the messages after the container's own
    /// snapshot markers); throws util::IllegalStateException for a snapshot that is malformed or ends early.
    void onStart(cluster::Cluster& cluster, transport::Image* snapshotImage) override;
    void onSessionOpen(cluster::ClientSession& session, std::int64_t timestamp) override;
    void onSessionClose(cluster::ClientSession& session, std::int64_t timestamp,
                        cluster::CloseReason closeReason) override;
    void onSessionMessage(cluster::ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header& header) override;
    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) override;
    /// SnapshotBegin (the counts), one SnapshotEntry per key in key order, then SnapshotEnd; each one message,
    /// which the publication fragments if it must. Throws util::IllegalStateException if the publication fails.
    void onTakeSnapshot(transport::ExclusivePublication& snapshotPublication) override;
    void onRoleChange(cluster::Role newRole) override;
    void onTerminate(cluster::Cluster& cluster) override;

    /// A digest of every (key, value) in key order and of counts(): equal on every member that applied the same
    /// log, and (but for hash collisions) different after a different history.
    [[nodiscard]] std::uint64_t stateHash() const noexcept;
    [[nodiscard]] const Counts& counts() const noexcept { return m_counts; }
    [[nodiscard]] std::size_t size() const noexcept { return m_entries.size(); }
    /// The value stored under key, viewing the store (valid until the next change).
    [[nodiscard]] std::optional<std::string_view> find(std::string_view key) const;
    /// Pending timers (timerId to deadline in cluster time).
    [[nodiscard]] const std::map<std::int64_t, std::int64_t>& pendingTimers() const noexcept { return m_timers; }
    /// Cancelled timers whose firing may still follow in the log, oldest cancel first.
    [[nodiscard]] const std::deque<std::int64_t>& recentlyCancelledTimers() const noexcept { return m_cancelled; }
    /// Replies that could not be sent (client not connected or gone). Leader-only and so not part of the state.
    [[nodiscard]] std::int64_t droppedReplies() const noexcept { return m_droppedReplies; }

private:
    void onRequest(cluster::ClientSession& session, std::int64_t timestamp, const std::uint8_t* data,
                   std::size_t length);
    void onGet(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
               std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    void onPut(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
               std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    void onCompareAndSet(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                         std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    void onDelete(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                  std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    void onScheduleTimer(cluster::ClientSession& session, std::int64_t correlationId, std::int64_t timestamp,
                         const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                         std::uint16_t version);
    void onCancelTimer(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                       std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    /// Wraps decoder over the request's body; if it does not decode, rejects the request and returns false.
    template <typename Decoder>
    bool decodeOrReject(Decoder& decoder, cluster::ClientSession& session, std::int64_t correlationId,
                        const std::uint8_t* data, std::size_t length, std::uint16_t blockLength, std::uint16_t version);
    void rejectRequest(cluster::ClientSession& session, std::int64_t correlationId);
    /// code is a cox::codecs::kv::ResponseCode, kept as its wire value so this header needs no generated code.
    void reply(cluster::ClientSession& session, std::int64_t correlationId, std::int32_t code,
               std::string_view value);
    bool onSnapshotMessage(const std::uint8_t* data, std::size_t length);

    std::map<std::string, std::string, std::less<>> m_entries;
    Counts m_counts;
    std::map<std::int64_t, std::int64_t> m_timers;
    std::deque<std::int64_t> m_cancelled;
    std::vector<std::uint8_t> m_replyBuffer;
    cluster::Cluster* m_cluster = nullptr;
    std::int64_t m_droppedReplies = 0;

    /// Snapshot loading progress, meaningful only inside onStart.
    bool m_snapshotBegun = false;
    std::int64_t m_snapshotEntryCount = 0;
    std::int64_t m_snapshotTimerCount = -1;
    std::int64_t m_snapshotCancelCount = 0;
};
} // namespace cox::examples

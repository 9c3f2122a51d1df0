#pragma once

#include <cstdint>

#include "cox/cluster/service/ClusteredService.hpp"

namespace cox::examples
{
/// Replies every session message's payload, byte for byte, to the session that sent it; the smallest useful
/// service, for latency and throughput runs and for checking that members agree.
///
/// State: counts of messages and bytes echoed, inter-service messages (ignored otherwise) and sessions opened
/// and closed, plus a running digest of every echoed payload. All of it is in stateHash and the snapshot.
/// Echoing allocates nothing. Every callback runs on the container's thread.
class EchoService final : public cluster::ClusteredService
{
public:
    /// Loads the counts from snapshotImage when given; throws util::IllegalStateException if it is malformed.
    void onStart(cluster::Cluster& cluster, transport::Image* snapshotImage) override;
    void onSessionOpen(cluster::ClientSession& session, std::int64_t timestamp) override;
    void onSessionClose(cluster::ClientSession& session, std::int64_t timestamp,
                        cluster::CloseReason closeReason) override;
    void onSessionMessage(cluster::ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header& header) override;
    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) override;
    /// One fixed-layout message holding the state.
    void onTakeSnapshot(transport::ExclusivePublication& snapshotPublication) override;
    void onRoleChange(cluster::Role newRole) override;
    void onTerminate(cluster::Cluster& cluster) override;

    [[nodiscard]] std::uint64_t stateHash() const noexcept;
    [[nodiscard]] std::int64_t messageCount() const noexcept { return m_messageCount; }
    [[nodiscard]] std::int64_t byteCount() const noexcept { return m_byteCount; }
    [[nodiscard]] std::int64_t interServiceMessageCount() const noexcept { return m_interServiceMessageCount; }
    [[nodiscard]] std::int64_t sessionsOpened() const noexcept { return m_sessionsOpened; }
    [[nodiscard]] std::int64_t sessionsClosed() const noexcept { return m_sessionsClosed; }
    /// Echoes that could not be sent (client not connected or gone). Leader-only, so not part of the state.
    [[nodiscard]] std::int64_t droppedReplies() const noexcept { return m_droppedReplies; }

private:
    cluster::Cluster* m_cluster = nullptr;
    std::int64_t m_messageCount = 0;
    std::int64_t m_byteCount = 0;
    std::int64_t m_interServiceMessageCount = 0;
    std::int64_t m_sessionsOpened = 0;
    std::int64_t m_sessionsClosed = 0;
    /// StateDigest's running FNV-1a state over every echoed payload, length-prefixed.
    std::uint64_t m_payloadDigest = 0xCBF29CE484222325ULL;
    std::int64_t m_droppedReplies = 0;
};
} // namespace cox::examples

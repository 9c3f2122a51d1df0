#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterTime.hpp"
#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/TermAppender.hpp"

namespace cox::util
{
class AtomicBuffer;
class IdleStrategy;
} // namespace cox::util

namespace cox::transport
{
class Aeron;
class ExclusivePublication;
class Header;
class Image;
} // namespace cox::transport

namespace cox::cluster
{
/// Why a client session closed (the log's CloseReason).
enum class CloseReason : std::int32_t
{
    CLIENT_ACTION = 0,
    SERVICE_ACTION = 1,
    TIMEOUT = 2,
};

[[nodiscard]] std::string_view toString(CloseReason reason) noexcept;

/// A client's session as a service sees it (Aeron's ClientSession). Only the leader's container holds an egress
/// publication: on a follower offer returns MOCKED_OFFER and tryClaim hands out a scratch buffer, so a
/// deterministic service runs the same code on every member.
class ClientSession
{
public:
    /// What offer returns on a follower: the message is not sent, and this is not an error.
    static constexpr std::int64_t MOCKED_OFFER = 1;

    virtual ~ClientSession() = default;

    [[nodiscard]] virtual std::int64_t id() const noexcept = 0;
    [[nodiscard]] virtual std::int32_t responseStreamId() const noexcept = 0;
    [[nodiscard]] virtual std::string_view responseChannel() const noexcept = 0;
    /// What the authenticator returned for this session (empty by default).
    [[nodiscard]] virtual std::span<const std::uint8_t> encodedPrincipal() const noexcept = 0;

    /// Asks the consensus module to close the session (SERVICE_ACTION); idempotent. The close takes effect
    /// when the SessionCloseEvent comes back through the log.
    virtual void close() = 0;
    [[nodiscard]] virtual bool isClosing() const noexcept = 0;

    /// Sends a message to the client on egress: a SessionMessageHeader (this session's id, the timestamp of the
    /// log message being processed) and the payload. Returns the egress position, MOCKED_OFFER on a follower,
    /// or a PublicationResult code (NOT_CONNECTED, BACK_PRESSURED, ...). Allocates nothing.
    [[nodiscard]] virtual std::int64_t offer(const std::uint8_t* payload, std::int32_t length) noexcept = 0;
    /// Gathered: the payload is the concatenation of vectors.
    [[nodiscard]] virtual std::int64_t offer(std::span<const transport::BufferVector> vectors) noexcept = 0;
    /// Claims length bytes of payload after the pre-written session header; the user writes at
    /// claim.offset() + SESSION_HEADER_LENGTH and commits. length counts the payload only.
    [[nodiscard]] virtual std::int64_t tryClaim(std::int32_t length, transport::BufferClaim& claim) noexcept = 0;
};

class Cluster;

/// The user's deterministic state machine (Aeron's ClusteredService). Every callback runs on the container's
/// thread, in log order, and the same on every member; services must derive every decision from the
/// callbacks' arguments and cluster.time(), never from a local clock or randomness.
class ClusteredService
{
public:
    virtual ~ClusteredService() = default;

    /// Initialise; snapshotImage is the latest snapshot to load, or nullptr when starting from an empty log.
    /// Offering and scheduling timers are not allowed here.
    virtual void onStart(Cluster& cluster, transport::Image* snapshotImage) = 0;
    virtual void onSessionOpen(ClientSession& session, std::int64_t timestamp) = 0;
    virtual void onSessionClose(ClientSession& session, std::int64_t timestamp, CloseReason closeReason) = 0;
    /// session is nullptr for an inter-service message (Cluster::offer from any service, this one included).
    virtual void onSessionMessage(ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                                  std::int32_t offset, std::int32_t length, const transport::Header& header) = 0;
    virtual void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) = 0;
    /// Write the whole state to snapshotPublication (recorded by the archive); retry BACK_PRESSURED with
    /// cluster.idleStrategy().
    virtual void onTakeSnapshot(transport::ExclusivePublication& snapshotPublication) = 0;
    virtual void onRoleChange(Role newRole) = 0;
    /// The container is stopping (only after a successful onStart).
    virtual void onTerminate(Cluster& cluster) = 0;
    virtual void onNewLeadershipTermEvent(std::int64_t /*leadershipTermId*/, std::int64_t /*logPosition*/,
                                          std::int64_t /*timestamp*/, std::int64_t /*termBaseLogPosition*/,
                                          std::int32_t /*leaderMemberId*/, std::int32_t /*logSessionId*/,
                                          ClusterTimeUnit /*timeUnit*/, std::int32_t /*appVersion*/)
    {
    }
    /// Non-deterministic housekeeping between log messages; must not change state, offer or schedule timers.
    /// Returns work done.
    virtual int doBackgroundWork(std::int64_t /*nowNs*/) { return 0; }
};

/// What a service may ask of the cluster (Aeron's Cluster), valid from onStart until onTerminate returns.
class Cluster
{
public:
    /// Session header (8-byte SBE header + SessionMessageHeader) before every ingress, log and egress payload.
    static constexpr std::int32_t SESSION_HEADER_LENGTH = 32;

    virtual ~Cluster() = default;

    [[nodiscard]] virtual std::int32_t memberId() const noexcept = 0;
    [[nodiscard]] virtual std::int32_t serviceId() const noexcept = 0;
    [[nodiscard]] virtual Role role() const noexcept = 0;
    /// The log position after the message being processed.
    [[nodiscard]] virtual std::int64_t logPosition() const noexcept = 0;
    /// Cluster time of the message being processed (the leader's timestamp in the log), in timeUnit().
    [[nodiscard]] virtual std::int64_t time() const noexcept = 0;
    [[nodiscard]] virtual ClusterTimeUnit timeUnit() const noexcept = 0;

    /// nullptr when there is no such open session.
    [[nodiscard]] virtual ClientSession* getClientSession(std::int64_t clusterSessionId) noexcept = 0;
    /// Visits open sessions in the order they opened. Must not be nested or close sessions while visiting.
    virtual void forEachClientSession(const std::function<void(ClientSession&)>& consumer) = 0;
    /// Asks the consensus module to close the session; false when back-pressured (retry). Throws
    /// util::IllegalArgumentException for an unknown id (a programmer error).
    virtual bool closeClientSession(std::int64_t clusterSessionId) = 0;

    /// Schedules (or reschedules) a timer for deadline in cluster time; onTimerEvent fires once, on every
    /// member at the same log position. false when back-pressured: retry with idleStrategy() so every member
    /// sends the same requests.
    [[nodiscard]] virtual bool scheduleTimer(std::int64_t correlationId, std::int64_t deadline) = 0;
    [[nodiscard]] virtual bool cancelTimer(std::int64_t correlationId) = 0;

    /// An inter-service message sequenced into the log once (every service gets onSessionMessage with a null
    /// session). Returns a positive value when accepted, or a PublicationResult code to retry on.
    [[nodiscard]] virtual std::int64_t offer(const std::uint8_t* payload, std::int32_t length) = 0;
    [[nodiscard]] virtual std::int64_t offer(std::span<const transport::BufferVector> vectors) = 0;
    /// Claims length payload bytes after a pre-written session header; write at claim.offset() +
    /// SESSION_HEADER_LENGTH.
    [[nodiscard]] virtual std::int64_t tryClaim(std::int32_t length, transport::BufferClaim& claim) = 0;

    [[nodiscard]] virtual util::IdleStrategy& idleStrategy() noexcept = 0;
    [[nodiscard]] virtual transport::Aeron& aeron() noexcept = 0;
};
} // namespace cox::cluster

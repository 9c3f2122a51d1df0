#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/TermAppender.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::util
{
class AtomicBuffer;
class IdleStrategy;
} // namespace cox::util

namespace cox::transport
{
class Aeron;
class Header;
class Publication;
class Subscription;
} // namespace cox::transport

namespace cox::cluster
{
/// The detail of the SessionEvent OK a new leader sends each session after its NewLeaderEvent:
/// "messages-in-log=<n>", the number of that session's messages in the new leader's log.
inline constexpr std::string_view MESSAGES_IN_LOG_DETAIL_PREFIX = "messages-in-log=";

/// SessionEvent codes (the schema's EventCode).
enum class EventCode : std::int32_t
{
    OK = 0,
    ERROR = 1,
    REDIRECT = 2,
    AUTHENTICATION_REJECTED = 3,
    CLOSED = 4,
};

enum class AdminRequestType : std::int32_t
{
    SNAPSHOT = 0,
};

enum class AdminResponseCode : std::int32_t
{
    OK = 0,
    ERROR = 1,
    UNAUTHORISED_ACCESS = 2,
};

/// The cluster refused or ended the session (SessionEvent ERROR or CLOSED), or a connect timed out.
class ClusterException : public util::CoxException
{
public:
    using util::CoxException::CoxException;
};

/// The authenticator rejected this client (SessionEvent AUTHENTICATION_REJECTED).
class AuthenticationException : public ClusterException
{
public:
    using ClusterException::ClusterException;
};

/// No answer from the cluster within ClusterClientContext::messageTimeoutNs.
class ClusterTimeoutException : public ClusterException
{
public:
    using ClusterException::ClusterException;
};

/// What egress polling delivers (Aeron's EgressListener). Only onMessage is required.
class EgressListener
{
public:
    virtual ~EgressListener() = default;

    /// A service's reply: payload after the session header.
    virtual void onMessage(std::int64_t clusterSessionId, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                           std::int32_t offset, std::int32_t length, const transport::Header& header) = 0;
    virtual void onSessionEvent(std::int64_t /*correlationId*/, std::int64_t /*clusterSessionId*/,
                                std::int64_t /*leadershipTermId*/, std::int32_t /*leaderMemberId*/, EventCode /*code*/,
                                std::string_view /*detail*/)
    {
    }
    virtual void onNewLeader(std::int64_t /*clusterSessionId*/, std::int64_t /*leadershipTermId*/,
                             std::int32_t /*leaderMemberId*/, std::string_view /*ingressEndpoints*/)
    {
    }
    /// After a leader change: of the messages this client offered before it, the first messagesApplied are in the
    /// new leader's log (each is, or will be, applied exactly once) and the messagesLost after them never reached
    /// it and never will. Nothing is re-sent by the client; the application decides.
    virtual void onFailoverOutcome(std::int64_t /*clusterSessionId*/, std::int64_t /*messagesApplied*/,
                                   std::int64_t /*messagesLost*/)
    {
    }
    virtual void onAdminResponse(std::int64_t /*clusterSessionId*/, std::int64_t /*correlationId*/,
                                 AdminRequestType /*requestType*/, AdminResponseCode /*responseCode*/,
                                 std::string_view /*message*/, std::span<const std::uint8_t> /*payload*/)
    {
    }
};

/// Supplies credentials at connect and answers challenges (Aeron's CredentialsSupplier). Empty by default.
struct CredentialsSupplier
{
    std::function<std::vector<std::uint8_t>()> encodedCredentials;
    std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t> encodedChallenge)> onChallenge;
};

/// Settings of a cluster client (Aeron's AeronCluster.Context), with Aeron's defaults.
struct ClusterClientContext
{
    /// Client protocol semantic version 0.3.0, as Aeron encodes it (major << 16 | minor << 8 | patch).
    static constexpr std::int32_t PROTOCOL_SEMANTIC_VERSION = (0 << 16) | (3 << 8) | 0;

    /// "0=host:port,1=host:port,...": one ingress publication per member until the leader is known. Empty with
    /// an IPC or multicast ingress channel.
    std::string ingressEndpoints;
    std::string ingressChannel = "aeron:udp";
    std::int32_t ingressStreamId = 101;
    /// Where replies come back, e.g. "aeron:udp?endpoint=localhost:9020"; required (this client binds it).
    std::string egressChannel;
    std::int32_t egressStreamId = 102;
    /// How long connect and close wait for the cluster.
    std::int64_t messageTimeoutNs = 5'000'000'000;
    CredentialsSupplier credentialsSupplier;
    /// Required for pollEgress to deliver anything; not owned.
    EgressListener* egressListener = nullptr;
    /// An Aeron client to use; when null, one is connected to aeronDirectoryName and owned by this client.
    std::shared_ptr<transport::Aeron> aeron;
    std::string aeronDirectoryName;
    std::string idleStrategy = "backoff";
    std::shared_ptr<util::NanoClock> nanoClock;
};

class ClusterClient;

/// A connect in progress (Aeron's AeronCluster.AsyncConnect): call poll() until it returns the client. poll
/// never blocks; it throws ClusterException / AuthenticationException / ClusterTimeoutException as connect
/// would.
class AsyncClusterConnect
{
public:
    enum class Step : std::int32_t
    {
        CREATE_EGRESS_SUBSCRIPTION = -1,
        CREATE_INGRESS_PUBLICATIONS = 0,
        AWAIT_PUBLICATION_CONNECTED = 1,
        SEND_MESSAGE = 2,
        POLL_RESPONSE = 3,
        CONCLUDE_CONNECT = 4,
        DONE = 5,
    };

    virtual ~AsyncClusterConnect() = default;
    /// nullptr until connected.
    [[nodiscard]] virtual std::unique_ptr<ClusterClient> poll() = 0;
    [[nodiscard]] virtual Step step() const noexcept = 0;
};

/// A client of a cluster (Aeron's AeronCluster): one session, ingress to the leader, egress back. Not
/// thread-safe: one thread offers and polls.
class ClusterClient
{
public:
    static constexpr std::int32_t SESSION_HEADER_LENGTH = 32;
    /// Most caller vectors a gathered offer takes (the session header goes in front of them); more return
    /// PublicationResult::ERROR. Bounded so that the offer gathers on the stack.
    static constexpr std::size_t MAX_OFFER_VECTORS = 15;

    /// Blocks until connected (or throws as AsyncClusterConnect::poll does).
    [[nodiscard]] static std::unique_ptr<ClusterClient> connect(ClusterClientContext context);
    [[nodiscard]] static std::unique_ptr<AsyncClusterConnect> asyncConnect(ClusterClientContext context);

    virtual ~ClusterClient() = default;

    /// Sends the payload with the session header. Returns the ingress position or a PublicationResult code.
    /// Allocates nothing.
    [[nodiscard]] virtual std::int64_t offer(const std::uint8_t* payload, std::int32_t length) noexcept = 0;
    [[nodiscard]] virtual std::int64_t offer(std::span<const transport::BufferVector> vectors) noexcept = 0;
    /// Claims payload bytes after a pre-written session header (write at claim.offset() + SESSION_HEADER_LENGTH).
    [[nodiscard]] virtual std::int64_t tryClaim(std::int32_t length, transport::BufferClaim& claim) noexcept = 0;
    /// SessionKeepAlive; false if it could not be sent after three attempts.
    virtual bool sendKeepAlive() noexcept = 0;
    virtual bool sendAdminRequestToTakeASnapshot(std::int64_t correlationId) noexcept = 0;

    /// Polls egress (up to 10 fragments) into the context's listener; handles NewLeaderEvent and CLOSED itself.
    virtual int pollEgress() = 0;

    /// Messages offered (or claimed) successfully on this session so far.
    [[nodiscard]] virtual std::int64_t messagesOffered() const noexcept = 0;
    [[nodiscard]] virtual std::int64_t clusterSessionId() const noexcept = 0;
    [[nodiscard]] virtual std::int64_t leadershipTermId() const noexcept = 0;
    [[nodiscard]] virtual std::int32_t leaderMemberId() const noexcept = 0;
    [[nodiscard]] virtual bool isClosed() const noexcept = 0;
    [[nodiscard]] virtual transport::Publication& ingressPublication() noexcept = 0;
    [[nodiscard]] virtual transport::Subscription& egressSubscription() noexcept = 0;
    [[nodiscard]] virtual const ClusterClientContext& context() const noexcept = 0;
    /// Egress messages dropped as malformed since connect: another schema, a template that is not egress,
    /// lengths that do not fit the frame, or unusable endpoints in a NewLeaderEvent.
    [[nodiscard]] virtual std::int64_t invalidEgressCount() const noexcept = 0;

    /// Sends SessionCloseRequest (three attempts) and releases the publications; idempotent.
    virtual void close() = 0;
};
} // namespace cox::cluster

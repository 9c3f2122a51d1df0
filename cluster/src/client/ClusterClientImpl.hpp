#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/IngressEndpoints.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/transport/ControlledPollAction.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::transport
{
class ExclusivePublication;
}

namespace cox::cluster::client
{
/// Everything a connected client holds, handed over by the connect.
struct ClusterClientState
{
    ClusterClientContext context;
    std::shared_ptr<transport::Aeron> aeron;
    bool ownsAeron = false;
    std::shared_ptr<transport::Subscription> egressSubscription;
    std::shared_ptr<transport::ExclusivePublication> ingressPublication;
    /// Empty when the ingress channel is used as given (IPC or multicast).
    std::vector<IngressEndpoint> endpoints;
    std::int64_t clusterSessionId = -1;
    std::int64_t leadershipTermId = -1;
    std::int32_t leaderMemberId = -1;
};

/// Writes the 32-byte session header (message header + SessionMessageHeader, timestamp 0) at buffer.
void encodeSessionHeader(std::uint8_t* buffer, std::int64_t leadershipTermId, std::int64_t clusterSessionId) noexcept;

/// Drives the Aeron client's conductor and the driver when they run in invoker mode; returns the work done.
int invokeAeron(transport::Aeron& aeron);

/// The connected client (Aeron's AeronCluster).
class ClusterClientImpl final : public ClusterClient
{
public:
    static constexpr int FRAGMENT_LIMIT = 10;
    static constexpr int SEND_ATTEMPTS = 3;

    explicit ClusterClientImpl(ClusterClientState state);
    ~ClusterClientImpl() override;

    ClusterClientImpl(const ClusterClientImpl&) = delete;
    ClusterClientImpl& operator=(const ClusterClientImpl&) = delete;

    [[nodiscard]] std::int64_t offer(const std::uint8_t* payload, std::int32_t length) noexcept override;
    [[nodiscard]] std::int64_t offer(std::span<const transport::BufferVector> vectors) noexcept override;
    [[nodiscard]] std::int64_t tryClaim(std::int32_t length, transport::BufferClaim& claim) noexcept override;
    bool sendKeepAlive() noexcept override;
    bool sendAdminRequestToTakeASnapshot(std::int64_t correlationId) noexcept override;
    int pollEgress() override;

    [[nodiscard]] std::int64_t clusterSessionId() const noexcept override { return m_clusterSessionId; }
    [[nodiscard]] std::int64_t messagesOffered() const noexcept override { return m_messagesOffered; }
    [[nodiscard]] std::int64_t leadershipTermId() const noexcept override { return m_leadershipTermId; }
    [[nodiscard]] std::int32_t leaderMemberId() const noexcept override { return m_leaderMemberId; }
    [[nodiscard]] bool isClosed() const noexcept override { return m_isClosed; }
    [[nodiscard]] transport::Publication& ingressPublication() noexcept override;
    [[nodiscard]] transport::Subscription& egressSubscription() noexcept override;
    [[nodiscard]] const ClusterClientContext& context() const noexcept override { return m_context; }
    [[nodiscard]] std::int64_t invalidEgressCount() const noexcept override { return m_invalidEgressCount; }

    void close() override;

private:
    struct EgressHandler
    {
        ClusterClientImpl* client;

        void operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                        const transport::Header& header) const
        {
            client->onEgressMessage(buffer, offset, length, header);
        }
    };

    /// What a NewLeaderEvent left to do once the poll has returned (it adds a publication, which must not
    /// happen inside a subscription's poll).
    struct PendingNewLeader
    {
        bool pending = false;
        std::int64_t leadershipTermId = -1;
        std::int32_t leaderMemberId = -1;
        std::string ingressEndpoints;
    };

    void onEgressMessage(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                         const transport::Header& header);
    void onNewLeader(std::int64_t leadershipTermId, std::int32_t leaderMemberId, const std::string& ingressEndpoints);
    /// Writes a fixed-size message of Encoder into a claim with up to SEND_ATTEMPTS tries.
    template <typename Encode> bool sendClaimed(std::int32_t length, Encode&& encode) noexcept;
    void releaseResources() noexcept;

    ClusterClientContext m_context;
    std::shared_ptr<transport::Aeron> m_aeron;
    bool m_ownsAeron;
    std::shared_ptr<transport::Subscription> m_egressSubscription;
    std::shared_ptr<transport::ExclusivePublication> m_ingressPublication;
    std::vector<IngressEndpoint> m_endpoints;
    std::unique_ptr<util::IdleStrategy> m_idleStrategy;
    transport::FragmentAssembler<EgressHandler> m_assembler;
    std::array<std::uint8_t, SESSION_HEADER_LENGTH> m_sessionHeader{};
    PendingNewLeader m_pendingNewLeader;
    std::int64_t m_clusterSessionId;
    std::int64_t m_leadershipTermId;
    std::int64_t m_invalidEgressCount = 0;
    std::int64_t m_messagesOffered = 0;
    std::int64_t m_messagesOfferedBeforeLeaderChange = 0;
    bool m_awaitingFailoverOutcome = false;
    std::int32_t m_leaderMemberId;
    bool m_breakPoll = false;
    bool m_closedByCluster = false;
    bool m_isClosed = false;
};
} // namespace cox::cluster::client

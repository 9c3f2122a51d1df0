#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/IngressEndpoints.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/transport/FragmentAssembler.hpp"

namespace cox::transport
{
class ExclusivePublication;
}

namespace cox::cluster::client
{
/// Aeron's AeronCluster.AsyncConnect: one ingress publication per member until the leader answers, a
/// SessionConnectRequest, then REDIRECTs and challenges until a SessionEvent settles it.
class AsyncClusterConnectImpl final : public AsyncClusterConnect
{
public:
    /// Checks the context and connects an Aeron client if none was given; throws IllegalArgumentException.
    explicit AsyncClusterConnectImpl(ClusterClientContext context);
    ~AsyncClusterConnectImpl() override;

    AsyncClusterConnectImpl(const AsyncClusterConnectImpl&) = delete;
    AsyncClusterConnectImpl& operator=(const AsyncClusterConnectImpl&) = delete;

    [[nodiscard]] std::unique_ptr<ClusterClient> poll() override;
    [[nodiscard]] Step step() const noexcept override { return m_step; }

    /// Work done by the Aeron client's invokers in the last poll, for the blocking connect's idle strategy.
    [[nodiscard]] int lastWorkCount() const noexcept { return m_lastWorkCount; }
    [[nodiscard]] const std::string& idleStrategyName() const noexcept { return m_context.idleStrategy; }

private:
    struct Member
    {
        /// -1 for the single publication on the ingress channel as given.
        std::int32_t memberId = -1;
        std::string endpoint;
        std::int64_t registrationId = -1;
        std::shared_ptr<transport::ExclusivePublication> publication;
    };

    /// What the egress said about our request.
    struct Response
    {
        enum class Kind : std::int8_t
        {
            NONE,
            SESSION_EVENT,
            CHALLENGE,
        };
        Kind kind = Kind::NONE;
        std::int64_t clusterSessionId = -1;
        std::int64_t leadershipTermId = -1;
        std::int32_t leaderMemberId = -1;
        EventCode code = EventCode::OK;
        std::string detail;
        std::vector<std::uint8_t> encodedChallenge;
    };

    struct EgressHandler
    {
        AsyncClusterConnectImpl* connect;

        void operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                        const transport::Header&) const
        {
            connect->onEgressMessage(buffer.buffer() + offset, static_cast<std::size_t>(length));
        }
    };

    [[nodiscard]] std::unique_ptr<ClusterClient> doPoll();
    void checkDeadline(std::int64_t nowNs) const;
    [[nodiscard]] bool createIngressPublications();
    [[nodiscard]] bool awaitPublicationConnected();
    [[nodiscard]] bool sendMessage();
    void pollResponse();
    void onRedirect(std::int32_t leaderMemberId, const std::string& detail);
    [[nodiscard]] std::unique_ptr<ClusterClient> concludeConnect();
    void onEgressMessage(const std::uint8_t* message, std::size_t length);
    [[nodiscard]] std::string describeIngress() const;
    void closeMember(Member& member) noexcept;
    void closeResources() noexcept;

    ClusterClientContext m_context;
    std::shared_ptr<transport::Aeron> m_aeron;
    bool m_ownsAeron = false;
    std::shared_ptr<util::NanoClock> m_nanoClock;
    std::int64_t m_deadlineNs = 0;
    Step m_step = Step::CREATE_EGRESS_SUBSCRIPTION;
    bool m_failed = false;
    int m_lastWorkCount = 0;

    std::int64_t m_subscriptionRegistrationId = -1;
    std::shared_ptr<transport::Subscription> m_egressSubscription;
    /// Member publications, or the one on the ingress channel; after a REDIRECT only the leader's is used.
    std::vector<Member> m_members;
    bool m_usesEndpoints = false;
    std::int32_t m_leaderMemberId = -1;
    /// Index in m_members of the publication the request went out on.
    std::size_t m_target = 0;

    std::int64_t m_correlationId = -1;
    std::int64_t m_clusterSessionId = -1;
    /// Set by a Challenge: the next message is a ChallengeResponse with these credentials.
    bool m_answerChallenge = false;
    std::vector<std::uint8_t> m_challengeCredentials;
    Response m_response;
    transport::FragmentAssembler<EgressHandler> m_assembler;
};
} // namespace cox::cluster::client

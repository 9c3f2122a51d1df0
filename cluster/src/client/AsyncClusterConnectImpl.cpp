#include "client/AsyncClusterConnectImpl.hpp"

#include "client/ClusterClientImpl.hpp"
#include "cox/codecs/cluster/ClusterCodecs.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/ControlledPollAction.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::cluster::client
{
namespace codec = codecs::cluster;
using codecs::sbe::DecodeError;
using transport::ChannelUri;
using transport::ControlledPollAction;
using transport::PublicationResult;

namespace
{
constexpr int FRAGMENT_LIMIT = 10;

void checkEgressChannel(const std::string& egressChannel)
{
    if (egressChannel.empty())
    {
        throw util::IllegalArgumentException("egressChannel is required");
    }
    const ChannelUri uri = ChannelUri::parse(egressChannel);
    if (!uri.isUdp())
    {
        return;
    }
    // The client binds the egress endpoint and tells the cluster where it is: port 0 lets the OS choose, and
    // the connect sends the port the subscription was actually given.
    const auto endpoint = uri.endpoint();
    const std::size_t colon = endpoint ? endpoint->rfind(':') : std::string_view::npos;
    if (colon == std::string_view::npos)
    {
        throw util::IllegalArgumentException("egressChannel needs an endpoint host:port (port 0 for any): " +
                                             egressChannel);
    }
}

std::vector<std::uint8_t> toBytes(std::string_view text)
{
    return std::vector<std::uint8_t>(text.begin(), text.end());
}
} // namespace

AsyncClusterConnectImpl::AsyncClusterConnectImpl(ClusterClientContext context)
    : m_context(std::move(context)), m_assembler(EgressHandler{this})
{
    checkEgressChannel(m_context.egressChannel);
    if (m_context.messageTimeoutNs <= 0)
    {
        throw util::IllegalArgumentException("messageTimeoutNs must be positive, got " +
                                             std::to_string(m_context.messageTimeoutNs));
    }
    if (m_context.ingressChannel.empty())
    {
        throw util::IllegalArgumentException("ingressChannel is required");
    }
    if (!m_context.ingressEndpoints.empty())
    {
        if (m_context.ingressChannel.starts_with("aeron:ipc"))
        {
            throw util::IllegalArgumentException("ingressEndpoints must be empty with an IPC ingress channel: " +
                                                 m_context.ingressChannel);
        }
        const auto endpoints = parseIngressEndpoints(m_context.ingressEndpoints);
        if (!endpoints)
        {
            throw util::IllegalArgumentException("invalid ingressEndpoints '" + m_context.ingressEndpoints +
                                                 "': expected id=host:port,...");
        }
        for (const IngressEndpoint& endpoint : *endpoints)
        {
            // Built now only to fail here, with the channel in the message, rather than mid-connect.
            static_cast<void>(ingressChannelFor(m_context.ingressChannel, endpoint.endpoint));
            m_members.push_back(Member{endpoint.memberId, endpoint.endpoint, -1, nullptr});
        }
        m_usesEndpoints = true;
    }
    else
    {
        static_cast<void>(ChannelUri::parse(m_context.ingressChannel));
        m_members.push_back(Member{});
    }

    m_aeron = m_context.aeron;
    if (!m_aeron)
    {
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_context.aeronDirectoryName;
        m_aeron = transport::Aeron::connect(aeronContext);
        m_ownsAeron = true;
        m_context.aeron = m_aeron;
    }
    m_nanoClock = m_context.nanoClock ? m_context.nanoClock : m_aeron->context().nanoClock;
    if (!m_nanoClock)
    {
        m_nanoClock = std::make_shared<util::SystemNanoClock>();
    }
    m_deadlineNs = m_nanoClock->nanoTime() + m_context.messageTimeoutNs;
}

AsyncClusterConnectImpl::~AsyncClusterConnectImpl()
{
    if (m_step != Step::DONE)
    {
        closeResources();
    }
}

std::unique_ptr<ClusterClient> AsyncClusterConnectImpl::poll()
{
    if (m_failed || m_step == Step::DONE)
    {
        throw util::IllegalStateException("cluster connect already failed or completed");
    }
    try
    {
        m_lastWorkCount = invokeAeron(*m_aeron);
        return doPoll();
    }
    catch (...)
    {
        m_failed = true;
        closeResources();
        throw;
    }
}

std::unique_ptr<ClusterClient> AsyncClusterConnectImpl::doPoll()
{
    if (m_step == Step::CREATE_EGRESS_SUBSCRIPTION)
    {
        if (m_subscriptionRegistrationId == -1)
        {
            m_subscriptionRegistrationId =
                m_aeron->asyncAddSubscription(m_context.egressChannel, m_context.egressStreamId);
        }
        if (!m_egressSubscription)
        {
            m_egressSubscription = m_aeron->findSubscription(m_subscriptionRegistrationId);
        }
        if (!m_egressSubscription)
        {
            checkDeadline(m_nanoClock->nanoTime());
            return nullptr;
        }
        const std::string resolved = m_egressSubscription->tryResolveChannelEndpointPort();
        if (resolved.empty())
        {
            checkDeadline(m_nanoClock->nanoTime());
            return nullptr;
        }
        m_context.egressChannel = resolved;
        m_step = Step::CREATE_INGRESS_PUBLICATIONS;
    }
    if (m_step == Step::CREATE_INGRESS_PUBLICATIONS)
    {
        if (!createIngressPublications())
        {
            checkDeadline(m_nanoClock->nanoTime());
            return nullptr;
        }
        m_step = Step::AWAIT_PUBLICATION_CONNECTED;
    }
    if (m_step == Step::AWAIT_PUBLICATION_CONNECTED)
    {
        if (!awaitPublicationConnected())
        {
            checkDeadline(m_nanoClock->nanoTime());
            return nullptr;
        }
        m_step = Step::SEND_MESSAGE;
    }
    if (m_step == Step::SEND_MESSAGE)
    {
        if (!sendMessage())
        {
            checkDeadline(m_nanoClock->nanoTime());
            return nullptr;
        }
        m_step = Step::POLL_RESPONSE;
    }
    if (m_step == Step::POLL_RESPONSE)
    {
        pollResponse();
        if (m_step == Step::POLL_RESPONSE)
        {
            checkDeadline(m_nanoClock->nanoTime());
            return nullptr;
        }
        if (m_step != Step::CONCLUDE_CONNECT)
        {
            // A REDIRECT or a challenge: carry on at the next poll.
            return nullptr;
        }
    }
    if (m_step == Step::CONCLUDE_CONNECT)
    {
        return concludeConnect();
    }
    return nullptr;
}

void AsyncClusterConnectImpl::checkDeadline(std::int64_t nowNs) const
{
    if (nowNs - m_deadlineNs > 0)
    {
        throw ClusterTimeoutException("cluster connect timed out after " +
                                      std::to_string(m_context.messageTimeoutNs / 1'000'000) + " ms at step " +
                                      std::to_string(static_cast<int>(m_step)) + ": " + describeIngress() +
                                      ", egress " + m_context.egressChannel + " stream " +
                                      std::to_string(m_context.egressStreamId));
    }
}

std::string AsyncClusterConnectImpl::describeIngress() const
{
    if (!m_usesEndpoints)
    {
        return "ingress " + m_context.ingressChannel + " stream " + std::to_string(m_context.ingressStreamId);
    }
    std::string text = "ingress endpoints ";
    for (std::size_t i = 0; i < m_members.size(); ++i)
    {
        text += (i == 0 ? "" : ",") + std::to_string(m_members[i].memberId) + "=" + m_members[i].endpoint;
    }
    if (m_leaderMemberId != -1)
    {
        text += " (leader " + std::to_string(m_leaderMemberId) + ")";
    }
    return text + " stream " + std::to_string(m_context.ingressStreamId);
}

bool AsyncClusterConnectImpl::createIngressPublications()
{
    bool allCreated = true;
    for (Member& member : m_members)
    {
        if (member.publication || (m_leaderMemberId != -1 && member.memberId != m_leaderMemberId))
        {
            continue;
        }
        if (member.registrationId == -1)
        {
            const std::string channel = m_usesEndpoints ? ingressChannelFor(m_context.ingressChannel, member.endpoint)
                                                        : m_context.ingressChannel;
            member.registrationId = m_aeron->asyncAddExclusivePublication(channel, m_context.ingressStreamId);
        }
        member.publication = m_aeron->findExclusivePublication(member.registrationId);
        allCreated = allCreated && member.publication != nullptr;
    }
    return allCreated;
}

bool AsyncClusterConnectImpl::awaitPublicationConnected()
{
    for (std::size_t i = 0; i < m_members.size(); ++i)
    {
        const Member& member = m_members[i];
        if (m_leaderMemberId != -1 && member.memberId != m_leaderMemberId)
        {
            continue;
        }
        if (member.publication && member.publication->isConnected())
        {
            m_target = i;
            return true;
        }
    }
    return false;
}

bool AsyncClusterConnectImpl::sendMessage()
{
    if (m_correlationId == -1)
    {
        m_correlationId = m_aeron->nextCorrelationId();
    }
    std::vector<std::uint8_t> buffer;
    codec::MessageHeaderEncoder header;
    std::size_t length = codec::MessageHeaderEncoder::ENCODED_LENGTH;
    if (m_answerChallenge)
    {
        buffer.resize(length + codec::ChallengeResponseEncoder::BLOCK_LENGTH + 4 + m_challengeCredentials.size());
        codec::ChallengeResponseEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .correlationId(m_correlationId)
            .clusterSessionId(m_clusterSessionId)
            .putEncodedCredentials(reinterpret_cast<const char*>(m_challengeCredentials.data()),
                                   m_challengeCredentials.size());
        length += encoder.encodedLength();
    }
    else
    {
        const std::vector<std::uint8_t> credentials = m_context.credentialsSupplier.encodedCredentials
                                                          ? m_context.credentialsSupplier.encodedCredentials()
                                                          : std::vector<std::uint8_t>{};
        buffer.resize(length + codec::SessionConnectRequestEncoder::BLOCK_LENGTH + 8 +
                      m_context.egressChannel.size() + credentials.size());
        codec::SessionConnectRequestEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .correlationId(m_correlationId)
            .responseStreamId(m_context.egressStreamId)
            .version(ClusterClientContext::PROTOCOL_SEMANTIC_VERSION)
            .putResponseChannel(m_context.egressChannel)
            .putEncodedCredentials(reinterpret_cast<const char*>(credentials.data()), credentials.size());
        length += encoder.encodedLength();
    }

    const std::int64_t result =
        m_members[m_target].publication->offer(buffer.data(), static_cast<std::int32_t>(length));
    if (result == PublicationResult::CLOSED || result == PublicationResult::MAX_POSITION_EXCEEDED ||
        result == PublicationResult::ERROR)
    {
        throw ClusterException(std::string("cluster connect could not send its request: ") +
                               PublicationResult::name(result) + " on " + describeIngress());
    }
    return result > 0;
}

void AsyncClusterConnectImpl::pollResponse()
{
    m_response = Response{};
    static_cast<void>(m_egressSubscription->controlledPoll(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
               const transport::Header& header)
        {
            m_assembler.onFragment(buffer, offset, length, header);
            // Stop at our answer: what follows it is the connected client's to deliver.
            return m_response.kind == Response::Kind::NONE ? ControlledPollAction::CONTINUE
                                                           : ControlledPollAction::BREAK;
        },
        FRAGMENT_LIMIT));

    if (m_response.kind == Response::Kind::CHALLENGE)
    {
        m_clusterSessionId = m_response.clusterSessionId;
        m_challengeCredentials = m_context.credentialsSupplier.onChallenge
                                     ? m_context.credentialsSupplier.onChallenge(m_response.encodedChallenge)
                                     : std::vector<std::uint8_t>{};
        m_answerChallenge = true;
        // The consensus module answers the challenge response under its own correlation id.
        m_correlationId = -1;
        m_step = Step::SEND_MESSAGE;
        return;
    }
    if (m_response.kind != Response::Kind::SESSION_EVENT)
    {
        return;
    }
    switch (m_response.code)
    {
        case EventCode::OK:
            m_clusterSessionId = m_response.clusterSessionId;
            m_leaderMemberId = m_response.leaderMemberId;
            m_step = Step::CONCLUDE_CONNECT;
            return;
        case EventCode::REDIRECT:
            onRedirect(m_response.leaderMemberId, m_response.detail);
            return;
        case EventCode::AUTHENTICATION_REJECTED:
            throw AuthenticationException("cluster connect rejected by the authenticator: " + m_response.detail);
        case EventCode::ERROR:
        case EventCode::CLOSED:
        default:
            throw ClusterException("cluster connect failed: " + m_response.detail);
    }
}

void AsyncClusterConnectImpl::onRedirect(std::int32_t leaderMemberId, const std::string& detail)
{
    const auto endpoints = parseIngressEndpoints(detail);
    if (!endpoints || findEndpoint(*endpoints, leaderMemberId) == nullptr)
    {
        throw ClusterException("cluster connect got a REDIRECT to member " + std::to_string(leaderMemberId) +
                               " with unusable ingress endpoints '" + detail + "'");
    }
    // Keep publications whose member and endpoint are unchanged; the leader's is created if it is new.
    std::vector<Member> members;
    for (const IngressEndpoint& endpoint : *endpoints)
    {
        Member member{endpoint.memberId, endpoint.endpoint, -1, nullptr};
        for (Member& old : m_members)
        {
            if (m_usesEndpoints && old.memberId == endpoint.memberId && old.endpoint == endpoint.endpoint)
            {
                member = std::move(old);
                old = Member{};
                break;
            }
        }
        members.push_back(std::move(member));
    }
    for (Member& old : m_members)
    {
        closeMember(old);
    }
    for (Member& member : members)
    {
        if (member.memberId != leaderMemberId)
        {
            closeMember(member);
        }
    }
    static_cast<void>(ingressChannelFor(m_context.ingressChannel, findEndpoint(*endpoints, leaderMemberId)->endpoint));
    m_members = std::move(members);
    m_usesEndpoints = true;
    m_leaderMemberId = leaderMemberId;
    m_correlationId = -1;
    m_answerChallenge = false;
    m_step = Step::CREATE_INGRESS_PUBLICATIONS;
}

std::unique_ptr<ClusterClient> AsyncClusterConnectImpl::concludeConnect()
{
    ClusterClientState state;
    state.ingressPublication = std::move(m_members[m_target].publication);
    m_members[m_target].registrationId = -1;
    for (Member& member : m_members)
    {
        closeMember(member);
    }
    if (m_usesEndpoints)
    {
        for (const Member& member : m_members)
        {
            state.endpoints.push_back(IngressEndpoint{member.memberId, member.endpoint});
        }
    }
    state.aeron = m_aeron;
    state.ownsAeron = m_ownsAeron;
    state.egressSubscription = std::move(m_egressSubscription);
    state.clusterSessionId = m_clusterSessionId;
    state.leadershipTermId = m_response.leadershipTermId;
    state.leaderMemberId = m_response.leaderMemberId;
    state.context = std::move(m_context);
    m_subscriptionRegistrationId = -1;
    m_members.clear();
    m_ownsAeron = false;
    m_step = Step::DONE;
    return std::make_unique<ClusterClientImpl>(std::move(state));
}

void AsyncClusterConnectImpl::onEgressMessage(const std::uint8_t* message, std::size_t length)
{
    if (m_response.kind != Response::Kind::NONE)
    {
        return;
    }
    codec::MessageHeaderDecoder header;
    if (codec::checkHeader(message, 0, length, header) != DecodeError::NONE)
    {
        return;
    }
    constexpr std::size_t bodyOffset = codec::MessageHeaderDecoder::ENCODED_LENGTH;
    if (header.templateId() == codec::TemplateId::SESSION_EVENT)
    {
        codec::SessionEventDecoder decoder;
        if (decoder.wrapForDecode(message, bodyOffset, header.blockLength(), header.version(), length) !=
                DecodeError::NONE ||
            decoder.correlationId() != m_correlationId ||
            decoder.codeRaw() < static_cast<std::int32_t>(EventCode::OK) ||
            decoder.codeRaw() > static_cast<std::int32_t>(EventCode::CLOSED))
        {
            return;
        }
        m_response.kind = Response::Kind::SESSION_EVENT;
        m_response.clusterSessionId = decoder.clusterSessionId();
        m_response.leadershipTermId = decoder.leadershipTermId();
        m_response.leaderMemberId = decoder.leaderMemberId();
        m_response.code = static_cast<EventCode>(decoder.codeRaw());
        m_response.detail.assign(decoder.detail());
    }
    else if (header.templateId() == codec::TemplateId::CHALLENGE)
    {
        codec::ChallengeDecoder decoder;
        if (decoder.wrapForDecode(message, bodyOffset, header.blockLength(), header.version(), length) !=
                DecodeError::NONE ||
            decoder.correlationId() != m_correlationId)
        {
            return;
        }
        m_response.kind = Response::Kind::CHALLENGE;
        m_response.clusterSessionId = decoder.clusterSessionId();
        m_response.encodedChallenge = toBytes(decoder.encodedChallenge());
    }
}

void AsyncClusterConnectImpl::closeMember(Member& member) noexcept
{
    try
    {
        if (!m_aeron->isClosed())
        {
            if (!member.publication && member.registrationId != -1)
            {
                member.publication = m_aeron->findExclusivePublication(member.registrationId);
            }
            if (member.publication)
            {
                member.publication->close();
            }
        }
    }
    catch (const std::exception&)
    {
        // A refused registration leaves nothing to close.
    }
    member.publication.reset();
    member.registrationId = -1;
}

void AsyncClusterConnectImpl::closeResources() noexcept
{
    if (!m_aeron)
    {
        return;
    }
    for (Member& member : m_members)
    {
        closeMember(member);
    }
    try
    {
        if (!m_aeron->isClosed())
        {
            if (!m_egressSubscription && m_subscriptionRegistrationId != -1)
            {
                m_egressSubscription = m_aeron->findSubscription(m_subscriptionRegistrationId);
            }
            if (m_egressSubscription)
            {
                m_egressSubscription->close();
            }
        }
        if (m_ownsAeron)
        {
            m_aeron->close();
        }
    }
    catch (const std::exception&)
    {
        // A refused registration or a closed client leaves nothing more to release.
    }
    m_egressSubscription.reset();
    m_subscriptionRegistrationId = -1;
}
} // namespace cox::cluster::client

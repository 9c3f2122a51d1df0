#include "client/ClusterClientImpl.hpp"

#include <limits>

#include "cox/codecs/cluster/ClusterCodecs.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::cluster::client
{
namespace codec = codecs::cluster;
using codecs::sbe::DecodeError;
using transport::ControlledPollAction;
using transport::PublicationResult;

void encodeSessionHeader(std::uint8_t* buffer, std::int64_t leadershipTermId, std::int64_t clusterSessionId) noexcept
{
    codec::MessageHeaderEncoder header;
    codec::SessionMessageHeaderEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, ClusterClient::SESSION_HEADER_LENGTH, header)
        .leadershipTermId(leadershipTermId)
        .clusterSessionId(clusterSessionId)
        .timestamp(0);
}

int invokeAeron(transport::Aeron& aeron)
{
    if (aeron.isClosed())
    {
        return 0;
    }
    int work = 0;
    if (aeron.context().useConductorAgentInvoker)
    {
        work += aeron.conductorAgentInvoker().invoke();
    }
    if (aeron.context().driverInvoker)
    {
        work += aeron.context().driverInvoker();
    }
    return work;
}

ClusterClientImpl::ClusterClientImpl(ClusterClientState state)
    : m_context(std::move(state.context)),
      m_aeron(std::move(state.aeron)),
      m_ownsAeron(state.ownsAeron),
      m_egressSubscription(std::move(state.egressSubscription)),
      m_ingressPublication(std::move(state.ingressPublication)),
      m_endpoints(std::move(state.endpoints)),
      m_idleStrategy(util::newIdleStrategy(m_context.idleStrategy)),
      m_assembler(EgressHandler{this}),
      m_clusterSessionId(state.clusterSessionId),
      m_leadershipTermId(state.leadershipTermId),
      m_leaderMemberId(state.leaderMemberId)
{
    encodeSessionHeader(m_sessionHeader.data(), m_leadershipTermId, m_clusterSessionId);
}

ClusterClientImpl::~ClusterClientImpl()
{
    try
    {
        close();
    }
    catch (const std::exception&)
    {
        // Nothing more can be released; the cluster times the session out.
    }
}

std::int64_t ClusterClientImpl::offer(const std::uint8_t* payload, std::int32_t length) noexcept
{
    if (length < 0 || (payload == nullptr && length > 0))
    {
        return PublicationResult::ERROR;
    }
    const std::array<transport::BufferVector, 2> vectors{
        transport::BufferVector{m_sessionHeader.data(), SESSION_HEADER_LENGTH},
        transport::BufferVector{payload, length}};
    const std::int64_t result = m_ingressPublication->offer(std::span<const transport::BufferVector>(vectors));
    m_messagesOffered += result > 0 ? 1 : 0;
    return result;
}

std::int64_t ClusterClientImpl::offer(std::span<const transport::BufferVector> vectors) noexcept
{
    if (vectors.size() > MAX_OFFER_VECTORS)
    {
        return PublicationResult::ERROR;
    }
    std::array<transport::BufferVector, MAX_OFFER_VECTORS + 1> gathered{};
    gathered[0] = transport::BufferVector{m_sessionHeader.data(), SESSION_HEADER_LENGTH};
    for (std::size_t i = 0; i < vectors.size(); ++i)
    {
        gathered[i + 1] = vectors[i];
    }
    const std::int64_t result =
        m_ingressPublication->offer(std::span<const transport::BufferVector>(gathered.data(), vectors.size() + 1));
    m_messagesOffered += result > 0 ? 1 : 0;
    return result;
}

std::int64_t ClusterClientImpl::tryClaim(std::int32_t length, transport::BufferClaim& claim) noexcept
{
    if (length < 0 || length > std::numeric_limits<std::int32_t>::max() - SESSION_HEADER_LENGTH)
    {
        return PublicationResult::ERROR;
    }
    const std::int64_t result = m_ingressPublication->tryClaim(length + SESSION_HEADER_LENGTH, claim);
    if (result > 0)
    {
        claim.putBytes(m_sessionHeader.data(), SESSION_HEADER_LENGTH);
        ++m_messagesOffered;
    }
    return result;
}

template <typename Encode> bool ClusterClientImpl::sendClaimed(std::int32_t length, Encode&& encode) noexcept
{
    transport::BufferClaim claim;
    for (int attempt = 0; attempt < SEND_ATTEMPTS; ++attempt)
    {
        const std::int64_t result = m_ingressPublication->tryClaim(length, claim);
        if (result > 0)
        {
            const auto offset = static_cast<std::size_t>(claim.offset());
            encode(claim.buffer().buffer(), offset, offset + static_cast<std::size_t>(length));
            claim.commit();
            return true;
        }
        if (result == PublicationResult::CLOSED || result == PublicationResult::MAX_POSITION_EXCEEDED ||
            result == PublicationResult::ERROR)
        {
            return false;
        }
        m_idleStrategy->idle();
    }
    return false;
}

bool ClusterClientImpl::sendKeepAlive() noexcept
{
    if (m_isClosed)
    {
        return false;
    }
    constexpr auto length = static_cast<std::int32_t>(codec::MessageHeaderEncoder::ENCODED_LENGTH +
                                                      codec::SessionKeepAliveEncoder::BLOCK_LENGTH);
    return sendClaimed(length,
                       [this](std::uint8_t* buffer, std::size_t offset, std::size_t limit)
                       {
                           codec::MessageHeaderEncoder header;
                           codec::SessionKeepAliveEncoder encoder;
                           encoder.wrapAndApplyHeader(buffer, offset, limit, header)
                               .leadershipTermId(m_leadershipTermId)
                               .clusterSessionId(m_clusterSessionId);
                       });
}

bool ClusterClientImpl::sendAdminRequestToTakeASnapshot(std::int64_t correlationId) noexcept
{
    if (m_isClosed)
    {
        return false;
    }
    // The payload is empty: its var-data length prefix is all that follows the block.
    constexpr auto length = static_cast<std::int32_t>(codec::MessageHeaderEncoder::ENCODED_LENGTH +
                                                      codec::AdminRequestEncoder::BLOCK_LENGTH + sizeof(std::uint32_t));
    return sendClaimed(length,
                       [this, correlationId](std::uint8_t* buffer, std::size_t offset, std::size_t limit)
                       {
                           codec::MessageHeaderEncoder header;
                           codec::AdminRequestEncoder encoder;
                           encoder.wrapAndApplyHeader(buffer, offset, limit, header)
                               .leadershipTermId(m_leadershipTermId)
                               .clusterSessionId(m_clusterSessionId)
                               .correlationId(correlationId)
                               .requestType(codec::AdminRequestType::SNAPSHOT)
                               .putPayload(std::string_view());
                       });
}

int ClusterClientImpl::pollEgress()
{
    if (m_isClosed)
    {
        return 0;
    }
    static_cast<void>(invokeAeron(*m_aeron));
    m_breakPoll = false;
    const int fragments = m_egressSubscription->controlledPoll(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
               const transport::Header& header)
        {
            // After a leader change or CLOSED, nothing else is consumed until it has been acted on, so later
            // messages (of any image) reach the listener after its onNewLeader.
            if (m_breakPoll)
            {
                return ControlledPollAction::ABORT;
            }
            m_assembler.onFragment(buffer, offset, length, header);
            return m_breakPoll ? ControlledPollAction::BREAK : ControlledPollAction::CONTINUE;
        },
        FRAGMENT_LIMIT);

    if (m_closedByCluster)
    {
        m_isClosed = true;
        releaseResources();
        return fragments;
    }
    if (m_pendingNewLeader.pending)
    {
        m_pendingNewLeader.pending = false;
        onNewLeader(m_pendingNewLeader.leadershipTermId, m_pendingNewLeader.leaderMemberId,
                    m_pendingNewLeader.ingressEndpoints);
    }
    return fragments;
}

void ClusterClientImpl::onEgressMessage(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                        const transport::Header& header)
{
    const std::uint8_t* message = buffer.buffer() + offset;
    const auto messageLength = static_cast<std::size_t>(length);
    codec::MessageHeaderDecoder messageHeader;
    if (codec::checkHeader(message, 0, messageLength, messageHeader) != DecodeError::NONE)
    {
        ++m_invalidEgressCount;
        return;
    }
    constexpr std::size_t bodyOffset = codec::MessageHeaderDecoder::ENCODED_LENGTH;
    const std::uint16_t blockLength = messageHeader.blockLength();
    const std::uint16_t version = messageHeader.version();

    // Each decoder validates the whole message against the frame before a field is read.
    switch (messageHeader.templateId())
    {
        case codec::TemplateId::SESSION_MESSAGE_HEADER:
        {
            codec::SessionMessageHeaderDecoder decoder;
            if (decoder.wrapForDecode(message, bodyOffset, blockLength, version, messageLength) != DecodeError::NONE)
            {
                break;
            }
            if (decoder.clusterSessionId() == m_clusterSessionId && m_context.egressListener != nullptr)
            {
                const auto payloadOffset = static_cast<std::int32_t>(bodyOffset + blockLength);
                m_context.egressListener->onMessage(m_clusterSessionId, decoder.timestamp(), buffer,
                                                    offset + payloadOffset, length - payloadOffset, header);
            }
            return;
        }
        case codec::TemplateId::SESSION_EVENT:
        {
            codec::SessionEventDecoder decoder;
            if (decoder.wrapForDecode(message, bodyOffset, blockLength, version, messageLength) != DecodeError::NONE ||
                decoder.codeRaw() < static_cast<std::int32_t>(EventCode::OK) ||
                decoder.codeRaw() > static_cast<std::int32_t>(EventCode::CLOSED))
            {
                break;
            }
            if (decoder.clusterSessionId() != m_clusterSessionId)
            {
                return;
            }
            const auto code = static_cast<EventCode>(decoder.codeRaw());
            const std::string_view detail = decoder.detail();
            if (code == EventCode::OK && m_awaitingFailoverOutcome && detail.starts_with(MESSAGES_IN_LOG_DETAIL_PREFIX))
            {
                std::int64_t inLog = 0;
                for (const char c : detail.substr(MESSAGES_IN_LOG_DETAIL_PREFIX.size()))
                {
                    if (c < '0' || c > '9' || inLog > (std::numeric_limits<std::int64_t>::max() - 9) / 10)
                    {
                        ++m_invalidEgressCount;
                        return;
                    }
                    inLog = inLog * 10 + (c - '0');
                }
                m_awaitingFailoverOutcome = false;
                const std::int64_t applied = std::min(inLog, m_messagesOfferedBeforeLeaderChange);
                if (m_context.egressListener != nullptr)
                {
                    m_context.egressListener->onFailoverOutcome(m_clusterSessionId, applied,
                                                                m_messagesOfferedBeforeLeaderChange - applied);
                }
                return;
            }
            if (code == EventCode::CLOSED)
            {
                m_closedByCluster = true;
                m_breakPoll = true;
            }
            if (m_context.egressListener != nullptr)
            {
                m_context.egressListener->onSessionEvent(decoder.correlationId(), decoder.clusterSessionId(),
                                                         decoder.leadershipTermId(), decoder.leaderMemberId(), code,
                                                         detail);
            }
            return;
        }
        case codec::TemplateId::NEW_LEADER_EVENT:
        {
            codec::NewLeaderEventDecoder decoder;
            if (decoder.wrapForDecode(message, bodyOffset, blockLength, version, messageLength) != DecodeError::NONE)
            {
                break;
            }
            if (decoder.clusterSessionId() != m_clusterSessionId)
            {
                return;
            }
            const std::int32_t leaderMemberId = decoder.leaderMemberId();
            std::string ingressEndpoints(decoder.ingressEndpoints());
            // With member endpoints, the new leader's must be there to re-point ingress; checked now so a bad
            // event is dropped whole rather than half applied.
            if (!m_endpoints.empty())
            {
                const auto parsed = parseIngressEndpoints(ingressEndpoints);
                if (!parsed || findEndpoint(*parsed, leaderMemberId) == nullptr)
                {
                    break;
                }
            }
            m_pendingNewLeader.pending = true;
            m_pendingNewLeader.leadershipTermId = decoder.leadershipTermId();
            m_pendingNewLeader.leaderMemberId = leaderMemberId;
            m_pendingNewLeader.ingressEndpoints = std::move(ingressEndpoints);
            m_breakPoll = true;
            return;
        }
        case codec::TemplateId::ADMIN_RESPONSE:
        {
            codec::AdminResponseDecoder decoder;
            if (decoder.wrapForDecode(message, bodyOffset, blockLength, version, messageLength) != DecodeError::NONE)
            {
                break;
            }
            if (decoder.clusterSessionId() == m_clusterSessionId && m_context.egressListener != nullptr)
            {
                const std::int64_t correlationId = decoder.correlationId();
                const auto requestType = static_cast<AdminRequestType>(decoder.requestTypeRaw());
                const auto responseCode = static_cast<AdminResponseCode>(decoder.responseCodeRaw());
                const std::string_view text = decoder.message();
                const std::string_view payload = decoder.payload();
                const std::span<const std::uint8_t> payloadBytes(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                                                 payload.size());
                m_context.egressListener->onAdminResponse(m_clusterSessionId, correlationId, requestType,
                                                          responseCode, text, payloadBytes);
            }
            return;
        }
        case codec::TemplateId::CHALLENGE:
            // Only meaningful while connecting; a late duplicate is harmless.
            return;
        default:
            break;
    }
    ++m_invalidEgressCount;
}

void ClusterClientImpl::onNewLeader(std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                                    const std::string& ingressEndpoints)
{
    m_leadershipTermId = leadershipTermId;
    m_leaderMemberId = leaderMemberId;
    encodeSessionHeader(m_sessionHeader.data(), m_leadershipTermId, m_clusterSessionId);
    // Everything offered so far went to the previous leader: the new one says how much of it its log holds.
    m_messagesOfferedBeforeLeaderChange = m_messagesOffered;
    m_awaitingFailoverOutcome = true;

    std::string channel = m_context.ingressChannel;
    if (!m_endpoints.empty())
    {
        // Validated when the event was accepted.
        m_endpoints = std::move(*parseIngressEndpoints(ingressEndpoints));
        channel = ingressChannelFor(m_context.ingressChannel, findEndpoint(m_endpoints, leaderMemberId)->endpoint);
    }
    m_ingressPublication->close();
    m_ingressPublication = m_aeron->addExclusivePublication(channel, m_context.ingressStreamId);
    m_assembler = transport::FragmentAssembler<EgressHandler>(EgressHandler{this});

    if (m_context.egressListener != nullptr)
    {
        m_context.egressListener->onNewLeader(m_clusterSessionId, leadershipTermId, leaderMemberId, ingressEndpoints);
    }
}

transport::Publication& ClusterClientImpl::ingressPublication() noexcept
{
    return *m_ingressPublication;
}

transport::Subscription& ClusterClientImpl::egressSubscription() noexcept
{
    return *m_egressSubscription;
}

void ClusterClientImpl::close()
{
    if (m_isClosed)
    {
        return;
    }
    m_isClosed = true;
    if (!m_closedByCluster && !m_aeron->isClosed())
    {
        constexpr auto length = static_cast<std::int32_t>(codec::MessageHeaderEncoder::ENCODED_LENGTH +
                                                          codec::SessionCloseRequestEncoder::BLOCK_LENGTH);
        static_cast<void>(sendClaimed(length,
                                      [this](std::uint8_t* buffer, std::size_t offset, std::size_t limit)
                                      {
                                          codec::MessageHeaderEncoder header;
                                          codec::SessionCloseRequestEncoder encoder;
                                          encoder.wrapAndApplyHeader(buffer, offset, limit, header)
                                              .leadershipTermId(m_leadershipTermId)
                                              .clusterSessionId(m_clusterSessionId);
                                      }));
    }
    releaseResources();
}

void ClusterClientImpl::releaseResources() noexcept
{
    try
    {
        if (!m_aeron->isClosed())
        {
            m_ingressPublication->close();
            m_egressSubscription->close();
        }
        if (m_ownsAeron)
        {
            m_aeron->close();
        }
    }
    catch (const std::exception&)
    {
        // A client the driver already dropped has nothing left to release.
    }
}
} // namespace cox::cluster::client

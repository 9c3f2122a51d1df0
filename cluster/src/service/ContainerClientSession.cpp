#include "service/ContainerClientSession.hpp"

#include <utility>

#include "cox/transport/Aeron.hpp"
#include "cox/transport/Publication.hpp"
#include "service/ClusteredServiceAgent.hpp"

namespace cox::cluster
{
ContainerClientSession::ContainerClientSession(ClusteredServiceAgent& agent, std::int64_t id,
                                               std::int32_t responseStreamId, std::string responseChannel,
                                               std::vector<std::uint8_t> encodedPrincipal)
    : m_agent(agent),
      m_id(id),
      m_responseStreamId(responseStreamId),
      m_responseChannel(std::move(responseChannel)),
      m_encodedPrincipal(std::move(encodedPrincipal))
{
}

ContainerClientSession::~ContainerClientSession()
{
    disconnect();
}

void ContainerClientSession::close()
{
    // Aeron's close(): only a session the service still knows is closed, and only once.
    if (!m_isClosing && m_agent.getClientSession(m_id) != nullptr)
    {
        static_cast<void>(m_agent.closeClientSession(m_id));
    }
}

std::int64_t ContainerClientSession::offer(const std::uint8_t* payload, std::int32_t length) noexcept
{
    const transport::BufferVector vector{payload, length};
    return m_agent.offerEgress(*this, std::span<const transport::BufferVector>(&vector, 1));
}

std::int64_t ContainerClientSession::offer(std::span<const transport::BufferVector> vectors) noexcept
{
    return m_agent.offerEgress(*this, vectors);
}

std::int64_t ContainerClientSession::tryClaim(std::int32_t length, transport::BufferClaim& claim) noexcept
{
    return m_agent.tryClaimEgress(*this, length, claim);
}

void ContainerClientSession::connect(transport::Aeron& aeron)
{
    if (m_publication || isConnecting())
    {
        return;
    }
    m_registrationId = aeron.asyncAddPublication(m_responseChannel, m_responseStreamId);
}

void ContainerClientSession::disconnect() noexcept
{
    // A registration still in flight is left to the client: it is not ours to cancel, and it stays unused.
    m_registrationId = NULL_REGISTRATION_ID;
    if (m_publication)
    {
        try
        {
            m_publication->close();
        }
        catch (...)
        {
            // The driver may already be gone; the client closes its resources when it closes.
        }
        m_publication.reset();
    }
}

void ContainerClientSession::resolvePublication(transport::Aeron& aeron)
{
    if (!isConnecting())
    {
        return;
    }
    const std::int64_t registrationId = m_registrationId;
    m_registrationId = NULL_REGISTRATION_ID; // a refusal must not be retried forever
    m_publication = aeron.findPublication(registrationId);
    if (!m_publication)
    {
        m_registrationId = registrationId;
    }
}
} // namespace cox::cluster

#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cox/cluster/service/ClusteredService.hpp"

namespace cox::transport
{
class Aeron;
class Publication;
} // namespace cox::transport

namespace cox::cluster
{
class ClusteredServiceAgent;

/// The service's view of one open client session (Aeron's ContainerClientSession). Egress goes through the
/// agent, which knows the role, the leadership term and the cluster time; the session only owns its egress
/// publication, added asynchronously when the node leads and resolved by the agent's duty cycle.
class ContainerClientSession final : public ClientSession
{
public:
    ContainerClientSession(ClusteredServiceAgent& agent, std::int64_t id, std::int32_t responseStreamId,
                           std::string responseChannel, std::vector<std::uint8_t> encodedPrincipal);
    ~ContainerClientSession() override;

    [[nodiscard]] std::int64_t id() const noexcept override { return m_id; }
    [[nodiscard]] std::int32_t responseStreamId() const noexcept override { return m_responseStreamId; }
    [[nodiscard]] std::string_view responseChannel() const noexcept override { return m_responseChannel; }
    [[nodiscard]] std::span<const std::uint8_t> encodedPrincipal() const noexcept override
    {
        return m_encodedPrincipal;
    }

    void close() override;
    [[nodiscard]] bool isClosing() const noexcept override { return m_isClosing; }

    [[nodiscard]] std::int64_t offer(const std::uint8_t* payload, std::int32_t length) noexcept override;
    [[nodiscard]] std::int64_t offer(std::span<const transport::BufferVector> vectors) noexcept override;
    [[nodiscard]] std::int64_t tryClaim(std::int32_t length, transport::BufferClaim& claim) noexcept override;

    void markClosing() noexcept { m_isClosing = true; }

    /// Starts adding the egress publication unless it exists or is on its way. May throw (driver gone).
    void connect(transport::Aeron& aeron);
    /// Closes the egress publication (the node stopped leading, or the session closed).
    void disconnect() noexcept;
    /// True while an added publication has not been resolved yet.
    [[nodiscard]] bool isConnecting() const noexcept { return m_registrationId != NULL_REGISTRATION_ID; }
    /// Polls the driver's answer to connect(); throws what Aeron::findPublication throws if it refused.
    void resolvePublication(transport::Aeron& aeron);
    /// The egress publication, or nullptr until it is resolved (and on followers).
    [[nodiscard]] transport::Publication* publication() const noexcept { return m_publication.get(); }

private:
    static constexpr std::int64_t NULL_REGISTRATION_ID = -1;

    ClusteredServiceAgent& m_agent;
    std::int64_t m_id;
    std::int32_t m_responseStreamId;
    std::string m_responseChannel;
    std::vector<std::uint8_t> m_encodedPrincipal;
    std::int64_t m_registrationId = NULL_REGISTRATION_ID;
    std::shared_ptr<transport::Publication> m_publication;
    bool m_isClosing = false;
};
} // namespace cox::cluster

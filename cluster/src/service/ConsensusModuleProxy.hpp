#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/TermAppender.hpp"

namespace cox::cluster
{
/// A service container's messages to its consensus module on the control channel (Aeron's service-side
/// ConsensusModuleProxy): ScheduleTimer, CancelTimer, CloseSession, ServiceAck and inter-service messages.
///
/// Every call encodes into a buffer owned here and offers once: it returns the publication's result (a
/// position, or a negative PublicationResult code to retry on) and allocates nothing. Container thread only.
class ConsensusModuleProxy
{
public:
    /// Vectors a gathered inter-service message may have besides the header.
    static constexpr std::size_t MAX_PAYLOAD_VECTORS = 15;

    ConsensusModuleProxy() = default;

    void publication(std::shared_ptr<transport::ExclusivePublication> publication) noexcept
    {
        m_publication = std::move(publication);
    }
    [[nodiscard]] transport::ExclusivePublication* publication() const noexcept { return m_publication.get(); }

    [[nodiscard]] std::int64_t scheduleTimer(std::int64_t correlationId, std::int64_t deadline) noexcept;
    [[nodiscard]] std::int64_t cancelTimer(std::int64_t correlationId) noexcept;
    [[nodiscard]] std::int64_t closeSession(std::int64_t clusterSessionId) noexcept;
    [[nodiscard]] std::int64_t ack(std::int64_t logPosition, std::int64_t timestamp, std::int64_t ackId,
                                   std::int64_t relevantId, std::int32_t serviceId) noexcept;

    /// SessionMessageHeader(leadershipTermId, clusterSessionId = serviceId, timestamp) then the payload.
    [[nodiscard]] std::int64_t offer(std::int64_t leadershipTermId, std::int32_t serviceId, std::int64_t timestamp,
                                     std::span<const transport::BufferVector> payload) noexcept;
    /// Claims header + length bytes and writes the header; the caller writes the payload after it.
    [[nodiscard]] std::int64_t tryClaim(std::int64_t leadershipTermId, std::int32_t serviceId, std::int64_t timestamp,
                                        std::int32_t length, transport::BufferClaim& claim) noexcept;

private:
    [[nodiscard]] std::int64_t send(std::size_t length) noexcept;

    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::array<transport::BufferVector, MAX_PAYLOAD_VECTORS + 1> m_vectors{};
    alignas(8) std::array<std::uint8_t, 128> m_buffer{};
};

/// Writes a SessionMessageHeader with its SBE message header (Cluster::SESSION_HEADER_LENGTH bytes) at
/// buffer + offset; buffer must have room. Shared by the proxy and egress.
void encodeSessionHeader(std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength,
                         std::int64_t leadershipTermId, std::int64_t clusterSessionId, std::int64_t timestamp) noexcept;
} // namespace cox::cluster

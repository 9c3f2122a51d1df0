#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "cox/cluster/ClusterTime.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/ExclusivePublication.hpp"

namespace cox::cluster
{
/// Appends entries to the replicated log on the leader (Aeron's LogPublisher). Every append returns the log
/// position after the entry or a PublicationResult code; nothing here allocates or throws once set up.
class LogPublisher
{
public:
    static constexpr std::int32_t SESSION_HEADER_LENGTH = 32;

    LogPublisher();

    void publication(std::shared_ptr<transport::ExclusivePublication> publication) noexcept;
    [[nodiscard]] const std::shared_ptr<transport::ExclusivePublication>& publication() const noexcept
    {
        return m_publication;
    }
    void disconnect();

    [[nodiscard]] std::int64_t position() const noexcept;
    [[nodiscard]] std::int32_t sessionId() const noexcept;
    /// Free space before the publication would report back pressure.
    [[nodiscard]] std::int64_t availableWindow() const noexcept;

    /// A client's or a service's message: a fresh session header (term, session, leader timestamp) followed by
    /// the payload, which is gathered from where it lies (the ingress image or a service queue).
    [[nodiscard]] std::int64_t appendMessage(std::int64_t leadershipTermId, std::int64_t clusterSessionId,
                                             std::int64_t timestamp, const std::uint8_t* payload,
                                             std::int32_t payloadLength) noexcept;
    [[nodiscard]] std::int64_t appendSessionOpen(std::int64_t leadershipTermId, std::int64_t correlationId,
                                                 std::int64_t clusterSessionId, std::int64_t timestamp,
                                                 std::int32_t responseStreamId, std::string_view responseChannel,
                                                 std::span<const std::uint8_t> encodedPrincipal) noexcept;
    [[nodiscard]] std::int64_t appendSessionClose(std::int64_t leadershipTermId, std::int64_t clusterSessionId,
                                                  std::int64_t timestamp, CloseReason closeReason) noexcept;
    [[nodiscard]] std::int64_t appendTimer(std::int64_t leadershipTermId, std::int64_t correlationId,
                                           std::int64_t timestamp) noexcept;
    [[nodiscard]] std::int64_t appendNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t timestamp,
                                                            std::int64_t termBaseLogPosition,
                                                            std::int32_t leaderMemberId, std::int32_t logSessionId,
                                                            ClusterTimeUnit timeUnit,
                                                            std::int32_t appVersion) noexcept;

    /// A SNAPSHOT, SUSPEND or RESUME action (codecs::cluster::ClusterAction) every member applies at the log
    /// position after it.
    [[nodiscard]] std::int64_t appendClusterAction(std::int64_t leadershipTermId, std::int64_t timestamp,
                                                   std::int32_t action, std::int32_t flags) noexcept;

private:
    [[nodiscard]] std::int64_t offerScratch(std::size_t length) noexcept;

    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::array<std::uint8_t, SESSION_HEADER_LENGTH> m_sessionHeader{};
    /// Holds one encoded control entry; var data (channel, principal) is bounded when the session is accepted.
    std::array<std::uint8_t, 8192> m_scratch{};
};

/// The schema's ClusterTimeUnit code of a unit.
[[nodiscard]] std::int32_t timeUnitCode(ClusterTimeUnit unit) noexcept;
} // namespace cox::cluster

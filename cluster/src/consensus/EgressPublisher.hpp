#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "cox/cluster/client/ClusterClient.hpp"

namespace cox::transport
{
class Publication;
}

namespace cox::cluster
{
/// Encodes the consensus module's replies to clients (Aeron's EgressPublisher): session events, challenges,
/// new-leader notices and admin responses. Each returns true once offered; false to retry later.
class EgressPublisher
{
public:
    bool sendEvent(transport::Publication& publication, std::int64_t clusterSessionId, std::int64_t correlationId,
                   std::int64_t leadershipTermId, std::int32_t leaderMemberId, EventCode code,
                   std::string_view detail) noexcept;
    bool sendChallenge(transport::Publication& publication, std::int64_t clusterSessionId, std::int64_t correlationId,
                       std::span<const std::uint8_t> encodedChallenge) noexcept;
    bool newLeader(transport::Publication& publication, std::int64_t clusterSessionId, std::int64_t leadershipTermId,
                   std::int32_t leaderMemberId, std::string_view ingressEndpoints) noexcept;
    bool sendAdminResponse(transport::Publication& publication, std::int64_t clusterSessionId,
                           std::int64_t correlationId, AdminRequestType requestType, AdminResponseCode responseCode,
                           std::string_view message) noexcept;

private:
    bool offer(transport::Publication& publication, std::size_t length) noexcept;

    std::array<std::uint8_t, 8192> m_scratch{};
};
} // namespace cox::cluster

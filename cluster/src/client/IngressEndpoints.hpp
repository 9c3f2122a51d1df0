#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cox::cluster::client
{
/// One member's ingress endpoint, as listed in "0=host:port,1=host:port".
struct IngressEndpoint
{
    std::int32_t memberId;
    std::string endpoint;
};

/// Parses "id=host:port,..." (Aeron's ingress endpoints). Empty optional when the text is malformed: a missing
/// '=', a non-numeric or negative id, an empty endpoint, or an id given twice. Used for the context (where
/// the caller turns the failure into an IllegalArgumentException) and for REDIRECT and NewLeaderEvent text
/// from the cluster, which is untrusted.
[[nodiscard]] std::optional<std::vector<IngressEndpoint>> parseIngressEndpoints(std::string_view text);

/// The endpoint of memberId in the list, or nullptr.
[[nodiscard]] const IngressEndpoint* findEndpoint(const std::vector<IngressEndpoint>& endpoints,
                                                  std::int32_t memberId) noexcept;

/// ingressChannel with endpoint=<endpoint> set (replacing any endpoint it had). Throws
/// IllegalArgumentException when the result is not a valid channel.
[[nodiscard]] std::string ingressChannelFor(const std::string& ingressChannel, std::string_view endpoint);
} // namespace cox::cluster::client

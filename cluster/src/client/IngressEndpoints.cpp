#include "client/IngressEndpoints.hpp"

#include <charconv>

#include "cox/transport/ChannelText.hpp"
#include "cox/transport/ChannelUri.hpp"

namespace cox::cluster::client
{
using transport::ChannelUri;
using transport::withParam;

std::optional<std::vector<IngressEndpoint>> parseIngressEndpoints(std::string_view text)
{
    std::vector<IngressEndpoint> endpoints;
    while (!text.empty())
    {
        const std::size_t comma = text.find(',');
        const std::string_view entry = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);

        const std::size_t equals = entry.find('=');
        if (equals == std::string_view::npos || equals == 0 || equals + 1 == entry.size())
        {
            return std::nullopt;
        }
        std::int32_t memberId = -1;
        const std::string_view idText = entry.substr(0, equals);
        const auto [end, error] = std::from_chars(idText.data(), idText.data() + idText.size(), memberId);
        if (error != std::errc() || end != idText.data() + idText.size() || memberId < 0 ||
            findEndpoint(endpoints, memberId) != nullptr)
        {
            return std::nullopt;
        }
        endpoints.push_back(IngressEndpoint{memberId, std::string(entry.substr(equals + 1))});
    }
    if (endpoints.empty())
    {
        return std::nullopt;
    }
    return endpoints;
}

const IngressEndpoint* findEndpoint(const std::vector<IngressEndpoint>& endpoints, std::int32_t memberId) noexcept
{
    for (const IngressEndpoint& endpoint : endpoints)
    {
        if (endpoint.memberId == memberId)
        {
            return &endpoint;
        }
    }
    return nullptr;
}

std::string ingressChannelFor(const std::string& ingressChannel, std::string_view endpoint)
{
    // A bare "aeron:udp" does not parse (udp needs an endpoint): fill the template in as text, then check it.
    return ChannelUri::parse(withParam(ingressChannel, ChannelUri::ENDPOINT_PARAM, endpoint)).toString();
}
} // namespace cox::cluster::client

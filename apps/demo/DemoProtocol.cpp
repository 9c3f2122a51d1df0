#include "DemoProtocol.hpp"

#include <algorithm>

namespace cox::apps::demo
{
std::uint64_t expectedStateHash(std::span<const std::int64_t> sentCounts, std::int64_t keysPerClient)
{
    std::uint64_t hash = 0;
    for (std::size_t client = 0; client < sentCounts.size(); ++client)
    {
        // The last keysPerClient sequences of a client write each of its keys exactly once (or, with fewer
        // sent, the first ones once each), and every earlier write to those keys was overwritten by them.
        const std::int64_t sent = sentCounts[client];
        const auto clientIndex = static_cast<std::int32_t>(client);
        for (std::int64_t sequence = std::max<std::int64_t>(0, sent - keysPerClient); sequence < sent; ++sequence)
        {
            hash += entryHash(keyFor(clientIndex, sequence, keysPerClient), valueFor(clientIndex, sequence));
        }
    }
    return hash;
}

std::int64_t expectedEntryCount(std::span<const std::int64_t> sentCounts, std::int64_t keysPerClient) noexcept
{
    std::int64_t entries = 0;
    for (const std::int64_t sent : sentCounts)
    {
        entries += std::min(sent, keysPerClient);
    }
    return entries;
}
} // namespace cox::apps::demo

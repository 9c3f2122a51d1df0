#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cox/cluster/ClusterCounters.hpp"

namespace cox::transport
{
class ExclusivePublication;
}

namespace cox::cluster
{
/// The consensus module's instructions to its services on the control stream (Aeron's ServiceProxy).
class ServiceProxy
{
public:
    explicit ServiceProxy(std::shared_ptr<transport::ExclusivePublication> publication);

    bool joinLog(std::int64_t logPosition, std::int64_t maxLogPosition, std::int32_t memberId,
                 std::int32_t logSessionId, std::int32_t logStreamId, bool isStartup, Role role,
                 std::string_view logChannel) noexcept;
    bool terminationPosition(std::int64_t logPosition) noexcept;
    void close();

private:
    bool offer(std::size_t length) noexcept;

    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::array<std::uint8_t, 4096> m_scratch{};
};
} // namespace cox::cluster

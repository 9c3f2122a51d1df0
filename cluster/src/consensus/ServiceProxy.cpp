#include "consensus/ServiceProxy.hpp"

#include "cox/codecs/cluster/JoinLog.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/ServiceTerminationPosition.hpp"
#include "cox/transport/ExclusivePublication.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;

ServiceProxy::ServiceProxy(std::shared_ptr<transport::ExclusivePublication> publication)
    : m_publication(std::move(publication))
{
}

bool ServiceProxy::offer(std::size_t length) noexcept
{
    return m_publication && m_publication->offer(m_scratch.data(), static_cast<std::int32_t>(length)) > 0;
}

bool ServiceProxy::joinLog(std::int64_t logPosition, std::int64_t maxLogPosition, std::int32_t memberId,
                           std::int32_t logSessionId, std::int32_t logStreamId, bool isStartup, Role role,
                           std::string_view logChannel) noexcept
{
    if (logChannel.size() > m_scratch.size() - 128)
    {
        return false;
    }
    cc::MessageHeaderEncoder header;
    cc::JoinLogEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .logPosition(logPosition)
        .maxLogPosition(maxLogPosition)
        .memberId(memberId)
        .logSessionId(logSessionId)
        .logStreamId(logStreamId)
        .isStartup(isStartup ? cc::BooleanType::TRUE : cc::BooleanType::FALSE)
        .role(static_cast<std::int32_t>(role))
        .putLogChannel(logChannel);
    return offer(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

bool ServiceProxy::terminationPosition(std::int64_t logPosition) noexcept
{
    cc::MessageHeaderEncoder header;
    cc::ServiceTerminationPositionEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header).logPosition(logPosition);
    return offer(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void ServiceProxy::close()
{
    if (m_publication)
    {
        m_publication->close();
        m_publication.reset();
    }
}
} // namespace cox::cluster

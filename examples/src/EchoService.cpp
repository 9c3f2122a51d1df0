#include "cox/examples/EchoService.hpp"

#include <array>
#include <string>
#include <string_view>

#include "ServiceSupport.hpp"
#include "cox/codecs/sbe/Sbe.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::examples
{
namespace
{
/// The snapshot is one message of SNAPSHOT_FIELD_COUNT little-endian int64s, led by this magic ("COXECHO1"),
/// so a snapshot of another service is refused rather than misread.
constexpr std::int64_t SNAPSHOT_MAGIC = 0x314F484345584F43LL;
constexpr std::size_t SNAPSHOT_FIELD_COUNT = 7;
constexpr std::size_t SNAPSHOT_LENGTH = SNAPSHOT_FIELD_COUNT * sizeof(std::int64_t);
} // namespace

void EchoService::onStart(cluster::Cluster& cluster, transport::Image* snapshotImage)
{
    m_cluster = &cluster;
    if (snapshotImage == nullptr)
    {
        return;
    }
    detail::readSnapshot(*snapshotImage, cluster.idleStrategy(),
                         [this](const std::uint8_t* data, std::size_t length)
                         {
                             if (length != SNAPSHOT_LENGTH ||
                                 codecs::sbe::load<std::int64_t>(data) != SNAPSHOT_MAGIC)
                             {
                                 throw util::IllegalStateException("malformed echo snapshot (" +
                                                                   std::to_string(length) + " bytes)");
                             }
                             auto field = [data](std::size_t index)
                             { return codecs::sbe::load<std::int64_t>(data + index * sizeof(std::int64_t)); };
                             m_messageCount = field(1);
                             m_byteCount = field(2);
                             m_interServiceMessageCount = field(3);
                             m_sessionsOpened = field(4);
                             m_sessionsClosed = field(5);
                             m_payloadDigest = static_cast<std::uint64_t>(field(6));
                             return true;
                         });
}

void EchoService::onSessionOpen(cluster::ClientSession&, std::int64_t)
{
    ++m_sessionsOpened;
}

void EchoService::onSessionClose(cluster::ClientSession&, std::int64_t, cluster::CloseReason)
{
    ++m_sessionsClosed;
}

void EchoService::onSessionMessage(cluster::ClientSession* session, std::int64_t, const util::AtomicBuffer& buffer,
                                   std::int32_t offset, std::int32_t length, const transport::Header&)
{
    if (session == nullptr)
    {
        ++m_interServiceMessageCount;
        return;
    }
    if (offset < 0 || length < 0 || static_cast<std::size_t>(offset) > buffer.capacity() ||
        buffer.capacity() - static_cast<std::size_t>(offset) < static_cast<std::size_t>(length))
    {
        // The container never hands out such a range; echoing it would read out of bounds.
        return;
    }
    const std::uint8_t* payload = buffer.buffer() + offset;
    ++m_messageCount;
    m_byteCount += length;
    detail::StateDigest digest(m_payloadDigest);
    digest.update(std::string_view(reinterpret_cast<const char*>(payload), static_cast<std::size_t>(length)));
    m_payloadDigest = digest.state();

    util::IdleStrategy* idleStrategy = m_cluster != nullptr ? &m_cluster->idleStrategy() : nullptr;
    if (!detail::offerReply(*session, idleStrategy, payload, length))
    {
        ++m_droppedReplies;
    }
}

void EchoService::onTimerEvent(std::int64_t, std::int64_t)
{
}

void EchoService::onTakeSnapshot(transport::ExclusivePublication& snapshotPublication)
{
    if (m_cluster == nullptr)
    {
        throw util::IllegalStateException("EchoService::onTakeSnapshot before onStart");
    }
    std::array<std::uint8_t, SNAPSHOT_LENGTH> snapshot{};
    const std::array<std::int64_t, SNAPSHOT_FIELD_COUNT> fields = {
        SNAPSHOT_MAGIC,   m_messageCount,   m_byteCount, m_interServiceMessageCount,
        m_sessionsOpened, m_sessionsClosed, static_cast<std::int64_t>(m_payloadDigest)};
    for (std::size_t i = 0; i < fields.size(); ++i)
    {
        codecs::sbe::store<std::int64_t>(snapshot.data() + i * sizeof(std::int64_t), fields[i]);
    }
    detail::offerSnapshotMessage(snapshotPublication, m_cluster->idleStrategy(), snapshot.data(),
                                 static_cast<std::int32_t>(snapshot.size()));
}

void EchoService::onRoleChange(cluster::Role)
{
}

void EchoService::onTerminate(cluster::Cluster&)
{
    m_cluster = nullptr;
}

std::uint64_t EchoService::stateHash() const noexcept
{
    detail::StateDigest digest;
    digest.update(m_messageCount);
    digest.update(m_byteCount);
    digest.update(m_interServiceMessageCount);
    digest.update(m_sessionsOpened);
    digest.update(m_sessionsClosed);
    digest.update(static_cast<std::int64_t>(m_payloadDigest));
    return digest.value();
}
} // namespace cox::examples

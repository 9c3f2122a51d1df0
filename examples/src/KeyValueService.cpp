#include "cox/examples/KeyValueService.hpp"

#include <algorithm>
#include <string>

#include "ServiceSupport.hpp"
#include "cox/codecs/kv/KvCodecs.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::examples
{
namespace kv = codecs::kv;
using codecs::sbe::DecodeError;

namespace
{
constexpr std::size_t HEADER_LENGTH = kv::MessageHeaderDecoder::ENCODED_LENGTH;
constexpr std::size_t VAR_DATA_PREFIX_LENGTH = 4;
/// Every request's block starts with its int64 correlationId.
constexpr std::size_t CORRELATION_ID_LENGTH = 8;

constexpr std::size_t REPLY_BUFFER_LENGTH =
    HEADER_LENGTH + kv::ResponseEncoder::BLOCK_LENGTH + VAR_DATA_PREFIX_LENGTH + KeyValueService::MAX_VALUE_LENGTH;
constexpr std::size_t SNAPSHOT_BUFFER_LENGTH = std::max<std::size_t>(
    {HEADER_LENGTH + kv::SnapshotEntryEncoder::BLOCK_LENGTH + 2 * VAR_DATA_PREFIX_LENGTH +
         KeyValueService::MAX_KEY_LENGTH + KeyValueService::MAX_VALUE_LENGTH,
     HEADER_LENGTH + kv::SnapshotBeginEncoder::BLOCK_LENGTH, HEADER_LENGTH + kv::SnapshotEndEncoder::BLOCK_LENGTH});

bool keyFits(std::string_view key) noexcept
{
    return key.size() <= static_cast<std::size_t>(KeyValueService::MAX_KEY_LENGTH);
}

bool valueFits(std::string_view value) noexcept
{
    return value.size() <= static_cast<std::size_t>(KeyValueService::MAX_VALUE_LENGTH);
}

[[noreturn]] void malformedSnapshot(const std::string& why)
{
    throw util::IllegalStateException("malformed key-value snapshot: " + why);
}
} // namespace

KeyValueService::KeyValueService() : m_replyBuffer(REPLY_BUFFER_LENGTH)
{
}

void KeyValueService::onStart(cluster::Cluster& cluster, transport::Image* snapshotImage)
{
    m_cluster = &cluster;
    if (snapshotImage == nullptr)
    {
        return;
    }
    m_entries.clear();
    m_counts = Counts{};
    m_snapshotBegun = false;
    m_snapshotEntryCount = 0;
    detail::readSnapshot(*snapshotImage, cluster.idleStrategy(),
                         [this](const std::uint8_t* data, std::size_t length)
                         { return onSnapshotMessage(data, length); });
}

void KeyValueService::onSessionOpen(cluster::ClientSession&, std::int64_t)
{
}

void KeyValueService::onSessionClose(cluster::ClientSession&, std::int64_t, cluster::CloseReason)
{
}

void KeyValueService::onSessionMessage(cluster::ClientSession* session, std::int64_t, const util::AtomicBuffer& buffer,
                                       std::int32_t offset, std::int32_t length, const transport::Header&)
{
    if (session == nullptr)
    {
        ++m_counts.interServiceMessages;
        return;
    }
    if (offset < 0 || length < 0 || static_cast<std::size_t>(offset) > buffer.capacity() ||
        buffer.capacity() - static_cast<std::size_t>(offset) < static_cast<std::size_t>(length))
    {
        ++m_counts.invalidRequests;
        return;
    }
    onRequest(*session, buffer.buffer() + offset, static_cast<std::size_t>(length));
}

void KeyValueService::onTimerEvent(std::int64_t, std::int64_t)
{
}

void KeyValueService::onRoleChange(cluster::Role)
{
}

void KeyValueService::onTerminate(cluster::Cluster&)
{
    m_cluster = nullptr;
}

void KeyValueService::onRequest(cluster::ClientSession& session, const std::uint8_t* data, std::size_t length)
{
    kv::MessageHeaderDecoder header;
    // Without our schema id and a block that holds it, the correlation id is not known, so nobody can be
    // told: count and drop.
    if (!header.wrap(data, 0, kv::SCHEMA_VERSION, length) || header.schemaId() != kv::SCHEMA_ID ||
        header.blockLength() < CORRELATION_ID_LENGTH || length - HEADER_LENGTH < CORRELATION_ID_LENGTH)
    {
        ++m_counts.invalidRequests;
        return;
    }
    const auto correlationId = codecs::sbe::load<std::int64_t>(data + HEADER_LENGTH);
    const std::uint16_t blockLength = header.blockLength();
    const std::uint16_t version = header.version();
    switch (header.templateId())
    {
        case kv::TemplateId::GET_REQUEST:
            onGet(session, correlationId, data, length, blockLength, version);
            break;
        case kv::TemplateId::PUT_REQUEST:
            onPut(session, correlationId, data, length, blockLength, version);
            break;
        case kv::TemplateId::COMPARE_AND_SET_REQUEST:
            onCompareAndSet(session, correlationId, data, length, blockLength, version);
            break;
        case kv::TemplateId::DELETE_REQUEST:
            onDelete(session, correlationId, data, length, blockLength, version);
            break;
        default:
            rejectRequest(session, correlationId);
            break;
    }
}

void KeyValueService::onGet(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                            std::size_t length, std::uint16_t blockLength, std::uint16_t version)
{
    kv::GetRequestDecoder decoder;
    if (decoder.wrapForDecode(data, HEADER_LENGTH, blockLength, version, length) != DecodeError::NONE)
    {
        rejectRequest(session, correlationId);
        return;
    }
    const std::string_view key = decoder.key();
    if (!keyFits(key))
    {
        rejectRequest(session, correlationId);
        return;
    }
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
    {
        ++m_counts.notFound;
        reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::NOT_FOUND), {});
        return;
    }
    ++m_counts.gets;
    reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::OK), it->second);
}

void KeyValueService::onPut(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                            std::size_t length, std::uint16_t blockLength, std::uint16_t version)
{
    kv::PutRequestDecoder decoder;
    if (decoder.wrapForDecode(data, HEADER_LENGTH, blockLength, version, length) != DecodeError::NONE)
    {
        rejectRequest(session, correlationId);
        return;
    }
    const std::string_view key = decoder.key();
    const std::string_view value = decoder.value();
    if (!keyFits(key) || !valueFits(value))
    {
        rejectRequest(session, correlationId);
        return;
    }
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
    {
        m_entries.emplace(std::string(key), std::string(value));
    }
    else
    {
        it->second.assign(value);
    }
    ++m_counts.puts;
    reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::OK), {});
}

void KeyValueService::onCompareAndSet(cluster::ClientSession& session, std::int64_t correlationId,
                                      const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                      std::uint16_t version)
{
    kv::CompareAndSetRequestDecoder decoder;
    if (decoder.wrapForDecode(data, HEADER_LENGTH, blockLength, version, length) != DecodeError::NONE)
    {
        rejectRequest(session, correlationId);
        return;
    }
    const std::string_view key = decoder.key();
    const std::string_view expectedValue = decoder.expectedValue();
    const std::string_view newValue = decoder.newValue();
    if (!keyFits(key) || !valueFits(expectedValue) || !valueFits(newValue))
    {
        rejectRequest(session, correlationId);
        return;
    }
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
    {
        ++m_counts.notFound;
        reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::NOT_FOUND), {});
        return;
    }
    if (it->second != expectedValue)
    {
        ++m_counts.compareAndSetMismatches;
        reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::CAS_MISMATCH), it->second);
        return;
    }
    it->second.assign(newValue);
    ++m_counts.compareAndSets;
    reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::OK), {});
}

void KeyValueService::onDelete(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                               std::size_t length, std::uint16_t blockLength, std::uint16_t version)
{
    kv::DeleteRequestDecoder decoder;
    if (decoder.wrapForDecode(data, HEADER_LENGTH, blockLength, version, length) != DecodeError::NONE)
    {
        rejectRequest(session, correlationId);
        return;
    }
    const std::string_view key = decoder.key();
    if (!keyFits(key))
    {
        rejectRequest(session, correlationId);
        return;
    }
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
    {
        ++m_counts.notFound;
        reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::NOT_FOUND), {});
        return;
    }
    m_entries.erase(it);
    ++m_counts.deletes;
    reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::OK), {});
}

void KeyValueService::rejectRequest(cluster::ClientSession& session, std::int64_t correlationId)
{
    ++m_counts.invalidRequests;
    reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::INVALID_REQUEST), {});
}

void KeyValueService::reply(cluster::ClientSession& session, std::int64_t correlationId, std::int32_t code,
                            std::string_view value)
{
    kv::MessageHeaderEncoder header;
    kv::ResponseEncoder encoder;
    // Cannot overflow: the buffer holds the largest value the store accepts.
    encoder.wrapAndApplyHeader(m_replyBuffer.data(), 0, m_replyBuffer.size(), header)
        .correlationId(correlationId)
        .code(static_cast<kv::ResponseCode>(code))
        .putValue(value);
    const auto length = static_cast<std::int32_t>(HEADER_LENGTH + encoder.encodedLength());
    util::IdleStrategy* idleStrategy = m_cluster != nullptr ? &m_cluster->idleStrategy() : nullptr;
    if (!detail::offerReply(session, idleStrategy, m_replyBuffer.data(), length))
    {
        ++m_droppedReplies;
    }
}

void KeyValueService::onTakeSnapshot(transport::ExclusivePublication& snapshotPublication)
{
    if (m_cluster == nullptr)
    {
        throw util::IllegalStateException("KeyValueService::onTakeSnapshot before onStart");
    }
    if (static_cast<std::size_t>(snapshotPublication.maxMessageLength()) < SNAPSHOT_BUFFER_LENGTH)
    {
        throw util::IllegalStateException("snapshot publication's maxMessageLength " +
                                          std::to_string(snapshotPublication.maxMessageLength()) +
                                          " is below the largest entry, " + std::to_string(SNAPSHOT_BUFFER_LENGTH));
    }
    util::IdleStrategy& idleStrategy = m_cluster->idleStrategy();
    std::vector<std::uint8_t> buffer(SNAPSHOT_BUFFER_LENGTH);
    kv::MessageHeaderEncoder header;
    const auto entryCount = static_cast<std::int64_t>(m_entries.size());

    kv::SnapshotBeginEncoder begin;
    begin.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .entryCount(entryCount)
        .getCount(m_counts.gets)
        .putCount(m_counts.puts)
        .casCount(m_counts.compareAndSets)
        .casMismatchCount(m_counts.compareAndSetMismatches)
        .deleteCount(m_counts.deletes)
        .notFoundCount(m_counts.notFound)
        .invalidRequestCount(m_counts.invalidRequests)
        .interServiceMessageCount(m_counts.interServiceMessages);
    detail::offerSnapshotMessage(snapshotPublication, idleStrategy, buffer.data(),
                                 static_cast<std::int32_t>(HEADER_LENGTH + begin.encodedLength()));

    for (const auto& [key, value] : m_entries)
    {
        kv::SnapshotEntryEncoder entry;
        entry.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).putKey(key).putValue(value);
        detail::offerSnapshotMessage(snapshotPublication, idleStrategy, buffer.data(),
                                     static_cast<std::int32_t>(HEADER_LENGTH + entry.encodedLength()));
    }

    kv::SnapshotEndEncoder end;
    end.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(entryCount);
    detail::offerSnapshotMessage(snapshotPublication, idleStrategy, buffer.data(),
                                 static_cast<std::int32_t>(HEADER_LENGTH + end.encodedLength()));
}

bool KeyValueService::onSnapshotMessage(const std::uint8_t* data, std::size_t length)
{
    kv::MessageHeaderDecoder header;
    if (!header.wrap(data, 0, kv::SCHEMA_VERSION, length))
    {
        malformedSnapshot("truncated message header");
    }
    if (header.schemaId() != kv::SCHEMA_ID)
    {
        // Not ours: whatever else shares the stream before our SnapshotBegin.
        if (m_snapshotBegun)
        {
            malformedSnapshot("foreign message (schema " + std::to_string(header.schemaId()) + ") inside it");
        }
        return false;
    }
    const std::uint16_t templateId = header.templateId();
    if (!m_snapshotBegun && templateId != kv::TemplateId::SNAPSHOT_BEGIN)
    {
        malformedSnapshot("template " + std::to_string(templateId) + " before SnapshotBegin");
    }
    switch (templateId)
    {
        case kv::TemplateId::SNAPSHOT_BEGIN:
        {
            kv::SnapshotBeginDecoder begin;
            if (m_snapshotBegun ||
                begin.wrapForDecode(data, HEADER_LENGTH, header.blockLength(), header.version(), length) !=
                    DecodeError::NONE)
            {
                malformedSnapshot("bad or repeated SnapshotBegin");
            }
            m_snapshotBegun = true;
            m_snapshotEntryCount = begin.entryCount();
            m_counts.gets = begin.getCount();
            m_counts.puts = begin.putCount();
            m_counts.compareAndSets = begin.casCount();
            m_counts.compareAndSetMismatches = begin.casMismatchCount();
            m_counts.deletes = begin.deleteCount();
            m_counts.notFound = begin.notFoundCount();
            m_counts.invalidRequests = begin.invalidRequestCount();
            m_counts.interServiceMessages = begin.interServiceMessageCount();
            return false;
        }
        case kv::TemplateId::SNAPSHOT_ENTRY:
        {
            kv::SnapshotEntryDecoder entry;
            if (entry.wrapForDecode(data, HEADER_LENGTH, header.blockLength(), header.version(), length) !=
                DecodeError::NONE)
            {
                malformedSnapshot("bad SnapshotEntry");
            }
            const std::string_view key = entry.key();
            const std::string_view value = entry.value();
            if (!keyFits(key) || !valueFits(value))
            {
                malformedSnapshot("entry over the key or value limit");
            }
            if (!m_entries.emplace(std::string(key), std::string(value)).second)
            {
                malformedSnapshot("duplicate key");
            }
            return false;
        }
        case kv::TemplateId::SNAPSHOT_END:
        {
            kv::SnapshotEndDecoder end;
            if (end.wrapForDecode(data, HEADER_LENGTH, header.blockLength(), header.version(), length) !=
                DecodeError::NONE)
            {
                malformedSnapshot("bad SnapshotEnd");
            }
            const auto loaded = static_cast<std::int64_t>(m_entries.size());
            if (end.entryCount() != m_snapshotEntryCount || loaded != m_snapshotEntryCount)
            {
                malformedSnapshot("entry count " + std::to_string(loaded) + ", expected " +
                                  std::to_string(m_snapshotEntryCount));
            }
            return true;
        }
        default:
            malformedSnapshot("unexpected template " + std::to_string(templateId));
    }
}

std::uint64_t KeyValueService::stateHash() const noexcept
{
    detail::StateDigest digest;
    digest.update(static_cast<std::int64_t>(m_entries.size()));
    for (const auto& [key, value] : m_entries)
    {
        digest.update(std::string_view(key));
        digest.update(std::string_view(value));
    }
    digest.update(m_counts.gets);
    digest.update(m_counts.puts);
    digest.update(m_counts.compareAndSets);
    digest.update(m_counts.compareAndSetMismatches);
    digest.update(m_counts.deletes);
    digest.update(m_counts.notFound);
    digest.update(m_counts.invalidRequests);
    digest.update(m_counts.interServiceMessages);
    return digest.value();
}

std::optional<std::string_view> KeyValueService::find(std::string_view key) const
{
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
    {
        return std::nullopt;
    }
    return std::string_view(it->second);
}
} // namespace cox::examples

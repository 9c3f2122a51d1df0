#include "cox/examples/KeyValueService.hpp"

#include <algorithm>
#include <limits>
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
     HEADER_LENGTH + kv::SnapshotBeginEncoder::BLOCK_LENGTH, HEADER_LENGTH + kv::SnapshotEndEncoder::BLOCK_LENGTH,
     HEADER_LENGTH + kv::SnapshotTimersEncoder::BLOCK_LENGTH, HEADER_LENGTH + kv::SnapshotTimerEncoder::BLOCK_LENGTH,
     HEADER_LENGTH + kv::SnapshotCancelledTimerEncoder::BLOCK_LENGTH});

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
    m_timers.clear();
    m_cancelled.clear();
    m_counts = Counts{};
    m_snapshotBegun = false;
    m_snapshotEntryCount = 0;
    m_snapshotTimerCount = -1;
    m_snapshotCancelCount = 0;
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

void KeyValueService::onSessionMessage(cluster::ClientSession* session, std::int64_t timestamp,
                                       const util::AtomicBuffer& buffer,
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
    onRequest(*session, timestamp, buffer.buffer() + offset, static_cast<std::size_t>(length));
}

void KeyValueService::onTimerEvent(std::int64_t correlationId, std::int64_t)
{
    if (m_timers.erase(correlationId) == 0)
    {
        // Only the first firing after a cancel is one that crossed it; the search is over a bounded list and
        // happens only for a firing that found no pending timer.
        const auto it = std::find(m_cancelled.begin(), m_cancelled.end(), correlationId);
        if (it != m_cancelled.end())
        {
            m_cancelled.erase(it);
            ++m_counts.suppressedTimerEvents;
        }
        else
        {
            ++m_counts.unexpectedTimerEvents;
        }
        return;
    }
    ++m_counts.timersFired;
}

void KeyValueService::onRoleChange(cluster::Role)
{
}

void KeyValueService::onTerminate(cluster::Cluster&)
{
    m_cluster = nullptr;
}

void KeyValueService::onRequest(cluster::ClientSession& session, std::int64_t timestamp, const std::uint8_t* data,
                                std::size_t length)
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
        case kv::TemplateId::SCHEDULE_TIMER_REQUEST:
            onScheduleTimer(session, correlationId, timestamp, data, length, blockLength, version);
            break;
        case kv::TemplateId::CANCEL_TIMER_REQUEST:
            onCancelTimer(session, correlationId, data, length, blockLength, version);
            break;
        default:
            rejectRequest(session, correlationId);
            break;
    }
}

template <typename Decoder>
bool KeyValueService::decodeOrReject(Decoder& decoder, cluster::ClientSession& session, std::int64_t correlationId,
                                     const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                     std::uint16_t version)
{
    if (decoder.wrapForDecode(data, HEADER_LENGTH, blockLength, version, length) != DecodeError::NONE)
    {
        rejectRequest(session, correlationId);
        return false;
    }
    return true;
}

void KeyValueService::onGet(cluster::ClientSession& session, std::int64_t correlationId, const std::uint8_t* data,
                            std::size_t length, std::uint16_t blockLength, std::uint16_t version)
{
    kv::GetRequestDecoder decoder;
    if (!decodeOrReject(decoder, session, correlationId, data, length, blockLength, version))
    {
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
    if (!decodeOrReject(decoder, session, correlationId, data, length, blockLength, version))
    {
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
    if (!decodeOrReject(decoder, session, correlationId, data, length, blockLength, version))
    {
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
    if (!decodeOrReject(decoder, session, correlationId, data, length, blockLength, version))
    {
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

void KeyValueService::onScheduleTimer(cluster::ClientSession& session, std::int64_t correlationId,
                                      std::int64_t timestamp, const std::uint8_t* data, std::size_t length,
                                      std::uint16_t blockLength, std::uint16_t version)
{
    if (m_cluster == nullptr)
    {
        rejectRequest(session, correlationId);
        return;
    }
    kv::ScheduleTimerRequestDecoder decoder;
    if (!decodeOrReject(decoder, session, correlationId, data, length, blockLength, version))
    {
        return;
    }
    const std::int64_t timerId = decoder.timerId();
    const std::int64_t offset = decoder.deadlineOffset();
    // INT64_MAX is not a deadline the cluster accepts, so the sum must stay below it.
    if (offset < 0 || offset >= std::numeric_limits<std::int64_t>::max() - std::max<std::int64_t>(timestamp, 0) ||
        m_timers.find(timerId) != m_timers.end())
    {
        rejectRequest(session, correlationId);
        return;
    }
    const std::int64_t deadline = timestamp + offset;
    // Every member must send the same requests to its consensus module, so back pressure is waited out here.
    while (!m_cluster->scheduleTimer(timerId, deadline))
    {
        m_cluster->idleStrategy().idle();
    }
    m_cluster->idleStrategy().reset();
    m_timers.emplace(timerId, deadline);
    ++m_counts.timersScheduled;
    reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::OK), {});
}

void KeyValueService::onCancelTimer(cluster::ClientSession& session, std::int64_t correlationId,
                                    const std::uint8_t* data, std::size_t length, std::uint16_t blockLength,
                                    std::uint16_t version)
{
    if (m_cluster == nullptr)
    {
        rejectRequest(session, correlationId);
        return;
    }
    kv::CancelTimerRequestDecoder decoder;
    if (!decodeOrReject(decoder, session, correlationId, data, length, blockLength, version))
    {
        return;
    }
    const auto it = m_timers.find(decoder.timerId());
    if (it == m_timers.end())
    {
        ++m_counts.timerCancelsNotFound;
        reply(session, correlationId, static_cast<std::int32_t>(kv::ResponseCode::NOT_FOUND), {});
        return;
    }
    while (!m_cluster->cancelTimer(it->first))
    {
        m_cluster->idleStrategy().idle();
    }
    m_cluster->idleStrategy().reset();
    m_cancelled.push_back(it->first);
    if (m_cancelled.size() > MAX_REMEMBERED_CANCELS)
    {
        m_cancelled.pop_front();
    }
    m_timers.erase(it);
    ++m_counts.timersCancelled;
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

    kv::SnapshotTimersEncoder timers;
    timers.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .pendingCount(static_cast<std::int64_t>(m_timers.size()))
        .scheduledCount(m_counts.timersScheduled)
        .firedCount(m_counts.timersFired)
        .cancelledCount(m_counts.timersCancelled)
        .cancelNotFoundCount(m_counts.timerCancelsNotFound)
        .unexpectedFiringCount(m_counts.unexpectedTimerEvents)
        .suppressedFiringCount(m_counts.suppressedTimerEvents)
        .recentCancelCount(static_cast<std::int64_t>(m_cancelled.size()));
    detail::offerSnapshotMessage(snapshotPublication, idleStrategy, buffer.data(),
                                 static_cast<std::int32_t>(HEADER_LENGTH + timers.encodedLength()));
    for (const auto& [timerId, deadline] : m_timers)
    {
        kv::SnapshotTimerEncoder timer;
        timer.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).timerId(timerId).deadline(deadline);
        detail::offerSnapshotMessage(snapshotPublication, idleStrategy, buffer.data(),
                                     static_cast<std::int32_t>(HEADER_LENGTH + timer.encodedLength()));
    }
    for (const std::int64_t timerId : m_cancelled)
    {
        kv::SnapshotCancelledTimerEncoder cancelled;
        cancelled.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).timerId(timerId);
        detail::offerSnapshotMessage(snapshotPublication, idleStrategy, buffer.data(),
                                     static_cast<std::int32_t>(HEADER_LENGTH + cancelled.encodedLength()));
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
        case kv::TemplateId::SNAPSHOT_TIMERS:
        {
            kv::SnapshotTimersDecoder timers;
            if (m_snapshotTimerCount >= 0 ||
                timers.wrapForDecode(data, HEADER_LENGTH, header.blockLength(), header.version(), length) !=
                    DecodeError::NONE ||
                timers.pendingCount() < 0 || timers.recentCancelCount() < 0 ||
                timers.recentCancelCount() > static_cast<std::int64_t>(MAX_REMEMBERED_CANCELS))
            {
                malformedSnapshot("bad or repeated SnapshotTimers");
            }
            m_snapshotTimerCount = timers.pendingCount();
            m_counts.timersScheduled = timers.scheduledCount();
            m_counts.timersFired = timers.firedCount();
            m_counts.timersCancelled = timers.cancelledCount();
            m_counts.timerCancelsNotFound = timers.cancelNotFoundCount();
            m_counts.unexpectedTimerEvents = timers.unexpectedFiringCount();
            m_counts.suppressedTimerEvents = timers.suppressedFiringCount();
            m_snapshotCancelCount = timers.recentCancelCount();
            return false;
        }
        case kv::TemplateId::SNAPSHOT_TIMER:
        {
            kv::SnapshotTimerDecoder timer;
            if (m_snapshotTimerCount < 0 ||
                timer.wrapForDecode(data, HEADER_LENGTH, header.blockLength(), header.version(), length) !=
                    DecodeError::NONE)
            {
                malformedSnapshot("bad SnapshotTimer, or one before SnapshotTimers");
            }
            if (!m_timers.emplace(timer.timerId(), timer.deadline()).second)
            {
                malformedSnapshot("duplicate timer " + std::to_string(timer.timerId()));
            }
            return false;
        }
        case kv::TemplateId::SNAPSHOT_CANCELLED_TIMER:
        {
            kv::SnapshotCancelledTimerDecoder cancelled;
            if (m_snapshotTimerCount < 0 ||
                cancelled.wrapForDecode(data, HEADER_LENGTH, header.blockLength(), header.version(), length) !=
                    DecodeError::NONE ||
                static_cast<std::int64_t>(m_cancelled.size()) >= m_snapshotCancelCount)
            {
                malformedSnapshot("bad or surplus SnapshotCancelledTimer, or one before SnapshotTimers");
            }
            m_cancelled.push_back(cancelled.timerId());
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
            const auto timers = static_cast<std::int64_t>(m_timers.size());
            if (timers != std::max<std::int64_t>(m_snapshotTimerCount, 0))
            {
                malformedSnapshot("timer count " + std::to_string(timers) + ", expected " +
                                  std::to_string(m_snapshotTimerCount));
            }
            if (static_cast<std::int64_t>(m_cancelled.size()) != m_snapshotCancelCount)
            {
                malformedSnapshot("cancelled timer count " + std::to_string(m_cancelled.size()) + ", expected " +
                                  std::to_string(m_snapshotCancelCount));
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
    // A store without timers hashes as it did before timers existed.
    if (!m_timers.empty() || m_counts.timersScheduled != 0 || m_counts.unexpectedTimerEvents != 0 ||
        m_counts.timerCancelsNotFound != 0 || m_counts.suppressedTimerEvents != 0)
    {
        digest.update(static_cast<std::int64_t>(m_timers.size()));
        for (const auto& [timerId, deadline] : m_timers)
        {
            digest.update(timerId);
            digest.update(deadline);
        }
        digest.update(m_counts.timersScheduled);
        digest.update(m_counts.timersFired);
        digest.update(m_counts.timersCancelled);
        digest.update(m_counts.timerCancelsNotFound);
        digest.update(m_counts.unexpectedTimerEvents);
        digest.update(m_counts.suppressedTimerEvents);
        digest.update(static_cast<std::int64_t>(m_cancelled.size()));
        for (const std::int64_t timerId : m_cancelled)
        {
            digest.update(timerId);
        }
    }
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

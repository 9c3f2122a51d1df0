#include "DemoAgents.hpp"

#include <cstring>

#include "cox/util/Crc32c.hpp"

namespace cox::apps::demo
{
using codecs::cluster::MessageHeaderEncoder;
using codecs::cluster::SessionMessageHeaderDecoder;
using codecs::cluster::SessionMessageHeaderEncoder;
using codecs::sbe::DecodeError;

namespace
{
constexpr std::size_t SESSION_HEADER_OFFSET = MessageHeaderEncoder::ENCODED_LENGTH;
constexpr std::size_t PAYLOAD_OFFSET = SESSION_HEADER_OFFSET + SessionMessageHeaderEncoder::BLOCK_LENGTH;

/// CRC32C of a log entry laid out at entry (header then messageLength bytes of message).
std::uint32_t entryChecksum(const std::uint8_t* entry, std::size_t messageLength) noexcept
{
    const std::uint32_t crc = util::crc32c(0, entry, LogEntryDescriptor::CHECKED_HEADER_LENGTH);
    return util::crc32c(crc, entry + LogEntryDescriptor::HEADER_LENGTH, messageLength);
}
} // namespace

void ErrorReporter::report(std::string_view text) noexcept
{
    m_errorCounter.increment();
    m_errorLog.record(text);
}

// ---------------------------------------------------------------------------------------------------------------------

ClientAgent::ClientAgent(std::int32_t clientIndex, std::int64_t messageLimit, std::int64_t keysPerClient,
                         util::ManyToOneRingBuffer& ingress, const util::NanoClock& nanoClock,
                         util::AtomicCounter sentCounter, util::AtomicCounter backPressureCounter,
                         const std::atomic<bool>& stopRequested)
    : m_clientIndex(clientIndex), m_messageLimit(messageLimit), m_keysPerClient(keysPerClient), m_ingress(ingress),
      m_nanoClock(nanoClock), m_sentCounter(sentCounter), m_backPressureCounter(backPressureCounter),
      m_stopRequested(stopRequested), m_roleName("client-" + std::to_string(clientIndex + 1))
{
}

int ClientAgent::doWork()
{
    if (m_isDone.load(std::memory_order_relaxed))
    {
        return 0;
    }
    if (m_sent >= m_messageLimit || m_stopRequested.load(std::memory_order_acquire))
    {
        // Release: whoever sees done also sees the final sent counter written before it.
        m_isDone.store(true, std::memory_order_release);
        return 1;
    }

    const std::int64_t nowNs = m_nanoClock.nanoTime();
    MessageHeaderEncoder header;
    SessionMessageHeaderEncoder sessionHeader;
    std::uint8_t* const ring = m_ingress.buffer().buffer();
    int workCount = 0;
    while (workCount < BURST && m_sent < m_messageLimit)
    {
        const std::int32_t index = m_ingress.tryClaim(INGRESS_MSG_TYPE_ID, INGRESS_MESSAGE_LENGTH);
        if (index < 0)
        {
            // Shared by all clients and rare, so an atomic add is affordable here.
            m_backPressureCounter.increment();
            break;
        }
        const auto at = static_cast<std::size_t>(index);
        sessionHeader.wrapAndApplyHeader(ring, at, at + INGRESS_MESSAGE_LENGTH, header)
            .leadershipTermId(LEADERSHIP_TERM_ID)
            .clusterSessionId(m_clientIndex + 1)
            .timestamp(nowNs);
        const KeyValuePut put{keyFor(m_clientIndex, m_sent, m_keysPerClient), valueFor(m_clientIndex, m_sent), m_sent,
                              nowNs};
        put.encode(ring + at + PAYLOAD_OFFSET);
        m_ingress.commit(index);
        ++m_sent;
        ++workCount;
    }
    m_sentCounter.setOrdered(m_sent);
    return workCount;
}

// ---------------------------------------------------------------------------------------------------------------------

SequencerAgent::SequencerAgent(util::ManyToOneRingBuffer& ingress, util::OneToOneRingBuffer& log,
                               const util::NanoClock& nanoClock, Counters counters, ErrorReporter& errors,
                               std::int64_t corruptEvery)
    : m_ingress(ingress), m_log(log), m_nanoClock(nanoClock), m_counters(counters), m_errors(errors),
      m_corruptEvery(corruptEvery)
{
}

int SequencerAgent::doWork()
{
    m_nowNs = m_nanoClock.nanoTime();
    const int workCount = m_ingress.controlledRead(
        [this](std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
        { return onIngressMessage(msgTypeId, buffer, index, length); },
        FRAGMENT_LIMIT);
    if (workCount > 0)
    {
        m_counters.sequenced.setOrdered(m_sequenced);
        m_counters.rejected.setOrdered(m_rejected);
        m_counters.logPosition.setOrdered(m_logPosition);
    }
    m_counters.logBackPressure.setOrdered(m_logBackPressure);
    return workCount;
}

util::ControlledReadAction SequencerAgent::onIngressMessage(std::int32_t msgTypeId, const util::AtomicBuffer& buffer,
                                                            std::size_t index, std::size_t length)
{
    // Ingress is written by clients: never trust what arrives, drop and count what does not decode.
    SessionMessageHeaderDecoder decoder;
    if (msgTypeId != INGRESS_MSG_TYPE_ID ||
        decoder.wrapWithHeader(buffer.buffer(), index, index + length) != DecodeError::NONE)
    {
        ++m_rejected;
        m_errors.report("ingress message rejected: not a SessionMessageHeader message");
        return util::ControlledReadAction::CONTINUE;
    }

    const std::int32_t claimed = m_log.tryClaim(LOG_ENTRY_MSG_TYPE_ID, LogEntryDescriptor::HEADER_LENGTH + length);
    if (claimed < 0)
    {
        ++m_logBackPressure;
        return util::ControlledReadAction::ABORT;
    }

    std::uint8_t* const entry = m_log.buffer().buffer() + claimed;
    std::uint8_t* const message = entry + LogEntryDescriptor::HEADER_LENGTH;
    std::memcpy(message, buffer.buffer() + index, length);
    // The leader's timestamp replaces the client's: services see cluster time, never their own clock.
    codecs::sbe::store<std::int64_t>(message + SESSION_HEADER_OFFSET +
                                         SessionMessageHeaderEncoder::timestampEncodingOffset(),
                                     m_nowNs);
    m_logPosition += static_cast<std::int64_t>(LogEntryDescriptor::HEADER_LENGTH + length);
    codecs::sbe::store<std::int64_t>(entry + LogEntryDescriptor::LOG_POSITION_OFFSET, m_logPosition);
    codecs::sbe::store<std::int32_t>(entry + LogEntryDescriptor::MESSAGE_LENGTH_OFFSET,
                                     static_cast<std::int32_t>(length));
    codecs::sbe::store<std::uint32_t>(entry + LogEntryDescriptor::CRC_OFFSET, entryChecksum(entry, length));

    ++m_sequenced;
    if (m_corruptEvery > 0 && m_sequenced % m_corruptEvery == 0 && length >= PAYLOAD_OFFSET + KeyValuePut::LENGTH)
    {
        message[PAYLOAD_OFFSET + KeyValuePut::VALUE_OFFSET] ^= 0x01;
    }
    m_log.commit(claimed);
    return util::ControlledReadAction::CONTINUE;
}

// ---------------------------------------------------------------------------------------------------------------------

ServiceAgent::ServiceAgent(util::OneToOneRingBuffer& log, const util::NanoClock& nanoClock, std::int32_t clients,
                           std::int64_t keysPerClient, Counters counters, ErrorReporter& errors)
    : m_log(log), m_nanoClock(nanoClock), m_keysPerClient(keysPerClient), m_counters(counters), m_errors(errors),
      m_store(static_cast<std::int64_t>(clients) * keysPerClient), m_nextSequence(static_cast<std::size_t>(clients), 0)
{
}

int ServiceAgent::doWork()
{
    m_nowNs = m_nanoClock.nanoTime();
    const int workCount = m_log.read(
        [this](std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
        { onLogEntry(msgTypeId, buffer, index, length); },
        FRAGMENT_LIMIT);
    if (workCount > 0)
    {
        m_counters.applied.setOrdered(m_applied);
        m_counters.crcFailures.setOrdered(m_crcFailures);
        m_counters.sequenceGaps.setOrdered(m_sequenceGaps);
        m_counters.servicePosition.setOrdered(m_position);
        m_counters.entries.setOrdered(m_store.size());
        // Last: the pipeline treats consumed as "everything above is final for these entries".
        m_counters.consumed.setOrdered(m_consumed);
    }
    return workCount;
}

void ServiceAgent::onLogEntry(std::int32_t msgTypeId, const util::AtomicBuffer& buffer, std::size_t index,
                              std::size_t length)
{
    ++m_consumed;
    const std::uint8_t* const entry = buffer.buffer() + index;
    if (msgTypeId != LOG_ENTRY_MSG_TYPE_ID || length < LogEntryDescriptor::HEADER_LENGTH ||
        codecs::sbe::load<std::int32_t>(entry + LogEntryDescriptor::MESSAGE_LENGTH_OFFSET) !=
            static_cast<std::int64_t>(length - LogEntryDescriptor::HEADER_LENGTH))
    {
        m_position += static_cast<std::int64_t>(length);
        m_errors.report("log entry malformed: bad type or length");
        return;
    }
    const std::size_t messageLength = length - LogEntryDescriptor::HEADER_LENGTH;
    if (codecs::sbe::load<std::uint32_t>(entry + LogEntryDescriptor::CRC_OFFSET) !=
        entryChecksum(entry, messageLength))
    {
        ++m_crcFailures;
        m_position += static_cast<std::int64_t>(length);
        m_errors.report("log entry CRC32C mismatch: entry dropped");
        return;
    }
    const std::int64_t logPosition = codecs::sbe::load<std::int64_t>(entry + LogEntryDescriptor::LOG_POSITION_OFFSET);
    if (logPosition != m_position + static_cast<std::int64_t>(length))
    {
        m_errors.report("log position discontinuity");
    }
    m_position = logPosition;

    const std::uint8_t* const message = entry + LogEntryDescriptor::HEADER_LENGTH;
    SessionMessageHeaderDecoder decoder;
    const bool decoded = decoder.wrapWithHeader(message, 0, messageLength) == DecodeError::NONE;
    const std::size_t payloadOffset = SESSION_HEADER_OFFSET + decoder.decodedLength();
    if (!decoded || messageLength < payloadOffset || messageLength - payloadOffset < KeyValuePut::LENGTH)
    {
        m_errors.report("log entry malformed: not a SessionMessageHeader with a KeyValuePut");
        return;
    }
    apply(decoder, KeyValuePut::decode(message + payloadOffset));
}

void ServiceAgent::apply(const SessionMessageHeaderDecoder& header, const KeyValuePut& put)
{
    const std::int64_t clientIndex = header.clusterSessionId() - 1;
    if (clientIndex < 0 || clientIndex >= static_cast<std::int64_t>(m_nextSequence.size()))
    {
        m_errors.report("session message from an unknown cluster session");
        return;
    }
    if (put.key >> 32 != clientIndex || (put.key & 0xFFFFFFFF) >= m_keysPerClient)
    {
        m_errors.report("put outside the client's own key range");
        return;
    }
    if (header.timestamp() < m_lastTimestamp)
    {
        m_errors.report("cluster time went backwards in the log");
    }
    m_lastTimestamp = header.timestamp();

    std::int64_t& nextSequence = m_nextSequence[static_cast<std::size_t>(clientIndex)];
    if (put.clientSequence != nextSequence)
    {
        ++m_sequenceGaps;
        m_errors.report("client sequence gap: a message was lost or reordered");
    }
    nextSequence = put.clientSequence + 1;

    std::int64_t previousValue = 0;
    switch (m_store.put(put.key, put.value, previousValue))
    {
        case KeyValueStore::PutResult::Replaced:
            m_stateHash -= entryHash(put.key, previousValue);
            m_stateHash += entryHash(put.key, put.value);
            break;
        case KeyValueStore::PutResult::Inserted:
            m_stateHash += entryHash(put.key, put.value);
            break;
        case KeyValueStore::PutResult::Full:
            m_errors.report("key-value store full: put dropped");
            return;
    }
    m_latencyNs.record(m_nowNs - put.sendTimeNs);
    ++m_applied;
}

std::uint64_t ServiceAgent::recomputeStateHash() const
{
    std::uint64_t hash = 0;
    m_store.forEach([&hash](std::int64_t key, std::int64_t value) { hash += entryHash(key, value); });
    return hash;
}
} // namespace cox::apps::demo

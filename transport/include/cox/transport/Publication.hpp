#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/HeaderWriter.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/TermAppender.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
class ClientConductor;

/// Appends messages to a stream (Aeron's ConcurrentPublication): any number of threads may offer and
/// claim at once, claiming space in the log with one atomic add. Added with Aeron::addPublication.
///
/// offer and tryClaim allocate nothing and never throw (bar a corrupt log): they return the new stream
/// position, or a negative PublicationResult code:
/// - NOT_CONNECTED / BACK_PRESSURED: position at pub-lmt (the driver's flow-control limit), without / with
///   a connected consumer; retry later.
/// - ADMIN_ACTION: the log rotated to the next term; retry at once.
/// - CLOSED: after close() (or the client closed).
/// - MAX_POSITION_EXCEEDED: the stream reached termLength * 2^31; add a new publication.
/// - ERROR: a bad argument (a message over maxMessageLength(), a claim over maxPayloadLength(), a negative
///   length, or a range outside the source buffer).
/// Messages longer than maxPayloadLength() are split into B ... E fragments (see FragmentAssembler).
class Publication
{
public:
    /// Created by the client conductor from a PublicationReady response.
    Publication(ClientConductor& conductor, std::string channel, std::int32_t streamId, std::int32_t sessionId,
                std::int64_t registrationId, std::int64_t originalRegistrationId, const util::Position& publicationLimit,
                std::int32_t channelStatusId, std::unique_ptr<LogBuffers> logBuffers, bool exclusive);
    virtual ~Publication() = default;

    Publication(const Publication&) = delete;
    Publication& operator=(const Publication&) = delete;

    [[nodiscard]] const std::string& channel() const noexcept { return m_channel; }
    [[nodiscard]] std::int32_t streamId() const noexcept { return m_streamId; }
    [[nodiscard]] std::int32_t sessionId() const noexcept { return m_sessionId; }
    [[nodiscard]] std::int32_t initialTermId() const noexcept { return m_initialTermId; }
    /// This client's registration: the correlation id of its AddPublication, used to remove it.
    [[nodiscard]] std::int64_t registrationId() const noexcept { return m_registrationId; }
    /// The driver publication's registration id; differs from registrationId() when this add joined an
    /// existing concurrent publication.
    [[nodiscard]] std::int64_t originalRegistrationId() const noexcept { return m_originalRegistrationId; }
    [[nodiscard]] bool isOriginal() const noexcept { return m_registrationId == m_originalRegistrationId; }
    [[nodiscard]] bool isExclusive() const noexcept { return m_exclusive; }
    [[nodiscard]] std::int32_t channelStatusId() const noexcept { return m_channelStatusId; }
    [[nodiscard]] std::int32_t publicationLimitId() const noexcept { return m_publicationLimit.id(); }
    [[nodiscard]] std::int32_t termBufferLength() const noexcept { return m_termLength; }
    /// Largest message offer accepts: min(termLength / 8, 16 MiB).
    [[nodiscard]] std::int32_t maxMessageLength() const noexcept { return m_maxMessageLength; }
    /// Largest payload of one frame (MTU - 32), and the largest tryClaim.
    [[nodiscard]] std::int32_t maxPayloadLength() const noexcept { return m_maxPayloadLength; }
    [[nodiscard]] std::int64_t maxPossiblePosition() const noexcept { return m_maxPossiblePosition; }

    /// Whether a consumer is connected (log metadata is_connected), false once closed.
    [[nodiscard]] bool isConnected() const noexcept;
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed.load(std::memory_order_acquire); }
    /// The stream position of the tail: where the next message goes. CLOSED once closed.
    [[nodiscard]] std::int64_t position() const noexcept;
    /// The driver's limit on position(); CLOSED once closed.
    [[nodiscard]] std::int64_t positionLimit() const noexcept;

    [[nodiscard]] std::int64_t offer(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                     const ReservedValueSupplier& reservedValueSupplier = {}) noexcept;
    [[nodiscard]] std::int64_t offer(const std::uint8_t* data, std::int32_t length,
                                     const ReservedValueSupplier& reservedValueSupplier = {}) noexcept;
    /// Gathers the message from the vectors in order.
    [[nodiscard]] std::int64_t offer(std::span<const BufferVector> vectors,
                                     const ReservedValueSupplier& reservedValueSupplier = {}) noexcept;
    /// Claims a frame of length payload bytes (at most maxPayloadLength()) to write in place; the claim must
    /// be committed or aborted promptly. Returns the position after the frame, or a result code.
    [[nodiscard]] std::int64_t tryClaim(std::int32_t length, BufferClaim& bufferClaim) noexcept;

    /// Appends a PAD frame of length bytes after its header (Aeron's ExclusivePublication::appendPadding):
    /// a replay uses it to reproduce the recorded stream's padding, so fragments land where they were
    /// recorded. Same return codes as offer.
    [[nodiscard]] std::int64_t appendPadding(std::int32_t length) noexcept;

    /// Sends RemovePublication; offers return CLOSED from then on. Idempotent.
    /// Multi-destination cast with control-mode=manual: sends to one more receiver,
    /// `aeron:udp?endpoint=host:port`, or stops. Blocking; throws RegistrationException on refusal.
    void addDestination(const std::string& endpointChannel);
    void removeDestination(const std::string& endpointChannel);

    void close();

private:
    friend class ClientConductor;

    /// Client conductor only, under its lock: closed without telling the driver (client close or timeout).
    void markClosed() noexcept { m_isClosed.store(true, std::memory_order_release); }

    template <typename Append> std::int64_t append(std::int32_t length, Append&& append) noexcept;
    [[nodiscard]] std::int64_t backPressureStatus(std::int64_t position, std::int32_t length) const noexcept;

    ClientConductor* m_conductor;
    std::string m_channel;
    std::unique_ptr<LogBuffers> m_logBuffers;
    util::AtomicBuffer* m_metaData;
    std::array<TermAppender, LogBufferDescriptor::PARTITION_COUNT> m_appenders;
    HeaderWriter m_headerWriter;
    util::Position m_publicationLimit;
    std::int64_t m_registrationId;
    std::int64_t m_originalRegistrationId;
    std::int64_t m_maxPossiblePosition;
    std::int32_t m_streamId;
    std::int32_t m_sessionId;
    std::int32_t m_initialTermId;
    std::int32_t m_channelStatusId;
    std::int32_t m_termLength;
    std::int32_t m_positionBitsToShift;
    std::int32_t m_maxMessageLength;
    std::int32_t m_maxPayloadLength;
    bool m_exclusive;
    std::atomic<bool> m_isClosed{false};
};
} // namespace cox::transport

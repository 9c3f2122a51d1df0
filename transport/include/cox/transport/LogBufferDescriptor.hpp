#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"

/// Layout of a log buffer: three term partitions of termLength bytes back to back, then a 4 KiB metadata
/// section (Aeron's LogBufferDescriptor; offsets from `aeron_logbuffer_metadata_t`, facts §2).
///
/// Positions: position = ((termId - initialTermId) << positionBitsToShift) + termOffset, where the term
/// count is a wrapping 32-bit subtraction. A partition's raw tail packs (termId << 32) | tailOffset; the
/// tail offset may overshoot the term length, so readers clamp it.
namespace cox::transport::LogBufferDescriptor
{
inline constexpr std::int32_t PARTITION_COUNT = 3;
inline constexpr std::int32_t TERM_MIN_LENGTH = 64 * 1024;
inline constexpr std::int32_t TERM_MAX_LENGTH = 1024 * 1024 * 1024;
inline constexpr std::int32_t PAGE_MIN_SIZE = 4 * 1024;
inline constexpr std::int32_t PAGE_MAX_SIZE = 1024 * 1024 * 1024;
inline constexpr std::int32_t MAX_MESSAGE_LENGTH_CAP = 16 * 1024 * 1024;

// ---- metadata section, offsets from its start ----
inline constexpr std::int32_t TERM_TAIL_COUNTERS_OFFSET = 0;
inline constexpr std::int32_t LOG_ACTIVE_TERM_COUNT_OFFSET = 24;
inline constexpr std::int32_t LOG_END_OF_STREAM_POSITION_OFFSET = 128;
inline constexpr std::int32_t LOG_IS_CONNECTED_OFFSET = 136;
inline constexpr std::int32_t LOG_ACTIVE_TRANSPORT_COUNT_OFFSET = 140;
inline constexpr std::int32_t LOG_CORRELATION_ID_OFFSET = 256;
inline constexpr std::int32_t LOG_INITIAL_TERM_ID_OFFSET = 264;
inline constexpr std::int32_t LOG_DEFAULT_FRAME_HEADER_LENGTH_OFFSET = 268;
inline constexpr std::int32_t LOG_MTU_LENGTH_OFFSET = 272;
inline constexpr std::int32_t LOG_TERM_LENGTH_OFFSET = 276;
inline constexpr std::int32_t LOG_PAGE_SIZE_OFFSET = 280;
inline constexpr std::int32_t LOG_PUBLICATION_WINDOW_LENGTH_OFFSET = 284;
inline constexpr std::int32_t LOG_RECEIVER_WINDOW_LENGTH_OFFSET = 288;
inline constexpr std::int32_t LOG_SOCKET_SNDBUF_LENGTH_OFFSET = 292;
inline constexpr std::int32_t LOG_OS_DEFAULT_SOCKET_SNDBUF_LENGTH_OFFSET = 296;
inline constexpr std::int32_t LOG_OS_MAX_SOCKET_SNDBUF_LENGTH_OFFSET = 300;
inline constexpr std::int32_t LOG_SOCKET_RCVBUF_LENGTH_OFFSET = 304;
inline constexpr std::int32_t LOG_OS_DEFAULT_SOCKET_RCVBUF_LENGTH_OFFSET = 308;
inline constexpr std::int32_t LOG_OS_MAX_SOCKET_RCVBUF_LENGTH_OFFSET = 312;
inline constexpr std::int32_t LOG_MAX_RESEND_OFFSET = 316;
inline constexpr std::int32_t LOG_DEFAULT_FRAME_HEADER_OFFSET = 320;
inline constexpr std::int32_t LOG_DEFAULT_FRAME_HEADER_MAX_LENGTH = 128;
inline constexpr std::int32_t LOG_ENTITY_TAG_OFFSET = 448;
inline constexpr std::int32_t LOG_RESPONSE_CORRELATION_ID_OFFSET = 456;
inline constexpr std::int32_t LOG_LINGER_TIMEOUT_NS_OFFSET = 464;
inline constexpr std::int32_t LOG_UNTETHERED_WINDOW_LIMIT_TIMEOUT_NS_OFFSET = 472;
inline constexpr std::int32_t LOG_UNTETHERED_RESTING_TIMEOUT_NS_OFFSET = 480;
inline constexpr std::int32_t LOG_GROUP_OFFSET = 488;
inline constexpr std::int32_t LOG_IS_RESPONSE_OFFSET = 489;
inline constexpr std::int32_t LOG_REJOIN_OFFSET = 490;
inline constexpr std::int32_t LOG_RELIABLE_OFFSET = 491;
inline constexpr std::int32_t LOG_SPARSE_OFFSET = 492;
inline constexpr std::int32_t LOG_SIGNAL_EOS_OFFSET = 493;
inline constexpr std::int32_t LOG_SPIES_SIMULATE_CONNECTION_OFFSET = 494;
inline constexpr std::int32_t LOG_TETHER_OFFSET = 495;
/// Bytes of the metadata struct actually used; the section is padded to LOG_META_DATA_LENGTH.
inline constexpr std::int32_t LOG_META_DATA_STRUCT_LENGTH = 496;
inline constexpr std::int32_t LOG_META_DATA_LENGTH = 4096;

// ---- validation (set-up path; throws IllegalArgumentException) ----

/// Power of two in [64 KiB, 1 GiB].
void checkTermLength(std::int64_t termLength);
/// Power of two in [4 KiB, 1 GiB].
void checkPageSize(std::int64_t pageSize);

/// align(3 * termLength + metadata, pageSize): the size of the log file.
[[nodiscard]] constexpr std::int64_t computeLogLength(std::int32_t termLength, std::int32_t pageSize) noexcept
{
    return util::align<std::int64_t>(
        static_cast<std::int64_t>(PARTITION_COUNT) * termLength + LOG_META_DATA_LENGTH, pageSize);
}

// ---- position arithmetic ----

[[nodiscard]] constexpr std::int32_t positionBitsToShift(std::int32_t termLength) noexcept
{
    return util::numberOfTrailingZeroes(static_cast<std::uint64_t>(termLength));
}

/// Wrapping 32-bit subtraction: term ids may wrap past INT32_MAX.
[[nodiscard]] constexpr std::int32_t computeTermCount(std::int32_t termId, std::int32_t initialTermId) noexcept
{
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(termId) - static_cast<std::uint32_t>(initialTermId));
}

[[nodiscard]] constexpr std::int64_t computeTermBeginPosition(
    std::int32_t activeTermId, std::int32_t positionBitsToShift, std::int32_t initialTermId) noexcept
{
    const auto termCount = static_cast<std::int64_t>(computeTermCount(activeTermId, initialTermId));
    return termCount << positionBitsToShift;
}

[[nodiscard]] constexpr std::int64_t computePosition(
    std::int32_t activeTermId, std::int32_t termOffset, std::int32_t positionBitsToShift, std::int32_t initialTermId) noexcept
{
    return computeTermBeginPosition(activeTermId, positionBitsToShift, initialTermId) + termOffset;
}

[[nodiscard]] constexpr std::int32_t computeTermIdFromPosition(
    std::int64_t position, std::int32_t positionBitsToShift, std::int32_t initialTermId) noexcept
{
    return static_cast<std::int32_t>(
        static_cast<std::uint32_t>(position >> positionBitsToShift) + static_cast<std::uint32_t>(initialTermId));
}

[[nodiscard]] constexpr std::int32_t computeTermOffsetFromPosition(
    std::int64_t position, std::int32_t positionBitsToShift) noexcept
{
    const std::int64_t mask = (static_cast<std::int64_t>(1) << positionBitsToShift) - 1;
    return static_cast<std::int32_t>(position & mask);
}

[[nodiscard]] constexpr std::int32_t indexByTerm(std::int32_t initialTermId, std::int32_t activeTermId) noexcept
{
    return static_cast<std::int32_t>(
        static_cast<std::uint32_t>(computeTermCount(activeTermId, initialTermId)) % PARTITION_COUNT);
}

[[nodiscard]] constexpr std::int32_t indexByTermCount(std::int64_t termCount) noexcept
{
    return static_cast<std::int32_t>(termCount % PARTITION_COUNT);
}

[[nodiscard]] constexpr std::int32_t indexByPosition(std::int64_t position, std::int32_t positionBitsToShift) noexcept
{
    return static_cast<std::int32_t>((position >> positionBitsToShift) % PARTITION_COUNT);
}

/// term_length * 2^31: term ids then run out.
[[nodiscard]] constexpr std::int64_t maxPossiblePosition(std::int32_t termLength) noexcept
{
    return static_cast<std::int64_t>(termLength) << 31;
}

/// min(termLength / 8, 16 MiB): the largest offer.
[[nodiscard]] constexpr std::int32_t computeMaxMessageLength(std::int32_t termLength) noexcept
{
    return termLength / 8 < MAX_MESSAGE_LENGTH_CAP ? termLength / 8 : MAX_MESSAGE_LENGTH_CAP;
}

/// Bytes a message of length takes in the term once fragmented at maxPayloadLength, headers and alignment
/// included.
[[nodiscard]] constexpr std::int32_t computeFragmentedFrameLength(std::int32_t length, std::int32_t maxPayloadLength) noexcept
{
    const std::int32_t numMaxPayloads = length / maxPayloadLength;
    const std::int32_t remainingPayload = length % maxPayloadLength;
    const std::int32_t lastFrameLength =
        remainingPayload > 0 ? FrameDescriptor::alignedLength(remainingPayload + FrameDescriptor::HEADER_LENGTH) : 0;
    return numMaxPayloads * (maxPayloadLength + FrameDescriptor::HEADER_LENGTH) + lastFrameLength;
}

// ---- raw tail packing ----

[[nodiscard]] constexpr std::int64_t packTail(std::int32_t termId, std::int32_t termOffset) noexcept
{
    return static_cast<std::int64_t>(
        (static_cast<std::uint64_t>(static_cast<std::uint32_t>(termId)) << 32) | static_cast<std::uint32_t>(termOffset));
}

[[nodiscard]] constexpr std::int32_t termId(std::int64_t rawTail) noexcept
{
    return static_cast<std::int32_t>(static_cast<std::uint64_t>(rawTail) >> 32);
}

/// The tail offset clamped to the term length: concurrent claims may push it past the end.
[[nodiscard]] constexpr std::int32_t termOffset(std::int64_t rawTail, std::int64_t termLength) noexcept
{
    const auto tail = static_cast<std::int64_t>(static_cast<std::uint64_t>(rawTail) & 0xFFFF'FFFFULL);
    return static_cast<std::int32_t>(tail < termLength ? tail : termLength);
}

[[nodiscard]] constexpr std::size_t tailCounterOffset(std::int32_t partitionIndex) noexcept
{
    return static_cast<std::size_t>(TERM_TAIL_COUNTERS_OFFSET) + static_cast<std::size_t>(partitionIndex) * 8U;
}

[[nodiscard]] inline std::int64_t rawTailVolatile(const util::AtomicBuffer& metaData, std::int32_t partitionIndex)
{
    return metaData.getInt64Volatile(tailCounterOffset(partitionIndex));
}

[[nodiscard]] inline std::int64_t rawTailVolatile(const util::AtomicBuffer& metaData)
{
    const std::int32_t termCount = metaData.getInt32Volatile(LOG_ACTIVE_TERM_COUNT_OFFSET);
    return rawTailVolatile(metaData, indexByTermCount(termCount));
}

inline void rawTailOrdered(util::AtomicBuffer& metaData, std::int32_t partitionIndex, std::int64_t rawTail)
{
    metaData.putInt64Ordered(tailCounterOffset(partitionIndex), rawTail);
}

[[nodiscard]] inline bool casRawTail(
    util::AtomicBuffer& metaData, std::int32_t partitionIndex, std::int64_t expected, std::int64_t update)
{
    return metaData.compareAndSetInt64(tailCounterOffset(partitionIndex), expected, update);
}

inline void initialiseTailWithTermId(util::AtomicBuffer& metaData, std::int32_t partitionIndex, std::int32_t termId)
{
    metaData.putInt64(tailCounterOffset(partitionIndex), packTail(termId, 0));
}

// ---- active term count ----

[[nodiscard]] inline std::int32_t activeTermCount(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32Volatile(LOG_ACTIVE_TERM_COUNT_OFFSET);
}

inline void activeTermCountOrdered(util::AtomicBuffer& metaData, std::int32_t termCount)
{
    metaData.putInt32Ordered(LOG_ACTIVE_TERM_COUNT_OFFSET, termCount);
}

[[nodiscard]] inline bool casActiveTermCount(util::AtomicBuffer& metaData, std::int32_t expected, std::int32_t update)
{
    return metaData.compareAndSetInt32(LOG_ACTIVE_TERM_COUNT_OFFSET, expected, update);
}

/// Moves the log on to the next term: the next partition's tail becomes (termId + 1, 0), then the active
/// term count advances. Idempotent and lock-free, so any number of racing writers may call it after a
/// trip; only the CAS that sees the expected previous value wins. Returns whether this call advanced the
/// term count.
bool rotateLog(util::AtomicBuffer& metaData, std::int32_t currentTermCount, std::int32_t currentTermId);

/// Sets up tails and the active term count for a stream starting at (termId, termOffset), which for a
/// fresh stream is (initialTermId, 0): the active partition gets (termId, termOffset), the two after it
/// get termId + 1 - 3 and termId + 2 - 3 so they read as expired.
void initialiseTails(util::AtomicBuffer& metaData, std::int32_t initialTermId, std::int32_t termId, std::int32_t termOffset);

// ---- other metadata fields ----

[[nodiscard]] inline std::int32_t initialTermId(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32(LOG_INITIAL_TERM_ID_OFFSET);
}
inline void initialTermId(util::AtomicBuffer& metaData, std::int32_t value)
{
    metaData.putInt32(LOG_INITIAL_TERM_ID_OFFSET, value);
}

[[nodiscard]] inline std::int32_t mtuLength(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32(LOG_MTU_LENGTH_OFFSET);
}
inline void mtuLength(util::AtomicBuffer& metaData, std::int32_t value) { metaData.putInt32(LOG_MTU_LENGTH_OFFSET, value); }

[[nodiscard]] inline std::int32_t termLength(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32(LOG_TERM_LENGTH_OFFSET);
}
inline void termLength(util::AtomicBuffer& metaData, std::int32_t value)
{
    metaData.putInt32(LOG_TERM_LENGTH_OFFSET, value);
}

[[nodiscard]] inline std::int32_t pageSize(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32(LOG_PAGE_SIZE_OFFSET);
}
inline void pageSize(util::AtomicBuffer& metaData, std::int32_t value) { metaData.putInt32(LOG_PAGE_SIZE_OFFSET, value); }

[[nodiscard]] inline std::int64_t correlationId(const util::AtomicBuffer& metaData)
{
    return metaData.getInt64(LOG_CORRELATION_ID_OFFSET);
}
inline void correlationId(util::AtomicBuffer& metaData, std::int64_t value)
{
    metaData.putInt64(LOG_CORRELATION_ID_OFFSET, value);
}

[[nodiscard]] inline std::int64_t endOfStreamPosition(const util::AtomicBuffer& metaData)
{
    return metaData.getInt64Volatile(LOG_END_OF_STREAM_POSITION_OFFSET);
}
inline void endOfStreamPosition(util::AtomicBuffer& metaData, std::int64_t position)
{
    metaData.putInt64Ordered(LOG_END_OF_STREAM_POSITION_OFFSET, position);
}

[[nodiscard]] inline bool isConnected(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32Volatile(LOG_IS_CONNECTED_OFFSET) == 1;
}
inline void isConnected(util::AtomicBuffer& metaData, bool connected)
{
    metaData.putInt32Ordered(LOG_IS_CONNECTED_OFFSET, connected ? 1 : 0);
}

[[nodiscard]] inline std::int32_t activeTransportCount(const util::AtomicBuffer& metaData)
{
    return metaData.getInt32Volatile(LOG_ACTIVE_TRANSPORT_COUNT_OFFSET);
}
inline void activeTransportCount(util::AtomicBuffer& metaData, std::int32_t count)
{
    metaData.putInt32Ordered(LOG_ACTIVE_TRANSPORT_COUNT_OFFSET, count);
}

/// A view of the 32-byte default DATA header template in the metadata.
[[nodiscard]] inline util::AtomicBuffer defaultFrameHeader(const util::AtomicBuffer& metaData)
{
    util::AtomicBuffer header;
    header.wrap(metaData, LOG_DEFAULT_FRAME_HEADER_OFFSET, static_cast<std::size_t>(FrameDescriptor::HEADER_LENGTH));
    return header;
}

/// Writes the template: frame_length 0, version 0, flags B|E, type DATA, term_offset 0, the session and
/// stream ids, term_id = initialTermId, reserved 0; and records its length.
void storeDefaultFrameHeader(
    util::AtomicBuffer& metaData, std::int32_t sessionId, std::int32_t streamId, std::int32_t initialTermId);
} // namespace cox::transport::LogBufferDescriptor

#pragma once

#include <cstddef>
#include <cstdint>

#include "cox/util/BitUtil.hpp"

namespace cox::util::CountersDescriptor
{
/// Layout of a counters file (counters.dat), shared with the readers in other processes.
///
///   0                      HEADER_LENGTH            +metadataLength
///   | header (128 bytes)   | metadata records ...   | value slots ...                     |
///
/// Header: magic int64 @0, version int32 @8 (written last, with release, so a reader that sees the
/// right version sees the rest), metadata length int32 @12, values length int32 @16, pid int64 @24,
/// start timestamp (epoch ms) int64 @32.
///
/// Counter id N owns metadata record N (METADATA_LENGTH bytes) and value slot N (COUNTER_LENGTH bytes),
/// Agrona's layout: the value alone on its cache lines so that counters written by different agents
/// never false-share, the metadata apart because only tools and the allocator touch it.

/// "COXCNTRS" read as a little-endian int64.
inline constexpr std::int64_t MAGIC = 0x5352544e43584f43;
inline constexpr std::int32_t VERSION = 1;

inline constexpr std::size_t MAGIC_OFFSET = 0;
inline constexpr std::size_t VERSION_OFFSET = 8;
inline constexpr std::size_t METADATA_LENGTH_FIELD_OFFSET = 12;
inline constexpr std::size_t VALUES_LENGTH_FIELD_OFFSET = 16;
inline constexpr std::size_t PID_OFFSET = 24;
inline constexpr std::size_t START_TIMESTAMP_OFFSET = 32;
inline constexpr std::size_t HEADER_LENGTH = 2 * CACHE_LINE_LENGTH;

/// Value slot: int64 value at 0, padding to two cache lines (one each side against adjacent-line prefetch).
inline constexpr std::size_t COUNTER_LENGTH = 2 * CACHE_LINE_LENGTH;
inline constexpr std::size_t VALUE_OFFSET = 0;

/// Metadata record: state int32 @0, type id int32 @4, free-for-reuse deadline int64 @8,
/// key @16 (MAX_KEY_LENGTH bytes), label length int32 @128, label @132 (MAX_LABEL_LENGTH bytes).
inline constexpr std::size_t METADATA_LENGTH = 4 * COUNTER_LENGTH;
inline constexpr std::size_t STATE_OFFSET = 0;
inline constexpr std::size_t TYPE_ID_OFFSET = 4;
inline constexpr std::size_t FREE_FOR_REUSE_DEADLINE_OFFSET = 8;
inline constexpr std::size_t KEY_OFFSET = 16;
inline constexpr std::size_t LABEL_LENGTH_OFFSET = COUNTER_LENGTH;
inline constexpr std::size_t LABEL_OFFSET = LABEL_LENGTH_OFFSET + sizeof(std::int32_t);
inline constexpr std::size_t MAX_KEY_LENGTH = LABEL_LENGTH_OFFSET - KEY_OFFSET;
inline constexpr std::size_t MAX_LABEL_LENGTH = METADATA_LENGTH - LABEL_OFFSET;

/// Record states. A reclaimed record may be reused once its free-for-reuse deadline has passed.
inline constexpr std::int32_t RECORD_UNUSED = 0;
inline constexpr std::int32_t RECORD_ALLOCATED = 1;
inline constexpr std::int32_t RECORD_RECLAIMED = -1;

/// Deadline of a record in use.
inline constexpr std::int64_t NOT_FREE_TO_REUSE = INT64_MAX;
inline constexpr std::int32_t DEFAULT_TYPE_ID = 0;
inline constexpr std::int32_t NULL_COUNTER_ID = -1;

static_assert(MAX_KEY_LENGTH == 112);
static_assert(MAX_LABEL_LENGTH == 380);

[[nodiscard]] constexpr std::size_t metadataOffset(std::int32_t counterId) noexcept
{
    return static_cast<std::size_t>(counterId) * METADATA_LENGTH;
}

[[nodiscard]] constexpr std::size_t counterOffset(std::int32_t counterId) noexcept
{
    return static_cast<std::size_t>(counterId) * COUNTER_LENGTH;
}

/// Length of a counters file able to hold maxCounters counters.
[[nodiscard]] constexpr std::size_t fileLength(std::int32_t maxCounters) noexcept
{
    return HEADER_LENGTH + static_cast<std::size_t>(maxCounters) * (METADATA_LENGTH + COUNTER_LENGTH);
}
} // namespace cox::util::CountersDescriptor

#pragma once

#include <cstddef>
#include <cstdint>

namespace cox::util::ErrorLogDescriptor
{
/// Layout of a distinct error log, Agrona's: records appended one after another, each aligned to
/// RECORD_ALIGNMENT, the first zero length marking the end.
///
/// Record: length int32 @0 (whole record, unaligned; written last, with release, to publish it),
/// observation count int32 @4, last observation timestamp int64 @8, first observation timestamp
/// int64 @16 (epoch ms), error text (UTF-8, no terminator) @24 to the end of the record.
inline constexpr std::size_t LENGTH_OFFSET = 0;
inline constexpr std::size_t OBSERVATION_COUNT_OFFSET = 4;
inline constexpr std::size_t LAST_OBSERVATION_TIMESTAMP_OFFSET = 8;
inline constexpr std::size_t FIRST_OBSERVATION_TIMESTAMP_OFFSET = 16;
inline constexpr std::size_t ENCODED_ERROR_OFFSET = 24;
inline constexpr std::size_t HEADER_LENGTH = ENCODED_ERROR_OFFSET;
inline constexpr std::size_t RECORD_ALIGNMENT = sizeof(std::int64_t);
} // namespace cox::util::ErrorLogDescriptor

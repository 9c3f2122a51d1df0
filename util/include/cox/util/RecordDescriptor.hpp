#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cox/util/Exceptions.hpp"

/// Layout of a record in the ring and broadcast buffers (Agrona's RecordDescriptor):
///
///   0               4               8
///   +---------------+---------------+------------------------
///   |    length     |   msgTypeId   |  encoded message ...
///   +---------------+---------------+------------------------
///
/// length counts the header and is written last with a release store, so a reader that sees a
/// positive length sees the whole record. Records start on ALIGNMENT boundaries.
namespace cox::util::RecordDescriptor
{
inline constexpr std::size_t HEADER_LENGTH = 2 * sizeof(std::int32_t);
inline constexpr std::size_t ALIGNMENT = HEADER_LENGTH;

/// Fills the gap to the end of the buffer when a record does not fit before wrapping.
inline constexpr std::int32_t PADDING_MSG_TYPE_ID = -1;

[[nodiscard]] constexpr std::size_t lengthOffset(std::size_t recordOffset) noexcept
{
    return recordOffset;
}

[[nodiscard]] constexpr std::size_t typeOffset(std::size_t recordOffset) noexcept
{
    return recordOffset + sizeof(std::int32_t);
}

[[nodiscard]] constexpr std::size_t encodedMsgOffset(std::size_t recordOffset) noexcept
{
    return recordOffset + HEADER_LENGTH;
}

/// Type ids below 1 are reserved (padding is -1, 0 is what zeroed memory reads as).
inline void checkTypeId(std::int32_t msgTypeId)
{
    if (msgTypeId < 1)
    {
        throw IllegalArgumentException("message type id must be greater than zero, msgTypeId=" +
                                       std::to_string(msgTypeId));
    }
}
} // namespace cox::util::RecordDescriptor

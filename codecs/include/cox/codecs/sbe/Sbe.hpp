#pragma once

// Runtime support shared by every generated SBE flyweight (cox::codecs::<schema>): the decode error
// codes, little-endian loads and stores, and the cold path taken when an encoder would overflow.
// Generated code depends on this header only; it is not meant to be used on its own.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::codecs::sbe
{
// SBE fixes little-endian on the wire; loads and stores below are plain memcpy, which is only right on a
// little-endian host. Every target we build for (x86-64, aarch64 Linux) is one.
static_assert(std::endian::native == std::endian::little, "generated SBE codecs assume a little-endian host");

/// Why a received message was refused. Decoders report these instead of throwing: the input is untrusted.
enum class DecodeError : std::int32_t
{
    NONE = 0,
    /// Fewer bytes than the 8-byte message header.
    TRUNCATED_HEADER,
    /// The header names another schema (an extension's or garbage).
    WRONG_SCHEMA_ID,
    /// The header's template id is not one this schema defines.
    UNKNOWN_TEMPLATE,
    /// The header's template id is not the one the chosen decoder decodes.
    WRONG_TEMPLATE_ID,
    /// The root block (acting blockLength) runs past the end of the buffer.
    TRUNCATED_BLOCK,
    /// The acting blockLength is too short to hold the fields its acting version promises.
    INVALID_BLOCK_LENGTH,
    /// A group header or one of its entries runs past the end of the buffer.
    TRUNCATED_GROUP,
    /// A group's blockLength is too short to hold the fields of its entries.
    INVALID_GROUP_BLOCK_LENGTH,
    /// A var-data length prefix or its bytes run past the end of the buffer.
    TRUNCATED_VAR_DATA,
    /// A var-data length is above the maxValue of its length encoding.
    VAR_DATA_TOO_LONG,
};

[[nodiscard]] constexpr const char* toString(DecodeError error) noexcept
{
    switch (error)
    {
        case DecodeError::NONE: return "NONE";
        case DecodeError::TRUNCATED_HEADER: return "TRUNCATED_HEADER";
        case DecodeError::WRONG_SCHEMA_ID: return "WRONG_SCHEMA_ID";
        case DecodeError::UNKNOWN_TEMPLATE: return "UNKNOWN_TEMPLATE";
        case DecodeError::WRONG_TEMPLATE_ID: return "WRONG_TEMPLATE_ID";
        case DecodeError::TRUNCATED_BLOCK: return "TRUNCATED_BLOCK";
        case DecodeError::INVALID_BLOCK_LENGTH: return "INVALID_BLOCK_LENGTH";
        case DecodeError::TRUNCATED_GROUP: return "TRUNCATED_GROUP";
        case DecodeError::INVALID_GROUP_BLOCK_LENGTH: return "INVALID_GROUP_BLOCK_LENGTH";
        case DecodeError::TRUNCATED_VAR_DATA: return "TRUNCATED_VAR_DATA";
        case DecodeError::VAR_DATA_TOO_LONG: return "VAR_DATA_TOO_LONG";
    }
    return "UNKNOWN";
}

template <typename T>
[[nodiscard]] inline T load(const std::uint8_t* address) noexcept
{
    T value;
    std::memcpy(&value, address, sizeof(T));
    return value;
}

template <typename T>
inline void store(std::uint8_t* address, T value) noexcept
{
    std::memcpy(address, &value, sizeof(T));
}

/// Thrown when an encoder is asked to write past the end of its buffer, or to write a value its encoding
/// cannot carry. Sizing the buffer is the caller's job, so this is a programmer error, not a hot-path result.
class EncodeOverflowException : public cox::util::IndexOutOfBoundsException
{
public:
    using IndexOutOfBoundsException::IndexOutOfBoundsException;
};

// Kept out of line and cold so the encoders' fast paths stay a compare and a branch.
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] inline void throwEncodeOverflow(
    const char* what, std::size_t required, std::size_t capacity)
{
    throw EncodeOverflowException(
        std::string("SBE encode overflow in ") + what + ": required=" + std::to_string(required) +
        " capacity=" + std::to_string(capacity));
}

/// Bytes of zeroes that a decoder points at after a failed wrap, so that a caller who ignores the error
/// reads null-ish zeroes instead of memory outside the buffer. Block lengths are uint16 on the wire but
/// decoders only ever read up to their own schema block length, which is far smaller than this.
inline constexpr std::size_t ZERO_BLOCK_LENGTH = 4096;
alignas(8) inline constexpr std::uint8_t ZERO_BLOCK[ZERO_BLOCK_LENGTH] = {};
} // namespace cox::codecs::sbe

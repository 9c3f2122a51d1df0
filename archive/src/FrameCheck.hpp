#pragma once

#include <cstdint>
#include <cstring>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Crc32c.hpp"

/// Checks shared by the reader, recovery and the verifier: does the frame stored at a given stream
/// position look like the frame that belongs there?
namespace cox::archive::detail
{
using codecs::frames::DataHeaderFlyweight;
using codecs::frames::HeaderFlyweight;

inline constexpr std::int32_t HEADER_LENGTH = DataHeaderFlyweight::HEADER_LENGTH;
inline constexpr std::int32_t FRAME_ALIGNMENT = 32;

template <typename T>
[[nodiscard]] inline T load(const std::uint8_t* at) noexcept
{
    T value;
    std::memcpy(&value, at, sizeof(value));
    return value;
}

enum class FrameStatus
{
    OK,
    /// frame_length <= 0: nothing was written here.
    EMPTY,
    /// The header does not fit the position: bad length, offset, term id or stream id, or it crosses a term.
    BAD_HEADER,
    /// The frame's stored bytes run past the available bytes.
    TRUNCATED,
    CHECKSUM_MISMATCH
};

struct FrameExpectation
{
    std::int32_t termLength;
    std::int32_t positionBitsToShift;
    std::int32_t initialTermId;
    std::int32_t streamId;
    bool verifyChecksum;
};

/// Checks the frame at data[0, available) that belongs at stream position; on OK sets alignedLength
/// (how far the position advances) and storedLength (32 for PAD, alignedLength for DATA).
[[nodiscard]] inline FrameStatus checkFrame(const std::uint8_t* data, std::int64_t available, std::int64_t position,
    const FrameExpectation& expect, std::int32_t& alignedLength, std::int32_t& storedLength) noexcept
{
    if (available < HEADER_LENGTH)
    {
        return available <= 0 ? FrameStatus::EMPTY : FrameStatus::TRUNCATED;
    }
    const std::int32_t frameLength = load<std::int32_t>(data + HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
    if (frameLength <= 0)
    {
        return FrameStatus::EMPTY;
    }
    const auto termOffset = static_cast<std::int32_t>(position & (expect.termLength - 1));
    const auto termId = static_cast<std::int32_t>(
        expect.initialTermId + static_cast<std::int32_t>(position >> expect.positionBitsToShift));
    if (frameLength < HEADER_LENGTH || frameLength > expect.termLength - termOffset ||
        load<std::int32_t>(data + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET) != termOffset ||
        load<std::int32_t>(data + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET) != termId ||
        load<std::int32_t>(data + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET) != expect.streamId)
    {
        return FrameStatus::BAD_HEADER;
    }
    const bool isPadding = load<std::uint16_t>(data + HeaderFlyweight::TYPE_FIELD_OFFSET) == HeaderFlyweight::HDR_TYPE_PAD;
    alignedLength = util::align(frameLength, FRAME_ALIGNMENT);
    storedLength = isPadding ? HEADER_LENGTH : alignedLength;
    if (storedLength > available)
    {
        return FrameStatus::TRUNCATED;
    }
    if (expect.verifyChecksum && !isPadding)
    {
        const std::uint32_t crc =
            util::crc32c(0, data + HEADER_LENGTH, static_cast<std::size_t>(alignedLength - HEADER_LENGTH));
        if (crc != load<std::uint32_t>(data + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET))
        {
            return FrameStatus::CHECKSUM_MISMATCH;
        }
    }
    return FrameStatus::OK;
}

[[nodiscard]] inline const char* toString(FrameStatus status) noexcept
{
    switch (status)
    {
        case FrameStatus::OK: return "ok";
        case FrameStatus::EMPTY: return "no frame (frame_length <= 0)";
        case FrameStatus::BAD_HEADER: return "frame header inconsistent with its position";
        case FrameStatus::TRUNCATED: return "frame runs past the written bytes";
        case FrameStatus::CHECKSUM_MISMATCH: return "CRC checksum mismatch";
    }
    return "unknown";
}
} // namespace cox::archive::detail

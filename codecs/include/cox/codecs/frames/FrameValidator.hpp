#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/codecs/frames/ErrorFlyweight.hpp"
#include "cox/codecs/frames/HeaderFlyweight.hpp"
#include "cox/codecs/frames/NakFlyweight.hpp"
#include "cox/codecs/frames/ResponseSetupFlyweight.hpp"
#include "cox/codecs/frames/RttMeasurementFlyweight.hpp"
#include "cox/codecs/frames/SetupFlyweight.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/util/BitUtil.hpp"

namespace cox::codecs::frames
{
/// Why a received datagram was rejected. The receiver and sender count these and drop the datagram;
/// none of them is worth more than a counter and a log-once.
enum class FrameCheck : std::int32_t
{
    OK = 0,
    /// Shorter than the 8-byte common header.
    TOO_SHORT = 1,
    /// version != CURRENT_VERSION.
    UNSUPPORTED_VERSION = 2,
    /// A type code Aeron does not define.
    UNKNOWN_TYPE = 3,
    /// Shorter than the fixed header of its type.
    HEADER_TRUNCATED = 4,
    /// frame_length below the header length of the type, or more than the datagram holds.
    BAD_FRAME_LENGTH = 5,
    /// A DATA/PAD term_offset that is negative or not 32-byte aligned.
    BAD_TERM_OFFSET = 6,
    /// Frames packed into one DATA datagram that are not consecutive frames of one term of one stream.
    INCONSISTENT_FRAMES = 7,
    /// An ERR frame whose text length is negative, over 1023 or past frame_length.
    BAD_ERROR_LENGTH = 8,
};

[[nodiscard]] constexpr const char* frameCheckName(FrameCheck check) noexcept
{
    switch (check)
    {
        case FrameCheck::OK: return "OK";
        case FrameCheck::TOO_SHORT: return "TOO_SHORT";
        case FrameCheck::UNSUPPORTED_VERSION: return "UNSUPPORTED_VERSION";
        case FrameCheck::UNKNOWN_TYPE: return "UNKNOWN_TYPE";
        case FrameCheck::HEADER_TRUNCATED: return "HEADER_TRUNCATED";
        case FrameCheck::BAD_FRAME_LENGTH: return "BAD_FRAME_LENGTH";
        case FrameCheck::BAD_TERM_OFFSET: return "BAD_TERM_OFFSET";
        case FrameCheck::INCONSISTENT_FRAMES: return "INCONSISTENT_FRAMES";
        case FrameCheck::BAD_ERROR_LENGTH: return "BAD_ERROR_LENGTH";
    }
    return "UNKNOWN";
}

/// Structural checks of a received datagram before any flyweight reads it. Allocation-free and
/// exception-free; call on every datagram. What it cannot know (term length, whether the session is
/// wanted) is left to the image: TermRebuilder::insert still bounds-checks the term offset.
class FrameValidator
{
public:
    /// Fixed header length of a type, or 0 for a type Aeron does not define.
    [[nodiscard]] static constexpr std::int32_t headerLength(std::uint16_t type) noexcept
    {
        switch (type)
        {
            case HeaderFlyweight::HDR_TYPE_PAD:
            case HeaderFlyweight::HDR_TYPE_DATA: return DataHeaderFlyweight::HEADER_LENGTH;
            case HeaderFlyweight::HDR_TYPE_NAK: return NakFlyweight::HEADER_LENGTH;
            case HeaderFlyweight::HDR_TYPE_SM: return StatusMessageFlyweight::HEADER_LENGTH;
            case HeaderFlyweight::HDR_TYPE_ERR: return ErrorFlyweight::HEADER_LENGTH;
            case HeaderFlyweight::HDR_TYPE_SETUP: return SetupFlyweight::HEADER_LENGTH;
            case HeaderFlyweight::HDR_TYPE_RTTM: return RttMeasurementFlyweight::HEADER_LENGTH;
            case HeaderFlyweight::HDR_TYPE_RSP_SETUP: return ResponseSetupFlyweight::HEADER_LENGTH;
            // Known but with no fixed layout here: name resolution, ATS and extension frames.
            case HeaderFlyweight::HDR_TYPE_RES:
            case HeaderFlyweight::HDR_TYPE_ATS_DATA:
            case HeaderFlyweight::HDR_TYPE_ATS_FIRST_RESERVED:
            case HeaderFlyweight::HDR_TYPE_ATS_LAST_RESERVED:
            case HeaderFlyweight::HDR_TYPE_EXT: return HeaderFlyweight::MIN_HEADER_LENGTH;
            default: return 0;
        }
    }

    /// Validates a whole datagram. DATA/PAD datagrams may carry several frames and are walked frame by
    /// frame; every other type is one frame whose frame_length must fit in the datagram.
    [[nodiscard]] static FrameCheck validate(const std::uint8_t* datagram, std::size_t length) noexcept
    {
        if (length < static_cast<std::size_t>(HeaderFlyweight::MIN_HEADER_LENGTH))
        {
            return FrameCheck::TOO_SHORT;
        }
        if (datagram[HeaderFlyweight::VERSION_FIELD_OFFSET] != HeaderFlyweight::CURRENT_VERSION)
        {
            return FrameCheck::UNSUPPORTED_VERSION;
        }
        const std::uint16_t type = read<std::uint16_t>(datagram, HeaderFlyweight::TYPE_FIELD_OFFSET);
        const std::int32_t typeHeaderLength = headerLength(type);
        if (typeHeaderLength == 0)
        {
            return FrameCheck::UNKNOWN_TYPE;
        }
        if (length < static_cast<std::size_t>(typeHeaderLength))
        {
            return FrameCheck::HEADER_TRUNCATED;
        }
        if (type == HeaderFlyweight::HDR_TYPE_DATA || type == HeaderFlyweight::HDR_TYPE_PAD)
        {
            return validateDataDatagram(datagram, length);
        }

        const std::int32_t frameLength = read<std::int32_t>(datagram, HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
        if (frameLength < typeHeaderLength || static_cast<std::size_t>(frameLength) > length)
        {
            return FrameCheck::BAD_FRAME_LENGTH;
        }
        if (type == HeaderFlyweight::HDR_TYPE_ERR)
        {
            const std::int32_t textLength = read<std::int32_t>(datagram, ErrorFlyweight::ERROR_STRING_LENGTH_FIELD_OFFSET);
            if (textLength < 0 || textLength > ErrorFlyweight::MAX_ERROR_MESSAGE_LENGTH ||
                textLength > frameLength - ErrorFlyweight::HEADER_LENGTH)
            {
                return FrameCheck::BAD_ERROR_LENGTH;
            }
        }
        return FrameCheck::OK;
    }

private:
    template <typename T>
    [[nodiscard]] static T read(const std::uint8_t* p, std::size_t offset) noexcept
    {
        T value;
        std::memcpy(&value, p + offset, sizeof(T));
        return value;
    }

    // A datagram is what the sender's term scanner took straight from the log: consecutive frames of
    // one term, each starting on a 32-byte boundary. A PAD frame goes out as its 32-byte header only,
    // so its frame_length may exceed the datagram, and it can only be the last frame. A heartbeat is a
    // lone 32-byte header with frame_length 0.
    [[nodiscard]] static FrameCheck validateDataDatagram(const std::uint8_t* datagram, std::size_t length) noexcept
    {
        constexpr auto HEADER = static_cast<std::size_t>(DataHeaderFlyweight::HEADER_LENGTH);
        const auto firstTermOffset = read<std::int32_t>(datagram, DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET);
        if (firstTermOffset < 0 || (firstTermOffset & (HEADER - 1)) != 0)
        {
            return FrameCheck::BAD_TERM_OFFSET;
        }
        const auto firstFrameLength = read<std::int32_t>(datagram, HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
        if (firstFrameLength == 0)
        {
            const bool isHeartbeat = length == HEADER &&
                read<std::uint16_t>(datagram, HeaderFlyweight::TYPE_FIELD_OFFSET) == HeaderFlyweight::HDR_TYPE_DATA;
            return isHeartbeat ? FrameCheck::OK : FrameCheck::BAD_FRAME_LENGTH;
        }

        std::size_t offset = 0;
        while (offset < length)
        {
            const std::uint8_t* frame = datagram + offset;
            const std::size_t remaining = length - offset;
            if (remaining < HEADER)
            {
                return FrameCheck::HEADER_TRUNCATED;
            }
            if (offset > 0)
            {
                const FrameCheck check = checkFollowingFrame(datagram, frame, offset);
                if (check != FrameCheck::OK)
                {
                    return check;
                }
            }
            const auto frameLength = read<std::int32_t>(frame, HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET);
            if (frameLength < DataHeaderFlyweight::HEADER_LENGTH)
            {
                return FrameCheck::BAD_FRAME_LENGTH;
            }
            if (read<std::uint16_t>(frame, HeaderFlyweight::TYPE_FIELD_OFFSET) == HeaderFlyweight::HDR_TYPE_PAD)
            {
                return remaining == HEADER ? FrameCheck::OK : FrameCheck::BAD_FRAME_LENGTH;
            }
            if (static_cast<std::size_t>(frameLength) > remaining)
            {
                return FrameCheck::BAD_FRAME_LENGTH;
            }
            offset += util::align(static_cast<std::size_t>(frameLength), HEADER);
        }
        return FrameCheck::OK;
    }

    [[nodiscard]] static FrameCheck checkFollowingFrame(
        const std::uint8_t* first, const std::uint8_t* frame, std::size_t offset) noexcept
    {
        if (frame[HeaderFlyweight::VERSION_FIELD_OFFSET] != HeaderFlyweight::CURRENT_VERSION)
        {
            return FrameCheck::UNSUPPORTED_VERSION;
        }
        const auto type = read<std::uint16_t>(frame, HeaderFlyweight::TYPE_FIELD_OFFSET);
        if (type != HeaderFlyweight::HDR_TYPE_DATA && type != HeaderFlyweight::HDR_TYPE_PAD)
        {
            return FrameCheck::INCONSISTENT_FRAMES;
        }
        const auto expectedTermOffset =
            static_cast<std::int64_t>(read<std::int32_t>(first, DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET)) +
            static_cast<std::int64_t>(offset);
        const bool consistent =
            read<std::int32_t>(frame, DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET) == expectedTermOffset &&
            read<std::int32_t>(frame, DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET) ==
                read<std::int32_t>(first, DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET) &&
            read<std::int32_t>(frame, DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET) ==
                read<std::int32_t>(first, DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET) &&
            read<std::int32_t>(frame, DataHeaderFlyweight::TERM_ID_FIELD_OFFSET) ==
                read<std::int32_t>(first, DataHeaderFlyweight::TERM_ID_FIELD_OFFSET);
        return consistent ? FrameCheck::OK : FrameCheck::INCONSISTENT_FRAMES;
    }
};
} // namespace cox::codecs::frames

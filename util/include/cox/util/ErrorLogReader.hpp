#pragma once

#include <cstdint>
#include <string_view>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/ErrorLogDescriptor.hpp"

namespace cox::util
{
/// Reads a distinct error log, live or after the fact, in process or from another one: Agrona's
/// ErrorLogReader. Safe concurrently with writers. The buffer may come from a file written by anyone,
/// so every record length is checked before use and a bad one ends the read.
class ErrorLogReader
{
public:
    /// Calls consumer(observationCount, firstObservationTimestampMs, lastObservationTimestampMs, text)
    /// for each distinct error last observed at or after sinceTimestampMs, in order of first
    /// observation; text is valid only during the call. Returns the number of errors passed on.
    template <typename Consumer>
    static int read(const AtomicBuffer& buffer, Consumer&& consumer, std::int64_t sinceTimestampMs = 0)
    {
        using namespace ErrorLogDescriptor;
        int entries = 0;
        std::size_t offset = 0;
        while (offset <= buffer.capacity() && buffer.capacity() - offset >= HEADER_LENGTH)
        {
            const auto length = static_cast<std::size_t>(buffer.getInt32Volatile(offset + LENGTH_OFFSET));
            if (length == 0)
            {
                break;
            }
            if (length < HEADER_LENGTH || length > buffer.capacity() - offset)
            {
                break;
            }
            const std::int64_t lastTimestampMs = buffer.getInt64Volatile(offset + LAST_OBSERVATION_TIMESTAMP_OFFSET);
            if (lastTimestampMs >= sinceTimestampMs)
            {
                ++entries;
                const std::string_view text(
                    reinterpret_cast<const char*>(buffer.buffer() + offset + ENCODED_ERROR_OFFSET),
                    length - ENCODED_ERROR_OFFSET);
                consumer(buffer.getInt32Volatile(offset + OBSERVATION_COUNT_OFFSET),
                         buffer.getInt64Volatile(offset + FIRST_OBSERVATION_TIMESTAMP_OFFSET), lastTimestampMs, text);
            }
            offset += align(length, RECORD_ALIGNMENT);
        }
        return entries;
    }

    /// True if at least one error has been recorded.
    [[nodiscard]] static bool hasErrors(const AtomicBuffer& buffer)
    {
        return buffer.capacity() >= ErrorLogDescriptor::HEADER_LENGTH &&
               buffer.getInt32Volatile(ErrorLogDescriptor::LENGTH_OFFSET) > 0;
    }
};
} // namespace cox::util

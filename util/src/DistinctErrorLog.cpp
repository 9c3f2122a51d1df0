#include "cox/util/DistinctErrorLog.hpp"

#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <memory>
#include <typeinfo>

#include "cox/util/BitUtil.hpp"
#include "cox/util/ErrorLogDescriptor.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::util
{
using namespace ErrorLogDescriptor;

DistinctErrorLog::DistinctErrorLog(const AtomicBuffer& buffer, const EpochClock& epochClock)
    : m_buffer(buffer), m_epochClock(epochClock)
{
    if (reinterpret_cast<std::uintptr_t>(buffer.buffer()) % RECORD_ALIGNMENT != 0)
    {
        throw IllegalArgumentException("distinct error log buffer must be 8-byte aligned");
    }
}

bool DistinctErrorLog::record(const std::exception& error)
{
    return record(errorText(error));
}

bool DistinctErrorLog::record(std::string_view errorText)
{
    const std::int64_t timestampMs = m_epochClock.time();

    // Known errors, the common case in an error storm, are found and counted without the lock.
    Search search = find(errorText, 0);
    if (search.found)
    {
        observe(search.offset, timestampMs);
        return true;
    }

    std::lock_guard<std::mutex> guard(m_insertLock);
    // Another thread may have inserted this very error since the search above; look at what it added.
    search = find(errorText, search.offset);
    if (search.found)
    {
        observe(search.offset, timestampMs);
        return true;
    }

    const std::size_t offset = search.offset;
    const std::size_t length = HEADER_LENGTH + errorText.size();
    if (offset > m_buffer.capacity() || length > m_buffer.capacity() - offset ||
        length > static_cast<std::size_t>(INT32_MAX))
    {
        return false;
    }
    m_buffer.putInt32(offset + OBSERVATION_COUNT_OFFSET, 1);
    m_buffer.putInt64(offset + LAST_OBSERVATION_TIMESTAMP_OFFSET, timestampMs);
    m_buffer.putInt64(offset + FIRST_OBSERVATION_TIMESTAMP_OFFSET, timestampMs);
    m_buffer.putBytes(offset + ENCODED_ERROR_OFFSET, errorText.data(), errorText.size());
    m_buffer.putInt32Ordered(offset + LENGTH_OFFSET, static_cast<std::int32_t>(length));
    return true;
}

DistinctErrorLog::Search DistinctErrorLog::find(std::string_view text, std::size_t offset) const noexcept
{
    const std::size_t capacity = m_buffer.capacity();
    while (offset <= capacity && capacity - offset >= HEADER_LENGTH)
    {
        const auto length = static_cast<std::size_t>(m_buffer.getInt32Volatile(offset + LENGTH_OFFSET));
        if (length < HEADER_LENGTH || length > capacity - offset)
        {
            // Zero: the end. Anything else this small or large cannot have been written by us; treat
            // it as the end too rather than walk off the buffer.
            break;
        }
        const std::size_t textLength = length - HEADER_LENGTH;
        if (textLength == text.size() &&
            std::memcmp(m_buffer.buffer() + offset + ENCODED_ERROR_OFFSET, text.data(), textLength) == 0)
        {
            return {offset, true};
        }
        offset += align(length, RECORD_ALIGNMENT);
    }
    return {offset, false};
}

void DistinctErrorLog::observe(std::size_t recordOffset, std::int64_t timestampMs) noexcept
{
    m_buffer.getAndAddInt32(recordOffset + OBSERVATION_COUNT_OFFSET, 1);
    // Raise the last timestamp monotonically: concurrent observers may read the clock out of order.
    const std::size_t timestampOffset = recordOffset + LAST_OBSERVATION_TIMESTAMP_OFFSET;
    std::int64_t previousMs = m_buffer.getInt64Volatile(timestampOffset);
    while (previousMs < timestampMs && !m_buffer.compareAndSetInt64(timestampOffset, previousMs, timestampMs))
    {
        previousMs = m_buffer.getInt64Volatile(timestampOffset);
    }
}

std::string DistinctErrorLog::errorText(const std::exception& error)
{
    const char* mangled = typeid(error).name();
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                          &std::free);
    std::string text = (status == 0 && demangled) ? demangled.get() : mangled;
    text += ": ";
    text += error.what();
    return text;
}
} // namespace cox::util

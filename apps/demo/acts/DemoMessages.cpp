#include "DemoMessages.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::apps::demo
{
namespace
{
constexpr std::uint64_t LENGTH_SALT = 0x6c656e677468ULL;
constexpr std::uint64_t CONTENT_SALT = 0x636f6e74656e74ULL;

std::uint64_t splitMix64(std::uint64_t& state) noexcept
{
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::int32_t between(std::uint64_t draw, std::int32_t low, std::int32_t high) noexcept
{
    return low + static_cast<std::int32_t>(draw % static_cast<std::uint64_t>(high - low + 1));
}
} // namespace

DemoMessages::DemoMessages(std::int32_t maxLength) : m_maxLength(maxLength)
{
    if (maxLength < MIN_MAX_LENGTH)
    {
        throw util::IllegalArgumentException("demo messages need a maximum length of at least " +
                                             std::to_string(MIN_MAX_LENGTH) + ", not " + std::to_string(maxLength));
    }
}

std::int32_t DemoMessages::lengthOf(std::int64_t index) const noexcept
{
    std::uint64_t state = static_cast<std::uint64_t>(index) ^ LENGTH_SALT;
    const std::uint64_t draw = splitMix64(state);
    const std::uint64_t bucket = draw % 100;
    const std::int32_t smallMax = std::min(SMALL_MAX_LENGTH, m_maxLength);
    const std::int32_t frameMax = std::min(ONE_FRAME_MAX_LENGTH, m_maxLength);
    if (bucket < 70 || smallMax == m_maxLength)
    {
        return between(draw >> 8, INDEX_LENGTH, smallMax);
    }
    if (bucket < 95 || frameMax == m_maxLength)
    {
        return between(draw >> 8, smallMax + 1, frameMax);
    }
    return between(draw >> 8, frameMax + 1, m_maxLength);
}

std::int32_t DemoMessages::fill(std::int64_t index, std::uint8_t* buffer) const noexcept
{
    const std::int32_t length = lengthOf(index);
    std::memcpy(buffer, &index, INDEX_LENGTH);
    std::uint64_t state = static_cast<std::uint64_t>(index) ^ CONTENT_SALT;
    for (std::int32_t offset = INDEX_LENGTH; offset < length; offset += 8)
    {
        const std::uint64_t word = splitMix64(state);
        std::memcpy(buffer + offset, &word, static_cast<std::size_t>(std::min(8, length - offset)));
    }
    return length;
}

std::int64_t DemoMessages::indexOf(const std::uint8_t* data, std::int32_t length) noexcept
{
    if (length < INDEX_LENGTH)
    {
        return -1;
    }
    std::int64_t index = 0;
    std::memcpy(&index, data, INDEX_LENGTH);
    return index;
}

bool DemoMessages::matches(std::int64_t index, const std::uint8_t* data, std::int32_t length) const noexcept
{
    if (length != lengthOf(index) || indexOf(data, length) != index)
    {
        return false;
    }
    std::uint64_t state = static_cast<std::uint64_t>(index) ^ CONTENT_SALT;
    for (std::int32_t offset = INDEX_LENGTH; offset < length; offset += 8)
    {
        const std::uint64_t word = splitMix64(state);
        if (std::memcmp(data + offset, &word, static_cast<std::size_t>(std::min(8, length - offset))) != 0)
        {
            return false;
        }
    }
    return true;
}

void MessageChecker::onMessage(const std::uint8_t* data, std::int32_t length) noexcept
{
    ++m_received;
    m_bytes += length;
    const std::int64_t index = DemoMessages::indexOf(data, length);
    if (index < 0)
    {
        ++m_corrupt;
    }
    else if (index < m_next)
    {
        ++m_duplicates;
    }
    else if (index > m_next)
    {
        // Resynchronise on what arrived, so one hole counts once rather than failing every later message.
        ++m_gaps;
        m_next = index + 1;
    }
    else
    {
        if (!m_messages->matches(index, data, length))
        {
            ++m_corrupt;
        }
        ++m_next;
    }
}
} // namespace cox::apps::demo

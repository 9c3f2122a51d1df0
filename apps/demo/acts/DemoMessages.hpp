#pragma once

#include <cstdint>

namespace cox::apps::demo
{
/// The messages acts 2 and 3 send: message i has a length and content fixed by i alone, so a receiver can
/// rebuild what it should have got and compare every byte without the sender telling it anything. The
/// first 8 bytes carry i, so a lost, repeated or reordered message shows up as a wrong index rather than
/// as a vague mismatch.
///
/// Lengths are mixed: 70% small (8..256 bytes), 25% up to one frame's payload (1,376 bytes at the default
/// MTU), 5% larger, up to maxLength, which the publication splits into fragments.
class DemoMessages
{
public:
    static constexpr std::int32_t INDEX_LENGTH = 8;
    static constexpr std::int32_t MIN_MAX_LENGTH = 16;
    static constexpr std::int32_t SMALL_MAX_LENGTH = 256;
    static constexpr std::int32_t ONE_FRAME_MAX_LENGTH = 1408 - 32;

    /// Throws IllegalArgumentException if maxLength < MIN_MAX_LENGTH.
    explicit DemoMessages(std::int32_t maxLength);

    [[nodiscard]] std::int32_t maxLength() const noexcept { return m_maxLength; }
    [[nodiscard]] std::int32_t lengthOf(std::int64_t index) const noexcept;

    /// Writes message index into buffer, which must hold maxLength() bytes; returns its length.
    std::int32_t fill(std::int64_t index, std::uint8_t* buffer) const noexcept;

    /// The index a message claims to be, or -1 if it is too short to carry one.
    [[nodiscard]] static std::int64_t indexOf(const std::uint8_t* data, std::int32_t length) noexcept;

    /// True if data is exactly message index: same length, same bytes.
    [[nodiscard]] bool matches(std::int64_t index, const std::uint8_t* data, std::int32_t length) const noexcept;

private:
    std::int32_t m_maxLength;
};

/// Receiver-side bookkeeping: feeds each whole message through DemoMessages and counts what was right and
/// what was not. Expects indexes first, first + 1, ... in that order, each exactly once.
class MessageChecker
{
public:
    MessageChecker(const DemoMessages& messages, std::int64_t firstIndex) noexcept
        : m_messages(&messages), m_next(firstIndex)
    {
    }

    void onMessage(const std::uint8_t* data, std::int32_t length) noexcept;

    /// The index expected next, i.e. one past the last good message.
    [[nodiscard]] std::int64_t nextIndex() const noexcept { return m_next; }
    [[nodiscard]] std::int64_t received() const noexcept { return m_received; }
    [[nodiscard]] std::int64_t bytes() const noexcept { return m_bytes; }
    /// Messages with an index before the expected one (repeats).
    [[nodiscard]] std::int64_t duplicates() const noexcept { return m_duplicates; }
    /// Messages with an index past the expected one (something before them went missing).
    [[nodiscard]] std::int64_t gaps() const noexcept { return m_gaps; }
    /// Messages with the right index but wrong length or bytes, or too short to carry an index.
    [[nodiscard]] std::int64_t corrupt() const noexcept { return m_corrupt; }
    [[nodiscard]] std::int64_t errors() const noexcept { return m_duplicates + m_gaps + m_corrupt; }

private:
    const DemoMessages* m_messages;
    std::int64_t m_next;
    std::int64_t m_received = 0;
    std::int64_t m_bytes = 0;
    std::int64_t m_duplicates = 0;
    std::int64_t m_gaps = 0;
    std::int64_t m_corrupt = 0;
};
} // namespace cox::apps::demo

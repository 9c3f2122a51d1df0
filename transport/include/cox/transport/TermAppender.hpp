#pragma once

#include <cstdint>
#include <span>

#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/HeaderWriter.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// One piece of a gathered message.
struct BufferVector
{
    const std::uint8_t* buffer;
    std::int32_t length;
};

/// Supplies a frame's reserved value just before it is published (Aeron's ReservedValueSupplier), e.g. a
/// checksum of the payload or a timestamp. A plain function pointer and context so that appending never
/// allocates or type-erases; the default supplies 0.
struct ReservedValueSupplier
{
    using Function = std::int64_t (*)(
        void* clientd, const util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::int32_t frameLength);

    Function function = nullptr;
    void* clientd = nullptr;

    [[nodiscard]] std::int64_t operator()(
        const util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::int32_t frameLength) const
    {
        return function != nullptr ? function(clientd, termBuffer, termOffset, frameLength)
                                   : codecs::frames::DataHeaderFlyweight::DEFAULT_RESERVED_VALUE;
    }
};

/// Appends frames to one term partition (Aeron's TermAppender). Safe for any number of concurrent writers:
/// space is claimed with one atomic get-and-add on the partition's raw tail, so a single-writer
/// (exclusive) publication pays only an uncontended atomic add.
///
/// Every append returns the term offset after the appended frames, or:
/// - TRIPPED: this claim was the first to cross the end of the term; the remaining space (if any) has been
///   written as a PAD frame. The caller rotates the log (LogBufferDescriptor::rotateLog) and reports
///   ADMIN_ACTION so the message is retried in the next term.
/// - FAILED: the term had already been tripped by another claim; nothing was written. The caller may call
///   rotateLog too (it is idempotent) and reports ADMIN_ACTION.
/// No append allocates or throws, except IllegalStateException when the tail's term id is not
/// activeTermId, which means the caller's view of the log is corrupt.
class TermAppender
{
public:
    static constexpr std::int32_t TRIPPED = -1;
    static constexpr std::int32_t FAILED = -2;

    /// termBuffer and metaData must outlive the appender.
    TermAppender(util::AtomicBuffer& termBuffer, util::AtomicBuffer& metaData, std::int32_t partitionIndex) noexcept;

    [[nodiscard]] std::int64_t rawTailVolatile() const { return m_metaData.getInt64Volatile(m_tailCounterOffset); }

    /// Claims a frame of header + length bytes for in-place writing; length <= maxPayloadLength.
    // Inline: tryClaim is the fastest path a publisher has (a getAndAdd, a header, a commit).
    [[nodiscard]] std::int32_t claim(
        const HeaderWriter& header, std::int32_t length, BufferClaim& bufferClaim, std::int32_t activeTermId)
    {
        const std::int32_t frameLength = length + FrameDescriptor::HEADER_LENGTH;
        const std::int32_t alignedLength = FrameDescriptor::alignedLength(frameLength);
        const Claim claimed = claimSpace(alignedLength, activeTermId);
        const std::int64_t resultingOffset = claimed.termOffset + alignedLength;
        if (resultingOffset > static_cast<std::int64_t>(m_termBuffer.capacity()))
        {
            return handleEndOfTerm(header, claimed);
        }
        const auto frameOffset = static_cast<std::int32_t>(claimed.termOffset);
        header.write(m_termBuffer, frameOffset, frameLength, claimed.termId);
        bufferClaim.wrap(m_termBuffer, frameOffset, frameLength);
        return static_cast<std::int32_t>(resultingOffset);
    }

    /// One frame with B|E flags; length <= maxPayloadLength.
    [[nodiscard]] std::int32_t appendUnfragmentedMessage(
        const HeaderWriter& header,
        const std::uint8_t* source,
        std::int32_t length,
        const ReservedValueSupplier& reservedValueSupplier,
        std::int32_t activeTermId);

    /// As above with the payload gathered from vectors whose lengths sum to length.
    [[nodiscard]] std::int32_t appendUnfragmentedMessage(
        const HeaderWriter& header,
        std::span<const BufferVector> vectors,
        std::int32_t length,
        const ReservedValueSupplier& reservedValueSupplier,
        std::int32_t activeTermId);

    /// Splits the message into frames of at most maxPayloadLength payload bytes: B on the first, E on the
    /// last, none in between. All frames are claimed at once, so they are contiguous in the term.
    [[nodiscard]] std::int32_t appendFragmentedMessage(
        const HeaderWriter& header,
        const std::uint8_t* source,
        std::int32_t length,
        std::int32_t maxPayloadLength,
        const ReservedValueSupplier& reservedValueSupplier,
        std::int32_t activeTermId);

    [[nodiscard]] std::int32_t appendFragmentedMessage(
        const HeaderWriter& header,
        std::span<const BufferVector> vectors,
        std::int32_t length,
        std::int32_t maxPayloadLength,
        const ReservedValueSupplier& reservedValueSupplier,
        std::int32_t activeTermId);

    /// A PAD frame of header + length bytes (exclusive publications' appendPadding).
    [[nodiscard]] std::int32_t appendPadding(const HeaderWriter& header, std::int32_t length, std::int32_t activeTermId);

private:
    struct Claim
    {
        std::int32_t termId;
        std::int64_t termOffset;
    };

    Claim claimSpace(std::int32_t alignedLength, std::int32_t activeTermId)
    {
        const std::int64_t rawTail = m_metaData.getAndAddInt64(m_tailCounterOffset, alignedLength);
        const std::int32_t termId = LogBufferDescriptor::termId(rawTail);
        if (termId != activeTermId) [[unlikely]]
        {
            throwTermMismatch(termId, activeTermId);
        }
        return {termId, static_cast<std::int64_t>(static_cast<std::uint64_t>(rawTail) & 0xFFFF'FFFFULL)};
    }
    /// Kept out of line and cold so the claim path carries no exception-building code.
    [[noreturn]] [[gnu::cold]] [[gnu::noinline]] static void throwTermMismatch(std::int32_t termId, std::int32_t activeTermId);
    std::int32_t handleEndOfTerm(const HeaderWriter& header, Claim claim);
    static std::int32_t gatherInto(
        util::AtomicBuffer& termBuffer,
        std::int32_t offset,
        std::span<const BufferVector> vectors,
        std::size_t& vectorIndex,
        std::int32_t& vectorOffset,
        std::int32_t length);

    util::AtomicBuffer& m_termBuffer;
    util::AtomicBuffer& m_metaData;
    std::size_t m_tailCounterOffset;
};
} // namespace cox::transport

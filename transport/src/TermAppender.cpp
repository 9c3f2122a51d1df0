#include "cox/transport/TermAppender.hpp"

#include <string>

#include "cox/transport/FrameDescriptor.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
using codecs::frames::DataHeaderFlyweight;

TermAppender::TermAppender(util::AtomicBuffer& termBuffer, util::AtomicBuffer& metaData, std::int32_t partitionIndex) noexcept
    : m_termBuffer(termBuffer), m_metaData(metaData), m_tailCounterOffset(LogBufferDescriptor::tailCounterOffset(partitionIndex))
{
}

void TermAppender::throwTermMismatch(std::int32_t termId, std::int32_t activeTermId)
{
    throw util::IllegalStateException("term appender claimed in term " + std::to_string(termId) +
                                      " but the active term is " + std::to_string(activeTermId));
}

std::int32_t TermAppender::handleEndOfTerm(const HeaderWriter& header, Claim claim)
{
    const auto termLength = static_cast<std::int64_t>(m_termBuffer.capacity());
    if (claim.termOffset > termLength)
    {
        return FAILED;
    }
    if (claim.termOffset < termLength)
    {
        const auto offset = static_cast<std::int32_t>(claim.termOffset);
        const auto paddingLength = static_cast<std::int32_t>(termLength - claim.termOffset);
        header.write(m_termBuffer, offset, paddingLength, claim.termId);
        FrameDescriptor::frameType(m_termBuffer, offset, DataHeaderFlyweight::HDR_TYPE_PAD);
        FrameDescriptor::frameLengthOrdered(m_termBuffer, offset, paddingLength);
    }
    return TRIPPED;
}

std::int32_t TermAppender::appendUnfragmentedMessage(
    const HeaderWriter& header,
    const std::uint8_t* source,
    std::int32_t length,
    const ReservedValueSupplier& reservedValueSupplier,
    std::int32_t activeTermId)
{
    const BufferVector vector{source, length};
    return appendUnfragmentedMessage(header, std::span(&vector, 1), length, reservedValueSupplier, activeTermId);
}

std::int32_t TermAppender::appendUnfragmentedMessage(
    const HeaderWriter& header,
    std::span<const BufferVector> vectors,
    std::int32_t length,
    const ReservedValueSupplier& reservedValueSupplier,
    std::int32_t activeTermId)
{
    const std::int32_t frameLength = length + FrameDescriptor::HEADER_LENGTH;
    const std::int32_t alignedLength = FrameDescriptor::alignedLength(frameLength);
    const Claim claim = claimSpace(alignedLength, activeTermId);
    const std::int64_t resultingOffset = claim.termOffset + alignedLength;
    if (resultingOffset > static_cast<std::int64_t>(m_termBuffer.capacity()))
    {
        return handleEndOfTerm(header, claim);
    }

    const auto frameOffset = static_cast<std::int32_t>(claim.termOffset);
    header.write(m_termBuffer, frameOffset, frameLength, claim.termId);
    std::size_t vectorIndex = 0;
    std::int32_t vectorOffset = 0;
    gatherInto(m_termBuffer, frameOffset + FrameDescriptor::HEADER_LENGTH, vectors, vectorIndex, vectorOffset, length);
    const std::int64_t reservedValue = reservedValueSupplier(m_termBuffer, frameOffset, frameLength);
    m_termBuffer.putInt64(
        static_cast<std::size_t>(frameOffset + DataHeaderFlyweight::RESERVED_VALUE_FIELD_OFFSET), reservedValue);
    FrameDescriptor::frameLengthOrdered(m_termBuffer, frameOffset, frameLength);
    return static_cast<std::int32_t>(resultingOffset);
}

std::int32_t TermAppender::appendFragmentedMessage(
    const HeaderWriter& header,
    const std::uint8_t* source,
    std::int32_t length,
    std::int32_t maxPayloadLength,
    const ReservedValueSupplier& reservedValueSupplier,
    std::int32_t activeTermId)
{
    const BufferVector vector{source, length};
    return appendFragmentedMessage(
        header, std::span(&vector, 1), length, maxPayloadLength, reservedValueSupplier, activeTermId);
}

std::int32_t TermAppender::appendFragmentedMessage(
    const HeaderWriter& header,
    std::span<const BufferVector> vectors,
    std::int32_t length,
    std::int32_t maxPayloadLength,
    const ReservedValueSupplier& reservedValueSupplier,
    std::int32_t activeTermId)
{
    const std::int32_t requiredLength = LogBufferDescriptor::computeFragmentedFrameLength(length, maxPayloadLength);
    const Claim claim = claimSpace(requiredLength, activeTermId);
    const std::int64_t resultingOffset = claim.termOffset + requiredLength;
    if (resultingOffset > static_cast<std::int64_t>(m_termBuffer.capacity()))
    {
        return handleEndOfTerm(header, claim);
    }

    auto frameOffset = static_cast<std::int32_t>(claim.termOffset);
    std::uint8_t flags = DataHeaderFlyweight::BEGIN_FLAG;
    std::int32_t remaining = length;
    std::size_t vectorIndex = 0;
    std::int32_t vectorOffset = 0;
    do
    {
        const std::int32_t bytesToWrite = remaining < maxPayloadLength ? remaining : maxPayloadLength;
        const std::int32_t frameLength = bytesToWrite + FrameDescriptor::HEADER_LENGTH;
        header.write(m_termBuffer, frameOffset, frameLength, claim.termId);
        gatherInto(
            m_termBuffer, frameOffset + FrameDescriptor::HEADER_LENGTH, vectors, vectorIndex, vectorOffset, bytesToWrite);
        if (remaining <= maxPayloadLength)
        {
            flags |= DataHeaderFlyweight::END_FLAG;
        }
        FrameDescriptor::frameFlags(m_termBuffer, frameOffset, flags);
        const std::int64_t reservedValue = reservedValueSupplier(m_termBuffer, frameOffset, frameLength);
        m_termBuffer.putInt64(
            static_cast<std::size_t>(frameOffset + DataHeaderFlyweight::RESERVED_VALUE_FIELD_OFFSET), reservedValue);
        FrameDescriptor::frameLengthOrdered(m_termBuffer, frameOffset, frameLength);

        flags = 0;
        frameOffset += FrameDescriptor::alignedLength(frameLength);
        remaining -= bytesToWrite;
    } while (remaining > 0);

    return static_cast<std::int32_t>(resultingOffset);
}

std::int32_t TermAppender::appendPadding(const HeaderWriter& header, std::int32_t length, std::int32_t activeTermId)
{
    const std::int32_t frameLength = length + FrameDescriptor::HEADER_LENGTH;
    const std::int32_t alignedLength = FrameDescriptor::alignedLength(frameLength);
    const Claim claim = claimSpace(alignedLength, activeTermId);
    const std::int64_t resultingOffset = claim.termOffset + alignedLength;
    if (resultingOffset > static_cast<std::int64_t>(m_termBuffer.capacity()))
    {
        return handleEndOfTerm(header, claim);
    }
    const auto frameOffset = static_cast<std::int32_t>(claim.termOffset);
    header.write(m_termBuffer, frameOffset, frameLength, claim.termId);
    FrameDescriptor::frameType(m_termBuffer, frameOffset, DataHeaderFlyweight::HDR_TYPE_PAD);
    FrameDescriptor::frameLengthOrdered(m_termBuffer, frameOffset, frameLength);
    return static_cast<std::int32_t>(resultingOffset);
}

std::int32_t TermAppender::gatherInto(
    util::AtomicBuffer& termBuffer,
    std::int32_t offset,
    std::span<const BufferVector> vectors,
    std::size_t& vectorIndex,
    std::int32_t& vectorOffset,
    std::int32_t length)
{
    // Fragments do not line up with vectors, so the cursor (vectorIndex, vectorOffset) carries over from one
    // fragment to the next.
    std::int32_t copied = 0;
    while (copied < length && vectorIndex < vectors.size())
    {
        const BufferVector& vector = vectors[vectorIndex];
        const std::int32_t available = vector.length - vectorOffset;
        const std::int32_t chunk = available < (length - copied) ? available : (length - copied);
        termBuffer.putBytes(
            static_cast<std::size_t>(offset + copied), vector.buffer + vectorOffset, static_cast<std::size_t>(chunk));
        copied += chunk;
        vectorOffset += chunk;
        if (vectorOffset == vector.length)
        {
            ++vectorIndex;
            vectorOffset = 0;
        }
    }
    return copied;
}
} // namespace cox::transport

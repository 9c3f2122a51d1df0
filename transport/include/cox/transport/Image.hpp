#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "cox/transport/ControlledPollAction.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/transport/TermReader.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
/// One publisher's stream as seen by a subscription (Aeron's Image): the log buffer the driver fills (or
/// the publication's own log for IPC) and the subscriber position counter this image alone writes.
///
/// poll, controlledPoll and boundedPoll belong to one thread, the subscription's poller; the rest may be
/// called from any thread. No call allocates, locks or throws on the polling path (handlers may throw; the
/// position then stays before the fragment that threw, so it is delivered again). A poll reads at most to
/// the end of the current term; the next poll continues in the next term.
///
/// Handlers are called as handler(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
/// const Header& header) with the payload's offset and length; controlled handlers return a
/// ControlledPollAction.
class Image
{
public:
    /// Created by the client conductor. subscriberPosition is already at the join position (set by the
    /// driver before it announced the image).
    Image(std::int32_t sessionId, std::int64_t correlationId, std::int64_t subscriptionRegistrationId,
          std::string sourceIdentity, const util::Position& subscriberPosition, std::unique_ptr<LogBuffers> logBuffers);

    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;

    [[nodiscard]] std::int32_t sessionId() const noexcept { return m_sessionId; }
    /// The driver's id for this image (AvailableImage correlationId).
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_correlationId; }
    [[nodiscard]] std::int64_t subscriptionRegistrationId() const noexcept { return m_subscriptionRegistrationId; }
    /// Where the data comes from: "ip:port" of the sender, or "aeron:ipc".
    [[nodiscard]] const std::string& sourceIdentity() const noexcept { return m_sourceIdentity; }
    [[nodiscard]] std::int32_t termBufferLength() const noexcept { return m_termLength; }
    /// The publisher's MTU, from the log metadata (recorders keep it with the recording).
    [[nodiscard]] std::int32_t mtuLength() const
    {
        return LogBufferDescriptor::mtuLength(m_logBuffers->metaDataBuffer());
    }
    [[nodiscard]] std::int32_t initialTermId() const noexcept { return m_header.initialTermId(); }
    [[nodiscard]] std::int32_t positionBitsToShift() const noexcept { return m_positionBitsToShift; }
    [[nodiscard]] std::int32_t subscriberPositionId() const noexcept { return m_subscriberPosition.id(); }
    /// The subscriber position when the image was created.
    [[nodiscard]] std::int64_t joinPosition() const noexcept { return m_joinPosition; }

    /// The subscriber position: how far this image has been consumed (the final one once closed).
    [[nodiscard]] std::int64_t position() const noexcept
    {
        return isClosed() ? m_finalPosition.load(std::memory_order_acquire) : m_subscriberPosition.getVolatile();
    }

    /// True once the stream has ended and everything up to its end has been consumed.
    [[nodiscard]] bool isEndOfStream() const
    {
        return position() >= LogBufferDescriptor::endOfStreamPosition(m_logBuffers->metaDataBuffer());
    }

    /// How many sources fed the image within its liveness timeout (Aeron's activeTransportCount): a replay
    /// merging into a live stream waits for 2 before it drops the replay; 0 for IPC images.
    [[nodiscard]] std::int32_t activeTransportCount() const
    {
        return LogBufferDescriptor::activeTransportCount(m_logBuffers->metaDataBuffer());
    }

    /// True after the driver reported the image unavailable or its subscription closed.
    [[nodiscard]] bool isClosed() const noexcept { return m_isClosed.load(std::memory_order_acquire); }

    /// Delivers up to fragmentLimit fragments; returns how many it delivered (0 when closed).
    template <typename Handler> int poll(Handler&& handler, int fragmentLimit)
    {
        if (isClosed())
        {
            return 0;
        }
        const std::int64_t position = m_subscriberPosition.get();
        const std::int32_t termOffset = offsetInTerm(position);
        const TermReader::ReadOutcome outcome =
            TermReader::read(termBuffer(position), termOffset, handler, fragmentLimit, m_header);
        const std::int64_t newPosition = position + (outcome.offset - termOffset);
        if (newPosition > position)
        {
            m_subscriberPosition.setOrdered(newPosition);
        }
        return outcome.fragmentsRead;
    }

    /// As poll, the handler deciding after each fragment: ABORT (not consumed, stop), BREAK (consumed,
    /// stop), COMMIT (consumed, position published now), CONTINUE (consumed, position published at the end).
    template <typename Handler> int controlledPoll(Handler&& handler, int fragmentLimit)
    {
        return boundedControlledPoll(std::forward<Handler>(handler), std::numeric_limits<std::int64_t>::max(),
                                     fragmentLimit);
    }

    /// As controlledPoll, but starts no fragment at or beyond limitPosition (Aeron's boundedControlledPoll).
    template <typename Handler>
    int boundedControlledPoll(Handler&& handler, std::int64_t limitPosition, int fragmentLimit)
    {
        if (isClosed())
        {
            return 0;
        }
        std::int64_t initialPosition = m_subscriberPosition.get();
        if (initialPosition >= limitPosition)
        {
            return 0;
        }
        std::int32_t initialOffset = offsetInTerm(initialPosition);
        std::int32_t offset = initialOffset;
        const util::AtomicBuffer& term = termBuffer(initialPosition);
        const auto capacity = static_cast<std::int64_t>(term.capacity());
        const auto limitOffset =
            static_cast<std::int32_t>(std::min(capacity, limitPosition - initialPosition + initialOffset));
        int fragmentsRead = 0;
        while (fragmentsRead < fragmentLimit && offset < limitOffset)
        {
            const std::int32_t frameLength = FrameDescriptor::frameLengthChecked(term, offset);
            if (frameLength <= 0)
            {
                break;
            }
            const std::int32_t frameOffset = offset;
            const std::int32_t alignedLength = FrameDescriptor::alignedLength(frameLength);
            offset += alignedLength;
            if (FrameDescriptor::isPaddingFrame(term, frameOffset))
            {
                continue;
            }
            m_header.wrap(term, frameOffset);
            const ControlledPollAction action = handler(static_cast<const util::AtomicBuffer&>(term),
                                                        frameOffset + FrameDescriptor::HEADER_LENGTH,
                                                        frameLength - FrameDescriptor::HEADER_LENGTH,
                                                        static_cast<const Header&>(m_header));
            if (action == ControlledPollAction::ABORT)
            {
                offset -= alignedLength;
                break;
            }
            ++fragmentsRead;
            if (action == ControlledPollAction::BREAK)
            {
                break;
            }
            if (action == ControlledPollAction::COMMIT)
            {
                initialPosition += offset - initialOffset;
                initialOffset = offset;
                m_subscriberPosition.setOrdered(initialPosition);
            }
        }
        const std::int64_t resultingPosition = initialPosition + (offset - initialOffset);
        if (resultingPosition > initialPosition)
        {
            m_subscriberPosition.setOrdered(resultingPosition);
        }
        return fragmentsRead;
    }

    /// As poll, but starts no fragment at or beyond limitPosition (a fragment starting before it is
    /// delivered whole, as in Aeron).
    template <typename Handler> int boundedPoll(Handler&& handler, std::int64_t limitPosition, int fragmentLimit)
    {
        if (isClosed())
        {
            return 0;
        }
        const std::int64_t initialPosition = m_subscriberPosition.get();
        if (initialPosition >= limitPosition)
        {
            return 0;
        }
        const std::int32_t initialOffset = offsetInTerm(initialPosition);
        std::int32_t offset = initialOffset;
        const util::AtomicBuffer& term = termBuffer(initialPosition);
        const auto capacity = static_cast<std::int64_t>(term.capacity());
        const auto limitOffset =
            static_cast<std::int32_t>(std::min(capacity, limitPosition - initialPosition + initialOffset));
        int fragmentsRead = 0;
        while (fragmentsRead < fragmentLimit && offset < limitOffset)
        {
            const std::int32_t frameLength = FrameDescriptor::frameLengthChecked(term, offset);
            if (frameLength <= 0)
            {
                break;
            }
            const std::int32_t frameOffset = offset;
            offset += FrameDescriptor::alignedLength(frameLength);
            if (FrameDescriptor::isPaddingFrame(term, frameOffset))
            {
                continue;
            }
            m_header.wrap(term, frameOffset);
            handler(static_cast<const util::AtomicBuffer&>(term), frameOffset + FrameDescriptor::HEADER_LENGTH,
                    frameLength - FrameDescriptor::HEADER_LENGTH, static_cast<const Header&>(m_header));
            ++fragmentsRead;
        }
        const std::int64_t resultingPosition = initialPosition + (offset - initialOffset);
        if (resultingPosition > initialPosition)
        {
            m_subscriberPosition.setOrdered(resultingPosition);
        }
        return fragmentsRead;
    }

    /// Hands over whole frames as one contiguous block (Aeron's blockPoll), for recorders that copy raw
    /// frames: handler(const util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::int32_t length,
    /// std::int32_t sessionId, std::int32_t termId). The block stops at the first incomplete frame, at
    /// blockLengthLimit, or at the term end; a PAD frame ends a block (it is included, as its header).
    /// Returns the bytes consumed (the position advances by that much, padding included).
    template <typename Handler> std::int32_t blockPoll(Handler&& handler, std::int32_t blockLengthLimit)
    {
        constexpr std::int32_t BLOCK_POLL_PREFETCH_STRIDE = 64;    // a cache line
        constexpr std::int32_t BLOCK_POLL_PREFETCH_DISTANCE = 2048; // lines in flight ahead of the walk
        if (isClosed())
        {
            return 0;
        }
        const std::int64_t position = m_subscriberPosition.get();
        const std::int32_t termOffset = offsetInTerm(position);
        const util::AtomicBuffer& term = termBuffer(position);
        const std::int32_t limitOffset =
            static_cast<std::int32_t>(std::min<std::int64_t>(static_cast<std::int64_t>(termOffset) + blockLengthLimit,
                                                             static_cast<std::int64_t>(term.capacity())));
        std::int32_t offset = termOffset;
        // Each frame's length says where the next one starts, so the walk is a chain of dependent loads, and the
        // lines were just written on another core: without help every small frame waits out a cache-line
        // transfer (about 1 ms per MiB of 64-byte frames, most of a recorder's time). Frames are contiguous, so
        // the lines ahead are fetched in parallel while the walk goes on.
        const std::uint8_t* const termBytes = term.buffer();
        std::int32_t prefetchedTo = termOffset;
        while (offset < limitOffset)
        {
            while (prefetchedTo < limitOffset && prefetchedTo - offset < BLOCK_POLL_PREFETCH_DISTANCE)
            {
                __builtin_prefetch(termBytes + prefetchedTo, 0, 3);
                prefetchedTo += BLOCK_POLL_PREFETCH_STRIDE;
            }
            const std::int32_t frameLength = FrameDescriptor::frameLengthChecked(term, offset);
            if (frameLength <= 0)
            {
                break;
            }
            const std::int32_t alignedLength = FrameDescriptor::alignedLength(frameLength);
            if (FrameDescriptor::isPaddingFrame(term, offset))
            {
                if (offset == termOffset)
                {
                    offset += alignedLength; // a block of just the padding
                }
                break;
            }
            if (offset + alignedLength > limitOffset)
            {
                break;
            }
            offset += alignedLength;
        }
        const std::int32_t length = offset - termOffset;
        if (length > 0)
        {
            const std::int32_t termId = term.getInt32(static_cast<std::size_t>(termOffset) + 20);
            handler(term, termOffset, length, m_sessionId, termId);
            m_subscriberPosition.setOrdered(position + length);
        }
        return length;
    }

    /// Client conductor only: the image is gone. Polls from now on return 0; the mapping stays until the
    /// conductor's linger for this image ends.
    void close() noexcept;

private:
    [[nodiscard]] std::int32_t offsetInTerm(std::int64_t position) const noexcept
    {
        return static_cast<std::int32_t>(position & m_termLengthMask);
    }
    [[nodiscard]] const util::AtomicBuffer& termBuffer(std::int64_t position) const noexcept
    {
        return m_logBuffers->termBuffer(LogBufferDescriptor::indexByPosition(position, m_positionBitsToShift));
    }

    std::unique_ptr<LogBuffers> m_logBuffers;
    util::Position m_subscriberPosition;
    Header m_header;
    std::string m_sourceIdentity;
    std::int64_t m_correlationId;
    std::int64_t m_subscriptionRegistrationId;
    std::int64_t m_joinPosition;
    std::int64_t m_termLengthMask;
    std::int32_t m_sessionId;
    std::int32_t m_termLength;
    std::int32_t m_positionBitsToShift;
    std::atomic<std::int64_t> m_finalPosition{0};
    std::atomic<bool> m_isClosed{false};
};
} // namespace cox::transport

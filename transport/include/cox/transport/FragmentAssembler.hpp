#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>

#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/Header.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
/// Rebuilds messages that a publication split into B ... E fragments, per session, before handing them to
/// the delegate handler (Aeron's FragmentAssembler). Unfragmented messages pass straight through without a
/// copy.
///
/// Each session gets one buffer, which grows (doubling) only when a message larger than any seen before
/// arrives, so steady-state reassembly neither allocates nor frees. A fragment that does not follow on from
/// the one before it (lost data on an unreliable stream, or a subscriber that joined mid-message) drops
/// the partial message instead of splicing unrelated bytes together.
///
/// For a reassembled message the delegate sees the header of the last fragment (E flag set); its
/// position() is the position after the whole message.
///
/// Handler: void(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&).
/// One thread (the subscriber's) only.
template <typename Handler>
class FragmentAssembler
{
public:
    static constexpr std::int32_t DEFAULT_INITIAL_BUFFER_LENGTH = 4096;

    explicit FragmentAssembler(Handler delegate, std::int32_t initialBufferLength = DEFAULT_INITIAL_BUFFER_LENGTH)
        : m_delegate(std::move(delegate)),
          m_initialBufferLength(initialBufferLength > 0 ? initialBufferLength : DEFAULT_INITIAL_BUFFER_LENGTH)
    {
    }

    /// The handler to give to poll; it refers to this assembler, which must outlive it.
    [[nodiscard]] auto handler()
    {
        return [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
        { onFragment(buffer, offset, length, header); };
    }

    void onFragment(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
    {
        const std::uint8_t flags = header.flags();
        if ((flags & FrameDescriptor::UNFRAGMENTED) == FrameDescriptor::UNFRAGMENTED)
        {
            m_delegate(buffer, offset, length, header);
            return;
        }
        if ((flags & FrameDescriptor::BEGIN_FRAG_FLAG) != 0)
        {
            SessionBuffer& session = sessionBuffer(header.sessionId());
            session.reset();
            session.append(buffer, offset, length);
            session.expectNext(header);
            return;
        }

        auto it = m_sessions.find(header.sessionId());
        if (it == m_sessions.end() || !it->second.inProgress())
        {
            return;
        }
        SessionBuffer& session = it->second;
        if (!session.isNext(header))
        {
            session.reset();
            return;
        }
        session.append(buffer, offset, length);
        if ((flags & FrameDescriptor::END_FRAG_FLAG) != 0)
        {
            m_delegate(session.buffer(), 0, session.limit(), header);
            session.reset();
        }
        else
        {
            session.expectNext(header);
        }
    }

    /// Forgets a session's partial message and buffer, e.g. when its image goes away.
    void freeSessionBuffer(std::int32_t sessionId) { m_sessions.erase(sessionId); }

    /// Capacity of a session's buffer; 0 if it has none. For tests and diagnostics.
    [[nodiscard]] std::int32_t bufferCapacity(std::int32_t sessionId) const
    {
        auto it = m_sessions.find(sessionId);
        return it == m_sessions.end() ? 0 : it->second.capacity();
    }

    [[nodiscard]] Handler& delegate() noexcept { return m_delegate; }

private:
    class SessionBuffer
    {
    public:
        explicit SessionBuffer(std::int32_t initialCapacity) { grow(initialCapacity); }

        void reset() noexcept
        {
            m_limit = 0;
            m_inProgress = false;
        }

        [[nodiscard]] bool inProgress() const noexcept { return m_inProgress; }
        [[nodiscard]] std::int32_t limit() const noexcept { return m_limit; }
        [[nodiscard]] std::int32_t capacity() const noexcept { return m_capacity; }
        [[nodiscard]] const util::AtomicBuffer& buffer() const noexcept { return m_view; }

        void append(const util::AtomicBuffer& source, std::int32_t offset, std::int32_t length)
        {
            const std::int64_t required = static_cast<std::int64_t>(m_limit) + length;
            if (required > m_capacity)
            {
                std::int64_t newCapacity = m_capacity;
                while (newCapacity < required)
                {
                    newCapacity *= 2;
                }
                grow(static_cast<std::int32_t>(newCapacity));
            }
            source.getBytes(static_cast<std::size_t>(offset), m_memory.get() + m_limit, static_cast<std::size_t>(length));
            m_limit += length;
            m_inProgress = true;
        }

        void expectNext(const Header& header) noexcept
        {
            m_nextTermId = header.termId();
            m_nextTermOffset = FrameDescriptor::alignedLength(header.termOffset() + header.frameLength());
        }

        // A fragment follows on from the last one if it starts where that one ended; a fragmented message
        // never crosses a term boundary, so the term id must match too.
        [[nodiscard]] bool isNext(const Header& header) const noexcept
        {
            return header.termId() == m_nextTermId && header.termOffset() == m_nextTermOffset;
        }

    private:
        void grow(std::int32_t newCapacity)
        {
            auto memory = std::make_unique_for_overwrite<std::uint8_t[]>(static_cast<std::size_t>(newCapacity));
            if (m_limit > 0)
            {
                std::memcpy(memory.get(), m_memory.get(), static_cast<std::size_t>(m_limit));
            }
            m_memory = std::move(memory);
            m_capacity = newCapacity;
            m_view.wrap(m_memory.get(), static_cast<std::size_t>(m_capacity));
        }

        std::unique_ptr<std::uint8_t[]> m_memory;
        util::AtomicBuffer m_view;
        std::int32_t m_capacity = 0;
        std::int32_t m_limit = 0;
        std::int32_t m_nextTermId = 0;
        std::int32_t m_nextTermOffset = 0;
        bool m_inProgress = false;
    };

    SessionBuffer& sessionBuffer(std::int32_t sessionId)
    {
        auto it = m_sessions.find(sessionId);
        if (it == m_sessions.end())
        {
            it = m_sessions.emplace(sessionId, SessionBuffer(m_initialBufferLength)).first;
        }
        return it->second;
    }

    Handler m_delegate;
    std::int32_t m_initialBufferLength;
    std::unordered_map<std::int32_t, SessionBuffer> m_sessions;
};
} // namespace cox::transport

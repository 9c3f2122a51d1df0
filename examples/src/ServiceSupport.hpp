#pragma once

// Pieces both example services share: the deterministic state digest, replying to a session with retry, and
// writing and reading a snapshot stream.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/Image.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::examples::detail
{
/// 64-bit FNV-1a with a final avalanche. Chosen because it is fully specified byte by byte, so every member,
/// build and platform computes the same value; it is a state fingerprint, not a defence against collisions.
class StateDigest
{
public:
    static constexpr std::uint64_t OFFSET_BASIS = 0xCBF29CE484222325ULL;

    StateDigest() noexcept = default;
    /// Continues a digest whose state() was kept elsewhere.
    explicit StateDigest(std::uint64_t state) noexcept : m_hash(state) {}

    void update(const void* data, std::size_t length) noexcept
    {
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        for (std::size_t i = 0; i < length; ++i)
        {
            m_hash = (m_hash ^ bytes[i]) * PRIME;
        }
    }

    /// Little-endian regardless of the host, so the digest does not depend on the machine.
    void update(std::int64_t value) noexcept
    {
        std::uint8_t bytes[8];
        auto raw = static_cast<std::uint64_t>(value);
        for (std::uint8_t& byte : bytes)
        {
            byte = static_cast<std::uint8_t>(raw & 0xFFU);
            raw >>= 8;
        }
        update(bytes, sizeof(bytes));
    }

    /// Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    void update(std::string_view bytes) noexcept
    {
        update(static_cast<std::int64_t>(bytes.size()));
        update(bytes.data(), bytes.size());
    }

    /// The running state, to continue later; not finalised.
    [[nodiscard]] std::uint64_t state() const noexcept { return m_hash; }

    /// The splitmix64 finaliser, so that states differing in one late byte differ in every output bit.
    [[nodiscard]] std::uint64_t value() const noexcept
    {
        std::uint64_t z = m_hash;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    static constexpr std::uint64_t PRIME = 0x100000001B3ULL;

    std::uint64_t m_hash = OFFSET_BASIS;
};

/// Offers a reply to session, retrying BACK_PRESSURED and ADMIN_ACTION with idleStrategy (when given). A
/// follower's MOCKED_OFFER counts as sent. Returns false when the reply could not be sent at all (the client
/// is not connected or its publication closed): the client will time out or retry, and the service's state is
/// unaffected, as it must be since only the leader sends. Allocates nothing.
[[nodiscard]] bool offerReply(cluster::ClientSession& session, util::IdleStrategy* idleStrategy,
                              const std::uint8_t* data, std::int32_t length) noexcept;

/// Appends one snapshot message, retrying while the archive's recording catches up (BACK_PRESSURED,
/// ADMIN_ACTION, NOT_CONNECTED). Throws util::IllegalStateException when the publication can never take it
/// (CLOSED, MAX_POSITION_EXCEEDED, ERROR): the snapshot has failed and the container must not ack it.
void offerSnapshotMessage(transport::ExclusivePublication& publication, util::IdleStrategy& idleStrategy,
                          const std::uint8_t* data, std::int32_t length);

/// Fragments per poll while loading a snapshot.
inline constexpr int SNAPSHOT_FRAGMENT_LIMIT = 16;

/// Polls image until handler reports the snapshot complete, reassembling fragmented messages first. The
/// handler is bool(const std::uint8_t* data, std::size_t length) and returns true after the last message; it
/// throws on a malformed snapshot. Throws util::IllegalStateException if the image ends or closes first.
template <typename Handler>
void readSnapshot(transport::Image& image, util::IdleStrategy& idleStrategy, Handler&& handler)
{
    bool complete = false;
    auto onMessage = [&complete, &handler](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                           const transport::Header&)
    {
        // The poll may hand over fragments past the end marker; they are not ours to read.
        if (!complete)
        {
            complete = handler(buffer.buffer() + offset, static_cast<std::size_t>(length));
        }
    };
    transport::FragmentAssembler<decltype(onMessage)> assembler(onMessage);
    auto fragmentHandler = assembler.handler();
    idleStrategy.reset();
    while (!complete)
    {
        const int fragments = image.poll(fragmentHandler, SNAPSHOT_FRAGMENT_LIMIT);
        if (complete)
        {
            break;
        }
        if (fragments == 0)
        {
            if (image.isClosed() || image.isEndOfStream())
            {
                throw util::IllegalStateException("snapshot image ended before its end marker");
            }
            idleStrategy.idle();
        }
        else
        {
            idleStrategy.reset();
        }
    }
}
} // namespace cox::examples::detail

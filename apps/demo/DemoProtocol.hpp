#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "cox/codecs/cluster/ClusterCodecs.hpp"

namespace cox::apps::demo
{
/// The demo's wire formats and its deterministic workload, shared by the agents, the pipeline and tests.
///
/// Ingress message (client -> sequencer), as a cluster client sends a session message:
///   SBE message header + SessionMessageHeader (leadershipTermId, clusterSessionId, timestamp) + KeyValuePut.
/// Log entry (sequencer -> service), the form the consensus module's log will carry:
///   LogEntryDescriptor header (log position, message length, CRC32C) + the ingress message, its timestamp
///   rewritten to the sequencer's time as the leader stamps cluster time on every log message.

/// The application payload: a put into the service's key-value map, with what the service needs to
/// check ordering (the client's own sequence) and measure latency (the client's send time).
struct KeyValuePut
{
    static constexpr std::size_t KEY_OFFSET = 0;
    static constexpr std::size_t VALUE_OFFSET = 8;
    static constexpr std::size_t CLIENT_SEQUENCE_OFFSET = 16;
    static constexpr std::size_t SEND_TIME_NS_OFFSET = 24;
    static constexpr std::size_t LENGTH = 32;

    std::int64_t key = 0;
    std::int64_t value = 0;
    std::int64_t clientSequence = 0;
    std::int64_t sendTimeNs = 0;

    void encode(std::uint8_t* at) const noexcept
    {
        codecs::sbe::store<std::int64_t>(at + KEY_OFFSET, key);
        codecs::sbe::store<std::int64_t>(at + VALUE_OFFSET, value);
        codecs::sbe::store<std::int64_t>(at + CLIENT_SEQUENCE_OFFSET, clientSequence);
        codecs::sbe::store<std::int64_t>(at + SEND_TIME_NS_OFFSET, sendTimeNs);
    }

    /// The caller has checked that LENGTH bytes are readable at at.
    [[nodiscard]] static KeyValuePut decode(const std::uint8_t* at) noexcept
    {
        return {codecs::sbe::load<std::int64_t>(at + KEY_OFFSET), codecs::sbe::load<std::int64_t>(at + VALUE_OFFSET),
                codecs::sbe::load<std::int64_t>(at + CLIENT_SEQUENCE_OFFSET),
                codecs::sbe::load<std::int64_t>(at + SEND_TIME_NS_OFFSET)};
    }
};

/// Length of one ingress message: header, session message header, payload.
inline constexpr std::size_t INGRESS_MESSAGE_LENGTH = codecs::cluster::MessageHeaderEncoder::ENCODED_LENGTH +
                                                      codecs::cluster::SessionMessageHeaderEncoder::BLOCK_LENGTH +
                                                      KeyValuePut::LENGTH;

/// Ring-buffer message type ids (any positive value; there is one kind of message on each ring).
inline constexpr std::int32_t INGRESS_MSG_TYPE_ID = 1;
inline constexpr std::int32_t LOG_ENTRY_MSG_TYPE_ID = 2;

/// Until elections exist there is one term.
inline constexpr std::int64_t LEADERSHIP_TERM_ID = 0;

namespace LogEntryDescriptor
{
/// Log entry header: log position int64 @0 (the position just after this entry, Aeron's convention),
/// message length int32 @8, CRC32C int32 @12 over bytes [0, 12) then the message, so a flipped bit in
/// the position or the length is caught as well as one in the message.
inline constexpr std::size_t LOG_POSITION_OFFSET = 0;
inline constexpr std::size_t MESSAGE_LENGTH_OFFSET = 8;
inline constexpr std::size_t CRC_OFFSET = 12;
inline constexpr std::size_t HEADER_LENGTH = 16;
/// Bytes of the header the checksum covers.
inline constexpr std::size_t CHECKED_HEADER_LENGTH = CRC_OFFSET;
} // namespace LogEntryDescriptor

/// splitmix64's finaliser: a cheap, well-mixed 64-bit hash.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

/// The workload is a pure function of (client index, client sequence), so the expected final state can
/// be computed without the pipeline. Each client writes only its own keys: interleaving between clients
/// is up to the sequencer, but a client's own messages keep their order through the ring buffers, so
/// the final map does not depend on how the clients were interleaved.
[[nodiscard]] constexpr std::int64_t keyFor(std::int32_t clientIndex, std::int64_t sequence,
                                            std::int64_t keysPerClient) noexcept
{
    return (static_cast<std::int64_t>(clientIndex) << 32) | (sequence % keysPerClient);
}

[[nodiscard]] constexpr std::int64_t valueFor(std::int32_t clientIndex, std::int64_t sequence) noexcept
{
    return static_cast<std::int64_t>(mix64((static_cast<std::uint64_t>(clientIndex) << 48) ^
                                           static_cast<std::uint64_t>(sequence)));
}

/// One map entry's contribution to the state hash. The hash of a map is the sum (mod 2^64) of its
/// entries' contributions: independent of iteration order, and updated in O(1) on each put by
/// subtracting the old entry and adding the new one.
[[nodiscard]] constexpr std::uint64_t entryHash(std::int64_t key, std::int64_t value) noexcept
{
    return mix64(static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ULL + mix64(static_cast<std::uint64_t>(value)));
}

/// The state hash the service must reach once client i's first sentCounts[i] messages are applied.
[[nodiscard]] std::uint64_t expectedStateHash(std::span<const std::int64_t> sentCounts, std::int64_t keysPerClient);

/// Number of distinct keys in that state.
[[nodiscard]] std::int64_t expectedEntryCount(std::span<const std::int64_t> sentCounts,
                                              std::int64_t keysPerClient) noexcept;
} // namespace cox::apps::demo

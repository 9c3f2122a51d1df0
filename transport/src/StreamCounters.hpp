#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "cox/util/CountersManager.hpp"
#include "cox/util/Position.hpp"

namespace cox::transport
{
/// Aeron's counter type ids for stream positions (facts §8.3), so tools that know Aeron read ours.
namespace StreamCounterType
{
inline constexpr std::int32_t PUBLISHER_LIMIT = 1;
inline constexpr std::int32_t SENDER_POSITION = 2;
inline constexpr std::int32_t RECEIVER_HWM = 3;
inline constexpr std::int32_t SUBSCRIBER_POSITION = 4;
inline constexpr std::int32_t RECEIVER_POSITION = 5;
inline constexpr std::int32_t SEND_CHANNEL_STATUS = 6;
inline constexpr std::int32_t RECEIVE_CHANNEL_STATUS = 7;
inline constexpr std::int32_t SENDER_LIMIT = 9;
inline constexpr std::int32_t PUBLISHER_POSITION = 12;
inline constexpr std::int32_t SENDER_BPE = 13;
inline constexpr std::int32_t LOCAL_SOCKET_ADDRESS = 14;
inline constexpr std::int32_t SYSTEM = 0;
} // namespace StreamCounterType

/// Channel endpoint status values (Aeron's ChannelEndpointStatus), held by the rcv-channel counter and
/// by the rcv-local-sockaddr counters that point at it.
namespace ChannelEndpointStatus
{
inline constexpr std::int64_t INITIALIZING = 0;
inline constexpr std::int64_t ACTIVE = 1;
inline constexpr std::int64_t CLOSING = 2;
inline constexpr std::int64_t ERRORED = -1;
} // namespace ChannelEndpointStatus

/// Allocates a stream counter with Aeron's key (registration id, session id, stream id, channel) and
/// label "<name>: <regId> <sessionId> <streamId> <channel>[ @<joinPosition>]".
inline util::Position allocateStreamPosition(
    util::CountersManager& counters,
    std::string_view name,
    std::int32_t typeId,
    std::int64_t registrationId,
    std::int32_t sessionId,
    std::int32_t streamId,
    std::string_view channel,
    std::string_view suffix = {})
{
    std::uint8_t key[util::CountersDescriptor::MAX_KEY_LENGTH] = {};
    std::size_t keyLength = 0;
    auto put = [&](const void* value, std::size_t length)
    {
        const std::size_t n = std::min(length, sizeof(key) - keyLength);
        std::memcpy(key + keyLength, value, n);
        keyLength += n;
    };
    put(&registrationId, sizeof(registrationId));
    put(&sessionId, sizeof(sessionId));
    put(&streamId, sizeof(streamId));
    const auto channelLength = static_cast<std::int32_t>(channel.size());
    put(&channelLength, sizeof(channelLength));
    put(channel.data(), channel.size());

    std::string label = std::string(name) + ": " + std::to_string(registrationId) + " " + std::to_string(sessionId) +
        " " + std::to_string(streamId) + " " + std::string(channel);
    if (!suffix.empty())
    {
        label += " ";
        label += suffix;
    }
    if (label.size() > util::CountersDescriptor::MAX_LABEL_LENGTH)
    {
        label.resize(util::CountersDescriptor::MAX_LABEL_LENGTH);
    }
    return counters.newPosition(label, typeId, std::span<const std::uint8_t>(key, keyLength));
}
} // namespace cox::transport

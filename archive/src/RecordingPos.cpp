#include "cox/archive/RecordingPos.hpp"

#include <algorithm>
#include <cstring>

#include "cox/util/CountersManager.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::archive
{
namespace
{
using util::CountersDescriptor::RECORD_ALLOCATED;
using util::CountersDescriptor::RECORD_UNUSED;

template <typename T> T readKey(std::span<const std::uint8_t> key, std::size_t offset) noexcept
{
    T value{};
    if (offset + sizeof(T) <= key.size())
    {
        std::memcpy(&value, key.data() + offset, sizeof(T));
    }
    return value;
}

/// The stored identity length, clamped: the key may come from another process.
std::size_t sourceIdentityLength(std::span<const std::uint8_t> key) noexcept
{
    const auto stored = readKey<std::int32_t>(key, RecordingPos::SOURCE_IDENTITY_LENGTH_OFFSET);
    return std::clamp<std::size_t>(stored < 0 ? 0 : static_cast<std::size_t>(stored), 0,
                                   RecordingPos::MAX_SOURCE_IDENTITY_LENGTH);
}

std::int64_t archiveIdOf(std::span<const std::uint8_t> key) noexcept
{
    return readKey<std::int64_t>(key, RecordingPos::SOURCE_IDENTITY_OFFSET + sourceIdentityLength(key));
}

bool isRecordingPos(const util::CountersReader& counters, std::int32_t counterId) noexcept
{
    return counterId >= 0 && counterId < counters.maxCounters() &&
           counters.getCounterState(counterId) == RECORD_ALLOCATED &&
           counters.getCounterTypeId(counterId) == RecordingPos::RECORDING_POSITION_TYPE_ID;
}

bool archiveMatches(std::int64_t wanted, std::span<const std::uint8_t> key) noexcept
{
    return wanted == RecordingPos::NULL_ARCHIVE_ID || archiveIdOf(key) == wanted;
}

template <typename Matches> std::int32_t findCounterId(const util::CountersReader& counters, Matches&& matches)
{
    for (std::int32_t id = 0, max = counters.maxCounters(); id < max; ++id)
    {
        const std::int32_t state = counters.getCounterState(id);
        if (state == RECORD_UNUSED)
        {
            break;
        }
        if (state == RECORD_ALLOCATED && counters.getCounterTypeId(id) == RecordingPos::RECORDING_POSITION_TYPE_ID &&
            matches(counters.getCounterKey(id)))
        {
            return id;
        }
    }
    return RecordingPos::NULL_COUNTER_ID;
}
} // namespace

std::int32_t RecordingPos::findCounterIdByRecording(const util::CountersReader& counters, std::int64_t recordingId,
                                                    std::int64_t archiveId)
{
    return findCounterId(counters,
                         [&](std::span<const std::uint8_t> key)
                         {
                             return readKey<std::int64_t>(key, RECORDING_ID_OFFSET) == recordingId &&
                                    archiveMatches(archiveId, key);
                         });
}

std::int32_t RecordingPos::findCounterIdBySession(const util::CountersReader& counters, std::int32_t sessionId,
                                                  std::int64_t archiveId)
{
    return findCounterId(counters,
                         [&](std::span<const std::uint8_t> key)
                         {
                             return readKey<std::int32_t>(key, SESSION_ID_OFFSET) == sessionId &&
                                    archiveMatches(archiveId, key);
                         });
}

std::int64_t RecordingPos::getRecordingId(const util::CountersReader& counters, std::int32_t counterId)
{
    if (!isRecordingPos(counters, counterId))
    {
        return NULL_RECORDING_ID;
    }
    return readKey<std::int64_t>(counters.getCounterKey(counterId), RECORDING_ID_OFFSET);
}

std::string RecordingPos::getSourceIdentity(const util::CountersReader& counters, std::int32_t counterId)
{
    if (!isRecordingPos(counters, counterId))
    {
        return {};
    }
    const std::span<const std::uint8_t> key = counters.getCounterKey(counterId);
    const std::size_t length = sourceIdentityLength(key);
    return {reinterpret_cast<const char*>(key.data() + SOURCE_IDENTITY_OFFSET), length};
}

std::int64_t RecordingPos::getArchiveId(const util::CountersReader& counters, std::int32_t counterId)
{
    if (!isRecordingPos(counters, counterId))
    {
        return NULL_ARCHIVE_ID;
    }
    return archiveIdOf(counters.getCounterKey(counterId));
}

bool RecordingPos::isActive(const util::CountersReader& counters, std::int32_t counterId, std::int64_t recordingId)
{
    return isRecordingPos(counters, counterId) &&
           readKey<std::int64_t>(counters.getCounterKey(counterId), RECORDING_ID_OFFSET) == recordingId;
}

std::size_t RecordingPos::encodeKey(std::span<std::uint8_t> key, std::int64_t recordingId, std::int32_t sessionId,
                                    std::string_view sourceIdentity, std::int64_t archiveId)
{
    const std::size_t identityLength = std::min(sourceIdentity.size(), MAX_SOURCE_IDENTITY_LENGTH);
    const std::size_t keyLength = SOURCE_IDENTITY_OFFSET + identityLength + sizeof(std::int64_t);
    if (key.size() < keyLength)
    {
        throw util::IllegalArgumentException("RecordingPos key needs " + std::to_string(keyLength) + " bytes, got " +
                                             std::to_string(key.size()));
    }
    const auto storedLength = static_cast<std::int32_t>(identityLength);
    std::memcpy(key.data() + RECORDING_ID_OFFSET, &recordingId, sizeof(recordingId));
    std::memcpy(key.data() + SESSION_ID_OFFSET, &sessionId, sizeof(sessionId));
    std::memcpy(key.data() + SOURCE_IDENTITY_LENGTH_OFFSET, &storedLength, sizeof(storedLength));
    std::memcpy(key.data() + SOURCE_IDENTITY_OFFSET, sourceIdentity.data(), identityLength);
    std::memcpy(key.data() + SOURCE_IDENTITY_OFFSET + identityLength, &archiveId, sizeof(archiveId));
    return keyLength;
}

std::string RecordingPos::label(std::int64_t recordingId, std::int32_t sessionId, std::int32_t streamId,
                                std::string_view strippedChannel, std::int64_t archiveId)
{
    std::string text = "rec-pos: " + std::to_string(recordingId) + ' ' + std::to_string(sessionId) + ' ' +
                       std::to_string(streamId) + ' ';
    text.append(strippedChannel);
    text += " - archiveId=" + std::to_string(archiveId);
    return text;
}

std::int32_t RecordingPos::allocate(util::CountersManager& counters, std::int64_t recordingId, std::int32_t sessionId,
                                    std::int32_t streamId, std::string_view strippedChannel,
                                    std::string_view sourceIdentity, std::int64_t archiveId)
{
    std::uint8_t key[util::CountersDescriptor::MAX_KEY_LENGTH] = {};
    const std::size_t keyLength = encodeKey(key, recordingId, sessionId, sourceIdentity, archiveId);
    return counters.allocate(label(recordingId, sessionId, streamId, strippedChannel, archiveId),
                             RECORDING_POSITION_TYPE_ID, std::span<const std::uint8_t>(key, keyLength));
}
} // namespace cox::archive

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cox/util/CountersReader.hpp"

namespace cox::util
{
class CountersManager;
}

namespace cox::archive
{
/// The archive's recording position counters (Aeron's RecordingPos): one per active recording, type 100, value =
/// the position written to the segment files. Key layout: recordingId:i64@0, sessionId:i32@8,
/// sourceIdentityLength:i32@12, sourceIdentity@16 (cut to 88 bytes), archiveId:i64 right after the identity.
///
/// The readers tolerate keys from another process: a stored identity length outside [0, 88] is clamped, and ids
/// out of range or not allocated simply do not match. They never throw.
class RecordingPos
{
public:
    static constexpr std::int32_t RECORDING_POSITION_TYPE_ID = 100;
    static constexpr std::int32_t NULL_COUNTER_ID = -1;
    static constexpr std::int64_t NULL_RECORDING_ID = -1;
    /// Matches every archive in the lookups.
    static constexpr std::int64_t NULL_ARCHIVE_ID = -1;

    static constexpr std::size_t RECORDING_ID_OFFSET = 0;
    static constexpr std::size_t SESSION_ID_OFFSET = 8;
    static constexpr std::size_t SOURCE_IDENTITY_LENGTH_OFFSET = 12;
    static constexpr std::size_t SOURCE_IDENTITY_OFFSET = 16;
    static constexpr std::size_t MAX_SOURCE_IDENTITY_LENGTH = 88;

    /// The first allocated RecordingPos of recordingId in archiveId (any archive for NULL_ARCHIVE_ID), or
    /// NULL_COUNTER_ID. The scan stops at the first never-used record.
    [[nodiscard]] static std::int32_t findCounterIdByRecording(const util::CountersReader& counters,
                                                               std::int64_t recordingId,
                                                               std::int64_t archiveId = NULL_ARCHIVE_ID);
    /// As findCounterIdByRecording, by the recorded image's session id.
    [[nodiscard]] static std::int32_t findCounterIdBySession(const util::CountersReader& counters,
                                                             std::int32_t sessionId,
                                                             std::int64_t archiveId = NULL_ARCHIVE_ID);
    /// The recording id of an allocated RecordingPos counter, else NULL_RECORDING_ID.
    [[nodiscard]] static std::int64_t getRecordingId(const util::CountersReader& counters, std::int32_t counterId);
    /// The source identity (e.g. `aeron:ipc` or the sender's `ip:port`, at most 88 bytes), else empty.
    [[nodiscard]] static std::string getSourceIdentity(const util::CountersReader& counters, std::int32_t counterId);
    /// The archive id in the key, else NULL_ARCHIVE_ID.
    [[nodiscard]] static std::int64_t getArchiveId(const util::CountersReader& counters, std::int32_t counterId);
    /// True while counterId is an allocated RecordingPos of recordingId: a recording's counter is freed when it
    /// stops, so this tells a waiter the recording has ended.
    [[nodiscard]] static bool isActive(const util::CountersReader& counters, std::int32_t counterId,
                                       std::int64_t recordingId);

    // For the archive that allocates them.

    /// Writes the key into key (at least 112 bytes) and returns its length.
    static std::size_t encodeKey(std::span<std::uint8_t> key, std::int64_t recordingId, std::int32_t sessionId,
                                 std::string_view sourceIdentity, std::int64_t archiveId);
    /// `rec-pos: <recordingId> <sessionId> <streamId> <strippedChannel> - archiveId=<archiveId>`.
    [[nodiscard]] static std::string label(std::int64_t recordingId, std::int32_t sessionId, std::int32_t streamId,
                                           std::string_view strippedChannel, std::int64_t archiveId);
    /// Allocates a RecordingPos in counters (key and label as above) and returns its id.
    static std::int32_t allocate(util::CountersManager& counters, std::int64_t recordingId, std::int32_t sessionId,
                                 std::int32_t streamId, std::string_view strippedChannel,
                                 std::string_view sourceIdentity, std::int64_t archiveId);
};
} // namespace cox::archive

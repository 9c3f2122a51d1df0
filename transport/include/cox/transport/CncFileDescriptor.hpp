#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BitUtil.hpp"

namespace cox::transport::CncFileDescriptor
{
/// Layout of `cnc.dat` ("command and control") in the driver directory, through which clients reach
/// the media driver (Aeron's CnC file, trimmed: counters live in their own `counters.dat`).
///
///   0     header (128 bytes): version int32 @0 (stored last with release: non-zero means ready),
///         toDriverBufferLength int32 @4, toClientsBufferLength int32 @8, errorLogBufferLength int32 @12,
///         clientLivenessTimeoutNs int64 @16, startTimestampMs int64 @24, pid int64 @32
///   128   to-driver ManyToOneRingBuffer (capacity + trailer): commands, msg type id = SBE template id
///   ...   to-clients broadcast buffer (capacity + trailer): responses and image events
///   ...   DistinctErrorLog of the driver
inline constexpr std::int32_t CNC_VERSION = 1;
inline constexpr const char* CNC_FILE = "cnc.dat";
inline constexpr const char* COUNTERS_FILE = "counters.dat";

inline constexpr std::size_t VERSION_OFFSET = 0;
inline constexpr std::size_t TO_DRIVER_BUFFER_LENGTH_OFFSET = 4;
inline constexpr std::size_t TO_CLIENTS_BUFFER_LENGTH_OFFSET = 8;
inline constexpr std::size_t ERROR_LOG_BUFFER_LENGTH_OFFSET = 12;
inline constexpr std::size_t CLIENT_LIVENESS_TIMEOUT_OFFSET = 16;
inline constexpr std::size_t START_TIMESTAMP_OFFSET = 24;
inline constexpr std::size_t PID_OFFSET = 32;
inline constexpr std::size_t HEADER_LENGTH = 2 * util::CACHE_LINE_LENGTH;

[[nodiscard]] constexpr std::size_t computeCncFileLength(
    std::size_t toDriverLength, std::size_t toClientsLength, std::size_t errorLogLength) noexcept
{
    return HEADER_LENGTH + toDriverLength + toClientsLength + errorLogLength;
}

/// Views of the three regions of a mapped cnc.dat whose header has been written.
struct CncBuffers
{
    util::AtomicBuffer toDriver;
    util::AtomicBuffer toClients;
    util::AtomicBuffer errorLog;
};

[[nodiscard]] inline CncBuffers wrap(const util::AtomicBuffer& cnc)
{
    const auto toDriverLength = static_cast<std::size_t>(cnc.getInt32(TO_DRIVER_BUFFER_LENGTH_OFFSET));
    const auto toClientsLength = static_cast<std::size_t>(cnc.getInt32(TO_CLIENTS_BUFFER_LENGTH_OFFSET));
    const auto errorLogLength = static_cast<std::size_t>(cnc.getInt32(ERROR_LOG_BUFFER_LENGTH_OFFSET));
    CncBuffers buffers;
    buffers.toDriver.wrap(cnc, HEADER_LENGTH, toDriverLength);
    buffers.toClients.wrap(cnc, HEADER_LENGTH + toDriverLength, toClientsLength);
    buffers.errorLog.wrap(cnc, HEADER_LENGTH + toDriverLength + toClientsLength, errorLogLength);
    return buffers;
}

/// Path of the log buffer file of a publication (by registration id) or an image (by correlation id).
[[nodiscard]] inline std::string publicationLogFile(const std::string& dir, std::int64_t registrationId)
{
    return dir + "/publications/" + std::to_string(registrationId) + ".logbuffer";
}
[[nodiscard]] inline std::string imageLogFile(const std::string& dir, std::int64_t correlationId)
{
    return dir + "/images/" + std::to_string(correlationId) + ".logbuffer";
}

/// Driver error codes carried in the Error response (Aeron's values).
enum class ErrorCode : std::int32_t
{
    INVALID_CHANNEL = 1,
    UNKNOWN_SUBSCRIPTION = 2,
    UNKNOWN_PUBLICATION = 3,
    CHANNEL_ENDPOINT_ERROR = 4,
    UNKNOWN_COUNTER = 5,
    UNKNOWN_COMMAND_TYPE_ID = 6,
    MALFORMED_COMMAND = 7,
    NOT_SUPPORTED = 8,
    UNKNOWN_HOST = 9,
    RESOURCE_TEMPORARILY_UNAVAILABLE = 10,
    GENERIC_ERROR = 11,
};
} // namespace cox::transport::CncFileDescriptor

#pragma once

#include <cstdint>
#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::archive
{
/// Error codes carried by archive errors; the values are Aeron's ArchiveException codes, so a
/// ControlResponse built from one reads the same to an Aeron client.
enum class ArchiveErrorCode : std::int32_t
{
    GENERIC = 0,
    ACTIVE_LISTING = 1,
    ACTIVE_RECORDING = 2,
    ACTIVE_SUBSCRIPTION = 3,
    UNKNOWN_SUBSCRIPTION = 4,
    UNKNOWN_RECORDING = 5,
    UNKNOWN_REPLAY = 6,
    MAX_REPLAYS = 7,
    MAX_RECORDINGS = 8,
    INVALID_EXTENSION = 9,
    AUTHENTICATION_REJECTED = 10,
    STORAGE_SPACE = 11,
    UNKNOWN_REPLICATION = 12,
    UNAUTHORISED_ACTION = 13,
    REPLICATION_CONNECTION_FAILURE = 14,
    /// Coxswain's, past Aeron's last code (Aeron reports it as GENERIC text): a request named a control session
    /// the archive does not have (it timed the session out, or never had it). The client loses nothing by
    /// connecting again; recordings and replays outlive the session.
    UNKNOWN_CONTROL_SESSION = 15
};

[[nodiscard]] const char* toString(ArchiveErrorCode code) noexcept;

/// Thrown by the storage layer's control-path operations (catalog changes, truncate, purge, detach,
/// opening a writer or reader). The conductor turns it into a ControlResponse with errorCode().
class ArchiveException : public util::CoxException
{
public:
    ArchiveException(
        ArchiveErrorCode code,
        const std::string& message,
        std::source_location where = std::source_location::current())
        : util::CoxException(std::string(toString(code)) + ": " + message, where), m_code(code)
    {
    }

    [[nodiscard]] ArchiveErrorCode errorCode() const noexcept { return m_code; }

private:
    ArchiveErrorCode m_code;
};
} // namespace cox::archive

#include "cox/archive/ArchiveException.hpp"

#include "cox/archive/ArchiveClientException.hpp"

namespace cox::archive
{
const char* toString(ArchiveErrorCode code) noexcept
{
    switch (code)
    {
        case ArchiveErrorCode::GENERIC: return "GENERIC";
        case ArchiveErrorCode::ACTIVE_LISTING: return "ACTIVE_LISTING";
        case ArchiveErrorCode::ACTIVE_RECORDING: return "ACTIVE_RECORDING";
        case ArchiveErrorCode::ACTIVE_SUBSCRIPTION: return "ACTIVE_SUBSCRIPTION";
        case ArchiveErrorCode::UNKNOWN_SUBSCRIPTION: return "UNKNOWN_SUBSCRIPTION";
        case ArchiveErrorCode::UNKNOWN_RECORDING: return "UNKNOWN_RECORDING";
        case ArchiveErrorCode::UNKNOWN_REPLAY: return "UNKNOWN_REPLAY";
        case ArchiveErrorCode::MAX_REPLAYS: return "MAX_REPLAYS";
        case ArchiveErrorCode::MAX_RECORDINGS: return "MAX_RECORDINGS";
        case ArchiveErrorCode::INVALID_EXTENSION: return "INVALID_EXTENSION";
        case ArchiveErrorCode::AUTHENTICATION_REJECTED: return "AUTHENTICATION_REJECTED";
        case ArchiveErrorCode::STORAGE_SPACE: return "STORAGE_SPACE";
        case ArchiveErrorCode::UNKNOWN_REPLICATION: return "UNKNOWN_REPLICATION";
        case ArchiveErrorCode::UNAUTHORISED_ACTION: return "UNAUTHORISED_ACTION";
        case ArchiveErrorCode::REPLICATION_CONNECTION_FAILURE: return "REPLICATION_CONNECTION_FAILURE";
        case ArchiveErrorCode::UNKNOWN_CONTROL_SESSION: return "UNKNOWN_CONTROL_SESSION";
    }
    return "UNKNOWN_ERROR_CODE";
}

bool isControlSessionLost(const std::exception& error) noexcept
{
    if (const auto* archiveError = dynamic_cast<const ArchiveException*>(&error))
    {
        return archiveError->errorCode() == ArchiveErrorCode::UNKNOWN_CONTROL_SESSION;
    }
    return dynamic_cast<const ArchiveResponseTimeoutException*>(&error) != nullptr;
}
} // namespace cox::archive

#include "cox/archive/ArchiveException.hpp"

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
    }
    return "UNKNOWN_ERROR_CODE";
}
} // namespace cox::archive

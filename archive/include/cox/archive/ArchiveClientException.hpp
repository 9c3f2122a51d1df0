#pragma once

#include <cstdint>
#include <string>

#include "cox/archive/ArchiveException.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::archive
{
/// An ERROR ControlResponse from the archive (Aeron's ArchiveException as the client sees it): errorCode() is the
/// response's relevantId, correlationId() the request it answers. Codes the client does not know keep their raw
/// value in rawErrorCode().
class ArchiveResponseException : public ArchiveException
{
public:
    ArchiveResponseException(std::int64_t rawErrorCode, const std::string& message, std::int64_t correlationId,
                             std::source_location where = std::source_location::current())
        : ArchiveException(static_cast<ArchiveErrorCode>(rawErrorCode), message, where),
          m_rawErrorCode(rawErrorCode),
          m_correlationId(correlationId)
    {
    }

    [[nodiscard]] std::int64_t rawErrorCode() const noexcept { return m_rawErrorCode; }
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_correlationId; }

private:
    std::int64_t m_rawErrorCode;
    std::int64_t m_correlationId;
};

/// The archive did not answer within AeronArchiveContext::messageTimeoutNs (Aeron's TimeoutException from the
/// archive client); the message names the request and its correlation id.
class ArchiveTimeoutException : public util::CoxException
{
public:
    using util::CoxException::CoxException;
};
} // namespace cox::archive

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

/// A request was sent but its response (or the next descriptor of a listing) did not come in time. An archive that
/// dropped the control session drops its requests without an answer, so this is how a lost session usually shows.
class ArchiveResponseTimeoutException : public ArchiveTimeoutException
{
public:
    using ArchiveTimeoutException::ArchiveTimeoutException;
};

/// True if error says this client's control session is gone and only a new connect can help: the archive refused
/// the session (UNKNOWN_CONTROL_SESSION, from an ERROR response or the client seeing the response stream closed),
/// or did not answer a request sent on it (ArchiveResponseTimeoutException).
[[nodiscard]] bool isControlSessionLost(const std::exception& error) noexcept;
} // namespace cox::archive

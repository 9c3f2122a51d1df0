#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cox/codecs/kv/ResponseCode.hpp"

namespace cox::examples
{
/// Encodes KeyValueService requests into a caller's buffer and decodes its responses (the coxswain-kv-codecs
/// schema). The bytes are the session message payload: hand them to ClusterClient::offer, which adds the
/// session header. Stateless and allocation-free; any thread.
///
/// The encoders do not enforce KeyValueService::MAX_KEY_LENGTH or MAX_VALUE_LENGTH; the service answers
/// requests over them with INVALID_REQUEST.
class KeyValueClient
{
public:
    /// Bytes a request with these var-data lengths needs; size buffers with it.
    [[nodiscard]] static std::int32_t getRequestLength(std::size_t keyLength) noexcept;
    [[nodiscard]] static std::int32_t putRequestLength(std::size_t keyLength, std::size_t valueLength) noexcept;
    [[nodiscard]] static std::int32_t compareAndSetRequestLength(std::size_t keyLength, std::size_t expectedLength,
                                                                 std::size_t newValueLength) noexcept;
    [[nodiscard]] static std::int32_t deleteRequestLength(std::size_t keyLength) noexcept;
    [[nodiscard]] static std::int32_t scheduleTimerRequestLength() noexcept;
    [[nodiscard]] static std::int32_t cancelTimerRequestLength() noexcept;

    /// Each encoder writes at buffer[0] and returns the encoded length. Throws util::IllegalArgumentException
    /// when bufferLength is too small (a sizing error by the caller).
    static std::int32_t encodeGet(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                  std::string_view key);
    static std::int32_t encodePut(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                  std::string_view key, std::string_view value);
    /// Replaces key's value with newValue only if it currently equals expectedValue.
    static std::int32_t encodeCompareAndSet(std::uint8_t* buffer, std::size_t bufferLength,
                                            std::int64_t correlationId, std::string_view key,
                                            std::string_view expectedValue, std::string_view newValue);
    static std::int32_t encodeDelete(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                     std::string_view key);
    /// Asks for cluster timer timerId (unique per client and run) to fire deadlineOffset cluster-time units after
    /// the request's own cluster timestamp.
    static std::int32_t encodeScheduleTimer(std::uint8_t* buffer, std::size_t bufferLength,
                                            std::int64_t correlationId, std::int64_t timerId,
                                            std::int64_t deadlineOffset);
    static std::int32_t encodeCancelTimer(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                          std::int64_t timerId);

    /// A decoded Response. value views the buffer it was decoded from: the current value for an OK Get, the
    /// current value on CAS_MISMATCH, empty otherwise.
    struct Response
    {
        std::int64_t correlationId = 0;
        codecs::kv::ResponseCode code = codecs::kv::ResponseCode::NULL_VALUE;
        std::string_view value;
    };

    /// Decodes a Response payload (as egress delivers it, after the session header). Returns false, leaving
    /// response untouched, for anything that is not a well-formed Response with a known code. Never throws.
    [[nodiscard]] static bool decodeResponse(const std::uint8_t* buffer, std::size_t length,
                                             Response& response) noexcept;
};
} // namespace cox::examples

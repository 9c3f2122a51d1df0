#include "cox/examples/KeyValueClient.hpp"

#include <initializer_list>
#include <limits>
#include <string>

#include "cox/codecs/kv/KvCodecs.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::examples
{
namespace kv = codecs::kv;

namespace
{
constexpr std::size_t HEADER_LENGTH = kv::MessageHeaderEncoder::ENCODED_LENGTH;
constexpr std::size_t VAR_DATA_PREFIX_LENGTH = 4;

/// Saturates instead of wrapping, so an absurd length can only make the buffer check fail.
std::int32_t requestLength(std::size_t blockLength, std::initializer_list<std::size_t> varDataLengths) noexcept
{
    std::size_t total = HEADER_LENGTH + blockLength;
    for (const std::size_t length : varDataLengths)
    {
        if (length > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        {
            return std::numeric_limits<std::int32_t>::max();
        }
        total += VAR_DATA_PREFIX_LENGTH + length;
    }
    return total > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())
        ? std::numeric_limits<std::int32_t>::max()
        : static_cast<std::int32_t>(total);
}

void checkCapacity(const char* what, std::int32_t required, std::size_t bufferLength)
{
    if (static_cast<std::size_t>(required) > bufferLength)
    {
        throw util::IllegalArgumentException(std::string(what) + " needs " + std::to_string(required) +
                                             " bytes, buffer has " + std::to_string(bufferLength));
    }
}

/// Checks that the buffer holds the request's required bytes, then wraps encoder over it behind a message header.
template <typename Encoder>
Encoder& wrapRequest(Encoder& encoder, const char* what, std::int32_t required, std::uint8_t* buffer,
                     std::size_t bufferLength)
{
    checkCapacity(what, required, bufferLength);
    kv::MessageHeaderEncoder header;
    return encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header);
}

template <typename Encoder>
std::int32_t finish(const Encoder& encoder) noexcept
{
    return static_cast<std::int32_t>(HEADER_LENGTH + encoder.encodedLength());
}
} // namespace

std::int32_t KeyValueClient::getRequestLength(std::size_t keyLength) noexcept
{
    return requestLength(kv::GetRequestEncoder::BLOCK_LENGTH, {keyLength});
}

std::int32_t KeyValueClient::putRequestLength(std::size_t keyLength, std::size_t valueLength) noexcept
{
    return requestLength(kv::PutRequestEncoder::BLOCK_LENGTH, {keyLength, valueLength});
}

std::int32_t KeyValueClient::compareAndSetRequestLength(std::size_t keyLength, std::size_t expectedLength,
                                                        std::size_t newValueLength) noexcept
{
    return requestLength(kv::CompareAndSetRequestEncoder::BLOCK_LENGTH, {keyLength, expectedLength, newValueLength});
}

std::int32_t KeyValueClient::deleteRequestLength(std::size_t keyLength) noexcept
{
    return requestLength(kv::DeleteRequestEncoder::BLOCK_LENGTH, {keyLength});
}

std::int32_t KeyValueClient::scheduleTimerRequestLength() noexcept
{
    return requestLength(kv::ScheduleTimerRequestEncoder::BLOCK_LENGTH, {});
}

std::int32_t KeyValueClient::cancelTimerRequestLength() noexcept
{
    return requestLength(kv::CancelTimerRequestEncoder::BLOCK_LENGTH, {});
}

std::int32_t KeyValueClient::encodeGet(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                       std::string_view key)
{
    kv::GetRequestEncoder encoder;
    wrapRequest(encoder, "GetRequest", getRequestLength(key.size()), buffer, bufferLength)
        .correlationId(correlationId)
        .putKey(key);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodePut(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                       std::string_view key, std::string_view value)
{
    kv::PutRequestEncoder encoder;
    wrapRequest(encoder, "PutRequest", putRequestLength(key.size(), value.size()), buffer, bufferLength)
        .correlationId(correlationId)
        .putKey(key)
        .putValue(value);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeCompareAndSet(std::uint8_t* buffer, std::size_t bufferLength,
                                                 std::int64_t correlationId, std::string_view key,
                                                 std::string_view expectedValue, std::string_view newValue)
{
    kv::CompareAndSetRequestEncoder encoder;
    const std::int32_t required = compareAndSetRequestLength(key.size(), expectedValue.size(), newValue.size());
    wrapRequest(encoder, "CompareAndSetRequest", required, buffer, bufferLength)
        .correlationId(correlationId)
        .putKey(key)
        .putExpectedValue(expectedValue)
        .putNewValue(newValue);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeDelete(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                          std::string_view key)
{
    kv::DeleteRequestEncoder encoder;
    wrapRequest(encoder, "DeleteRequest", deleteRequestLength(key.size()), buffer, bufferLength)
        .correlationId(correlationId)
        .putKey(key);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeScheduleTimer(std::uint8_t* buffer, std::size_t bufferLength,
                                                 std::int64_t correlationId, std::int64_t timerId,
                                                 std::int64_t deadlineOffset)
{
    kv::ScheduleTimerRequestEncoder encoder;
    wrapRequest(encoder, "ScheduleTimerRequest", scheduleTimerRequestLength(), buffer, bufferLength)
        .correlationId(correlationId)
        .timerId(timerId)
        .deadlineOffset(deadlineOffset);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeCancelTimer(std::uint8_t* buffer, std::size_t bufferLength,
                                               std::int64_t correlationId, std::int64_t timerId)
{
    kv::CancelTimerRequestEncoder encoder;
    wrapRequest(encoder, "CancelTimerRequest", cancelTimerRequestLength(), buffer, bufferLength)
        .correlationId(correlationId)
        .timerId(timerId);
    return finish(encoder);
}

bool KeyValueClient::decodeResponse(const std::uint8_t* buffer, std::size_t length, Response& response) noexcept
{
    kv::ResponseDecoder decoder;
    if (buffer == nullptr || decoder.wrapWithHeader(buffer, 0, length) != codecs::sbe::DecodeError::NONE)
    {
        return false;
    }
    if (!kv::isResponseCodeValid(decoder.codeRaw()))
    {
        return false;
    }
    response.correlationId = decoder.correlationId();
    response.code = decoder.code();
    response.value = decoder.value();
    return true;
}
} // namespace cox::examples

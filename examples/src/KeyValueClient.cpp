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
    checkCapacity("GetRequest", getRequestLength(key.size()), bufferLength);
    kv::MessageHeaderEncoder header;
    kv::GetRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header).correlationId(correlationId).putKey(key);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodePut(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                       std::string_view key, std::string_view value)
{
    checkCapacity("PutRequest", putRequestLength(key.size(), value.size()), bufferLength);
    kv::MessageHeaderEncoder header;
    kv::PutRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header)
        .correlationId(correlationId)
        .putKey(key)
        .putValue(value);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeCompareAndSet(std::uint8_t* buffer, std::size_t bufferLength,
                                                 std::int64_t correlationId, std::string_view key,
                                                 std::string_view expectedValue, std::string_view newValue)
{
    checkCapacity("CompareAndSetRequest",
                  compareAndSetRequestLength(key.size(), expectedValue.size(), newValue.size()), bufferLength);
    kv::MessageHeaderEncoder header;
    kv::CompareAndSetRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header)
        .correlationId(correlationId)
        .putKey(key)
        .putExpectedValue(expectedValue)
        .putNewValue(newValue);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeDelete(std::uint8_t* buffer, std::size_t bufferLength, std::int64_t correlationId,
                                          std::string_view key)
{
    checkCapacity("DeleteRequest", deleteRequestLength(key.size()), bufferLength);
    kv::MessageHeaderEncoder header;
    kv::DeleteRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header).correlationId(correlationId).putKey(key);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeScheduleTimer(std::uint8_t* buffer, std::size_t bufferLength,
                                                 std::int64_t correlationId, std::int64_t timerId,
                                                 std::int64_t deadlineOffset)
{
    checkCapacity("ScheduleTimerRequest", scheduleTimerRequestLength(), bufferLength);
    kv::MessageHeaderEncoder header;
    kv::ScheduleTimerRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header)
        .correlationId(correlationId)
        .timerId(timerId)
        .deadlineOffset(deadlineOffset);
    return finish(encoder);
}

std::int32_t KeyValueClient::encodeCancelTimer(std::uint8_t* buffer, std::size_t bufferLength,
                                               std::int64_t correlationId, std::int64_t timerId)
{
    checkCapacity("CancelTimerRequest", cancelTimerRequestLength(), bufferLength);
    kv::MessageHeaderEncoder header;
    kv::CancelTimerRequestEncoder encoder;
    encoder.wrapAndApplyHeader(buffer, 0, bufferLength, header).correlationId(correlationId).timerId(timerId);
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

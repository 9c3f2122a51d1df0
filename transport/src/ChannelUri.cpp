#include "cox/transport/ChannelUri.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/SocketAddress.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
namespace
{
constexpr std::string_view SESSION_TAG_PREFIX = "tag:";

std::int32_t toInt32(std::int64_t value, std::string_view text)
{
    if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max())
    {
        throw util::IllegalArgumentException("'" + std::string(text) + "' does not fit in 32 bits");
    }
    return static_cast<std::int32_t>(value);
}

std::int64_t multiplyChecked(std::int64_t value, std::int64_t multiplier, std::string_view text)
{
    if (value > std::numeric_limits<std::int64_t>::max() / multiplier)
    {
        throw util::IllegalArgumentException("'" + std::string(text) + "' is too large");
    }
    return value * multiplier;
}
} // namespace

std::int64_t ChannelUri::parseInt64(std::string_view value)
{
    std::string_view digits = value;
    bool negative = false;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+'))
    {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    {
        base = 16;
        digits.remove_prefix(2);
    }
    std::uint64_t magnitude = 0;
    const char* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, magnitude, base);
    const std::uint64_t limit =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1U : 0U);
    if (digits.empty() || ec != std::errc() || ptr != end || magnitude > limit)
    {
        throw util::IllegalArgumentException("'" + std::string(value) + "' is not a 64-bit integer");
    }
    return negative ? static_cast<std::int64_t>(0U - magnitude) : static_cast<std::int64_t>(magnitude);
}

std::int64_t ChannelUri::parseSize(std::string_view value)
{
    if (value.empty())
    {
        throw util::IllegalArgumentException("empty size");
    }
    std::int64_t multiplier = 1;
    switch (value.back())
    {
        case 'k':
        case 'K': multiplier = 1024; break;
        case 'm':
        case 'M': multiplier = 1024 * 1024; break;
        case 'g':
        case 'G': multiplier = 1024 * 1024 * 1024; break;
        default: break;
    }
    const std::string_view number = multiplier == 1 ? value : value.substr(0, value.size() - 1);
    const std::int64_t size = parseInt64(number);
    if (size < 0)
    {
        throw util::IllegalArgumentException("size '" + std::string(value) + "' is negative");
    }
    return multiplyChecked(size, multiplier, value);
}

std::int64_t ChannelUri::parseDurationNs(std::string_view value)
{
    struct Unit
    {
        std::string_view suffix;
        std::int64_t nanos;
    };
    // Longest suffixes first so "ms" is not taken for "s".
    constexpr Unit UNITS[] = {{"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}};
    for (const Unit& unit : UNITS)
    {
        if (value.size() > unit.suffix.size() && value.ends_with(unit.suffix))
        {
            const std::int64_t amount = parseInt64(value.substr(0, value.size() - unit.suffix.size()));
            if (amount < 0)
            {
                throw util::IllegalArgumentException("duration '" + std::string(value) + "' is negative");
            }
            return multiplyChecked(amount, unit.nanos, value);
        }
    }
    const std::int64_t amount = parseInt64(value);
    if (amount < 0)
    {
        throw util::IllegalArgumentException("duration '" + std::string(value) + "' is negative");
    }
    return amount;
}

bool ChannelUri::parseBoolean(std::string_view value)
{
    if (value == "true")
    {
        return true;
    }
    if (value == "false")
    {
        return false;
    }
    throw util::IllegalArgumentException("'" + std::string(value) + "' is not true or false");
}

ChannelUri ChannelUri::parse(std::string_view uri)
{
    ChannelUri result;
    result.m_original = std::string(uri);
    if (uri.size() > MAX_URI_LENGTH)
    {
        result.fail("longer than " + std::to_string(MAX_URI_LENGTH) + " characters");
    }

    std::string_view rest = uri;
    const std::string spyPrefix = std::string(SPY_QUALIFIER) + ":";
    if (rest.starts_with(spyPrefix))
    {
        result.m_spy = true;
        rest.remove_prefix(spyPrefix.size());
    }
    const std::string schemePrefix = std::string(AERON_SCHEME) + ":";
    if (!rest.starts_with(schemePrefix))
    {
        result.fail("must start with 'aeron:' or 'aeron-spy:aeron:'");
    }
    rest.remove_prefix(schemePrefix.size());

    const std::size_t query = rest.find('?');
    const std::string_view media = rest.substr(0, query);
    if (media != UDP_MEDIA && media != IPC_MEDIA)
    {
        result.fail("unknown media '" + std::string(media) + "' (expected udp or ipc)");
    }
    result.m_media = std::string(media);

    if (query != std::string_view::npos)
    {
        std::string_view params = rest.substr(query + 1);
        while (!params.empty())
        {
            const std::size_t bar = params.find('|');
            const std::string_view param = params.substr(0, bar);
            params = bar == std::string_view::npos ? std::string_view{} : params.substr(bar + 1);

            const std::size_t equals = param.find('=');
            const std::string_view key = param.substr(0, equals);
            if (key.empty())
            {
                result.fail("empty parameter name in '" + std::string(param) + "'");
            }
            if (equals == std::string_view::npos || equals + 1 == param.size())
            {
                result.fail("parameter '" + std::string(key) + "' has no value");
            }
            if (result.get(key).has_value())
            {
                result.fail("parameter '" + std::string(key) + "' given twice");
            }
            const std::string_view value = param.substr(equals + 1);
            result.validateParam(key, value);
            result.m_params.emplace_back(key, value);
        }
    }
    result.validateWhole();
    return result;
}

std::string ChannelUri::toString() const
{
    std::string text;
    if (m_spy)
    {
        text.append(SPY_QUALIFIER).append(":");
    }
    text.append(AERON_SCHEME).append(":").append(m_media);
    char separator = '?';
    for (const auto& [key, value] : m_params)
    {
        text.push_back(separator);
        text.append(key).append("=").append(value);
        separator = '|';
    }
    return text;
}

std::optional<std::string_view> ChannelUri::get(std::string_view key) const
{
    for (const auto& [name, value] : m_params)
    {
        if (name == key)
        {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

void ChannelUri::put(std::string_view key, std::string_view value)
{
    m_original = toString();
    if (key.empty())
    {
        fail("empty parameter name");
    }
    if (value.empty())
    {
        fail("parameter '" + std::string(key) + "' has no value");
    }
    validateParam(key, value);
    auto previous = m_params;
    auto it = std::find_if(m_params.begin(), m_params.end(), [key](const auto& p) { return p.first == key; });
    if (it != m_params.end())
    {
        it->second = std::string(value);
    }
    else
    {
        m_params.emplace_back(key, value);
    }
    try
    {
        validateWhole();
    }
    catch (...)
    {
        m_params = std::move(previous);
        throw;
    }
}

void ChannelUri::remove(std::string_view key)
{
    std::erase_if(m_params, [key](const auto& p) { return p.first == key; });
}

ChannelUri::ControlMode ChannelUri::controlMode() const
{
    const auto value = get(CONTROL_MODE_PARAM);
    if (!value)
    {
        return ControlMode::NONE;
    }
    if (*value == "dynamic")
    {
        return ControlMode::DYNAMIC;
    }
    return *value == "manual" ? ControlMode::MANUAL : ControlMode::RESPONSE;
}

std::optional<std::int32_t> ChannelUri::termLength() const
{
    const auto value = get(TERM_LENGTH_PARAM);
    return value ? std::optional(static_cast<std::int32_t>(parseSize(*value))) : std::nullopt;
}

std::optional<std::int32_t> ChannelUri::mtu() const
{
    const auto value = get(MTU_PARAM);
    return value ? std::optional(static_cast<std::int32_t>(parseSize(*value))) : std::nullopt;
}

std::optional<std::int32_t> ChannelUri::publicationWindow() const
{
    const auto value = get(PUBLICATION_WINDOW_PARAM);
    return value ? std::optional(static_cast<std::int32_t>(parseSize(*value))) : std::nullopt;
}

std::optional<std::int32_t> ChannelUri::sessionId() const
{
    const auto value = get(SESSION_ID_PARAM);
    if (!value || value->starts_with(SESSION_TAG_PREFIX))
    {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(parseInt64(*value));
}

std::optional<std::int64_t> ChannelUri::sessionIdTag() const
{
    const auto value = get(SESSION_ID_PARAM);
    if (!value || !value->starts_with(SESSION_TAG_PREFIX))
    {
        return std::nullopt;
    }
    return parseInt64(value->substr(SESSION_TAG_PREFIX.size()));
}

std::optional<std::int32_t> ChannelUri::ttl() const
{
    const auto value = get(TTL_PARAM);
    return value ? std::optional(static_cast<std::int32_t>(parseInt64(*value))) : std::nullopt;
}

void ChannelUri::validateParam(std::string_view key, std::string_view value) const
{
    std::string reason;
    try
    {
        reason = checkParam(key, value);
    }
    catch (const util::IllegalArgumentException& e)
    {
        reason = e.what();
    }
    if (!reason.empty())
    {
        fail("parameter '" + std::string(key) + "': " + reason);
    }
}

std::string ChannelUri::checkParam(std::string_view key, std::string_view value)
{
    const auto reject = [value](const std::string& why) { return "'" + std::string(value) + "' " + why; };
    {
        if (key == ENDPOINT_PARAM || key == CONTROL_PARAM || key == "response-endpoint")
        {
            static_cast<void>(SocketAddress::parse(value));
        }
        else if (key == INTERFACE_PARAM)
        {
            // An interface may be a subnet, a.b.c.d/prefix, with an optional port after it.
            const std::size_t slash = value.find('/');
            const SocketAddress address = SocketAddress::parse(
                slash == std::string_view::npos ? value : value.substr(0, slash), true);
            static_cast<void>(address);
            if (slash != std::string_view::npos)
            {
                std::string_view prefix = value.substr(slash + 1);
                prefix = prefix.substr(0, prefix.find(':'));
                const std::int64_t bits = parseInt64(prefix);
                if (bits < 0 || bits > 128)
                {
                    return reject("has a subnet prefix outside 0..128");
                }
            }
        }
        else if (key == CONTROL_MODE_PARAM)
        {
            if (value != "dynamic" && value != "manual" && value != "response")
            {
                return reject("is not dynamic, manual or response");
            }
        }
        else if (key == TERM_LENGTH_PARAM)
        {
            const std::int64_t length = parseSize(value);
            if (length < LogBufferDescriptor::TERM_MIN_LENGTH || length > LogBufferDescriptor::TERM_MAX_LENGTH ||
                (length & (length - 1)) != 0)
            {
                return reject("is not a power of two in [64k, 1g]");
            }
        }
        else if (key == MTU_PARAM)
        {
            const std::int64_t mtu = parseSize(value);
            if (mtu <= FrameDescriptor::HEADER_LENGTH || mtu > MTU_MAX_LENGTH)
            {
                return reject("is outside (32, " + std::to_string(MTU_MAX_LENGTH) + "]");
            }
            if (mtu % FrameDescriptor::FRAME_ALIGNMENT != 0)
            {
                return reject("is not a multiple of 32");
            }
        }
        else if (key == SESSION_ID_PARAM)
        {
            if (value.starts_with(SESSION_TAG_PREFIX))
            {
                static_cast<void>(parseInt64(value.substr(SESSION_TAG_PREFIX.size())));
            }
            else
            {
                static_cast<void>(toInt32(parseInt64(value), value));
            }
        }
        else if (key == TTL_PARAM)
        {
            const std::int64_t ttl = parseInt64(value);
            if (ttl < 0 || ttl > 255)
            {
                return reject("is outside 0..255");
            }
        }
        else if (key == INITIAL_TERM_ID_PARAM || key == TERM_ID_PARAM || key == STREAM_ID_PARAM)
        {
            static_cast<void>(toInt32(parseInt64(value), value));
        }
        else if (key == TERM_OFFSET_PARAM)
        {
            const std::int64_t offset = parseInt64(value);
            if (offset < 0 || offset > LogBufferDescriptor::TERM_MAX_LENGTH || offset % FrameDescriptor::FRAME_ALIGNMENT != 0)
            {
                return reject("is not a non-negative multiple of 32 within a term");
            }
        }
        else if (key == MAX_RESEND_PARAM)
        {
            const std::int64_t maxResend = parseInt64(value);
            if (maxResend < 1 || maxResend > 256)
            {
                return reject("is outside 1..256");
            }
        }
        else if (key == RELIABLE_PARAM || key == SPARSE_PARAM || key == TETHER_PARAM || key == EOS_PARAM ||
                 key == REJOIN_PARAM || key == "ssc")
        {
            static_cast<void>(parseBoolean(value));
        }
        else if (key == GROUP_PARAM)
        {
            if (value != "infer")
            {
                static_cast<void>(parseBoolean(value));
            }
        }
        else if (key == RECEIVER_WINDOW_PARAM || key == PUBLICATION_WINDOW_PARAM || key == "so-sndbuf" ||
                 key == "so-rcvbuf")
        {
            static_cast<void>(toInt32(parseSize(value), value));
        }
        else if (key == LINGER_PARAM || key == "nak-delay" || key == "untethered-window-limit-timeout" ||
                 key == "untethered-resting-timeout")
        {
            static_cast<void>(parseDurationNs(value));
        }
    }
    return {};
}

void ChannelUri::validateWhole() const
{
    if (isUdp())
    {
        const ControlMode mode = controlMode();
        if (mode == ControlMode::DYNAMIC && !contains(CONTROL_PARAM))
        {
            fail("control-mode=dynamic needs 'control'");
        }
        if (!contains(ENDPOINT_PARAM) && !contains(CONTROL_PARAM) && !contains(TAGS_PARAM) &&
            mode != ControlMode::MANUAL && mode != ControlMode::RESPONSE)
        {
            fail("udp channel needs 'endpoint', 'control', 'tags' or control-mode=manual|response");
        }
    }
    const int positionParams = static_cast<int>(contains(INITIAL_TERM_ID_PARAM)) +
        static_cast<int>(contains(TERM_ID_PARAM)) + static_cast<int>(contains(TERM_OFFSET_PARAM));
    if (positionParams != 0 && positionParams != 3)
    {
        fail("'init-term-id', 'term-id' and 'term-offset' must be given together");
    }
    if (positionParams == 3)
    {
        const auto termOffset = parseInt64(*get(TERM_OFFSET_PARAM));
        const auto length = termLength();
        if (length && termOffset > *length)
        {
            fail("'term-offset' " + std::to_string(termOffset) + " is beyond 'term-length' " + std::to_string(*length));
        }
    }
}

void ChannelUri::fail(const std::string& reason) const
{
    throw util::IllegalArgumentException("invalid channel '" + m_original + "': " + reason);
}
} // namespace cox::transport

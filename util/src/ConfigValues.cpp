// The value parsers behind Config's duration and size getters, apart from the TOML reader, so that what only
// needs them (idle strategy parameters) does not link the TOML library.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ConfigText.hpp"
#include "cox/util/Config.hpp"

namespace cox::util
{
std::string_view detail::trim(std::string_view text)
{
    const auto isSpace = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && isSpace(text.front()))
    {
        text.remove_prefix(1);
    }
    while (!text.empty() && isSpace(text.back()))
    {
        text.remove_suffix(1);
    }
    return text;
}

namespace
{
std::string toLower(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower;
}

// Splits "<digits><unit>" (optional blanks between); nullopt if there are no digits or the number
// overflows int64.
std::optional<std::pair<std::int64_t, std::string>> splitNumberAndUnit(std::string_view text)
{
    text = detail::trim(text);
    std::size_t digits = 0;
    std::int64_t number = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    {
        if (__builtin_mul_overflow(number, 10, &number) || __builtin_add_overflow(number, text[digits] - '0', &number))
        {
            return std::nullopt;
        }
        ++digits;
    }
    if (digits == 0)
    {
        return std::nullopt;
    }
    return std::pair{number, toLower(detail::trim(text.substr(digits)))};
}

std::optional<std::int64_t> scale(std::int64_t number, std::int64_t multiplier)
{
    std::int64_t result = 0;
    if (__builtin_mul_overflow(number, multiplier, &result))
    {
        return std::nullopt;
    }
    return result;
}
} // namespace

std::optional<std::int64_t> Config::parseDurationNs(std::string_view text)
{
    const auto parts = splitNumberAndUnit(text);
    if (!parts)
    {
        return std::nullopt;
    }
    const auto& [number, unit] = *parts;
    if (unit.empty() || unit == "ns")
    {
        return number;
    }
    if (unit == "us" || unit == "\xC2\xB5s")
    {
        return scale(number, 1000);
    }
    if (unit == "ms")
    {
        return scale(number, 1000 * 1000);
    }
    if (unit == "s")
    {
        return scale(number, 1000LL * 1000 * 1000);
    }
    if (unit == "min")
    {
        return scale(number, 60LL * 1000 * 1000 * 1000);
    }
    if (unit == "h")
    {
        return scale(number, 3600LL * 1000 * 1000 * 1000);
    }
    return std::nullopt;
}

std::optional<std::int64_t> Config::parseSize(std::string_view text)
{
    const auto parts = splitNumberAndUnit(text);
    if (!parts)
    {
        return std::nullopt;
    }
    const auto& [number, unit] = *parts;
    if (unit.empty() || unit == "b")
    {
        return number;
    }
    static constexpr std::string_view PREFIXES = "kmgt";
    const std::size_t power = PREFIXES.find(unit.front());
    const std::string_view rest = std::string_view(unit).substr(1);
    if (power == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib"))
    {
        return std::nullopt;
    }
    return scale(number, std::int64_t{1} << (10 * (power + 1)));
}
} // namespace cox::util

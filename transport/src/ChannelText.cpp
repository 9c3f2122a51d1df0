#include "cox/transport/ChannelText.hpp"

#include <vector>

namespace cox::transport
{
namespace
{
struct Split
{
    std::string prefix;
    std::vector<std::string> params;
};

Split split(std::string_view channel)
{
    Split result;
    const auto question = channel.find('?');
    result.prefix = std::string(channel.substr(0, question));
    if (question == std::string_view::npos)
    {
        return result;
    }
    std::string_view rest = channel.substr(question + 1);
    while (!rest.empty())
    {
        const auto bar = rest.find('|');
        const std::string_view param = rest.substr(0, bar);
        if (!param.empty())
        {
            result.params.emplace_back(param);
        }
        if (bar == std::string_view::npos)
        {
            break;
        }
        rest.remove_prefix(bar + 1);
    }
    return result;
}

std::string join(const Split& parts)
{
    std::string text = parts.prefix;
    for (std::size_t i = 0; i < parts.params.size(); ++i)
    {
        text += i == 0 ? "?" : "|";
        text += parts.params[i];
    }
    return text;
}

bool hasKey(const std::string& param, std::string_view key)
{
    return param.size() > key.size() && param.compare(0, key.size(), key) == 0 && param[key.size()] == '=';
}
} // namespace

std::string withoutParam(std::string_view channel, std::string_view key)
{
    Split parts = split(channel);
    std::erase_if(parts.params, [&](const std::string& param) { return hasKey(param, key); });
    return join(parts);
}

std::string withParam(std::string_view channel, std::string_view key, std::string_view value)
{
    Split parts = split(withoutParam(channel, key));
    parts.params.push_back(std::string(key) + "=" + std::string(value));
    return join(parts);
}

std::optional<std::string> channelParam(std::string_view channel, std::string_view key)
{
    for (const auto& param : split(channel).params)
    {
        if (hasKey(param, key))
        {
            return param.substr(key.size() + 1);
        }
    }
    return std::nullopt;
}
} // namespace cox::transport

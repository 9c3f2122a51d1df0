#include "IntegerOption.hpp"

#include "cox/util/Exceptions.hpp"

namespace cox::apps
{
std::int64_t parseIntegerOption(const std::string& option, const std::string& text, std::int64_t min,
                                std::int64_t max)
{
    std::size_t used = 0;
    long long value = 0;
    try
    {
        value = std::stoll(text, &used, 10);
    }
    catch (const std::exception&)
    {
        used = 0;
    }
    if (used == 0 || used != text.size() || value < min || value > max)
    {
        throw util::IllegalArgumentException(option + " needs an integer in [" + std::to_string(min) + ", " +
                                             std::to_string(max) + "], not '" + text + "'");
    }
    return value;
}
} // namespace cox::apps

#include "cox/util/Config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "ConfigText.hpp"

namespace cox::util
{
namespace
{
using detail::ConfigValue;

const std::string COMMAND_LINE = "command line";

[[noreturn]] void fail(const std::string& origin, const std::string& key, const std::string& problem)
{
    throw ConfigException(origin + ": key '" + key + "': " + problem);
}

// How a value is shown after "got": strings quoted, so "12x" and 12 read differently.
std::string describe(const ConfigValue& value)
{
    switch (value.kind)
    {
    case ConfigValue::Kind::String:
        return "\"" + value.text + "\"";
    case ConfigValue::Kind::Integer:
        return std::to_string(value.integer);
    case ConfigValue::Kind::Float:
    {
        char text[32];
        std::snprintf(text, sizeof(text), "%g", value.floating);
        return text;
    }
    case ConfigValue::Kind::Boolean:
        return value.boolean ? "true" : "false";
    case ConfigValue::Kind::Array:
        return "an array";
    case ConfigValue::Kind::Other:
        return value.text;
    }
    return value.text;
}

ConfigValue fromNode(const toml::node& node, const std::string& origin)
{
    ConfigValue value;
    value.origin = origin;
    switch (node.type())
    {
    case toml::node_type::string:
        value.kind = ConfigValue::Kind::String;
        value.text = *node.value_exact<std::string>();
        break;
    case toml::node_type::integer:
        value.kind = ConfigValue::Kind::Integer;
        value.integer = *node.value_exact<std::int64_t>();
        break;
    case toml::node_type::floating_point:
        value.kind = ConfigValue::Kind::Float;
        value.floating = *node.value_exact<double>();
        break;
    case toml::node_type::boolean:
        value.kind = ConfigValue::Kind::Boolean;
        value.boolean = *node.value_exact<bool>();
        break;
    case toml::node_type::array:
        value.kind = ConfigValue::Kind::Array;
        for (const auto& element : *node.as_array())
        {
            value.elements.push_back(fromNode(element, origin));
        }
        break;
    case toml::node_type::table:
        value.text = "a table";
        break;
    default:
    {
        // Dates and times: kept as their TOML text so errors can show them.
        std::ostringstream text;
        node.visit([&text](const auto& n) { text << n; });
        value.text = text.str();
        break;
    }
    }
    return value;
}

void flatten(const toml::table& table, const std::string& prefix, const std::string& origin,
             std::map<std::string, ConfigValue>& out)
{
    for (const auto& [name, node] : table)
    {
        const std::string key = prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
        if (const toml::table* nested = node.as_table())
        {
            flatten(*nested, key, origin, out);
        }
        else
        {
            out[key] = fromNode(node, origin);
        }
    }
}

toml::table parseToml(std::string_view text, const std::string& sourceName)
{
    try
    {
        return toml::parse(text, std::string_view(sourceName));
    }
    catch (const toml::parse_error& e)
    {
        const auto& begin = e.source().begin;
        throw ConfigException(sourceName + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                              ": TOML syntax error: " + std::string(e.description()));
    }
}

std::size_t editDistance(const std::string& a, const std::string& b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
    {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i)
    {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
        {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}
} // namespace

Config::Config() : Config(std::string("<defaults>")) {}

Config::Config(std::string sourceName) : m_sourceName(std::move(sourceName)) {}

Config Config::loadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw ConfigException("cannot read config file '" + path + "': " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
    {
        throw ConfigException("cannot read config file '" + path + "': " + std::strerror(errno));
    }
    return parse(text.str(), path);
}

Config Config::parse(std::string_view text, const std::string& sourceName)
{
    Config config(sourceName);
    flatten(parseToml(text, sourceName), "", sourceName, config.m_values);
    return config;
}

void Config::applyOverride(std::string_view assignment)
{
    const std::size_t equals = assignment.find('=');
    const std::string key(detail::trim(assignment.substr(0, std::min(equals, assignment.size()))));
    if (equals == std::string_view::npos || key.empty())
    {
        throw ConfigException(COMMAND_LINE + ": override '" + std::string(assignment) +
                              "' is not of the form key=value");
    }
    const std::string valueText(detail::trim(assignment.substr(equals + 1)));

    ConfigValue value;
    bool parsed = false;
    if (valueText.find_first_of("\r\n") == std::string::npos)
    {
        // A TOML value when it is one; a parse failure only means it is a bare string.
        try
        {
            const toml::table result = toml::parse("v = " + valueText, std::string_view(COMMAND_LINE));
            const toml::node* node = result.get("v");
            if (result.size() == 1 && node != nullptr && !node->is_table())
            {
                value = fromNode(*node, COMMAND_LINE);
                parsed = true;
            }
        }
        catch (const toml::parse_error&)
        {
        }
    }
    if (!parsed)
    {
        value.kind = ConfigValue::Kind::String;
        value.text = valueText;
        value.origin = COMMAND_LINE;
    }
    value.raw = valueText;

    // An override replaces a whole subtree, so a stale nested key cannot shadow it.
    const std::string prefix = key + ".";
    for (auto it = m_values.lower_bound(prefix); it != m_values.end() && it->first.starts_with(prefix);)
    {
        it = m_values.erase(it);
    }
    m_values[key] = std::move(value);
}

bool Config::contains(const std::string& key) const
{
    return m_values.contains(key);
}

std::vector<std::string> Config::keys() const
{
    std::vector<std::string> result;
    result.reserve(m_values.size());
    for (const auto& entry : m_values)
    {
        result.push_back(entry.first);
    }
    return result;
}

const ConfigValue* Config::find(const std::string& key) const
{
    const auto it = m_values.find(key);
    if (it != m_values.end())
    {
        return &it->second;
    }
    // Asking for a table as if it were a value is a schema mistake; a default would hide it.
    const std::string prefix = key + ".";
    const auto nested = m_values.lower_bound(prefix);
    if (nested != m_values.end() && nested->first.starts_with(prefix))
    {
        fail(nested->second.origin, key, "expected a value, got a table");
    }
    return nullptr;
}

std::string Config::getString(const std::string& key, const std::string& defaultValue) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultValue;
    }
    if (value->kind == ConfigValue::Kind::String)
    {
        return value->text;
    }
    if (value->raw)
    {
        return *value->raw;
    }
    fail(value->origin, key, "expected a string, got " + describe(*value));
}

std::int64_t Config::getInt64(const std::string& key, std::int64_t defaultValue) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultValue;
    }
    if (value->kind != ConfigValue::Kind::Integer)
    {
        fail(value->origin, key, "expected an integer, got " + describe(*value));
    }
    return value->integer;
}

std::int32_t Config::getInt32(const std::string& key, std::int32_t defaultValue) const
{
    const std::int64_t value = getInt64(key, defaultValue);
    if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max())
    {
        fail(find(key)->origin, key, "expected a 32-bit integer, got " + std::to_string(value));
    }
    return static_cast<std::int32_t>(value);
}

bool Config::getBool(const std::string& key, bool defaultValue) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultValue;
    }
    if (value->kind != ConfigValue::Kind::Boolean)
    {
        fail(value->origin, key, "expected true or false, got " + describe(*value));
    }
    return value->boolean;
}

double Config::getDouble(const std::string& key, double defaultValue) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultValue;
    }
    if (value->kind == ConfigValue::Kind::Float)
    {
        return value->floating;
    }
    if (value->kind == ConfigValue::Kind::Integer)
    {
        return static_cast<double>(value->integer);
    }
    fail(value->origin, key, "expected a number, got " + describe(*value));
}

std::int64_t Config::getDurationNs(const std::string& key, std::int64_t defaultNs) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultNs;
    }
    std::optional<std::int64_t> ns;
    if (value->kind == ConfigValue::Kind::Integer && value->integer >= 0)
    {
        ns = value->integer;
    }
    else if (value->kind == ConfigValue::Kind::String)
    {
        ns = parseDurationNs(value->text);
    }
    if (!ns)
    {
        fail(value->origin, key, "expected a duration like \"10ms\", got " + describe(*value));
    }
    return *ns;
}

std::int64_t Config::getSize(const std::string& key, std::int64_t defaultBytes) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultBytes;
    }
    std::optional<std::int64_t> bytes;
    if (value->kind == ConfigValue::Kind::Integer && value->integer >= 0)
    {
        bytes = value->integer;
    }
    else if (value->kind == ConfigValue::Kind::String)
    {
        bytes = parseSize(value->text);
    }
    if (!bytes)
    {
        fail(value->origin, key, "expected a size like \"128m\", got " + describe(*value));
    }
    return *bytes;
}

std::vector<std::string> Config::getStringList(const std::string& key,
                                               const std::vector<std::string>& defaultValue) const
{
    const ConfigValue* value = find(key);
    if (value == nullptr)
    {
        return defaultValue;
    }
    if (value->kind != ConfigValue::Kind::Array)
    {
        fail(value->origin, key, "expected an array of strings, got " + describe(*value));
    }
    std::vector<std::string> result;
    for (std::size_t i = 0; i < value->elements.size(); ++i)
    {
        const ConfigValue& element = value->elements[i];
        if (element.kind != ConfigValue::Kind::String)
        {
            fail(value->origin, key,
                 "expected an array of strings, got " + describe(element) + " at index " + std::to_string(i));
        }
        result.push_back(element.text);
    }
    return result;
}

void Config::checkUnknownKeys(const std::vector<std::string>& knownKeys) const
{
    const std::set<std::string> known(knownKeys.begin(), knownKeys.end());
    std::vector<const std::pair<const std::string, ConfigValue>*> unknown;
    for (const auto& entry : m_values)
    {
        if (!known.contains(entry.first))
        {
            unknown.push_back(&entry);
        }
    }
    if (unknown.empty())
    {
        return;
    }

    const std::string& key = unknown.front()->first;
    std::string message = unknown.front()->second.origin + ": unknown key '" + key + "'";
    const std::string* closest = nullptr;
    std::size_t closestDistance = std::max<std::size_t>(2, key.size() / 4) + 1;
    for (const auto& candidate : known)
    {
        const std::size_t distance = editDistance(key, candidate);
        if (distance < closestDistance)
        {
            closest = &candidate;
            closestDistance = distance;
        }
    }
    if (closest != nullptr)
    {
        message += " (did you mean '" + *closest + "'?)";
    }
    if (unknown.size() > 1)
    {
        message += " and " + std::to_string(unknown.size() - 1) + " more unknown key" + (unknown.size() > 2 ? "s" : "");
    }
    throw ConfigException(message);
}

} // namespace cox::util

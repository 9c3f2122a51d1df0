#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
/// A configuration error. The message always names where the value came from (the file, or
/// "command line"), the key, and what was wrong, e.g.
///     node.toml: key 'archive.segment-length': expected a size like "128m", got "12x"
/// and for TOML syntax errors the file, line and column:
///     node.toml:3:17: TOML syntax error: ...
class ConfigException : public CoxException
{
public:
    using CoxException::CoxException;
};

namespace detail
{
/// A parsed value and where it came from; Config's storage, not part of the API.
struct ConfigValue
{
    enum class Kind
    {
        String,
        Integer,
        Float,
        Boolean,
        Array,
        Other,
    };

    Kind kind = Kind::Other;
    std::string text;
    std::int64_t integer = 0;
    double floating = 0.0;
    bool boolean = false;
    std::vector<ConfigValue> elements;
    /// The file name, or "command line"; leads every error message about this value.
    std::string origin;
    /// Set for command-line values so getString() can take 42 as the string "42" it was typed as.
    std::optional<std::string> raw;
};
} // namespace detail

/// A node's configuration: a TOML file flattened into dotted keys ("consensus.election-timeout"
/// for `[consensus] election-timeout = ...`), plus overrides from the command line.
///
/// Getters take the default that applies when the key is absent, so every key has one at its use;
/// a present value of the wrong type or shape throws ConfigException rather than falling back.
/// Set-up only: everything here allocates and may throw. Not thread-safe; read it once at start-up
/// into a Context.
class Config
{
public:
    /// An empty configuration: every getter returns its default.
    Config();

    /// Reads and parses the TOML file at path; error messages name the path as given.
    static Config loadFile(const std::string& path);

    /// Parses TOML text; sourceName stands for the file in error messages.
    static Config parse(std::string_view text, const std::string& sourceName = "<string>");

    /// Applies "key=value" from the command line, replacing any value of that key. The value is
    /// read as a TOML value when it is one (42, true, 1.5, "quoted", [1, 2]) and as a bare string
    /// otherwise (10ms, 64k, /var/lib/cox), so a shell user need not quote strings.
    void applyOverride(std::string_view assignment);

    [[nodiscard]] bool contains(const std::string& key) const;

    /// Every key, sorted, tables flattened.
    [[nodiscard]] std::vector<std::string> keys() const;

    /// The name given to parse(), or the path given to loadFile().
    [[nodiscard]] const std::string& sourceName() const noexcept { return m_sourceName; }

    [[nodiscard]] std::string getString(const std::string& key, const std::string& defaultValue) const;
    [[nodiscard]] std::int64_t getInt64(const std::string& key, std::int64_t defaultValue) const;
    [[nodiscard]] std::int32_t getInt32(const std::string& key, std::int32_t defaultValue) const;
    [[nodiscard]] bool getBool(const std::string& key, bool defaultValue) const;
    /// Accepts TOML floats and integers.
    [[nodiscard]] double getDouble(const std::string& key, double defaultValue) const;

    /// Nanoseconds: an integer of nanoseconds or a string with a unit: "250ns", "250us", "10ms",
    /// "5s", "2min", "1h" (a bare number in a string is nanoseconds). Negative values are errors.
    [[nodiscard]] std::int64_t getDurationNs(const std::string& key, std::int64_t defaultNs) const;

    /// Bytes: an integer or a string with a binary suffix, case-insensitive: "64k", "64kb",
    /// "64KiB" (65536), "1m", "1g", "1t". As in Aeron, k/m/g are powers of 1024. Negative values
    /// are errors.
    [[nodiscard]] std::int64_t getSize(const std::string& key, std::int64_t defaultBytes) const;

    /// An array of strings (e.g. cluster member endpoints).
    [[nodiscard]] std::vector<std::string> getStringList(const std::string& key,
                                                         const std::vector<std::string>& defaultValue) const;

    /// Throws ConfigException naming the first unknown key (sorted order), a suggestion when one
    /// known key is close to it, and how many more unknown keys there are; so a misspelled key is
    /// an error rather than a silently ignored setting.
    void checkUnknownKeys(const std::vector<std::string>& knownKeys) const;

    /// Duration and size parsers behind the getters, for other text inputs (tool arguments).
    /// std::nullopt when text is not of that shape or overflows int64.
    [[nodiscard]] static std::optional<std::int64_t> parseDurationNs(std::string_view text);
    [[nodiscard]] static std::optional<std::int64_t> parseSize(std::string_view text);

private:
    explicit Config(std::string sourceName);

    [[nodiscard]] const detail::ConfigValue* find(const std::string& key) const;

    std::string m_sourceName;
    std::map<std::string, detail::ConfigValue> m_values;
};
} // namespace cox::util

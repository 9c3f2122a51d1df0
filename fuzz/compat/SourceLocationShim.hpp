#pragma once

// Force-included (-include) into the fuzz build only. clang 14 lacks __builtin_source_location, which
// libstdc++ 12's <source_location> needs, so std::source_location is missing there; the exceptions in
// cox/util take one as a default argument. This stand-in has the same interface, built on the older
// builtins clang 14 does have (constexpr, not consteval: clang 14 rejects a consteval default argument).
// Not used by the g++ build.

#include <version>

#if !defined(__cpp_lib_source_location)
#include <cstdint>

namespace std
{
struct source_location
{
    static constexpr source_location current(const char* file = __builtin_FILE(),
                                             const char* function = __builtin_FUNCTION(),
                                             std::uint_least32_t line = __builtin_LINE(),
                                             std::uint_least32_t column = __builtin_COLUMN()) noexcept
    {
        source_location location;
        location.m_file = file;
        location.m_function = function;
        location.m_line = line;
        location.m_column = column;
        return location;
    }

    constexpr source_location() noexcept = default;
    [[nodiscard]] constexpr const char* file_name() const noexcept { return m_file; }
    [[nodiscard]] constexpr const char* function_name() const noexcept { return m_function; }
    [[nodiscard]] constexpr std::uint_least32_t line() const noexcept { return m_line; }
    [[nodiscard]] constexpr std::uint_least32_t column() const noexcept { return m_column; }

private:
    const char* m_file = "";
    const char* m_function = "";
    std::uint_least32_t m_line = 0;
    std::uint_least32_t m_column = 0;
};
} // namespace std
#endif

#pragma once

#include <string>
#include <string_view>

namespace cox::sim
{
/// UNKNOWN is a checker giving up (a search budget spent): neither a pass nor a proven violation.
enum class CheckStatus
{
    PASSED,
    FAILED,
    UNKNOWN
};

/// What one checker concluded, with an explanation naming the first offending records on failure.
struct CheckResult
{
    std::string checkName;
    CheckStatus status = CheckStatus::PASSED;
    std::string explanation;

    [[nodiscard]] bool passed() const noexcept { return status == CheckStatus::PASSED; }
    [[nodiscard]] bool failed() const noexcept { return status == CheckStatus::FAILED; }

    static CheckResult pass(std::string_view name, std::string_view explanation = {})
    {
        return CheckResult{std::string(name), CheckStatus::PASSED, std::string(explanation)};
    }

    static CheckResult fail(std::string_view name, std::string_view explanation)
    {
        return CheckResult{std::string(name), CheckStatus::FAILED, std::string(explanation)};
    }

    static CheckResult unknown(std::string_view name, std::string_view explanation)
    {
        return CheckResult{std::string(name), CheckStatus::UNKNOWN, std::string(explanation)};
    }
};

[[nodiscard]] std::string_view checkStatusName(CheckStatus status) noexcept;

/// "C7 linearizability: FAILED: <explanation>", for test output and logs.
[[nodiscard]] std::string toString(const CheckResult& result);
} // namespace cox::sim

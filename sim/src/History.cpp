#include "cox/sim/History.hpp"

#include "cox/sim/CheckResult.hpp"

#include <string>

namespace cox::sim
{
std::string_view opKindName(OpKind kind) noexcept
{
    switch (kind)
    {
    case OpKind::SEND:
        return "SEND";
    case OpKind::PUT:
        return "PUT";
    case OpKind::GET:
        return "GET";
    case OpKind::CAS:
        return "CAS";
    case OpKind::DELETE:
        return "DELETE";
    }
    return "?";
}

std::string_view opOutcomeName(OpOutcome outcome) noexcept
{
    switch (outcome)
    {
    case OpOutcome::OK:
        return "OK";
    case OpOutcome::FAIL:
        return "FAIL";
    case OpOutcome::NOT_FOUND:
        return "NOT_FOUND";
    case OpOutcome::REJECTED:
        return "REJECTED";
    case OpOutcome::UNKNOWN:
        return "UNKNOWN";
    }
    return "?";
}

std::string describeOperation(const Operation& op, std::size_t index)
{
    std::string text = "op#" + std::to_string(index) + " (client " + std::to_string(op.clientId) + " seq " +
                       std::to_string(op.sequence) + " " + std::string(opKindName(op.kind));
    switch (op.kind)
    {
    case OpKind::SEND:
        break;
    case OpKind::PUT:
        text += " key '" + op.key + "' value '" + op.value + "'";
        break;
    case OpKind::GET:
    case OpKind::DELETE:
        text += " key '" + op.key + "'";
        break;
    case OpKind::CAS:
        text += " key '" + op.key + "' '" + op.expected + "'->'" + op.value + "'";
        break;
    }
    text += " invoked " + std::to_string(op.invokeNs) + " completed ";
    text += op.completeNs == INDETERMINATE_NS ? std::string("never") : std::to_string(op.completeNs);
    text += " -> " + std::string(opOutcomeName(op.outcome));
    if (op.kind == OpKind::GET && op.outcome == OpOutcome::OK)
    {
        text += " '" + op.value + "'";
    }
    if (op.logPosition != NULL_POSITION)
    {
        text += " at pos " + std::to_string(op.logPosition);
    }
    if (op.retried)
    {
        text += ", retried";
    }
    text += ")";
    return text;
}

std::string_view checkStatusName(CheckStatus status) noexcept
{
    switch (status)
    {
    case CheckStatus::PASSED:
        return "PASSED";
    case CheckStatus::FAILED:
        return "FAILED";
    case CheckStatus::UNKNOWN:
        return "UNKNOWN";
    }
    return "?";
}

std::string toString(const CheckResult& result)
{
    std::string text = result.checkName + ": " + std::string(checkStatusName(result.status));
    if (!result.explanation.empty())
    {
        text += ": " + result.explanation;
    }
    return text;
}
} // namespace cox::sim

#include "HistoryCheck.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "cox/util/Exceptions.hpp"

namespace cox::apps::check
{
namespace
{
struct CheckInfo
{
    const char* id;
    /// What checkHistory needs to run it, for the SKIPPED line.
    const char* needs;
};

constexpr std::array<CheckInfo, 9> CHECKS{{
    {"C1", "applied-message records (service-side journal)"},
    {"C2", "applied-message records (service-side journal)"},
    {"C3", "per-entry log records"},
    {"C4", "state records (node reports)"},
    {"C5", "per-node event traces (simulator only)"},
    {"C6", "applied-message records or reported log positions"},
    {"C7", "key-value operations"},
    {"C8", "timer records"},
    {"C9", "per-entry log records"},
}};

std::string statusOf(const sim::CheckResult& result)
{
    switch (result.status)
    {
    case sim::CheckStatus::PASSED:
        return "PASS";
    case sim::CheckStatus::FAILED:
        return "FAIL";
    case sim::CheckStatus::UNKNOWN:
        return "UNKNOWN";
    }
    return "UNKNOWN";
}

std::string jsonEscape(const std::string& text)
{
    std::string out;
    for (const char c : text)
    {
        if (c == '"' || c == '\\')
        {
            out += '\\';
        }
        out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    return out;
}
} // namespace

void mergeHistory(sim::History& into, const sim::History& from)
{
    into.operations.insert(into.operations.end(), from.operations.begin(), from.operations.end());
    into.applied.insert(into.applied.end(), from.applied.begin(), from.applied.end());
    into.timerSchedules.insert(into.timerSchedules.end(), from.timerSchedules.begin(), from.timerSchedules.end());
    into.timerEvents.insert(into.timerEvents.end(), from.timerEvents.begin(), from.timerEvents.end());
    into.entries.insert(into.entries.end(), from.entries.begin(), from.entries.end());
    into.stateHashes.insert(into.stateHashes.end(), from.stateHashes.begin(), from.stateHashes.end());
    into.finalClusterTimeNs = std::max(into.finalClusterTimeNs, from.finalClusterTimeNs);
}

sim::StateHash readNodeReport(int memberId, const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw util::IoException("cannot read node report " + path);
    }
    std::string line;
    std::string hash;
    std::string position;
    while (std::getline(in, line))
    {
        constexpr std::string_view HASH_KEY = "service.0.state-hash=";
        constexpr std::string_view POSITION_KEY = "service.0.log-position=";
        if (line.rfind(HASH_KEY, 0) == 0)
        {
            hash = line.substr(HASH_KEY.size());
        }
        else if (line.rfind(POSITION_KEY, 0) == 0)
        {
            position = line.substr(POSITION_KEY.size());
        }
    }
    if (hash.empty() || position.empty())
    {
        throw util::IllegalArgumentException("node report " + path + " lacks service.0.state-hash or log-position");
    }
    sim::StateHash state;
    state.memberId = memberId;
    try
    {
        std::size_t used = 0;
        state.stateHash = std::stoull(hash, &used, 16);
        if (used != hash.size())
        {
            throw std::invalid_argument(hash);
        }
        state.logPosition = std::stoll(position, &used, 10);
        if (used != position.size())
        {
            throw std::invalid_argument(position);
        }
    }
    catch (const std::logic_error&)
    {
        throw util::IllegalArgumentException("node report " + path + ": bad hash '" + hash + "' or position '" +
                                             position + "'");
    }
    return state;
}

std::vector<CheckLine> checkLines(const std::vector<sim::CheckResult>& results)
{
    std::vector<CheckLine> lines;
    for (const CheckInfo& info : CHECKS)
    {
        const std::string prefix = std::string(info.id) + " ";
        const auto found = std::find_if(results.begin(), results.end(),
                                        [&](const sim::CheckResult& r) { return r.checkName.rfind(prefix, 0) == 0; });
        if (found == results.end())
        {
            lines.push_back(CheckLine{info.id, "SKIPPED", std::string("no data: needs ") + info.needs});
        }
        else
        {
            lines.push_back(CheckLine{info.id, statusOf(*found), found->checkName.substr(prefix.size()) +
                                                                     (found->explanation.empty() ? "" : ": ") +
                                                                     found->explanation});
        }
    }
    return lines;
}

bool verdict(const std::vector<CheckLine>& lines, const std::vector<std::string>& required)
{
    for (const CheckLine& line : lines)
    {
        if (line.status == "FAIL" || line.status == "UNKNOWN")
        {
            return false;
        }
        if (line.status != "PASS" && std::find(required.begin(), required.end(), line.id) != required.end())
        {
            return false;
        }
    }
    return true;
}

std::string formatJson(const std::vector<CheckLine>& lines, const sim::History& history, bool passed)
{
    std::int64_t indeterminate = 0;
    for (const sim::Operation& op : history.operations)
    {
        indeterminate += op.isIndeterminate() ? 1 : 0;
    }
    std::ostringstream out;
    out << "{\"operations\":" << history.operations.size() << ",\"indeterminate\":" << indeterminate
        << ",\"states\":" << history.stateHashes.size() << ",\"checks\":{";
    for (std::size_t i = 0; i < lines.size(); ++i)
    {
        out << (i == 0 ? "" : ",") << "\"" << lines[i].id << "\":\"" << jsonEscape(lines[i].status) << "\"";
    }
    out << "},\"passed\":" << (passed ? "true" : "false") << "}";
    return out.str();
}
} // namespace cox::apps::check

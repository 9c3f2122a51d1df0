#include "cox/sim/HistoryFile.hpp"

#include "cox/sim/LogCheckers.hpp"
#include "cox/sim/ReplicaCheckers.hpp"
#include "cox/util/Exceptions.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cox::sim
{
namespace
{
using util::IllegalArgumentException;

constexpr std::string_view HEADER = "# coxswain history v1";
constexpr char HEX_DIGITS[] = "0123456789ABCDEF";

std::string encode(std::string_view raw)
{
    std::string text;
    text.reserve(raw.size());
    for (const char c : raw)
    {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7F || c == '%' || c == '=')
        {
            text += '%';
            text += HEX_DIGITS[byte >> 4];
            text += HEX_DIGITS[byte & 0x0F];
        }
        else
        {
            text += c;
        }
    }
    return text;
}

std::string hexHash(std::uint64_t value)
{
    std::string text = "0x";
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value, 16);
    text.append(digits, end);
    return text;
}

/// The line being parsed, to name in errors.
struct LineContext
{
    std::size_t number;
    std::string_view text;

    [[noreturn]] void error(const std::string& what) const
    {
        throw IllegalArgumentException("history line " + std::to_string(number) + ": " + what + " in '" +
                                       std::string(text) + "'");
    }
};

int hexValue(char c) noexcept
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f')
    {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F')
    {
        return c - 'A' + 10;
    }
    return -1;
}

std::string decode(std::string_view text, const LineContext& line)
{
    std::string raw;
    raw.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        if (text[i] != '%')
        {
            raw += text[i];
            continue;
        }
        const auto high = i + 2 < text.size() ? hexValue(text[i + 1]) : -1;
        const auto low = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
        if (high < 0 || low < 0)
        {
            line.error("bad percent escape in '" + std::string(text) + "'");
        }
        raw += static_cast<char>((high << 4) | low);
        i += 2;
    }
    return raw;
}

template <typename T> T parseInteger(std::string_view text, std::string_view field, const LineContext& line)
{
    T value{};
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    {
        text.remove_prefix(2);
        base = 16;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    {
        line.error("field " + std::string(field) + " is not a valid integer");
    }
    return value;
}

bool parseFlag(std::string_view text, std::string_view field, const LineContext& line)
{
    if (text == "1" || text == "true")
    {
        return true;
    }
    if (text == "0" || text == "false")
    {
        return false;
    }
    line.error("field " + std::string(field) + " is not 0 or 1");
}

OpKind parseKind(std::string_view text, const LineContext& line)
{
    for (const auto kind : {OpKind::SEND, OpKind::PUT, OpKind::GET, OpKind::CAS, OpKind::DELETE})
    {
        if (text == opKindName(kind))
        {
            return kind;
        }
    }
    line.error("unknown kind '" + std::string(text) + "'");
}

OpOutcome parseOutcome(std::string_view text, const LineContext& line)
{
    for (const auto outcome :
         {OpOutcome::OK, OpOutcome::FAIL, OpOutcome::NOT_FOUND, OpOutcome::REJECTED, OpOutcome::UNKNOWN})
    {
        if (text == opOutcomeName(outcome))
        {
            return outcome;
        }
    }
    line.error("unknown outcome '" + std::string(text) + "'");
}

/// Calls onField(name, value) for each name=value token after the record type.
template <typename OnField> void forEachField(std::string_view rest, const LineContext& line, OnField onField)
{
    while (!rest.empty())
    {
        const auto start = rest.find_first_not_of(" \t");
        if (start == std::string_view::npos)
        {
            return;
        }
        rest.remove_prefix(start);
        const auto end = std::min(rest.find_first_of(" \t"), rest.size());
        const auto token = rest.substr(0, end);
        rest.remove_prefix(end);
        const auto equals = token.find('=');
        if (equals == std::string_view::npos || equals == 0)
        {
            line.error("expected name=value, got '" + std::string(token) + "'");
        }
        if (!onField(token.substr(0, equals), token.substr(equals + 1)))
        {
            line.error("unknown field '" + std::string(token.substr(0, equals)) + "'");
        }
    }
}

/// Matches one name=value field against the fields a record accepts, parsing it into the first match.
struct FieldParser
{
    std::string_view name;
    std::string_view value;
    const LineContext& line;
    bool matched = false;

    template <typename T> FieldParser& integer(std::string_view field, T& target)
    {
        if (!matched && name == field)
        {
            target = parseInteger<T>(value, field, line);
            matched = true;
        }
        return *this;
    }

    FieldParser& text(std::string_view field, std::string& target)
    {
        if (!matched && name == field)
        {
            target = decode(value, line);
            matched = true;
        }
        return *this;
    }

    FieldParser& flag(std::string_view field, bool& target)
    {
        if (!matched && name == field)
        {
            target = parseFlag(value, field, line);
            matched = true;
        }
        return *this;
    }

    template <typename Parse> FieldParser& custom(std::string_view field, Parse parse)
    {
        if (!matched && name == field)
        {
            parse(value);
            matched = true;
        }
        return *this;
    }
};

template <typename Record, typename Fields>
void parseRecord(std::vector<Record>& records, std::string_view rest, const LineContext& line, Fields fields)
{
    Record record{};
    forEachField(rest, line,
                 [&](std::string_view name, std::string_view value)
                 {
                     FieldParser parser{name, value, line};
                     fields(parser, record);
                     return parser.matched;
                 });
    records.push_back(std::move(record));
}

void parseLine(History& history, std::string_view type, std::string_view rest, const LineContext& line)
{
    if (type == "op")
    {
        parseRecord(history.operations, rest, line,
                    [&](FieldParser& p, Operation& op)
                    {
                        p.integer("client", op.clientId)
                            .integer("seq", op.sequence)
                            .custom("kind", [&](std::string_view v) { op.kind = parseKind(v, line); })
                            .text("key", op.key)
                            .text("value", op.value)
                            .text("expected", op.expected)
                            .integer("invoke", op.invokeNs)
                            .custom("complete",
                                    [&](std::string_view v) {
                                        op.completeNs = v == "inf" ? INDETERMINATE_NS
                                                                   : parseInteger<std::int64_t>(v, "complete", line);
                                    })
                            .custom("outcome", [&](std::string_view v) { op.outcome = parseOutcome(v, line); })
                            .integer("pos", op.logPosition)
                            .flag("retry", op.retried);
                    });
    }
    else if (type == "applied")
    {
        parseRecord(history.applied, rest, line,
                    [](FieldParser& p, AppliedMessage& m)
                    { p.integer("pos", m.logPosition).integer("client", m.clientId).integer("seq", m.sequence); });
    }
    else if (type == "schedule")
    {
        parseRecord(
            history.timerSchedules, rest, line,
            [](FieldParser& p, TimerSchedule& s)
            {
                p.integer("corr", s.correlationId)
                    .integer("deadline", s.deadlineNs)
                    .flag("cancelled", s.cancelled)
                    .integer("cancelpos", s.cancelPosition);
            });
    }
    else if (type == "timer")
    {
        parseRecord(history.timerEvents, rest, line,
                    [](FieldParser& p, TimerEvent& e)
                    {
                        p.integer("corr", e.correlationId)
                            .integer("deadline", e.deadlineNs)
                            .integer("fired", e.firedAtNs)
                            .integer("pos", e.logPosition)
                            .integer("member", e.memberId);
                    });
    }
    else if (type == "entry")
    {
        parseRecord(history.entries, rest, line,
                    [](FieldParser& p, AppliedEntry& e)
                    {
                        p.integer("member", e.memberId)
                            .integer("pos", e.logPosition)
                            .integer("hash", e.entryHash)
                            .integer("ts", e.clusterTimeNs);
                    });
    }
    else if (type == "state")
    {
        parseRecord(history.stateHashes, rest, line,
                    [](FieldParser& p, StateHash& s)
                    { p.integer("member", s.memberId).integer("pos", s.logPosition).integer("hash", s.stateHash); });
    }
    else if (type == "final-time")
    {
        forEachField(rest, line,
                     [&](std::string_view name, std::string_view value)
                     {
                         FieldParser parser{name, value, line};
                         parser.integer("ns", history.finalClusterTimeNs);
                         return parser.matched;
                     });
    }
    else
    {
        line.error("unknown record type '" + std::string(type) + "'");
    }
}
} // namespace

std::string formatHistory(const History& history)
{
    std::ostringstream out;
    out << HEADER << '\n';
    for (const auto& op : history.operations)
    {
        out << "op client=" << op.clientId << " seq=" << op.sequence << " kind=" << opKindName(op.kind);
        if (op.kind != OpKind::SEND || !op.key.empty() || !op.value.empty())
        {
            out << " key=" << encode(op.key) << " value=" << encode(op.value);
        }
        if (op.kind == OpKind::CAS || !op.expected.empty())
        {
            out << " expected=" << encode(op.expected);
        }
        out << " invoke=" << op.invokeNs << " complete=";
        if (op.completeNs == INDETERMINATE_NS)
        {
            out << "inf";
        }
        else
        {
            out << op.completeNs;
        }
        out << " outcome=" << opOutcomeName(op.outcome) << " pos=" << op.logPosition
            << " retry=" << (op.retried ? 1 : 0) << '\n';
    }
    for (const auto& message : history.applied)
    {
        out << "applied pos=" << message.logPosition << " client=" << message.clientId << " seq=" << message.sequence
            << '\n';
    }
    for (const auto& schedule : history.timerSchedules)
    {
        out << "schedule corr=" << schedule.correlationId << " deadline=" << schedule.deadlineNs
            << " cancelled=" << (schedule.cancelled ? 1 : 0);
        if (schedule.cancelPosition != NULL_POSITION)
        {
            out << " cancelpos=" << schedule.cancelPosition;
        }
        out << '\n';
    }
    for (const auto& event : history.timerEvents)
    {
        out << "timer corr=" << event.correlationId << " deadline=" << event.deadlineNs << " fired=" << event.firedAtNs
            << " pos=" << event.logPosition << " member=" << event.memberId << '\n';
    }
    for (const auto& entry : history.entries)
    {
        out << "entry member=" << entry.memberId << " pos=" << entry.logPosition << " hash=" << hexHash(entry.entryHash)
            << " ts=" << entry.clusterTimeNs << '\n';
    }
    for (const auto& state : history.stateHashes)
    {
        out << "state member=" << state.memberId << " pos=" << state.logPosition << " hash=" << hexHash(state.stateHash)
            << '\n';
    }
    if (history.finalClusterTimeNs != NULL_POSITION)
    {
        out << "final-time ns=" << history.finalClusterTimeNs << '\n';
    }
    return out.str();
}

History parseHistory(std::string_view text)
{
    History history;
    std::size_t number = 0;
    while (!text.empty())
    {
        const auto end = std::min(text.find('\n'), text.size());
        auto lineText = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        ++number;
        if (!lineText.empty() && lineText.back() == '\r')
        {
            lineText.remove_suffix(1);
        }
        const auto start = lineText.find_first_not_of(" \t");
        if (start == std::string_view::npos || lineText[start] == '#')
        {
            continue;
        }
        const auto body = lineText.substr(start);
        const auto recordEnd = std::min(body.find_first_of(" \t"), body.size());
        parseLine(history, body.substr(0, recordEnd), body.substr(recordEnd), LineContext{number, lineText});
    }
    return history;
}

void saveHistory(const std::string& path, const History& history)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const auto text = formatHistory(history);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out)
    {
        throw util::IoException("cannot write history file " + path + ": " + std::strerror(errno));
    }
}

History loadHistory(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw util::IoException("cannot read history file " + path + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseHistory(text.str());
}

std::vector<CheckResult> checkHistory(const History& history, const LinearizabilityOptions& options)
{
    std::vector<CheckResult> results;
    const auto hasPositions = std::any_of(history.operations.begin(), history.operations.end(),
                                          [](const Operation& op) { return op.logPosition != NULL_POSITION; });
    if (!history.applied.empty())
    {
        results.push_back(checkNoLostAcks(history.operations, history.applied));
        results.push_back(checkNoDuplicatesOrPhantoms(history.operations, history.applied));
    }
    if (!history.applied.empty() || hasPositions)
    {
        results.push_back(checkOrdering(history.operations, history.applied));
    }
    if (!history.entries.empty())
    {
        results.push_back(checkLogAgreement(history.entries));
        results.push_back(checkClusterTimeMonotonic(history.entries));
    }
    if (!history.stateHashes.empty())
    {
        results.push_back(checkStateAgreement(history.stateHashes));
    }
    if (!history.timerSchedules.empty() || !history.timerEvents.empty())
    {
        results.push_back(checkTimers(history.timerSchedules, history.timerEvents, history.finalClusterTimeNs));
    }
    if (std::any_of(history.operations.begin(), history.operations.end(),
                    [](const Operation& op) { return op.kind != OpKind::SEND; }))
    {
        results.push_back(checkLinearizable(history.operations, options));
    }
    return results;
}

bool allPassed(const std::vector<CheckResult>& results) noexcept
{
    return std::all_of(results.begin(), results.end(), [](const CheckResult& r) { return r.passed(); });
}
} // namespace cox::sim

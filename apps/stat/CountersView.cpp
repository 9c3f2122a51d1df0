#include "CountersView.hpp"

#include "IntegerOption.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <thread>

#include "cox/util/Clock.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps
{
namespace
{
const std::string& valueOf(const std::vector<std::string>& args, std::size_t& i)
{
    if (i + 1 >= args.size())
    {
        throw util::IllegalArgumentException(args[i] + " needs a value");
    }
    return args[++i];
}
} // namespace

StatOptions parseStatOptions(const std::vector<std::string>& args)
{
    StatOptions options;
    for (std::size_t i = 0; i < args.size(); ++i)
    {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h")
        {
            options.help = true;
        }
        else if (arg == "--once")
        {
            options.once = true;
        }
        else if (arg == "--interval-ms")
        {
            options.intervalMs = parseIntegerOption(arg, valueOf(args, i), 1, 3'600'000);
        }
        else if (arg == "--filter")
        {
            options.labelFilter = valueOf(args, i);
        }
        else if (arg == "--type")
        {
            options.typeFilter = static_cast<std::int32_t>(parseIntegerOption(arg, valueOf(args, i), INT32_MIN, INT32_MAX));
        }
        else if (arg.starts_with("-"))
        {
            throw util::IllegalArgumentException("unknown option " + arg);
        }
        else if (options.path.empty())
        {
            options.path = arg;
        }
        else
        {
            throw util::IllegalArgumentException("more than one path: '" + options.path + "' and '" + arg + "'");
        }
    }
    if (options.path.empty() && !options.help)
    {
        throw util::IllegalArgumentException("no counters file or directory given");
    }
    return options;
}

std::string statUsage()
{
    return "Usage: cox-stat <counters.dat | directory holding counters.dat> [options]\n"
           "\n"
           "Shows the counters of a Coxswain process live (Aeron's AeronStat), refreshing in place.\n"
           "\n"
           "Options:\n"
           "  --once             print the counters once and exit\n"
           "  --interval-ms N    refresh period in milliseconds (default 1000)\n"
           "  --filter REGEX     only counters whose label contains a match for REGEX\n"
           "  --type N           only counters of type id N\n"
           "  --help             this text\n"
           "\n"
           "Exit code 1 if the file is missing, is not a counters file, or has another version.\n";
}

std::string resolveCountersPath(const std::string& path)
{
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
    {
        return (std::filesystem::path(path) / "counters.dat").string();
    }
    return path;
}

std::string formatThousands(std::int64_t value)
{
    // Through the unsigned magnitude so that INT64_MIN does not overflow on negation.
    std::uint64_t magnitude = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    std::string reversed;
    int digits = 0;
    do
    {
        if (digits > 0 && digits % 3 == 0)
        {
            reversed += ',';
        }
        reversed += static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
        ++digits;
    } while (magnitude != 0);
    if (value < 0)
    {
        reversed += '-';
    }
    return {reversed.rbegin(), reversed.rend()};
}

std::string formatDuration(std::int64_t durationMs)
{
    const std::int64_t totalSeconds = durationMs < 0 ? 0 : durationMs / 1000;
    const std::int64_t days = totalSeconds / 86'400;
    const std::int64_t hours = totalSeconds / 3'600 % 24;
    const std::int64_t minutes = totalSeconds / 60 % 60;
    const std::int64_t seconds = totalSeconds % 60;
    char text[64];
    if (days > 0)
    {
        std::snprintf(text, sizeof(text), "%lldd %02lldh %02lldm %02llds", static_cast<long long>(days),
                      static_cast<long long>(hours), static_cast<long long>(minutes), static_cast<long long>(seconds));
    }
    else if (hours > 0)
    {
        std::snprintf(text, sizeof(text), "%lldh %02lldm %02llds", static_cast<long long>(hours),
                      static_cast<long long>(minutes), static_cast<long long>(seconds));
    }
    else if (minutes > 0)
    {
        std::snprintf(text, sizeof(text), "%lldm %02llds", static_cast<long long>(minutes),
                      static_cast<long long>(seconds));
    }
    else
    {
        std::snprintf(text, sizeof(text), "%llds", static_cast<long long>(seconds));
    }
    return text;
}

std::string formatTimestampUtc(std::int64_t epochMs)
{
    const std::time_t seconds = static_cast<std::time_t>(epochMs / 1000);
    std::tm utc{};
    if (epochMs < 0 || ::gmtime_r(&seconds, &utc) == nullptr)
    {
        return "(invalid time " + std::to_string(epochMs) + ")";
    }
    char text[48];
    const std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &utc);
    std::snprintf(text + length, sizeof(text) - length, ".%03dZ", static_cast<int>(epochMs % 1000));
    return text;
}

CounterFilter::CounterFilter(const std::optional<std::string>& labelRegex, std::optional<std::int32_t> typeId)
    : m_typeId(typeId)
{
    if (labelRegex)
    {
        try
        {
            m_label.emplace(*labelRegex, std::regex::ECMAScript);
        }
        catch (const std::regex_error& e)
        {
            throw util::IllegalArgumentException("--filter '" + *labelRegex + "' is not a valid regular expression: " +
                                                 e.what());
        }
    }
}

bool CounterFilter::matches(std::int32_t typeId, std::string_view label) const
{
    if (m_typeId && *m_typeId != typeId)
    {
        return false;
    }
    return !m_label || std::regex_search(label.begin(), label.end(), *m_label);
}

OwnerState probeOwner(std::int64_t pid)
{
    if (pid <= 0 || pid > INT32_MAX)
    {
        return OwnerState::Unknown;
    }
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)
    {
        return OwnerState::Running;
    }
    return errno == ESRCH ? OwnerState::Exited : OwnerState::Unknown;
}

std::string renderCounters(const util::CountersReader& reader, const std::string& path, const CounterFilter& filter,
                           std::int64_t nowMs, OwnerState owner)
{
    static constexpr const char* OWNER_STATES[] = {"running", "exited", "state unknown"};
    std::ostringstream out;
    const std::int64_t startMs = reader.startTimestampMs();
    out << path << "  pid " << reader.ownerPid() << " (" << OWNER_STATES[static_cast<int>(owner)] << ")  started "
        << formatTimestampUtc(startMs)
        << (owner == OwnerState::Running ? "  up " : "  ") << formatDuration(nowMs - startMs)
        << (owner == OwnerState::Running ? "\n" : " ago\n");

    char line[64];
    std::snprintf(line, sizeof(line), "%5s %26s %6s  %s\n", "id", "value", "type", "label");
    out << line;
    int shown = 0;
    reader.forEach(
        [&](const util::CounterMetadata& counter)
        {
            if (!filter.matches(counter.typeId, counter.label))
            {
                return;
            }
            std::snprintf(line, sizeof(line), "%5d %26s %6d  ", counter.id, formatThousands(counter.value).c_str(),
                          counter.typeId);
            out << line << counter.label << '\n';
            ++shown;
        });
    if (shown == 0)
    {
        out << "(no counters" << (filter.matches(0, "") ? "" : " match the filter") << ")\n";
    }
    return out.str();
}

int runStat(const StatOptions& options, std::ostream& out, std::ostream& err, const std::atomic<bool>& stop)
{
    const std::string path = resolveCountersPath(options.path);
    std::unique_ptr<util::CountersReader> reader;
    try
    {
        const CounterFilter filter(options.labelFilter, options.typeFilter);
        reader = util::CountersReader::open(path);
        const util::SystemEpochClock epochClock;
        while (true)
        {
            const std::string screen =
                renderCounters(*reader, path, filter, epochClock.time(), probeOwner(reader->ownerPid()));
            if (options.clearScreen)
            {
                // Home the cursor and clear below it, so the table redraws in place without flicker.
                out << "\033[H\033[2J";
            }
            out << screen << std::flush;
            if (options.once)
            {
                return 0;
            }
            // Sleep in short steps so Ctrl-C is answered promptly even with a long interval.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.intervalMs);
            while (!stop.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline)
            {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            if (stop.load(std::memory_order_acquire))
            {
                return 0;
            }
            out << '\n';
        }
    }
    catch (const util::CoxException& e)
    {
        err << "cox-stat: " << e.what() << '\n';
        return 1;
    }
}
} // namespace cox::apps

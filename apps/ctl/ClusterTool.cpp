#include "ClusterTool.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "CountersView.hpp"
#include "IntegerOption.hpp"
#include "cox/archive/RecordingPos.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/cluster/RecordingLog.hpp"
#include "cox/transport/CncFileDescriptor.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps::ctl
{
namespace fs = std::filesystem;
using cluster::ClusterCounters;
using cluster::ClusterMarkFile;
using cluster::ClusterMarkFileHeader;
using cluster::ConsensusModuleState;
using cluster::RecordingLog;
using cluster::ToggleState;

namespace
{
constexpr int EXIT_OK = 0;
constexpr int EXIT_FAILED = 1;
constexpr int EXIT_USAGE = 2;
constexpr std::int64_t NANOS_PER_MS = 1'000'000;
constexpr std::int64_t DEFAULT_TIMEOUT_NS = 30'000 * NANOS_PER_MS;
/// A consensus module whose mark file is not closed and was touched this recently counts as running; the same
/// window a second node uses to refuse the directory. The pid is not consulted: it may be from another namespace.
constexpr std::int64_t RUNNING_ACTIVITY_WINDOW_MS = ClusterMarkFile::LIVENESS_TIMEOUT_MS;
constexpr const char* PROGRAM = "coxctl: ";

/// Bad usage: reported with the usage text and exit code 2.
class UsageError : public util::CoxException
{
public:
    using util::CoxException::CoxException;
};

/// A refusal or failure already worded for the user: one line and exit code 1.
class ToolFailure : public util::CoxException
{
public:
    using util::CoxException::CoxException;
};

enum class Command
{
    DESCRIBE,
    RECORDING_LOG,
    RECOVERY_PLAN,
    INVALIDATE_LATEST_SNAPSHOT,
    TOGGLE,
};

struct Options
{
    std::string clusterDir;
    std::string commandName;
    Command command = Command::DESCRIBE;
    ToggleState action = ToggleState::NEUTRAL;
    std::optional<std::int32_t> clusterId;
    std::optional<std::string> aeronDir;
    std::optional<std::string> archiveDir;
    std::optional<std::int32_t> serviceCount;
    bool force = false;
    std::int64_t timeoutNs = DEFAULT_TIMEOUT_NS;
};

std::int64_t parseInteger(const std::string& option, const std::string& text, std::int64_t min, std::int64_t max)
{
    try
    {
        return parseIntegerOption(option, text, min, max);
    }
    catch (const util::IllegalArgumentException& e)
    {
        throw UsageError(e.what()); // a bad number is a usage error here (exit status 2)
    }
}

/// "30s", "500ms", "2min"; a bare number is seconds.
std::int64_t parseTimeoutNs(const std::string& text)
{
    static const std::vector<std::pair<std::string, std::int64_t>> UNITS = {
        {"ms", NANOS_PER_MS},
        {"min", 60'000 * NANOS_PER_MS},
        {"s", 1'000 * NANOS_PER_MS},
        {"h", 3'600'000 * NANOS_PER_MS},
    };
    std::string digits = text;
    std::int64_t unitNs = 1'000 * NANOS_PER_MS;
    for (const auto& [suffix, ns] : UNITS)
    {
        if (text.size() > suffix.size() && text.ends_with(suffix) &&
            std::isdigit(static_cast<unsigned char>(text[text.size() - suffix.size() - 1])) != 0)
        {
            digits = text.substr(0, text.size() - suffix.size());
            unitNs = ns;
            break;
        }
    }
    const std::int64_t maxCount = 24 * 3'600'000 * NANOS_PER_MS / unitNs;
    std::int64_t count = 0;
    try
    {
        count = parseInteger("--timeout", digits, 1, maxCount);
    }
    catch (const UsageError&)
    {
        throw UsageError("--timeout needs a positive duration of at most 24h such as 30s, 500ms or 2min, not '" +
                         text + "'");
    }
    return count * unitNs;
}

const std::map<std::string, Command>& commandsByName()
{
    static const std::map<std::string, Command> COMMANDS = {
        {"describe", Command::DESCRIBE},
        {"recording-log", Command::RECORDING_LOG},
        {"recovery-plan", Command::RECOVERY_PLAN},
        {"invalidate-latest-snapshot", Command::INVALIDATE_LATEST_SNAPSHOT},
        {"snapshot", Command::TOGGLE},
        {"suspend", Command::TOGGLE},
        {"resume", Command::TOGGLE},
        {"shutdown", Command::TOGGLE},
        {"abort", Command::TOGGLE},
    };
    return COMMANDS;
}

/// Which options each command takes; anything else is bad usage rather than silently ignored.
bool commandTakes(Command command, const std::string& option)
{
    if (option == "--cluster-id" || option == "--aeron-dir")
    {
        return command != Command::RECORDING_LOG && command != Command::INVALIDATE_LATEST_SNAPSHOT;
    }
    if (option == "--archive-dir" || option == "--service-count")
    {
        return command == Command::RECOVERY_PLAN;
    }
    if (option == "--force")
    {
        return command == Command::INVALIDATE_LATEST_SNAPSHOT;
    }
    if (option == "--timeout")
    {
        return command == Command::TOGGLE;
    }
    return false;
}

Options parseOptions(const std::vector<std::string>& args)
{
    if (args.size() < 2)
    {
        throw UsageError(args.empty() ? "no cluster directory and command given" : "no command given");
    }
    Options options;
    options.clusterDir = args[0];
    options.commandName = args[1];
    const auto found = commandsByName().find(options.commandName);
    if (found == commandsByName().end())
    {
        throw UsageError("unknown command '" + options.commandName + "'");
    }
    options.command = found->second;
    if (options.command == Command::TOGGLE)
    {
        options.action = *cluster::toggleStateFromName(options.commandName);
    }
    for (std::size_t i = 2; i < args.size(); ++i)
    {
        const std::string& arg = args[i];
        if (!arg.starts_with("--"))
        {
            throw UsageError("unexpected argument '" + arg + "'");
        }
        if (!commandTakes(options.command, arg))
        {
            throw UsageError(options.commandName + " does not take " + arg);
        }
        if (arg == "--force")
        {
            options.force = true;
            continue;
        }
        if (i + 1 >= args.size())
        {
            throw UsageError(arg + " needs a value");
        }
        const std::string& value = args[++i];
        if (arg == "--cluster-id")
        {
            options.clusterId = static_cast<std::int32_t>(parseInteger(arg, value, INT32_MIN, INT32_MAX));
        }
        else if (arg == "--aeron-dir")
        {
            options.aeronDir = value;
        }
        else if (arg == "--archive-dir")
        {
            options.archiveDir = value;
        }
        else if (arg == "--service-count")
        {
            options.serviceCount = static_cast<std::int32_t>(parseInteger(arg, value, 0, 127));
        }
        else
        {
            options.timeoutNs = parseTimeoutNs(value);
        }
    }
    return options;
}

/// The clocks and sleeper of a context, with the system's where the context leaves them out.
class ToolTime
{
public:
    explicit ToolTime(const ClusterToolContext& context)
        : m_epochClock(context.epochClock != nullptr ? *context.epochClock : m_systemEpochClock),
          m_nanoClock(context.nanoClock != nullptr ? *context.nanoClock : m_systemNanoClock),
          m_sleeper(context.sleeper), m_pollIntervalNs(std::max<std::int64_t>(context.pollIntervalNs, 1)),
          m_progressIntervalNs(std::max<std::int64_t>(context.progressIntervalNs, 1))
    {
    }

    [[nodiscard]] std::int64_t epochMs() const { return m_epochClock.time(); }
    [[nodiscard]] std::int64_t nanoTime() const { return m_nanoClock.nanoTime(); }
    [[nodiscard]] std::int64_t progressIntervalNs() const { return m_progressIntervalNs; }

    void pause() const
    {
        if (m_sleeper)
        {
            m_sleeper(m_pollIntervalNs);
        }
        else
        {
            std::this_thread::sleep_for(std::chrono::nanoseconds(m_pollIntervalNs));
        }
    }

private:
    util::SystemEpochClock m_systemEpochClock;
    util::SystemNanoClock m_systemNanoClock;
    const util::EpochClock& m_epochClock;
    const util::NanoClock& m_nanoClock;
    std::function<void(std::int64_t)> m_sleeper;
    std::int64_t m_pollIntervalNs;
    std::int64_t m_progressIntervalNs;
};

std::string formatAge(std::int64_t ageMs)
{
    char text[48];
    if (ageMs < 0)
    {
        std::snprintf(text, sizeof(text), "%.1fs in the future", static_cast<double>(-ageMs) / 1000.0);
        return text;
    }
    if (ageMs < 60'000)
    {
        std::snprintf(text, sizeof(text), "%.1fs ago", static_cast<double>(ageMs) / 1000.0);
        return text;
    }
    return formatDuration(ageMs) + " ago";
}

std::string formatSeconds(std::int64_t ns)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%gs", static_cast<double>(ns) / 1e9);
    return text;
}

bool isRecentlyActive(const util::MarkFile& markFile, std::int64_t nowMs)
{
    return markFile.isActiveFlagSet() && nowMs - markFile.activityTimestampVolatile() < RUNNING_ACTIVITY_WINDOW_MS;
}

/// The service mark files (cluster-mark-service-<id>.dat) in the directory, by name.
std::vector<std::string> serviceMarkFiles(const std::string& clusterDir)
{
    std::vector<std::string> paths;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(clusterDir, ec))
    {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(ClusterMarkFile::SERVICE_FILE_NAME_PREFIX) && name.ends_with(".dat"))
        {
            paths.push_back(entry.path().string());
        }
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

/// What the consensus module's mark file (if any) and the options say about the node.
struct NodeIdentity
{
    std::unique_ptr<ClusterMarkFile> markFile;
    std::optional<ClusterMarkFileHeader> header;
    std::int32_t clusterId = 0;
    std::string aeronDir;

    [[nodiscard]] std::string countersPath() const
    {
        return (fs::path(aeronDir) / transport::CncFileDescriptor::COUNTERS_FILE).string();
    }
};

NodeIdentity identifyNode(const Options& options)
{
    NodeIdentity node;
    const std::string markPath = (fs::path(options.clusterDir) / ClusterMarkFile::FILE_NAME).string();
    std::error_code ec;
    if (fs::exists(markPath, ec))
    {
        node.markFile = ClusterMarkFile::openReadOnly(markPath);
        node.header = node.markFile->header();
    }
    node.clusterId = options.clusterId.value_or(node.header ? node.header->clusterId : 0);
    if (options.aeronDir)
    {
        node.aeronDir = *options.aeronDir;
    }
    else if (node.header && !node.header->aeronDirectory.empty())
    {
        node.aeronDir = node.header->aeronDirectory;
    }
    else
    {
        // ClusterNode's default when the context names no driver directory.
        node.aeronDir = (fs::path(options.clusterDir) / "aeron").string();
    }
    return node;
}

/// nullptr if the file is absent or unreadable (a driver gone, or mid-creation).
std::unique_ptr<ClusterCountersFile> openCountersIfPresent(const std::string& path, std::string* problem = nullptr)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
    {
        return nullptr;
    }
    try
    {
        return std::make_unique<ClusterCountersFile>(path);
    }
    catch (const util::CoxException& e)
    {
        if (problem != nullptr)
        {
            *problem = e.what();
        }
        return nullptr;
    }
}

template <typename Enum>
std::string decoded(std::optional<std::int64_t> value, std::optional<Enum> (*fromCode)(std::int64_t) noexcept)
{
    if (!value)
    {
        return "(no counter)";
    }
    const auto state = fromCode(*value);
    return state ? std::string(toString(*state)) : "UNKNOWN(" + std::to_string(*value) + ")";
}

std::string plain(std::optional<std::int64_t> value)
{
    return value ? std::to_string(*value) : "(no counter)";
}

std::string toggleText(std::int64_t code)
{
    const auto state = cluster::toggleStateFromCode(code);
    return state ? std::string(cluster::toString(*state)) : "UNKNOWN(" + std::to_string(code) + ")";
}

void describeMarkFile(const ClusterMarkFile& markFile, const ClusterMarkFileHeader& header, std::int64_t nowMs,
                      std::ostream& out)
{
    const util::MarkFile& file = markFile.markFile();
    const std::int64_t activityMs = markFile.activityTimestampVolatile();
    const char* liveness = !file.isActiveFlagSet()          ? "closed"
                           : isRecentlyActive(file, nowMs) ? "fresh"
                                                           : "stale";
    static constexpr const char* OWNER_STATES[] = {"running", "exited", "state unknown"};
    out << "  memberId=" << header.memberId << " clusterId=" << header.clusterId;
    if (header.serviceId >= 0)
    {
        out << " serviceId=" << header.serviceId << " serviceName=" << header.serviceName;
    }
    out << '\n'
        << "  pid " << file.pid() << " (" << OWNER_STATES[static_cast<int>(probeOwner(file.pid()))] << ")  started "
        << formatTimestampUtc(file.startTimestampMs()) << '\n'
        << "  activity " << formatTimestampUtc(activityMs) << " (" << formatAge(nowMs - activityMs) << "): " << liveness
        << '\n'
        << "  aeronDirectory=" << header.aeronDirectory << '\n'
        << "  clusterDirectory=" << header.clusterDirectory << '\n';
    if (header.serviceId < 0)
    {
        out << "  controlChannel=" << header.controlChannel << '\n'
            << "  ingressChannel=" << header.ingressChannel << '\n'
            << "  streams: archive=" << header.archiveStreamId << " service=" << header.serviceStreamId
            << " consensusModule=" << header.consensusModuleStreamId << " ingress=" << header.ingressStreamId << '\n';
    }
}

void describeCounters(const NodeIdentity& node, std::ostream& out)
{
    const std::string path = node.countersPath();
    std::string problem;
    const auto counters = openCountersIfPresent(path, &problem);
    if (!counters)
    {
        out << "counters: " << path << ": " << (problem.empty() ? "absent (the node's driver is not running)" : problem)
            << '\n';
        return;
    }
    const std::int64_t pid = counters->reader().ownerPid();
    const bool running = probeOwner(pid) != OwnerState::Exited;
    out << "counters: " << path << " (driver pid " << pid << (running ? ")" : ", exited: last values)")
        << " clusterId=" << node.clusterId << '\n';
    const auto value = [&](std::int32_t typeId) { return counters->value(typeId, node.clusterId); };
    const auto toggle = value(ClusterCounters::CONTROL_TOGGLE_TYPE_ID);
    out << "  module state        "
        << decoded(value(ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID), &cluster::consensusModuleStateFromCode)
        << '\n'
        << "  role                " << decoded(value(ClusterCounters::NODE_ROLE_TYPE_ID), &cluster::roleFromCode)
        << '\n'
        << "  commit position     " << plain(value(ClusterCounters::COMMIT_POSITION_TYPE_ID)) << '\n'
        << "  leadership term id  " << plain(value(ClusterCounters::LEADERSHIP_TERM_ID_TYPE_ID)) << '\n'
        << "  election state      "
        << decoded(value(ClusterCounters::ELECTION_STATE_TYPE_ID), &cluster::electionStateFromCode) << '\n'
        << "  snapshot count      " << plain(value(ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID)) << '\n'
        << "  control toggle      " << (toggle ? toggleText(*toggle) : "(no counter)") << '\n';
}

int describe(const Options& options, const ToolTime& time, std::ostream& out)
{
    const NodeIdentity node = identifyNode(options);
    const std::vector<std::string> services = serviceMarkFiles(options.clusterDir);
    if (!node.markFile && services.empty())
    {
        throw ToolFailure("no " + std::string(ClusterMarkFile::FILE_NAME) + " or service mark file in " +
                          options.clusterDir + " (not a cluster directory, or the node never started)");
    }
    const std::int64_t nowMs = time.epochMs();
    out << "cluster directory: " << options.clusterDir << '\n';
    if (node.markFile)
    {
        out << "consensus module: " << node.markFile->path() << '\n';
        describeMarkFile(*node.markFile, *node.header, nowMs, out);
    }
    else
    {
        out << "consensus module: no " << ClusterMarkFile::FILE_NAME << '\n';
    }
    for (const std::string& path : services)
    {
        out << "service: " << path << '\n';
        try
        {
            const auto markFile = ClusterMarkFile::openReadOnly(path);
            describeMarkFile(*markFile, markFile->header(), nowMs, out);
        }
        catch (const util::CoxException& e)
        {
            out << "  unreadable: " << e.what() << '\n';
        }
    }
    describeCounters(node, out);
    return EXIT_OK;
}

/// A private copy of recording.log, opened: opening a RecordingLog repairs a torn tail in place, which must never
/// happen to the live file under a running node's feet, so the read-only commands read a copy.
class RecordingLogCopy
{
public:
    explicit RecordingLogCopy(const std::string& clusterDir)
    {
        const fs::path source = fs::path(clusterDir) / RecordingLog::FILE_NAME;
        std::error_code ec;
        if (!fs::exists(source, ec))
        {
            throw ToolFailure("no " + std::string(RecordingLog::FILE_NAME) + " in " + clusterDir);
        }
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/coxctl-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
        {
            throw util::IoException(util::errnoMessage("mkdtemp", pattern));
        }
        m_copyDir = pattern;
        fs::copy_file(source, fs::path(m_copyDir) / RecordingLog::FILE_NAME, ec);
        if (ec)
        {
            throw ToolFailure("cannot copy " + source.string() + ": " + ec.message());
        }
        m_sourcePath = source.string();
        m_log = std::make_unique<RecordingLog>(m_copyDir, false);
    }

    ~RecordingLogCopy()
    {
        m_log.reset();
        std::error_code ignored;
        fs::remove_all(m_copyDir, ignored);
    }

    RecordingLogCopy(const RecordingLogCopy&) = delete;
    RecordingLogCopy& operator=(const RecordingLogCopy&) = delete;

    [[nodiscard]] const RecordingLog& log() const noexcept { return *m_log; }
    [[nodiscard]] const std::string& sourcePath() const noexcept { return m_sourcePath; }

private:
    std::string m_copyDir;
    std::string m_sourcePath;
    std::unique_ptr<RecordingLog> m_log;
};

std::string entryTypeName(std::int32_t type)
{
    switch (type)
    {
    case RecordingLog::ENTRY_TYPE_TERM:
        return "TERM";
    case RecordingLog::ENTRY_TYPE_SNAPSHOT:
        return "SNAPSHOT";
    case RecordingLog::ENTRY_TYPE_STANDBY_SNAPSHOT:
        return "STANDBY";
    default:
        return "TYPE(" + std::to_string(type) + ")";
    }
}

int printRecordingLog(const Options& options, std::ostream& out)
{
    const RecordingLogCopy copy(options.clusterDir);
    const auto& entries = copy.log().entries();
    out << copy.sourcePath() << ": " << entries.size() << (entries.size() == 1 ? " entry" : " entries") << '\n';
    if (copy.log().discardedTailLength() > 0)
    {
        out << "note: the last " << copy.log().discardedTailLength()
            << " bytes are a torn record (an append cut short) and are not shown\n";
    }
    char line[256];
    std::snprintf(line, sizeof(line), "%5s  %-8s %-7s %6s %14s %14s %11s %14s %7s  %s\n", "index", "type", "state",
                  "term", "termBase", "logPosition", "recordingId", "timestamp", "service", "endpoint");
    out << line;
    for (const RecordingLog::Entry& entry : entries)
    {
        std::snprintf(line, sizeof(line), "%5d  %-8s %-7s %6lld %14lld %14lld %11lld %14lld %7d  %s\n",
                      entry.entryIndex, entryTypeName(entry.type).c_str(), entry.isValid ? "valid" : "INVALID",
                      static_cast<long long>(entry.leadershipTermId), static_cast<long long>(entry.termBaseLogPosition),
                      static_cast<long long>(entry.logPosition), static_cast<long long>(entry.recordingId),
                      static_cast<long long>(entry.timestamp), entry.serviceId, entry.archiveEndpoint.c_str());
        out << line;
    }
    return EXIT_OK;
}

std::string defaultArchiveDir(const std::string& clusterDir)
{
    // coxswain-node keeps its archive in <cluster.dir>/archive (ClusterNode's default); a layout with the cluster
    // and archive directories side by side under a node directory has it at <cluster-dir>/../archive.
    std::error_code ec;
    const fs::path inside = fs::path(clusterDir) / "archive";
    if (fs::is_directory(inside, ec))
    {
        return inside.string();
    }
    const fs::path beside = fs::path(clusterDir) / ".." / "archive";
    if (fs::is_directory(beside, ec))
    {
        return beside.lexically_normal().string();
    }
    throw ToolFailure("no archive directory at " + inside.string() + " or " + beside.lexically_normal().string() +
                      "; name it with --archive-dir");
}

int printRecoveryPlan(const Options& options, std::ostream& out)
{
    const RecordingLogCopy copy(options.clusterDir);
    const std::string archiveDir = options.archiveDir ? *options.archiveDir : defaultArchiveDir(options.clusterDir);
    std::error_code ec;
    if (!fs::exists(fs::path(archiveDir) / archive::Catalog::FILE_NAME, ec))
    {
        throw ToolFailure("no " + std::string(archive::Catalog::FILE_NAME) + " in " + archiveDir);
    }
    std::int32_t serviceCount = 0;
    std::string serviceCountSource;
    if (options.serviceCount)
    {
        serviceCount = *options.serviceCount;
        serviceCountSource = "--service-count";
    }
    else
    {
        const auto found = static_cast<std::int32_t>(serviceMarkFiles(options.clusterDir).size());
        serviceCount = std::max(found, 1);
        serviceCountSource = std::to_string(found) + " service mark file" + (found == 1 ? "" : "s");
    }

    // A live recording's extent is only in the archive's recording position counter, in the node's counters file.
    const NodeIdentity node = identifyNode(options);
    const auto counters = openCountersIfPresent(node.countersPath());
    CatalogExtentSource source(archiveDir, counters ? &counters->reader() : nullptr);
    const cluster::RecoveryPlan plan = cluster::createRecoveryPlan(copy.log(), serviceCount, source);
    out << "recording log: " << copy.sourcePath() << '\n'
        << "archive: " << archiveDir << '\n'
        << "service count: " << serviceCount << " (" << serviceCountSource << ")\n"
        << plan.toString();
    return EXIT_OK;
}

std::string describeSnapshot(const RecordingLog::Entry& entry)
{
    return "leadershipTermId=" + std::to_string(entry.leadershipTermId) +
           " logPosition=" + std::to_string(entry.logPosition) + " recordingId=" + std::to_string(entry.recordingId);
}

int invalidateLatestSnapshot(const Options& options, const ToolTime& time, std::ostream& out)
{
    const std::string markPath = (fs::path(options.clusterDir) / ClusterMarkFile::FILE_NAME).string();
    std::error_code ec;
    if (!options.force && fs::exists(markPath, ec))
    {
        const auto markFile = ClusterMarkFile::openReadOnly(markPath);
        const std::int64_t nowMs = time.epochMs();
        if (isRecentlyActive(markFile->markFile(), nowMs))
        {
            throw ToolFailure("the node looks running (" + std::string(ClusterMarkFile::FILE_NAME) + " of pid " +
                              std::to_string(markFile->markFile().pid()) + " active " +
                              formatAge(nowMs - markFile->activityTimestampVolatile()) +
                              "); stop it first, or pass --force");
        }
    }
    if (!fs::exists(fs::path(options.clusterDir) / RecordingLog::FILE_NAME, ec))
    {
        throw ToolFailure("no " + std::string(RecordingLog::FILE_NAME) + " in " + options.clusterDir);
    }
    RecordingLog log(options.clusterDir, false, archive::FileSyncLevel::DATA_AND_METADATA);
    const RecordingLog::Entry* latest = log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
    const std::string latestText = latest != nullptr ? describeSnapshot(*latest) : "";
    if (!log.invalidateLatestSnapshot())
    {
        throw ToolFailure("no valid snapshot to invalidate in " + log.path());
    }
    out << "invalidated the latest snapshot: " << latestText << '\n';
    const RecordingLog::Entry* now = log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
    out << "latest valid snapshot now: " << (now != nullptr ? describeSnapshot(*now) : "none") << '\n';
    return EXIT_OK;
}

/// What a toggle command waits for, checked against the counters after each poll.
enum class WaitOutcome
{
    PENDING,
    DONE,
    MODULE_GONE,
};

WaitOutcome checkDone(ToggleState action, const ClusterCountersFile& counters, std::int32_t clusterId,
                      std::int64_t snapshotsBefore, const std::string& countersPath)
{
    const auto state = counters.value(ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, clusterId);
    const auto moduleState = state ? cluster::consensusModuleStateFromCode(*state) : std::nullopt;
    switch (action)
    {
    case ToggleState::SHUTDOWN:
    case ToggleState::ABORT:
    {
        std::error_code ec;
        const bool terminated = !state || moduleState == ConsensusModuleState::TERMINATING ||
                                moduleState == ConsensusModuleState::CLOSED || !fs::exists(countersPath, ec);
        return terminated ? WaitOutcome::DONE : WaitOutcome::PENDING;
    }
    case ToggleState::SNAPSHOT:
    {
        if (!state)
        {
            return WaitOutcome::MODULE_GONE;
        }
        const auto snapshots = counters.value(ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID, clusterId);
        const auto toggle = counters.value(ClusterCounters::CONTROL_TOGGLE_TYPE_ID, clusterId);
        const bool done = snapshots && *snapshots > snapshotsBefore && toggle &&
                          *toggle == static_cast<std::int64_t>(ToggleState::NEUTRAL);
        return done ? WaitOutcome::DONE : WaitOutcome::PENDING;
    }
    case ToggleState::SUSPEND:
    case ToggleState::RESUME:
    {
        if (!state)
        {
            return WaitOutcome::MODULE_GONE;
        }
        const ConsensusModuleState wanted =
            action == ToggleState::SUSPEND ? ConsensusModuleState::SUSPENDED : ConsensusModuleState::ACTIVE;
        return moduleState == wanted ? WaitOutcome::DONE : WaitOutcome::PENDING;
    }
    case ToggleState::INACTIVE:
    case ToggleState::NEUTRAL:
    case ToggleState::STANDBY_SNAPSHOT:
        break;
    }
    return WaitOutcome::DONE;
}

std::string waitingFor(ToggleState action)
{
    switch (action)
    {
    case ToggleState::SNAPSHOT:
        return "the snapshot";
    case ToggleState::SUSPEND:
        return "the module state SUSPENDED";
    case ToggleState::RESUME:
        return "the module state ACTIVE";
    case ToggleState::SHUTDOWN:
    case ToggleState::ABORT:
        return "the consensus module to terminate";
    case ToggleState::INACTIVE:
    case ToggleState::NEUTRAL:
    case ToggleState::STANDBY_SNAPSHOT:
        break;
    }
    return "the action";
}

int toggle(const Options& options, const ToolTime& time, std::ostream& out)
{
    const NodeIdentity node = identifyNode(options);
    const std::string path = node.countersPath();
    std::error_code ec;
    if (!fs::exists(path, ec))
    {
        throw ToolFailure("no counters file " + path + ": the node's driver is not running");
    }
    ClusterCountersFile counters(path);
    const std::int32_t clusterId = node.clusterId;
    const std::int32_t toggleId = counters.find(ClusterCounters::CONTROL_TOGGLE_TYPE_ID, clusterId);
    if (toggleId == ClusterCounters::NULL_COUNTER_ID)
    {
        throw ToolFailure("no control toggle for clusterId=" + std::to_string(clusterId) + " in " + path +
                          " (is the consensus module running?)");
    }

    const ToggleState action = options.action;
    const ToggleState expected = action == ToggleState::RESUME ? ToggleState::SUSPEND : ToggleState::NEUTRAL;
    const std::int64_t snapshotsBefore =
        counters.value(ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID, clusterId).value_or(0);
    if (!counters.compareAndSet(toggleId, static_cast<std::int64_t>(expected), static_cast<std::int64_t>(action)))
    {
        const std::int64_t current = counters.reader().getCounterValue(toggleId);
        std::string why = action == ToggleState::RESUME ? " (the cluster is not suspended)"
                          : current == static_cast<std::int64_t>(ToggleState::INACTIVE)
                              ? " (the consensus module is not active yet)"
                              : " (another action is in progress, or the cluster is suspended)";
        throw ToolFailure("cannot " + options.commandName + ": the control toggle is " + toggleText(current) +
                          ", not " + std::string(cluster::toString(expected)) + why);
    }
    out << options.commandName << ": control toggle set to " << cluster::toString(action) << " (clusterId=" << clusterId
        << ")\n";
    const auto role = counters.value(ClusterCounters::NODE_ROLE_TYPE_ID, clusterId);
    if (role && cluster::roleFromCode(*role) != cluster::Role::LEADER)
    {
        out << "note: this node is " << decoded(role, &cluster::roleFromCode)
            << "; only the leader acts on the control toggle\n";
    }
    out << "waiting for " << waitingFor(action) << std::flush;

    const std::int64_t startNs = time.nanoTime();
    std::int64_t nextDotNs = startNs + time.progressIntervalNs();
    while (true)
    {
        const std::int64_t nowNs = time.nanoTime();
        const WaitOutcome outcome = checkDone(action, counters, clusterId, snapshotsBefore, path);
        if (outcome == WaitOutcome::DONE)
        {
            break;
        }
        if (outcome == WaitOutcome::MODULE_GONE)
        {
            out << '\n';
            throw ToolFailure("the consensus module of clusterId=" + std::to_string(clusterId) +
                              " went away before " + waitingFor(action));
        }
        if (nowNs - startNs >= options.timeoutNs)
        {
            out << '\n';
            const auto current = counters.value(ClusterCounters::CONTROL_TOGGLE_TYPE_ID, clusterId);
            throw ToolFailure("timed out after " + formatSeconds(options.timeoutNs) + " waiting for " +
                              waitingFor(action) + "; the control toggle is " +
                              (current ? toggleText(*current) : "gone") + " (the node may still act on it)");
        }
        if (nowNs >= nextDotNs)
        {
            out << '.' << std::flush;
            nextDotNs += time.progressIntervalNs();
        }
        time.pause();
    }
    out << '\n';
    if (action == ToggleState::SNAPSHOT)
    {
        out << "snapshot taken: snapshot count "
            << plain(counters.value(ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID, clusterId)) << '\n';
    }
    else if (action == ToggleState::SUSPEND || action == ToggleState::RESUME)
    {
        out << "module state " << (action == ToggleState::SUSPEND ? "SUSPENDED" : "ACTIVE") << '\n';
    }
    else
    {
        out << "consensus module terminated\n";
    }
    return EXIT_OK;
}

int run(const Options& options, const ToolTime& time, std::ostream& out)
{
    std::error_code ec;
    if (!fs::is_directory(options.clusterDir, ec))
    {
        throw ToolFailure("not a directory: " + options.clusterDir);
    }
    switch (options.command)
    {
    case Command::DESCRIBE:
        return describe(options, time, out);
    case Command::RECORDING_LOG:
        return printRecordingLog(options, out);
    case Command::RECOVERY_PLAN:
        return printRecoveryPlan(options, out);
    case Command::INVALIDATE_LATEST_SNAPSHOT:
        return invalidateLatestSnapshot(options, time, out);
    case Command::TOGGLE:
        return toggle(options, time, out);
    }
    return EXIT_USAGE;
}
} // namespace

std::string clusterToolUsage()
{
    return "Usage: coxctl <cluster-dir> <command> [options]\n"
           "\n"
           "Inspects and controls one cluster member through its cluster directory (Aeron's ClusterTool).\n"
           "\n"
           "Commands:\n"
           "  describe                     the mark files of the consensus module and the services, then the\n"
           "                               cluster's counters if the node's driver is running\n"
           "  recording-log                every entry of recording.log, invalid ones marked INVALID\n"
           "  recovery-plan                the plan a restart would follow, from recording.log and the archive\n"
           "      --archive-dir DIR        the archive directory (default: <cluster-dir>/archive, where\n"
           "                               coxswain-node keeps it, else <cluster-dir>/../archive)\n"
           "      --service-count N        services per node (default: the number of cluster-mark-service-*.dat\n"
           "                               files, at least 1)\n"
           "  invalidate-latest-snapshot   marks the latest snapshot set invalid, so a restart uses the one before;\n"
           "                               refused while the consensus module's mark file shows activity\n"
           "      --force                  do it anyway\n"
           "  snapshot                     takes a snapshot; waits for the snapshot count to rise\n"
           "  suspend                      suspends the cluster; waits for the module state SUSPENDED\n"
           "  resume                       resumes a suspended cluster; waits for the module state ACTIVE\n"
           "  shutdown                     orderly shutdown after a snapshot; waits for the module to terminate\n"
           "  abort                        shutdown without a snapshot; waits for the module to terminate\n"
           "      --timeout DURATION       how long these five wait, e.g. 30s, 500ms, 2min (default 30s)\n"
           "\n"
           "The five actions compare-and-set the cluster's control toggle counter in <aeron-dir>/counters.dat\n"
           "(from NEUTRAL; resume from SUSPEND) and fail if it holds another action. Only the leader acts on it.\n"
           "\n"
           "Options for describe, recovery-plan and the actions:\n"
           "  --aeron-dir DIR              the node's driver directory (default: from cluster-mark.dat, else\n"
           "                               <cluster-dir>/aeron)\n"
           "  --cluster-id N               which cluster's counters (default: from cluster-mark.dat, else 0)\n"
           "  --help                       this text\n"
           "\n"
           "Exit status: 0 done, 1 the action failed or was refused, 2 bad usage.\n";
}

int runClusterTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const ClusterToolContext& context)
{
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end())
    {
        out << clusterToolUsage();
        return EXIT_OK;
    }
    Options options;
    try
    {
        options = parseOptions(args);
    }
    catch (const UsageError& e)
    {
        err << PROGRAM << e.what() << "\n\n" << clusterToolUsage();
        return EXIT_USAGE;
    }
    try
    {
        const ToolTime time(context);
        return run(options, time, out);
    }
    catch (const std::exception& e)
    {
        out << std::flush;
        err << PROGRAM << e.what() << '\n';
        return EXIT_FAILED;
    }
}

ClusterCountersFile::ClusterCountersFile(const std::string& path)
    : m_path(path), m_reader(util::CountersReader::open(path)), m_writable(util::MemoryMappedFile::open(path, false))
{
    // The reader has validated the header; the values sit right after it and the metadata, in both mappings.
    const std::size_t valuesOffset = util::CountersDescriptor::HEADER_LENGTH + m_reader->metadataBuffer().capacity();
    const std::size_t valuesLength = m_reader->valuesBuffer().capacity();
    if (valuesOffset > m_writable->length() || valuesLength > m_writable->length() - valuesOffset)
    {
        throw util::IllegalStateException("counters file changed length while being opened: " + path);
    }
    m_writableValues = util::AtomicBuffer(m_writable->memory() + valuesOffset, valuesLength);
}

std::int32_t ClusterCountersFile::find(std::int32_t typeId, std::int32_t clusterId) const
{
    return ClusterCounters::find(*m_reader, typeId, clusterId);
}

std::optional<std::int64_t> ClusterCountersFile::value(std::int32_t typeId, std::int32_t clusterId) const
{
    const std::int32_t id = find(typeId, clusterId);
    if (id == ClusterCounters::NULL_COUNTER_ID)
    {
        return std::nullopt;
    }
    return m_reader->getCounterValue(id);
}

bool ClusterCountersFile::compareAndSet(std::int32_t counterId, std::int64_t expected, std::int64_t desired)
{
    if (counterId < 0 || counterId >= m_reader->maxCounters() ||
        m_reader->getCounterState(counterId) != util::CountersDescriptor::RECORD_ALLOCATED)
    {
        return false;
    }
    return m_writableValues.compareAndSetInt64(
        util::CountersDescriptor::counterOffset(counterId) + util::CountersDescriptor::VALUE_OFFSET, expected, desired);
}

CatalogExtentSource::CatalogExtentSource(const std::string& archiveDir, const util::CountersReader* counters)
    : m_catalog(archiveDir,
                []
                {
                    archive::Catalog::Options options;
                    options.readOnly = true;
                    return options;
                }()),
      m_counters(counters)
{
}

std::optional<archive::RecordingDescriptor> CatalogExtentSource::findRecording(std::int64_t recordingId)
{
    return m_catalog.findRecording(recordingId);
}

std::int64_t CatalogExtentSource::recordedPosition(std::int64_t recordingId)
{
    if (m_counters == nullptr)
    {
        return archive::NULL_POSITION;
    }
    const std::int32_t counterId = archive::RecordingPos::findCounterIdByRecording(*m_counters, recordingId);
    return counterId == archive::RecordingPos::NULL_COUNTER_ID ? archive::NULL_POSITION
                                                               : m_counters->getCounterValue(counterId);
}
} // namespace cox::apps::ctl

// cox-check-history: merges the history files of a real-process test (clients' kv operations, members' state
// hashes) and runs the simulator's checkers over them.

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "HistoryCheck.hpp"
#include "LogJournal.hpp"
#include "cox/sim/HistoryFile.hpp"
#include "cox/sim/ReplicaCheckers.hpp"
#include "cox/util/Exceptions.hpp"

namespace
{
constexpr int EXIT_CHECK_FAILED = 1;
constexpr int EXIT_USAGE = 2;

const char* const USAGE =
    "usage: cox-check-history [--node-report MEMBER=PATH]... [--log MEMBER=ARCHIVE_DIR]... [--require C4,C7]\n"
    "                         [--pending-at CLUSTER_TIME]... FILE...\n"
    "\n"
    "Merges the history files (coxswain-client --history; 'state member=.. pos=.. hash=..' lines count too),\n"
    "adds each node-report.txt as that member's state hash, reads each --log member's archived log up to its\n"
    "reported position (session messages as log entries, so C3 and C9 run; from the first whose log starts at\n"
    "0, its kv requests as applied messages, so C1, C2 and C6 run, and its timer requests as the timers\n"
    "scheduled; every log's TimerEvents as firings, so C8 runs); then runs the checks C1..C9 that the\n"
    "records allow and\n"
    "prints, for each --pending-at time, how many timers that log shows pending then (a test's proof that a\n"
    "fault struck while timers were outstanding);\n"
    "prints one line per check (PASS, FAIL, UNKNOWN, or SKIPPED for lack of records) and a JSON line.\n"
    "Exit 0 only if nothing failed or was unknown and every --require'd check ran and passed; 1 otherwise,\n"
    "2 for a bad command line or an unreadable file.\n";

std::vector<std::string> splitCommas(const std::string& text)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size())
    {
        const std::size_t comma = text.find(',', start);
        const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!part.empty())
        {
            parts.push_back(part);
        }
        if (comma == std::string::npos)
        {
            break;
        }
        start = comma + 1;
    }
    return parts;
}
} // namespace

int main(int argc, char** argv)
{
    using namespace cox::apps::check;
    std::vector<std::string> args(argv + 1, argv + argc);
    cox::sim::History history;
    std::vector<std::string> required;
    std::vector<std::pair<int, std::string>> logs;
    std::size_t files = 0;
    std::vector<std::int64_t> pendingAt;
    try
    {
        for (std::size_t i = 0; i < args.size(); ++i)
        {
            const std::string& arg = args[i];
            if (arg == "-h" || arg == "--help")
            {
                std::cout << USAGE;
                return 0;
            }
            if ((arg == "--node-report" || arg == "--require" || arg == "--log" || arg == "--pending-at") &&
                i + 1 >= args.size())
            {
                throw cox::util::IllegalArgumentException(arg + " needs a value");
            }
            if (arg == "--node-report")
            {
                const std::string& value = args[++i];
                const std::size_t equals = value.find('=');
                if (equals == std::string::npos || equals == 0)
                {
                    throw cox::util::IllegalArgumentException("--node-report needs MEMBER=PATH, not '" + value + "'");
                }
                history.stateHashes.push_back(readNodeReport(std::stoi(value.substr(0, equals)),
                                                             value.substr(equals + 1)));
            }
            else if (arg == "--log")
            {
                const std::string& value = args[++i];
                const std::size_t equals = value.find('=');
                if (equals == std::string::npos || equals == 0)
                {
                    throw cox::util::IllegalArgumentException("--log needs MEMBER=ARCHIVE_DIR, not '" + value + "'");
                }
                logs.emplace_back(std::stoi(value.substr(0, equals)), value.substr(equals + 1));
            }
            else if (arg == "--pending-at")
            {
                pendingAt.push_back(std::stoll(args[++i]));
            }
            else if (arg == "--require")
            {
                const std::vector<std::string> ids = splitCommas(args[++i]);
                required.insert(required.end(), ids.begin(), ids.end());
            }
            else
            {
                mergeHistory(history, cox::sim::loadHistory(arg));
                ++files;
            }
        }
    }
    catch (const std::exception& ex)
    {
        std::cerr << "cox-check-history: " << ex.what() << std::endl;
        return EXIT_USAGE;
    }
    if (files == 0 && history.stateHashes.empty())
    {
        std::cerr << USAGE;
        return EXIT_USAGE;
    }
    // The applied messages come from one whole log (from position 0): the longest, and among those the one whose
    // member's state hash most members share, so that one corrupt member does not stand for the cluster.
    const LogJournal* chosen = nullptr;
    std::size_t chosenAgreement = 0;
    std::vector<LogJournal> journals;
    journals.reserve(logs.size());
    for (const auto& [member, archiveDir] : logs)
    {
        const auto state = std::find_if(history.stateHashes.begin(), history.stateHashes.end(),
                                        [&](const cox::sim::StateHash& s) { return s.memberId == member; });
        if (state == history.stateHashes.end())
        {
            std::cout << "log: member " << member << " has no --node-report to say where its log ends; skipped\n";
            continue;
        }
        try
        {
            journals.push_back(readLogJournal(archiveDir, member, state->logPosition));
        }
        catch (const std::exception& ex)
        {
            std::cout << "log: member " << member << ": " << ex.what() << "\n";
            continue;
        }
        const LogJournal& journal = journals.back();
        history.entries.insert(history.entries.end(), journal.entries.begin(), journal.entries.end());
        // Every member's firings: exactly-once is one position for a timer across all of them.
        history.timerEvents.insert(history.timerEvents.end(), journal.timerEvents.begin(), journal.timerEvents.end());
        history.finalClusterTimeNs = std::max(history.finalClusterTimeNs, journal.lastTimestamp);
        const bool whole = journal.startPosition == 0;
        const auto agreement = static_cast<std::size_t>(
            std::count_if(history.stateHashes.begin(), history.stateHashes.end(),
                          [&](const cox::sim::StateHash& s) { return s.stateHash == state->stateHash; }));
        // Timers scheduled before a log's start are not in it, so its own tally is only complete from position 0.
        const cox::sim::TimerTally tally = cox::sim::tallyTimers(journal.timerSchedules, journal.timerEvents);
        std::cout << "log: member " << member << " recording " << journal.recordingId << " ["
                  << journal.startPosition << ", " << journal.endPosition << "): " << journal.sessionMessages
                  << " session messages, " << journal.applied.size() << " kv requests, "
                  << tally.scheduled << " timers scheduled (" << tally.cancelled << " cancelled), " << tally.fired
                  << " fired, " << tally.suppressed << " firings suppressed by an earlier cancel"
                  << (whole ? "" : " (not from 0: entries only)") << "\n";
        if (whole && (chosen == nullptr || journal.endPosition > chosen->endPosition ||
                      (journal.endPosition == chosen->endPosition && agreement > chosenAgreement)))
        {
            chosen = &journal;
            chosenAgreement = agreement;
        }
    }
    if (chosen != nullptr)
    {
        history.applied = chosen->applied;
        history.timerSchedules.insert(history.timerSchedules.end(), chosen->timerSchedules.begin(),
                                      chosen->timerSchedules.end());
        std::cout << "log: applied messages from member " << chosen->memberId << "\n";
        for (const std::int64_t time : pendingAt)
        {
            std::cout << "timers: " << pendingTimersAt(*chosen, time) << " pending at cluster time " << time << "\n";
        }
    }
    const std::vector<CheckLine> lines = checkLines(cox::sim::checkHistory(history));
    const bool passed = verdict(lines, required);
    for (const CheckLine& line : lines)
    {
        std::cout << line.id << " " << line.status << "  " << line.detail << "\n";
    }
    std::cout << formatJson(lines, history, passed) << std::endl;
    return passed ? 0 : EXIT_CHECK_FAILED;
}

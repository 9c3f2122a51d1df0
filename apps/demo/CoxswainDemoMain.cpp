// coxswain-demo: the program a new user runs first. See demoUsage() in DemoOptions.cpp.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "CountersView.hpp"
#include "DemoOptions.hpp"
#include "DemoReport.hpp"
#include "RecordReplayAct.hpp"
#include "ReliableUdpAct.hpp"
#include "SequencerPipeline.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/Exceptions.hpp"

namespace
{
using namespace cox::apps::demo;
using Clock = std::chrono::steady_clock;

/// Progress stalled this long means a bug, not a slow machine: report it rather than hang.
constexpr auto STALL_TIMEOUT = std::chrono::seconds(10);
constexpr auto POLL_PERIOD = std::chrono::milliseconds(2);

std::atomic<bool> g_interrupted{false};

extern "C" void onSignal(int)
{
    g_interrupted.store(true, std::memory_order_release);
}

double secondsBetween(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

/// The directory the user named (created if need be), or a new temporary one that is removed at exit.
class RunDirectory
{
public:
    explicit RunDirectory(const std::string& requested)
    {
        if (!requested.empty())
        {
            std::filesystem::create_directories(requested);
            m_path = requested;
            return;
        }
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/coxswain-demo-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
        {
            throw cox::util::IoException("cannot create a temporary directory from " + pattern);
        }
        m_path = pattern;
        m_isTemporary = true;
    }

    ~RunDirectory()
    {
        if (m_isTemporary)
        {
            std::error_code ignored;
            std::filesystem::remove_all(m_path, ignored);
        }
    }

    RunDirectory(const RunDirectory&) = delete;
    RunDirectory& operator=(const RunDirectory&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    [[nodiscard]] bool isTemporary() const noexcept { return m_isTemporary; }

private:
    std::string m_path;
    bool m_isTemporary = false;
};

std::string formatSeconds(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%g s", seconds);
    return text;
}

/// A program built next to this one, named as this one was invoked (build/bin/cox-stat for build/bin/coxswain-demo).
std::string siblingProgram(const char* argv0, const std::string& name)
{
    const std::string self(argv0);
    const std::size_t slash = self.rfind('/');
    return slash == std::string::npos ? name : self.substr(0, slash + 1) + name;
}

std::string statCommand(const char* argv0, const std::string& directory)
{
    return siblingProgram(argv0, "cox-stat") + " " + directory;
}

void printActHeader(int act, const std::string& title)
{
    std::cout << "\n== Act " << act << " of " << DemoOptions::ACT_COUNT << ": " << title << " ==\n" << std::flush;
}

std::string percent(double fraction)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%g%%", fraction * 100.0);
    return text;
}

/// Drives the pipeline to the end, printing progress once a second. Returns the elapsed seconds, or a
/// negative value if it stalled.
double runToEnd(SequencerPipeline& pipeline, double secondsLimit)
{
    const bool invoker = pipeline.config().threading == ThreadingMode::Invoker;
    const Clock::time_point start = Clock::now();
    Clock::time_point lastReport = start;
    Clock::time_point lastChange = start;
    PipelineProgress reported;
    PipelineProgress previous;
    bool stopRequested = false;

    pipeline.start();
    while (!pipeline.isFinished())
    {
        if (invoker)
        {
            const Clock::time_point sliceEnd = Clock::now() + POLL_PERIOD;
            while (Clock::now() < sliceEnd && !pipeline.isFinished())
            {
                for (int i = 0; i < 64; ++i)
                {
                    (void)pipeline.invoke();
                }
            }
        }
        else
        {
            std::this_thread::sleep_for(POLL_PERIOD);
        }

        const Clock::time_point now = Clock::now();
        if (!stopRequested && (g_interrupted.load(std::memory_order_acquire) ||
                               (secondsLimit > 0.0 && secondsBetween(start, now) >= secondsLimit)))
        {
            if (g_interrupted.load(std::memory_order_acquire))
            {
                std::cout << "Interrupted: stopping the clients and draining the pipeline.\n";
            }
            pipeline.requestStop();
            stopRequested = true;
        }

        const PipelineProgress progress = pipeline.progress();
        if (progress.sent != previous.sent || progress.applied != previous.applied)
        {
            lastChange = now;
            previous = progress;
        }
        else if (now - lastChange > STALL_TIMEOUT)
        {
            std::cout << "No progress for " << STALL_TIMEOUT.count() << " s: giving up.\n";
            return -1.0;
        }

        if (now - lastReport >= std::chrono::seconds(1))
        {
            std::cout << formatProgress(secondsBetween(start, now), progress, progress.applied - reported.applied,
                                        secondsBetween(lastReport, now))
                      << '\n'
                      << std::flush;
            reported = progress;
            lastReport = now;
        }
    }
    return secondsBetween(start, Clock::now());
}

/// Act 1: the in-process sequencer pipeline over util and codecs.
bool runPipelineAct(const DemoOptions& options, const RunDirectory& directory, const char* argv0)
{
    PipelineConfig config = options.pipeline;
    config.directory = directory.path();
    const cox::util::SystemNanoClock nanoClock;
    const cox::util::SystemEpochClock epochClock;
    SequencerPipeline pipeline(config, nanoClock, epochClock);

    printActHeader(1, "sequencer pipeline (util and codecs, in one process)");
    std::cout << config.clients << " clients -> sequencer -> service, " << toString(config.threading) << " threading"
              << (config.threading == ThreadingMode::Invoker ? "" : ", " + config.idleStrategy + " idle strategy")
              << ", "
              << (config.messages == ClientAgent::UNLIMITED ? std::string("unlimited")
                                                             : cox::apps::formatThousands(config.messages))
              << " messages" << (options.seconds > 0.0 ? " for up to " + formatSeconds(options.seconds) : "")
              << "\n";
    std::cout << "Counters: " << pipeline.countersPath()
              << (directory.isTemporary() ? " (removed at exit; --dir DIR keeps it)" : "") << "\n";
    std::cout << "Watch them live from another terminal"
              << (options.seconds > 0.0 ? "" : " (this act takes well under a second: add --act 1 --seconds 30)")
              << ":\n    " << statCommand(argv0, directory.path()) << "\n\n";

    const double elapsedSeconds = runToEnd(pipeline, options.seconds);
    pipeline.close();
    const PipelineResult result = pipeline.result();
    std::cout << '\n' << formatSummary(result, pipeline.latencyHistogram(), elapsedSeconds < 0 ? 0 : elapsedSeconds);
    return result.passed() && elapsedSeconds >= 0;
}

/// Act 2: reliable UDP through the media driver, which drops a share of the data datagrams it receives.
bool runUdpAct(const DemoOptions& options, cox::transport::Aeron& aeron, const std::string& driverDirectory,
               const char* argv0)
{
    printActHeader(2, "reliable UDP under " + percent(options.lossRate) + " loss (transport: media driver and client)");
    std::cout << "Media driver: shared threading, backoff idle strategy, its receiver dropping "
              << percent(options.lossRate) << " of data datagrams (loss generator seed " << options.lossSeed << ")\n"
              << "Watch its counters while it runs:\n    " << statCommand(argv0, driverDirectory) << "\n";

    ReliableUdpConfig config;
    config.messages = options.udpMessages;
    config.interrupted = &g_interrupted;
    const ReliableUdpResult result = runReliableUdpAct(aeron, config, std::cout);
    std::cout << '\n' << formatReliableUdpSummary(result);
    return result.passed();
}

/// Act 3: an archive on the same driver records a stream, replays it and has its files verified.
bool runArchiveAct(const DemoOptions& options, const std::shared_ptr<cox::transport::Aeron>& aeron,
                   const std::string& driverDirectory, const RunDirectory& directory, const char* argv0)
{
    printActHeader(3, "record and replay (archive, on the same driver)");
    RecordReplayConfig config;
    config.messages = options.archiveMessages;
    config.archiveDir = directory.path() + "/archive";
    config.aeronDirectoryName = driverDirectory;
    config.interrupted = &g_interrupted;
    const RecordReplayResult result = runRecordReplayAct(aeron, config, std::cout);

    const std::string tool = siblingProgram(argv0, "cox-archive-tool");
    std::cout << "Archive directory: " << config.archiveDir
              << (directory.isTemporary() ? " (removed at exit; --dir DIR keeps it)" : "") << "\n"
              << "Look at it afterwards with:\n"
              << "    " << tool << " " << config.archiveDir << " describe\n"
              << "    " << tool << " " << config.archiveDir << " verify --all --checksum\n";
    std::cout << '\n' << formatRecordReplaySummary(result);
    return result.passed();
}

bool interrupted()
{
    return g_interrupted.load(std::memory_order_acquire);
}

int runDemo(const DemoOptions& options, const char* argv0)
{
    const RunDirectory directory(options.directory);
    std::cout << "coxswain-demo: "
              << (options.act == DemoOptions::ALL_ACTS ? "three acts" : "act " + std::to_string(options.act))
              << ", each checked end to end (--help tells more)\n";

    std::vector<std::pair<int, bool>> outcomes;
    if (options.runs(1) && !interrupted())
    {
        outcomes.emplace_back(1, runPipelineAct(options, directory, argv0));
    }
    if ((options.runs(2) || options.runs(3)) && !interrupted())
    {
        // One driver for both acts: its loss generator touches only UDP, so act 3's IPC streams are unharmed.
        cox::transport::MediaDriverContext driverContext;
        driverContext.threadingMode = cox::transport::ThreadingMode::SHARED;
        driverContext.sharedIdleStrategy = "backoff";
        driverContext.receiveDataLossRate = options.lossRate;
        driverContext.receiveDataLossSeed = options.lossSeed;
        const std::unique_ptr<cox::transport::MediaDriver> driver = cox::transport::MediaDriver::launch(driverContext);
        const std::string driverDirectory = driver->aeronDirectoryName();
        std::cout << "\nLaunched a media driver in " << driverDirectory << " (removed when the demo ends)\n";
        cox::transport::AeronContext clientContext;
        clientContext.aeronDirectoryName = driverDirectory;
        const std::shared_ptr<cox::transport::Aeron> aeron = cox::transport::Aeron::connect(clientContext);

        if (options.runs(2) && !interrupted())
        {
            outcomes.emplace_back(2, runUdpAct(options, *aeron, driverDirectory, argv0));
        }
        if (options.runs(3) && !interrupted())
        {
            outcomes.emplace_back(3, runArchiveAct(options, aeron, driverDirectory, directory, argv0));
        }
        aeron->close();
        driver->close();
    }

    int passed = 0;
    std::cout << "\nActs:";
    for (const auto& [act, actPassed] : outcomes)
    {
        std::cout << "  " << act << " " << (actPassed ? "PASS" : "FAIL");
        passed += actPassed ? 1 : 0;
    }
    const int expected = options.act == DemoOptions::ALL_ACTS ? DemoOptions::ACT_COUNT : 1;
    const bool allPassed = passed == expected && static_cast<int>(outcomes.size()) == expected;
    std::cout << (interrupted() ? "  (interrupted)" : "") << "\nRESULT: " << (allPassed ? "PASS" : "FAIL") << " ("
              << passed << " of " << expected << (expected == 1 ? " act" : " acts") << " passed)\n";
    return allPassed ? 0 : 1;
}
} // namespace

int main(int argc, char** argv)
{
    DemoOptions options;
    try
    {
        options = parseDemoOptions(std::vector<std::string>(argv + 1, argv + argc));
    }
    catch (const cox::util::IllegalArgumentException& e)
    {
        std::cerr << "coxswain-demo: " << e.what() << "\n\n" << demoUsage();
        return 1;
    }
    if (options.help)
    {
        std::cout << demoUsage();
        return 0;
    }

    struct sigaction action = {};
    action.sa_handler = onSignal;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);

    try
    {
        return runDemo(options, argv[0]);
    }
    catch (const std::exception& e)
    {
        std::cerr << "coxswain-demo: " << e.what() << '\n';
        return 1;
    }
}

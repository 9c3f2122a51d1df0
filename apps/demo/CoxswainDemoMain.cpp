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
#include "SequencerPipeline.hpp"
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

std::string statCommand(const char* argv0, const std::string& directory)
{
    const std::string self(argv0);
    const std::size_t slash = self.rfind('/');
    const std::string program = slash == std::string::npos ? "cox-stat" : self.substr(0, slash + 1) + "cox-stat";
    return program + " " + directory;
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

int runDemo(const DemoOptions& options, const char* argv0)
{
    const RunDirectory directory(options.directory);
    PipelineConfig config = options.pipeline;
    config.directory = directory.path();
    const cox::util::SystemNanoClock nanoClock;
    const cox::util::SystemEpochClock epochClock;
    SequencerPipeline pipeline(config, nanoClock, epochClock);

    std::cout << "coxswain-demo: " << config.clients << " clients -> sequencer -> service, "
              << toString(config.threading) << " threading"
              << (config.threading == ThreadingMode::Invoker ? "" : ", " + config.idleStrategy + " idle strategy")
              << ", "
              << (config.messages == ClientAgent::UNLIMITED ? std::string("unlimited")
                                                             : cox::apps::formatThousands(config.messages))
              << " messages" << (options.seconds > 0.0 ? " for up to " + formatSeconds(options.seconds) : "")
              << "\n";
    std::cout << "Counters: " << pipeline.countersPath()
              << (directory.isTemporary() ? " (removed at exit; --dir DIR keeps it)" : "") << "\n";
    std::cout << "Watch them live from another terminal"
              << (options.seconds > 0.0 ? "" : " (a million messages take well under a second: add --seconds 30)")
              << ":\n    " << statCommand(argv0, directory.path()) << "\n\n";

    const double elapsedSeconds = runToEnd(pipeline, options.seconds);
    pipeline.close();
    const PipelineResult result = pipeline.result();
    std::cout << '\n' << formatSummary(result, pipeline.latencyHistogram(), elapsedSeconds < 0 ? 0 : elapsedSeconds);
    return result.passed() && elapsedSeconds >= 0 ? 0 : 1;
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

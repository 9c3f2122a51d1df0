#pragma once

// Helpers shared by the cox-bench subcommands: option parsing, the closing JSON line, latency
// figures from a Histogram, and the small pieces of thread plumbing the two-thread benchmarks need.

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/Histogram.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::bench
{
/// Monotonic nanoseconds for the benchmark drivers themselves (they are the top of their duty cycles).
inline std::int64_t benchNanoTime() noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// `--name value` options of one subcommand. Every option must be declared with its default before
/// parse(), so that a misspelt option is an error rather than a silently ignored one.
class BenchArgs
{
public:
    /// Thrown by parse() for --help: not an error, but the end of the run.
    struct HelpRequested
    {
    };

    explicit BenchArgs(std::string command) : m_command(std::move(command)) {}

    BenchArgs& option(const std::string& name, const std::string& defaultValue, const std::string& help)
    {
        m_values[name] = defaultValue;
        m_help.emplace_back(name, "(default " + defaultValue + ") " + help);
        return *this;
    }

    /// Throws IllegalArgumentException naming the offending argument.
    void parse(const std::vector<std::string>& args)
    {
        for (std::size_t i = 0; i < args.size(); ++i)
        {
            const std::string& arg = args[i];
            if (arg == "--help" || arg == "-h")
            {
                throw HelpRequested();
            }
            if (arg.rfind("--", 0) != 0 || arg.size() == 2)
            {
                throw util::IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            std::string name = arg.substr(2);
            std::string value;
            const std::size_t equals = name.find('=');
            if (equals != std::string::npos)
            {
                value = name.substr(equals + 1);
                name.resize(equals);
            }
            else if (i + 1 < args.size())
            {
                value = args[++i];
            }
            else
            {
                throw util::IllegalArgumentException("option --" + name + " needs a value");
            }
            const auto it = m_values.find(name);
            if (it == m_values.end())
            {
                throw util::IllegalArgumentException("unknown option --" + name);
            }
            it->second = value;
        }
    }

    [[nodiscard]] const std::string& text(const std::string& name) const { return m_values.at(name); }

    /// The option as a whole number in [min, max]; throws IllegalArgumentException otherwise.
    [[nodiscard]] std::int64_t integer(const std::string& name, std::int64_t min, std::int64_t max) const
    {
        const std::string& value = text(name);
        char* end = nullptr;
        errno = 0;
        const long long parsed = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0 || parsed < min || parsed > max)
        {
            throw util::IllegalArgumentException("--" + name + " must be an integer in [" + std::to_string(min) + ", " +
                                                 std::to_string(max) + "], not '" + value + "'");
        }
        return parsed;
    }

    [[nodiscard]] double real(const std::string& name, double min, double max) const
    {
        const std::string& value = text(name);
        char* end = nullptr;
        const double parsed = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || !(parsed >= min && parsed <= max))
        {
            throw util::IllegalArgumentException("--" + name + " must be a number in [" + std::to_string(min) + ", " +
                                                 std::to_string(max) + "], not '" + value + "'");
        }
        return parsed;
    }

    /// The option, which must be one of choices.
    [[nodiscard]] const std::string& choice(const std::string& name, const std::set<std::string>& choices) const
    {
        const std::string& value = text(name);
        if (choices.count(value) == 0)
        {
            std::string valid;
            for (const auto& c : choices)
            {
                valid += (valid.empty() ? "" : "|") + c;
            }
            throw util::IllegalArgumentException("--" + name + " must be one of " + valid + ", not '" + value + "'");
        }
        return value;
    }

    void printUsage(std::FILE* out) const
    {
        std::fprintf(out, "usage: cox-bench %s [options]\n", m_command.c_str());
        for (const auto& [name, help] : m_help)
        {
            std::fprintf(out, "  --%-16s %s\n", name.c_str(), help.c_str());
        }
    }

private:
    std::string m_command;
    std::map<std::string, std::string> m_values;
    std::vector<std::pair<std::string, std::string>> m_help;
};

/// The one-line JSON object a benchmark prints last. Keys keep their insertion order; the values
/// are plain numbers, booleans and strings (benchmark parameters never need escaping beyond quotes).
class JsonLine
{
public:
    JsonLine& add(std::string_view key, std::string_view value)
    {
        std::string quoted = "\"";
        for (const char c : value)
        {
            if (c == '"' || c == '\\')
            {
                quoted += '\\';
            }
            quoted += c;
        }
        quoted += '"';
        return addRaw(key, quoted);
    }

    JsonLine& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }

    JsonLine& add(std::string_view key, std::int64_t value) { return addRaw(key, std::to_string(value)); }

    JsonLine& add(std::string_view key, double value)
    {
        if (!std::isfinite(value))
        {
            return addRaw(key, "null");
        }
        char text[64];
        std::snprintf(text, sizeof(text), "%.3f", value);
        return addRaw(key, text);
    }

    JsonLine& add(std::string_view key, bool value) { return addRaw(key, value ? "true" : "false"); }

    [[nodiscard]] std::string str() const { return "{" + m_body + "}"; }

    /// Prints the object as the last line of the benchmark's output.
    void print() const
    {
        std::printf("%s\n", str().c_str());
        std::fflush(stdout);
    }

private:
    JsonLine& addRaw(std::string_view key, std::string_view value)
    {
        if (!m_body.empty())
        {
            m_body += ',';
        }
        m_body += '"';
        m_body += key;
        m_body += "\":";
        m_body += value;
        return *this;
    }

    std::string m_body;
};

/// The latency summary of a histogram of nanosecond values, in microseconds.
struct LatencyFigures
{
    double p50Us = 0;
    double p90Us = 0;
    double p99Us = 0;
    double p999Us = 0;
    double maxUs = 0;
    double meanUs = 0;
    std::int64_t count = 0;

    static LatencyFigures from(const util::Histogram& histogram)
    {
        constexpr double NS_PER_US = 1000.0;
        LatencyFigures figures;
        figures.p50Us = static_cast<double>(histogram.valueAtPercentile(50.0)) / NS_PER_US;
        figures.p90Us = static_cast<double>(histogram.valueAtPercentile(90.0)) / NS_PER_US;
        figures.p99Us = static_cast<double>(histogram.valueAtPercentile(99.0)) / NS_PER_US;
        figures.p999Us = static_cast<double>(histogram.valueAtPercentile(99.9)) / NS_PER_US;
        figures.maxUs = static_cast<double>(histogram.max()) / NS_PER_US;
        figures.meanUs = histogram.mean() / NS_PER_US;
        figures.count = histogram.totalCount();
        return figures;
    }

    /// p50_us, p90_us, ... with the given key prefix ("" or "baseline_").
    void addTo(JsonLine& json, const std::string& prefix) const
    {
        json.add(prefix + "p50_us", p50Us)
            .add(prefix + "p90_us", p90Us)
            .add(prefix + "p99_us", p99Us)
            .add(prefix + "p999_us", p999Us)
            .add(prefix + "max_us", maxUs)
            .add(prefix + "mean_us", meanUs)
            .add(prefix + "count", count);
    }

    void print(const char* label) const
    {
        std::printf("%-22s p50 %9.3f us  p90 %9.3f us  p99 %9.3f us  p99.9 %9.3f us  max %10.3f us  (%" PRId64
                    " samples)\n",
                    label, p50Us, p90Us, p99Us, p999Us, maxUs, count);
    }
};

/// ours / baseline, or NaN (printed as null) when the baseline is zero.
inline double ratio(double ours, double baseline)
{
    return baseline > 0 ? ours / baseline : std::nan("");
}

/// A flag or counter alone on its cache line, so that the two benchmark threads do not false-share.
template <typename T> struct alignas(util::CACHE_LINE_LENGTH) PaddedAtomic
{
    std::atomic<T> value{};
    char padding[util::CACHE_LINE_LENGTH - sizeof(std::atomic<T>)] = {};
};

/// Stage-by-stage synchronisation of the two threads of a benchmark (sides 0 and 1). Unlike a
/// std::barrier, a waiting side keeps doing work (a media driver in invoker mode must keep running
/// for the other side to connect), gives up after a timeout, and learns when the other side failed.
class Rendezvous
{
public:
    static constexpr std::int64_t DEFAULT_TIMEOUT_NS = 20'000'000'000;

    /// Marks this side as having reached stage, then waits for the other side to reach it, calling
    /// whileWaiting() (which returns a work count) each time round. Throws IllegalStateException if
    /// the other side failed or did not arrive in time.
    template <typename WhileWaiting>
    void arrive(int side, int stage, WhileWaiting&& whileWaiting, std::int64_t timeoutNs = DEFAULT_TIMEOUT_NS)
    {
        m_stages[side].value.store(stage, std::memory_order_release);
        const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
        while (peerStage(side) < stage)
        {
            checkPeer();
            if (benchNanoTime() > deadlineNs)
            {
                throw util::IllegalStateException("the other benchmark thread did not reach stage " +
                                                  std::to_string(stage) + " in time");
            }
            if (whileWaiting() == 0)
            {
                std::this_thread::yield();
            }
        }
    }

    void arrive(int side, int stage)
    {
        arrive(side, stage, [] { return 0; });
    }

    [[nodiscard]] int peerStage(int side) const noexcept
    {
        return m_stages[1 - side].value.load(std::memory_order_acquire);
    }

    /// Called by a side that is giving up, so that the other does not wait for it.
    void fail() noexcept { m_failed.value.store(true, std::memory_order_release); }
    [[nodiscard]] bool hasFailed() const noexcept { return m_failed.value.load(std::memory_order_acquire); }

    void checkPeer() const
    {
        if (hasFailed())
        {
            throw util::IllegalStateException("the other benchmark thread failed");
        }
    }

private:
    PaddedAtomic<int> m_stages[2];
    PaddedAtomic<bool> m_failed;
};

/// An embedded media driver in invoker mode and a client whose conductor also runs on the caller's
/// thread: the whole transport stack of one "process" driven by one thread.
class InvokerTransport
{
public:
    InvokerTransport()
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        // Fault every log page in at creation rather than on the measured path.
        driverContext.preTouchLogBuffers = true;
        m_driver = transport::MediaDriver::launch(std::move(driverContext));
        transport::AeronContext clientContext;
        clientContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        clientContext.useConductorAgentInvoker = true;
        transport::MediaDriver* driver = m_driver.get();
        clientContext.driverInvoker = [driver] { return driver->doWork(); };
        m_aeron = transport::Aeron::connect(std::move(clientContext));
        m_conductor = &m_aeron->conductorAgentInvoker();
    }

    ~InvokerTransport()
    {
        try
        {
            m_aeron->close();
            m_driver->close();
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "warning: closing the transport: %s\n", e.what());
        }
    }

    InvokerTransport(const InvokerTransport&) = delete;
    InvokerTransport& operator=(const InvokerTransport&) = delete;

    [[nodiscard]] transport::Aeron& aeron() { return *m_aeron; }
    /// For APIs that share ownership of the client (e.g. ClusterClientContext).
    [[nodiscard]] const std::shared_ptr<transport::Aeron>& sharedAeron() const noexcept { return m_aeron; }

    /// One duty cycle of the driver (conductor, sender, receiver): the data path for UDP.
    int driverWork() { return m_driver->doWork(); }

    /// One duty cycle of the client conductor (keepalives, image changes): off the data path.
    int clientWork() { return m_conductor->invoke(); }

    int pump() { return driverWork() + clientWork(); }

    /// Pumps until condition() holds; throws IllegalStateException naming what after timeoutNs.
    template <typename Condition>
    void pumpUntil(Condition&& condition, const char* what, std::int64_t timeoutNs = 10'000'000'000)
    {
        const std::int64_t deadlineNs = benchNanoTime() + timeoutNs;
        while (!condition())
        {
            if (benchNanoTime() > deadlineNs)
            {
                throw util::IllegalStateException(std::string("timed out waiting for ") + what);
            }
            if (pump() == 0)
            {
                std::this_thread::yield();
            }
        }
    }

private:
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::shared_ptr<transport::Aeron> m_aeron;
    util::AgentInvoker* m_conductor = nullptr;
};

/// Largest message the benchmarks send: one frame's payload at the default MTU (1408 - 32 header
/// bytes), so that neither side needs fragment assembly.
inline constexpr std::int64_t MAX_BENCH_MESSAGE_LENGTH = 1376;

/// Pins the calling thread to the index-th CPU this process may run on, so that the two busy
/// threads of a benchmark never take turns on one CPU (which measures the scheduler's time slice,
/// not the code). Returns false, leaving the thread as it was, when there are not that many CPUs.
inline bool pinToCpu(int index)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
    {
        return false;
    }
    int seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    {
        if (CPU_ISSET(cpu, &allowed) && seen++ == index)
        {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            return ::pthread_setaffinity_np(::pthread_self(), sizeof(one), &one) == 0;
        }
    }
    return false;
}

/// A UDP port base for a run: spread by process id so that concurrent runs (ctest -j, other
/// developers' benchmarks on a shared machine) rarely collide, and below the kernel's ephemeral range (32768 up),
/// where a socket bound to port 0 may already hold it; `--port` overrides it.
inline int defaultPortBase()
{
    return 20000 + static_cast<int>(::getpid() % 2400) * 5;
}

/// Runs a subcommand body, turning the set-up exceptions it may throw into an exit code and a
/// message on stderr (usage too when the arguments were at fault).
template <typename Body> int runBenchmark(const BenchArgs& args, Body&& body)
{
    try
    {
        return body();
    }
    catch (const BenchArgs::HelpRequested&)
    {
        args.printUsage(stdout);
        return 0;
    }
    catch (const util::IllegalArgumentException& e)
    {
        std::fprintf(stderr, "error: %s\n", e.what());
        args.printUsage(stderr);
        return 2;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
} // namespace cox::bench

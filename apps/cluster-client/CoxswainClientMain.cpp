// coxswain-client: connects to a cluster, runs a checked kv or echo workload, prints throughput and latency.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "ClientOptions.hpp"
#include "HistoryRunner.hpp"
#include "LoadRunner.hpp"
#include "Workload.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/sim/HistoryFile.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace
{
using namespace cox::apps::client;

constexpr int EXIT_CHECK_FAILED = 1;
constexpr int EXIT_USAGE = 2;
constexpr int EXIT_NOT_CONNECTED = 3;
constexpr std::int64_t MAX_CONNECT_ATTEMPT_NS = 5'000'000'000;

volatile std::sig_atomic_t stopRequested = 0;

void onStopSignal(int)
{
    stopRequested = 1;
}

/// An embedded driver the client drives from its own thread (invoker mode), so the client is one thread.
struct ClientTransport
{
    std::unique_ptr<cox::transport::MediaDriver> driver;
    std::shared_ptr<cox::transport::Aeron> aeron;

    ClientTransport()
    {
        cox::transport::MediaDriverContext driverContext;
        driverContext.threadingMode = cox::transport::ThreadingMode::INVOKER;
        driverContext.aeronDirectoryName =
            (std::filesystem::temp_directory_path() / ("coxswain-client-" + std::to_string(::getpid()))).string();
        driverContext.publicationTermBufferLength = 1024 * 1024;
        driver = cox::transport::MediaDriver::launch(driverContext);
        cox::transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = driver->aeronDirectoryName();
        aeronContext.useConductorAgentInvoker = true;
        cox::transport::MediaDriver* invoked = driver.get();
        aeronContext.driverInvoker = [invoked] { return invoked->doWork(); };
        aeron = cox::transport::Aeron::connect(aeronContext);
        aeron->conductorAgentInvoker().start();
    }

    ~ClientTransport()
    {
        aeron->close();
        driver->close();
    }
};

/// Connects, retrying until the connect timeout: the leader may still be being elected.
std::unique_ptr<cox::cluster::ClusterClient> connect(const ClientOptions& options, ClientTransport& transport,
                                                     cox::cluster::EgressListener& listener,
                                                     cox::util::NanoClock& clock)
{
    const std::int64_t deadlineNs =
        clock.nanoTime() + static_cast<std::int64_t>(options.connectTimeoutSeconds * 1e9);
    const std::unique_ptr<cox::util::IdleStrategy> idle = cox::util::newIdleStrategy("backoff");
    std::string lastError = "timed out";
    while (clock.nanoTime() < deadlineNs)
    {
        cox::cluster::ClusterClientContext context;
        context.aeron = transport.aeron;
        context.ingressEndpoints = options.ingressEndpoints;
        context.egressChannel = "aeron:udp?endpoint=" + options.egressEndpoint;
        context.egressListener = &listener;
        context.messageTimeoutNs = std::min(MAX_CONNECT_ATTEMPT_NS, std::max<std::int64_t>(
                                                                        deadlineNs - clock.nanoTime(), 1'000'000));
        try
        {
            auto connecting = cox::cluster::ClusterClient::asyncConnect(context);
            while (true)
            {
                if (auto client = connecting->poll())
                {
                    return client;
                }
                idle->idle(0);
            }
        }
        catch (const cox::cluster::ClusterException& ex)
        {
            lastError = ex.what();
            std::cout << "coxswain-client: not connected yet (" << lastError << "), retrying" << std::endl;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    throw cox::cluster::ClusterTimeoutException("no connection within " +
                                                std::to_string(options.connectTimeoutSeconds) + " s: " + lastError);
}

/// History mode: records every request, carries on across failovers, writes the history at the end (also after
/// SIGTERM or SIGINT, which end the run early).
int runHistory(const ClientOptions& options)
{
    ClientTransport transport;
    cox::util::SystemNanoClock clock;
    HistoryRunner runner(options, clock);
    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);
    runner.stopWhen(&stopRequested);
    bool everConnected = false;
    const HistoryRunResult result = runner.run(
        [&]()
        {
            auto client = connect(options, transport, runner, clock);
            if (!everConnected)
            {
                std::cout << "coxswain-client: connected, session " << client->clusterSessionId() << ", leader member "
                          << client->leaderMemberId() << std::endl;
            }
            else
            {
                std::cout << "coxswain-client: reconnected, session " << client->clusterSessionId() << std::endl;
            }
            everConnected = true;
            return client;
        });
    if (!options.historyFile.empty())
    {
        cox::sim::saveHistory(options.historyFile, runner.history());
    }
    std::cout << "coxswain-client: history client " << options.clientId << ": " << result.operations
              << " requests, " << result.acknowledged << " acknowledged, " << result.indeterminate
              << " indeterminate; " << result.newLeaders << " new leaders, " << result.failoverLost
              << " lost in failover, " << result.reconnects << " reconnects, " << result.unmatched
              << " unmatched and " << result.undecodable << " undecodable responses" << std::endl;
    if (options.timersPercent > 0)
    {
        std::cout << "coxswain-client: history client " << options.clientId << ": " << result.timerSchedules
                  << " timers scheduled, " << result.timerCancels << " cancels, " << result.timerRequestsOk
                  << " timer requests answered OK" << std::endl;
    }
    std::cout << "{\"client\":" << options.clientId << ",\"operations\":" << result.operations
              << ",\"acknowledged\":" << result.acknowledged << ",\"indeterminate\":" << result.indeterminate
              << ",\"new_leaders\":" << result.newLeaders << ",\"reconnects\":" << result.reconnects
              << ",\"connected\":" << (everConnected ? "true" : "false") << "}" << std::endl;
    if (!everConnected)
    {
        return EXIT_NOT_CONNECTED;
    }
    return result.undecodable == 0 && result.unmatched == 0 ? 0 : EXIT_CHECK_FAILED;
}

/// Connects and stays silent: the cluster must close the session after its session timeout.
int runIdle(const ClientOptions& options)
{
    struct Listener final : cox::cluster::EgressListener
    {
        void onMessage(std::int64_t, std::int64_t, const cox::util::AtomicBuffer&, std::int32_t, std::int32_t,
                       const cox::transport::Header&) override
        {
        }
    };
    ClientTransport transport;
    cox::util::SystemNanoClock clock;
    Listener listener;
    std::unique_ptr<cox::cluster::ClusterClient> client;
    try
    {
        client = connect(options, transport, listener, clock);
    }
    catch (const cox::cluster::ClusterException& ex)
    {
        std::cerr << "coxswain-client: " << ex.what() << std::endl;
        return EXIT_NOT_CONNECTED;
    }
    std::cout << "coxswain-client: connected, session " << client->clusterSessionId() << "; idle for "
              << options.idleSeconds << " s" << std::endl;
    const std::int64_t startNs = clock.nanoTime();
    const std::int64_t endNs = startNs + static_cast<std::int64_t>(options.idleSeconds * 1e9);
    while (clock.nanoTime() < endNs && !client->isClosed())
    {
        if (client->pollEgress() == 0)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    const bool closed = client->isClosed();
    std::cout << "coxswain-client: session " << (closed ? "closed by the cluster after " : "still open after ")
              << static_cast<double>(clock.nanoTime() - startNs) / 1e9 << " s" << std::endl;
    client->close();
    return closed ? 0 : EXIT_CHECK_FAILED;
}

int run(const ClientOptions& options)
{
    if (options.idleSeconds > 0.0)
    {
        return runIdle(options);
    }
    if (options.keepGoing)
    {
        return runHistory(options);
    }

    ClientTransport transport;
    cox::util::SystemNanoClock clock;
    LoadRunner runner(options, clock);
    std::unique_ptr<cox::cluster::ClusterClient> client;
    try
    {
        client = connect(options, transport, runner, clock);
    }
    catch (const cox::cluster::ClusterException& ex)
    {
        std::cerr << "coxswain-client: " << ex.what() << std::endl;
        return EXIT_NOT_CONNECTED;
    }
    std::cout << "coxswain-client: connected, session " << client->clusterSessionId() << ", leader member "
              << client->leaderMemberId() << "; running " << toString(options.workload) << " for "
              << options.warmupSeconds << " s warm-up + " << options.seconds << " s" << std::endl;

    const std::unique_ptr<Workload> workload =
        newWorkload(options, "s" + std::to_string(client->clusterSessionId()) + "-k");
    runner.attach(*client, *workload);
    const RunResult result = runner.run();
    client->close();

    std::cout << formatSummary(options, result) << formatJson(options, result) << std::endl;
    return result.passed() ? 0 : EXIT_CHECK_FAILED;
}
} // namespace

int main(int argc, char** argv)
{
    ClientOptions options;
    try
    {
        options = parseClientOptions(std::vector<std::string>(argv + 1, argv + argc));
    }
    catch (const cox::util::IllegalArgumentException& ex)
    {
        std::cerr << "coxswain-client: " << ex.what() << std::endl;
        return EXIT_USAGE;
    }
    if (options.help)
    {
        std::cout << clientUsage();
        return 0;
    }
    try
    {
        return run(options);
    }
    catch (const std::exception& ex)
    {
        std::cerr << "coxswain-client: " << ex.what() << std::endl;
        return EXIT_CHECK_FAILED;
    }
}

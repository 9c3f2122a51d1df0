// coxswain-node: one cluster member as a process, hosting example services named in its configuration.

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "NodeOptions.hpp"
#include "NodeServices.hpp"
#include "cox/cluster/ClusterNode.hpp"
#include "cox/util/Config.hpp"
#include "cox/util/Exceptions.hpp"

namespace
{
using cox::apps::node::HostedServices;

constexpr int EXIT_START_FAILED = 1;
/// The consensus module stopped itself (ClusterNode::failStopReason): restart the member.
constexpr int EXIT_FAIL_STOP = 3;
constexpr int EXIT_USAGE = 2;

/// Blocks SIGINT and SIGTERM in this thread, so every agent thread started later inherits the mask and the
/// signal is only ever taken by awaitShutdownSignal().
sigset_t blockShutdownSignals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

/// The signal that asked the node to stop, or 0 when the cluster itself ended it (shutdown or abort through the
/// control toggle: coxctl shutdown / abort).
int awaitShutdownSignal(const sigset_t& signals, const cox::cluster::ClusterNode& node)
{
    const timespec period{0, 100'000'000};
    while (!node.isTerminated())
    {
        const int signal = sigtimedwait(&signals, nullptr, &period);
        if (signal > 0)
        {
            return signal;
        }
    }
    return 0;
}

int run(const cox::apps::node::NodeOptions& options)
{
    const cox::cluster::ConsensusModuleConfig config =
        cox::cluster::ConsensusModuleConfig::load(options.configPath, options.overrides);
    HostedServices hosted(config);
    if (options.printConfig)
    {
        std::cout << config.toToml() << std::flush;
        return 0;
    }

    const sigset_t signals = blockShutdownSignals();
    const std::int32_t memberId = config.memberId;
    cox::cluster::ClusterNodeContext context;
    context.config = config;
    context.services = hosted.services();
    context.threadingMode = cox::apps::node::threadingModeOf(config.nodeThreadingMode);
    context.idleStrategy = config.nodeIdleStrategy;
    context.archiveChecksums = config.nodeArchiveChecksums;
    context.archiveAsyncSync = config.nodeArchiveAsyncSync;
    context.errorHandler = [memberId](const std::exception& ex)
    { std::fprintf(stderr, "coxswain-node[%d]: error: %s\n", memberId, ex.what()); };

    std::unique_ptr<cox::cluster::ClusterNode> node;
    try
    {
        node = cox::cluster::ClusterNode::launch(std::move(context));
    }
    catch (const cox::util::ConfigException&)
    {
        throw;
    }
    catch (const std::exception& ex)
    {
        std::cerr << "coxswain-node: member " << memberId << " failed to start: " << ex.what() << std::endl;
        return EXIT_START_FAILED;
    }
    std::cout << "coxswain-node: started " << cox::apps::node::describeNode(config, node->aeronDirectoryName())
              << std::flush;

    const int signal = awaitShutdownSignal(signals, *node);
    if (signal == 0)
    {
        std::cout << "coxswain-node: member " << memberId << " terminated by the cluster, closing" << std::endl;
    }
    else
    {
        std::cout << "coxswain-node: member " << memberId << " received " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                  << ", closing" << std::endl;
    }
    const std::string failStop = node->failStopReason();
    node->close();
    if (!failStop.empty())
    {
        // Its services' state is not to be trusted, so no report: restarted, it rebuilds from its files.
        std::cerr << "coxswain-node: member " << memberId << " stopped itself: " << failStop << std::endl;
        return EXIT_FAIL_STOP;
    }

    const std::vector<std::string> lines = hosted.reportLines();
    const std::string reportPath = (std::filesystem::path(config.clusterDir) / "node-report.txt").string();
    cox::apps::node::writeNodeReport(reportPath, lines);
    std::cout << "coxswain-node: member " << memberId << " closed; report " << reportPath << "\n";
    for (const std::string& line : lines)
    {
        std::cout << line << "\n";
    }
    std::cout << std::flush;
    return 0;
}
} // namespace

int main(int argc, char** argv)
{
    cox::apps::node::NodeOptions options;
    try
    {
        options = cox::apps::node::parseNodeOptions(std::vector<std::string>(argv + 1, argv + argc));
    }
    catch (const cox::util::IllegalArgumentException& ex)
    {
        std::cerr << "coxswain-node: " << ex.what() << std::endl;
        return EXIT_USAGE;
    }
    if (options.help)
    {
        std::cout << cox::apps::node::nodeUsage();
        return 0;
    }
    try
    {
        return run(options);
    }
    catch (const cox::util::ConfigException& ex)
    {
        std::cerr << "coxswain-node: " << ex.what() << std::endl;
        return EXIT_USAGE;
    }
    catch (const std::exception& ex)
    {
        std::cerr << "coxswain-node: " << ex.what() << std::endl;
        return EXIT_START_FAILED;
    }
}

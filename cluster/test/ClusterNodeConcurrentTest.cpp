// Three members, each on its own threads (DEDICATED), as the node program runs them: the concurrent paths between
// driver, archive, consensus module and service container threads, checked under TSan in CI.
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
TEST(ClusterNodeConcurrentTest, shouldServeClientFromThreeThreadedMembersAndAgreeOnState)
{
    const int basePort = clusterTestPort(800);
    const auto root = std::filesystem::temp_directory_path() / ("cox-cluster-threads-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root);
    std::string members;
    std::string ingress;
    for (int i = 0; i < 3; ++i)
    {
        const int p = basePort + i * 10;
        members += (i ? "|" : "") + std::to_string(i) + ",localhost:" + std::to_string(p) + ",localhost:" +
            std::to_string(p + 1) + ",localhost:" + std::to_string(p + 2) + ",localhost:" + std::to_string(p + 3) +
            ",localhost:" + std::to_string(p + 5);
        ingress += (i ? "," : "") + std::to_string(i) + "=localhost:" + std::to_string(p);
    }

    TestService services[3];
    std::vector<std::unique_ptr<ClusterNode>> nodes;
    for (int i = 0; i < 3; ++i)
    {
        ClusterNodeContext context;
        context.config.memberId = i;
        context.config.clusterMembers = members;
        context.config.appointedLeaderId = 0;
        context.config.clusterDir = (root / ("member-" + std::to_string(i))).string();
        context.config.logChannel = "aeron:udp?term-length=256k";
        context.config.electionTimeoutNs = 500'000'000;
        context.threadingMode = util::ThreadingMode::DEDICATED;
        context.idleStrategy = "backoff";
        context.publicationTermBufferLength = 256 * 1024;
        context.ipcTermBufferLength = 256 * 1024;
        context.services.push_back(&services[i]);
        nodes.push_back(ClusterNode::launch(std::move(context)));
    }

    auto counter = [&](int member, std::int32_t typeId)
    {
        const auto& reader = nodes[static_cast<std::size_t>(member)]->aeron().countersReader();
        const std::int32_t id = ClusterCounters::find(reader, typeId, 0);
        return id < 0 ? std::int64_t{-1} : reader.getCounterValue(id);
    };
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (counter(0, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) !=
               static_cast<std::int64_t>(ConsensusModuleState::ACTIVE) &&
           std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(static_cast<std::int64_t>(Role::LEADER), counter(0, ClusterCounters::NODE_ROLE_TYPE_ID));

    transport::MediaDriverContext driverContext;
    driverContext.threadingMode = transport::ThreadingMode::INVOKER;
    driverContext.aeronDirectoryName = (root / "client-driver").string();
    auto clientDriver = transport::MediaDriver::launch(driverContext);
    transport::AeronContext aeronContext;
    aeronContext.aeronDirectoryName = clientDriver->aeronDirectoryName();
    aeronContext.useConductorAgentInvoker = true;
    auto* driver = clientDriver.get();
    aeronContext.driverInvoker = [driver] { return driver->doWork(); };
    auto aeron = transport::Aeron::connect(aeronContext);
    aeron->conductorAgentInvoker().start();

    RecordingEgressListener listener;
    ClusterClientContext clientContext;
    clientContext.aeron = aeron;
    clientContext.ingressEndpoints = ingress;
    clientContext.egressChannel = "aeron:udp?endpoint=localhost:" + std::to_string(basePort + 100);
    clientContext.egressListener = &listener;
    auto client = ClusterClient::connect(clientContext);
    constexpr int messages = 200;
    for (int i = 0; i < messages && std::chrono::steady_clock::now() < deadline; ++i)
    {
        // Request and response, as a client would: the first reply may only go out once the leader's egress
        // publication to this client is connected.
        const std::string payload = "echo:" + std::to_string(i);
        while (client->offer(reinterpret_cast<const std::uint8_t*>(payload.data()),
                             static_cast<std::int32_t>(payload.size())) < 0)
        {
            client->pollEgress();
        }
        while (listener.messages.size() <= static_cast<std::size_t>(i) && std::chrono::steady_clock::now() < deadline)
        {
            if (client->pollEgress() == 0)
            {
                std::this_thread::sleep_for(50us);
            }
        }
    }
    ASSERT_EQ(static_cast<std::size_t>(messages), listener.messages.size());
    EXPECT_EQ("echo:199", listener.messages.back());

    // Every member has applied as far as the leader before the threads stop.
    const std::int64_t leaderCommit = counter(0, ClusterCounters::COMMIT_POSITION_TYPE_ID);
    while ((counter(1, ClusterCounters::COMMIT_POSITION_TYPE_ID) < leaderCommit ||
            counter(2, ClusterCounters::COMMIT_POSITION_TYPE_ID) < leaderCommit) &&
           std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(200ms); // services apply up to the commit position they read
    client->close();
    for (auto& node : nodes)
    {
        node->close();
    }
    aeron->close();
    clientDriver->close();

    EXPECT_EQ(messages, services[0].messageCount);
    EXPECT_EQ(services[0].stateHash(), services[1].stateHash());
    EXPECT_EQ(services[0].stateHash(), services[2].stateHash());
    std::filesystem::remove_all(root);
}
} // namespace cox::cluster::test

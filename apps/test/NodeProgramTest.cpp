#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "NodeOptions.hpp"
#include "NodeServices.hpp"
#include "ServiceTestDoubles.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Config.hpp"
#include "cox/util/Exceptions.hpp"

using cox::apps::node::HostedServices;
using cox::apps::node::NodeOptions;
using cox::apps::node::parseNodeOptions;
using cox::apps::node::parseServiceNames;
using cox::apps::node::ReportingService;
using cox::apps::node::threadingModeOf;
using cox::cluster::ConsensusModuleConfig;

TEST(NodeProgramTest, shouldTakeOneConfigFileOverridesAndPrintConfig)
{
    const NodeOptions options =
        parseNodeOptions({"node.toml", "cluster.member-id=2", "--print-config", "node.services=kv,echo"});
    EXPECT_EQ(options.configPath, "node.toml");
    EXPECT_EQ(options.overrides, (std::vector<std::string>{"cluster.member-id=2", "node.services=kv,echo"}));
    EXPECT_TRUE(options.printConfig);
    EXPECT_FALSE(options.help);
    EXPECT_TRUE(parseNodeOptions({}).configPath.empty());
}

TEST(NodeProgramTest, shouldRejectTwoConfigFilesUnknownOptionsAndKeylessOverrides)
{
    EXPECT_THROW((void)parseNodeOptions({"a.toml", "b.toml"}), cox::util::IllegalArgumentException);
    EXPECT_THROW((void)parseNodeOptions({"--verbose"}), cox::util::IllegalArgumentException);
    EXPECT_THROW((void)parseNodeOptions({"=5"}), cox::util::IllegalArgumentException);
}

TEST(NodeProgramTest, shouldSplitServiceNamesAndMapThreadingModes)
{
    EXPECT_EQ(parseServiceNames("kv, echo ,kv"), (std::vector<std::string>{"kv", "echo", "kv"}));
    EXPECT_EQ(parseServiceNames("echo"), (std::vector<std::string>{"echo"}));
    EXPECT_EQ(threadingModeOf("dedicated"), cox::util::ThreadingMode::DEDICATED);
    EXPECT_EQ(threadingModeOf("shared"), cox::util::ThreadingMode::SHARED);
    EXPECT_THROW((void)threadingModeOf("invoker"), cox::util::IllegalArgumentException);
}

TEST(NodeProgramTest, shouldRejectUnknownServiceNamingTheKeyAndItsOrigin)
{
    const ConsensusModuleConfig config =
        ConsensusModuleConfig::load("", std::vector<std::string>{"node.services=kv,ledger"});
    try
    {
        HostedServices hosted(config);
        FAIL() << "an unknown service must be rejected";
    }
    catch (const cox::util::ConfigException& ex)
    {
        const std::string message = ex.what();
        EXPECT_EQ(message.rfind("command line: key 'node.services': ", 0), 0U) << message;
        EXPECT_NE(message.find("ledger"), std::string::npos) << message;
    }
}

TEST(NodeProgramTest, shouldHostServicesInOrderAndReportHashesButNoPositionBeforeStart)
{
    const ConsensusModuleConfig config =
        ConsensusModuleConfig::load("", std::vector<std::string>{"node.services=kv,echo"});
    const HostedServices hosted(config);
    ASSERT_EQ(hosted.services().size(), 2U);
    const std::uint64_t emptyKvHash = cox::examples::KeyValueService().stateHash();
    char expected[17];
    std::snprintf(expected, sizeof(expected), "%016llx", static_cast<unsigned long long>(emptyKvHash));
    const std::vector<std::string> lines = hosted.reportLines();
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[0], "service.0.name=kv");
    EXPECT_EQ(lines[1], std::string("service.0.state-hash=") + expected);
    EXPECT_EQ(lines[2], "service.1.name=echo");
    EXPECT_EQ(lines[3].rfind("service.1.state-hash=", 0), 0U);
}

TEST(NodeProgramTest, shouldForwardCallbacksAndRecordAppliedLogPosition)
{
    cox::examples::KeyValueService kv;
    ReportingService reporting(kv);
    EXPECT_EQ(reporting.appliedLogPosition(), -1);
    cox::examples::test::FakeCluster cluster;
    reporting.onStart(cluster, nullptr);
    EXPECT_EQ(reporting.appliedLogPosition(), 0);

    const std::uint64_t before = kv.stateHash();
    cox::examples::test::FakeClientSession session(7);
    std::vector<std::uint8_t> request(static_cast<std::size_t>(cox::examples::KeyValueClient::putRequestLength(1, 1)));
    request.resize(static_cast<std::size_t>(
        cox::examples::KeyValueClient::encodePut(request.data(), request.size(), 99, "k", "v")));
    cox::examples::test::deliver(reporting, &session, request);
    EXPECT_EQ(kv.find("k"), std::optional<std::string_view>("v"));
    EXPECT_NE(kv.stateHash(), before);
    EXPECT_EQ(*cox::apps::node::exampleStateHash(reporting.delegate()), kv.stateHash());
    EXPECT_EQ(session.offers.size(), 1U) << "the reply went back through the forwarded session";
}

TEST(NodeProgramTest, shouldWriteReportLinesToFile)
{
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("cox-node-report-" + std::to_string(::getpid()) + ".txt");
    cox::apps::node::writeNodeReport(path.string(),
                                     {"service.0.state-hash=00000000000000ff", "service.0.log-position=64"});
    std::ifstream file(path);
    std::stringstream contents;
    contents << file.rdbuf();
    std::filesystem::remove(path);
    EXPECT_EQ(contents.str(), "service.0.state-hash=00000000000000ff\nservice.0.log-position=64\n");
    EXPECT_THROW(cox::apps::node::writeNodeReport("/nonexistent-dir/x/report.txt", {"a"}), cox::util::IoException);
}

TEST(NodeProgramTest, shouldDescribeMemberEndpointsAndServices)
{
    const ConsensusModuleConfig config = ConsensusModuleConfig::load(
        "", std::vector<std::string>{"node.services=kv", "node.threading-mode=shared"});
    const std::string text = cox::apps::node::describeNode(config, "/tmp/aeron-x");
    EXPECT_NE(text.find("member 0 of cluster 0 (1 member, appointed leader none)"), std::string::npos) << text;
    EXPECT_NE(text.find("ingress localhost:20110"), std::string::npos) << text;
    EXPECT_NE(text.find("services kv  threading shared  idle backoff"), std::string::npos) << text;
    EXPECT_NE(text.find("aeron dir /tmp/aeron-x"), std::string::npos) << text;
}

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cox/cluster/ConsensusModuleConfig.hpp"
#include "cox/util/Config.hpp"

using cox::cluster::ConsensusModuleConfig;
using cox::util::Config;
using cox::util::ConfigException;

namespace
{
const std::string THREE_MEMBERS = "0,n0:20110,n0:20220,n0:20330,n0:0,n0:8010|"
                                  "1,n1:20110,n1:20220,n1:20330,n1:0,n1:8010|"
                                  "2,n2:20110,n2:20220,n2:20330,n2:0,n2:8010";

std::string errorOf(const std::string& toml, const std::vector<std::string>& overrides = {})
{
    try
    {
        Config config = Config::parse(toml, "node.toml");
        std::vector<std::string> keys;
        for (const std::string& assignment : overrides)
        {
            config.applyOverride(assignment);
            keys.push_back(assignment.substr(0, assignment.find('=')));
        }
        (void)ConsensusModuleConfig::fromConfig(config, keys);
    }
    catch (const ConfigException& ex)
    {
        return ex.what();
    }
    return "no error";
}

std::filesystem::path repoRoot()
{
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}
} // namespace

TEST(ConsensusModuleConfigTest, shouldUseAeronDefaultsWithNoConfiguration)
{
    const ConsensusModuleConfig config = ConsensusModuleConfig::load("");
    EXPECT_EQ(config.memberId, 0);
    EXPECT_EQ(config.sessionTimeoutNs, 10'000'000'000);
    // Timing defaults are ours (failover well under a second), not Aeron's WAN-minded ones.
    EXPECT_EQ(config.leaderHeartbeatTimeoutNs, 500'000'000);
    EXPECT_EQ(config.leaderHeartbeatIntervalNs, 50'000'000);
    EXPECT_EQ(config.electionTimeoutNs, 200'000'000);
    EXPECT_EQ(config.electionStatusIntervalNs, 20'000'000);
    EXPECT_EQ(config.startupCanvassTimeoutNs, 5'000'000'000);
    EXPECT_EQ(config.terminationTimeoutNs, 10'000'000'000);
    EXPECT_EQ(config.appointedLeaderId, -1);
    EXPECT_EQ(config.logStreamId, 100);
    EXPECT_EQ(config.ingressStreamId, 101);
    EXPECT_EQ(config.consensusStreamId, 108);
    EXPECT_EQ(config.logChannel, "aeron:udp?term-length=64m");
    EXPECT_EQ(config.maxConcurrentSessions, 10);
    EXPECT_EQ(config.serviceCount, 1);
    EXPECT_EQ(config.members().size(), 1U);
    EXPECT_EQ(config.clusterTimeUnit(), cox::cluster::ClusterTimeUnit::MILLISECONDS);
    EXPECT_NO_THROW(config.validate());
}

TEST(ConsensusModuleConfigTest, shouldReadEveryKindOfValueFromToml)
{
    const std::string toml = "[cluster]\n"
                             "member-id = 2\n"
                             "members = \"" +
                             THREE_MEMBERS +
                             "\"\n"
                             "dir = \"/var/lib/cox/node2\"\n"
                             "error-buffer-length = \"2m\"\n"
                             "time-unit = \"us\"\n"
                             "[leader]\n"
                             "heartbeat-interval = \"50ms\"\n"
                             "heartbeat-timeout = 2000000000\n"
                             "[election]\n"
                             "startup-canvass-timeout = \"5s\"\n"
                             "[ingress]\n"
                             "ipc-allowed = true\n";
    const ConsensusModuleConfig config = ConsensusModuleConfig::fromConfig(Config::parse(toml, "node.toml"));
    EXPECT_EQ(config.memberId, 2);
    EXPECT_EQ(config.members().size(), 3U);
    EXPECT_EQ(config.clusterDir, "/var/lib/cox/node2");
    EXPECT_EQ(config.errorBufferLength, 2 * 1024 * 1024);
    EXPECT_EQ(config.leaderHeartbeatIntervalNs, 50'000'000);
    EXPECT_EQ(config.leaderHeartbeatTimeoutNs, 2'000'000'000);
    EXPECT_EQ(config.startupCanvassTimeoutNs, 5'000'000'000);
    EXPECT_TRUE(config.ingressIpcAllowed);
    EXPECT_EQ(config.clusterTimeUnit(), cox::cluster::ClusterTimeUnit::MICROSECONDS);
    EXPECT_EQ(config.sourceName, "node.toml");
}

TEST(ConsensusModuleConfigTest, shouldLoadFileAndApplyCommandLineOverrides)
{
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("cox-cm-config-" + std::to_string(::getpid()) + ".toml");
    {
        std::ofstream file(path);
        file << "[cluster]\nmembers = \"" << THREE_MEMBERS << "\"\nmember-id = 1\n[session]\ntimeout = \"5s\"\n";
    }
    const std::vector<std::string> overrides = {"cluster.member-id=2", "session.max-sessions=3", "cluster.dir=/tmp/x"};
    const ConsensusModuleConfig config = ConsensusModuleConfig::load(path.string(), overrides);
    std::filesystem::remove(path);
    EXPECT_EQ(config.memberId, 2);
    EXPECT_EQ(config.maxConcurrentSessions, 3);
    EXPECT_EQ(config.sessionTimeoutNs, 5'000'000'000);
    EXPECT_EQ(config.clusterDir, "/tmp/x");
    EXPECT_EQ(config.origin("cluster.member-id"), "command line");
    EXPECT_EQ(config.origin("session.timeout"), path.string());
}

TEST(ConsensusModuleConfigTest, shouldRejectMisspelledKeyNamingFileAndKey)
{
    const std::string error = errorOf("[leader]\nheartbeat-timout = \"5s\"\n");
    EXPECT_NE(error.find("node.toml"), std::string::npos) << error;
    EXPECT_NE(error.find("'leader.heartbeat-timout'"), std::string::npos) << error;
    EXPECT_NE(error.find("leader.heartbeat-timeout"), std::string::npos) << "suggests the right key: " << error;
}

TEST(ConsensusModuleConfigTest, shouldRejectBadValuesWithPreciseErrors)
{
    EXPECT_EQ(errorOf("[leader]\nheartbeat-interval = \"20s\"\n"),
              "node.toml: key 'leader.heartbeat-interval': must be less than 'leader.heartbeat-timeout' (500ms), got "
              "20s");
    EXPECT_EQ(errorOf("[election]\nstartup-canvass-timeout = \"900ms\"\n"),
              "node.toml: key 'election.startup-canvass-timeout': must be at least twice "
              "'leader.heartbeat-timeout' (500ms), got 900ms");
    EXPECT_EQ(errorOf("[cluster]\nmember-id = 5\nmembers = \"" + THREE_MEMBERS + "\"\n"),
              "node.toml: key 'cluster.member-id': member id 5 is not in the cluster members (ids: 0, 1, 2)");
    EXPECT_EQ(errorOf("", {"cluster.member-id=7"}),
              "command line: key 'cluster.member-id': member id 7 is not in the cluster members (ids: 0)");
    EXPECT_EQ(errorOf("[cluster]\nfile-sync-level = 3\n"),
              "node.toml: key 'cluster.file-sync-level': must be between 0 and 2, got 3");
    EXPECT_EQ(errorOf("[cluster]\nerror-buffer-length = \"64k\"\n"),
              "node.toml: key 'cluster.error-buffer-length': must be between 1m and 2147483647, got 64k");
    EXPECT_EQ(errorOf("[session]\ntimeout = 0\n"), "node.toml: key 'session.timeout': must be greater than zero, "
                                                   "got 0s");
    EXPECT_EQ(errorOf("[cluster]\nappointed-leader-id = 4\n"),
              "node.toml: key 'cluster.appointed-leader-id': member 4 is not in cluster.members (use -1 for none)");
    EXPECT_EQ(errorOf("[cluster]\ntime-unit = \"s\"\n"),
              "node.toml: key 'cluster.time-unit': expected \"ms\", \"us\" or \"ns\", got \"s\"");
    EXPECT_EQ(errorOf("[log]\nchannel = \"aeron:udp?term-length=64m|init-term-id=7\"\n"),
              "node.toml: key 'log.channel': must not set 'init-term-id': the consensus module sets it for each "
              "leadership term");
    EXPECT_EQ(errorOf("[replication]\nchannel = \"\"\n"),
              "node.toml: key 'replication.channel': a channel is required, e.g. \"aeron:udp?endpoint=host:port\"");
    EXPECT_EQ(errorOf("[consensus]\nchannel = \"udp://x\"\n"),
              "node.toml: key 'consensus.channel': expected a channel \"aeron:udp[?...]\" or \"aeron:ipc[?...]\", got "
              "\"udp://x\"");
    EXPECT_EQ(errorOf("[service]\nstream-id = 105\n"),
              "node.toml: key 'service.consensus-module-stream-id': must differ from 'service.stream-id' (both 105): "
              "they share a channel");
    EXPECT_EQ(errorOf("[cluster]\nservice-count = 128\n"),
              "node.toml: key 'cluster.service-count': must be between 0 and 127, got 128");
    const std::string membersError = errorOf("[cluster]\nmembers = \"0,a:1,b:2\"\n");
    EXPECT_EQ(membersError.rfind("node.toml: key 'cluster.members': cluster members: member 1 ('0,a:1,b:2'): missing "
                                 "log endpoint",
                                 0),
              0U)
        << membersError;
    EXPECT_NE(errorOf("[session]\ntimeout = \"soon\"\n").find("session.timeout"), std::string::npos);
}

TEST(ConsensusModuleConfigTest, shouldRoundTripEffectiveConfigurationThroughToml)
{
    ConsensusModuleConfig config;
    config.clusterMembers = THREE_MEMBERS;
    config.memberId = 1;
    config.appointedLeaderId = 2;
    config.sessionTimeoutNs = 1'500'000; // not a whole millisecond multiple of a larger unit
    config.electionTimeoutNs = 3 * 60'000'000'000LL;
    config.errorBufferLength = 3 * 1024 * 1024 + 1;
    config.clusterDir = "dir with \"quotes\" and \\ backslash";
    config.egressChannel = "aeron:udp?endpoint=x:1|mtu=1408";
    config.ingressIpcAllowed = true;
    config.validate();

    const std::string toml = config.toToml();
    EXPECT_NE(toml.find("[cluster]\n"), std::string::npos);
    EXPECT_NE(toml.find("\ntimeout = \"1500us\"\n"), std::string::npos) << toml;
    EXPECT_NE(toml.find("\ntimeout = \"3min\"\n"), std::string::npos) << toml;

    const ConsensusModuleConfig parsed = ConsensusModuleConfig::fromConfig(Config::parse(toml, "effective.toml"));
    EXPECT_EQ(parsed.toToml(), toml);
    EXPECT_EQ(parsed.sessionTimeoutNs, config.sessionTimeoutNs);
    EXPECT_EQ(parsed.electionTimeoutNs, config.electionTimeoutNs);
    EXPECT_EQ(parsed.errorBufferLength, config.errorBufferLength);
    EXPECT_EQ(parsed.clusterDir, config.clusterDir);
    EXPECT_EQ(parsed.egressChannel, config.egressChannel);
    EXPECT_EQ(parsed.appointedLeaderId, 2);
    EXPECT_TRUE(parsed.ingressIpcAllowed);
}

TEST(ConsensusModuleConfigTest, shouldListEveryKeyOnceWithTypeDefaultAndMeaning)
{
    const auto keys = ConsensusModuleConfig::keys();
    EXPECT_GE(keys.size(), 40U);
    std::vector<std::string> seen;
    for (const auto& key : keys)
    {
        EXPECT_EQ(std::count(seen.begin(), seen.end(), std::string(key.key)), 0) << key.key;
        seen.emplace_back(key.key);
        EXPECT_NE(key.key.find('.'), std::string_view::npos) << key.key;
        EXPECT_FALSE(key.type.empty()) << key.key;
        EXPECT_FALSE(key.description.empty()) << key.key;
    }
    // Defaults come from the struct, so the docs show what the code does.
    const auto timeout =
        std::find_if(keys.begin(), keys.end(), [](const auto& k) { return k.key == "session.timeout"; });
    ASSERT_NE(timeout, keys.end());
    EXPECT_EQ(timeout->defaultValue, "\"10s\"");
    EXPECT_EQ(timeout->type, "duration");
}

TEST(ConsensusModuleConfigTest, shouldDocumentEveryKeyInConfigurationMarkdown)
{
    const std::filesystem::path docPath = repoRoot() / "docs" / "CONFIGURATION.md";
    std::ifstream file(docPath);
    ASSERT_TRUE(file.good()) << "cannot read " << docPath;
    std::stringstream contents;
    contents << file.rdbuf();
    const std::string doc = contents.str();

    for (const std::string& key : ConsensusModuleConfig::keyNames())
    {
        EXPECT_NE(doc.find("| `" + key + "` |"), std::string::npos) << key << " is not documented";
    }
    // The whole table must match the code, defaults and wording included; regenerate it from this output.
    const std::string table = ConsensusModuleConfig::markdownKeyTable();
    EXPECT_NE(doc.find(table), std::string::npos) << "docs/CONFIGURATION.md is out of date; the table should be:\n"
                                                  << table;
}

TEST(ConsensusModuleConfigTest, shouldDefaultNodeKeysToOneEchoServiceOnDedicatedThreadsWithBackoff)
{
    const ConsensusModuleConfig config = ConsensusModuleConfig::load("");
    EXPECT_EQ(config.nodeServices, "echo");
    EXPECT_EQ(config.nodeThreadingMode, "dedicated");
    EXPECT_EQ(config.nodeIdleStrategy, "backoff");
    const std::string toml = config.toToml();
    EXPECT_NE(toml.find("[node]\nservices = \"echo\"\nthreading-mode = \"dedicated\"\nidle-strategy = \"backoff\"\n"),
              std::string::npos)
        << toml;
}

TEST(ConsensusModuleConfigTest, shouldReadNodeKeysFromFileAndCommandLine)
{
    Config source = Config::parse("[node]\nservices = \"kv, echo\"\nthreading-mode = \"shared\"\n", "node.toml");
    source.applyOverride("node.idle-strategy=sleeping");
    const ConsensusModuleConfig config = ConsensusModuleConfig::fromConfig(source, std::vector<std::string>{
                                                                                       "node.idle-strategy"});
    EXPECT_EQ(config.nodeServices, "kv, echo");
    EXPECT_EQ(config.nodeThreadingMode, "shared");
    EXPECT_EQ(config.nodeIdleStrategy, "sleeping");
    EXPECT_EQ(config.origin("node.idle-strategy"), "command line");
    EXPECT_EQ(ConsensusModuleConfig::fromConfig(Config::parse(config.toToml(), "effective.toml")).nodeServices,
              "kv, echo");
}

TEST(ConsensusModuleConfigTest, shouldRejectBadNodeKeysNamingTheKey)
{
    EXPECT_EQ(errorOf("[node]\nthreading-mode = \"invoker\"\n"),
              "node.toml: key 'node.threading-mode': \"invoker\" is for processes that embed a ClusterNode and drive "
              "it; use \"dedicated\" or \"shared\"");
    EXPECT_EQ(errorOf("", {"node.threading-mode=pooled"}),
              "command line: key 'node.threading-mode': expected \"dedicated\" or \"shared\", got \"pooled\"");
    EXPECT_EQ(errorOf("[node]\nservices = \"kv,,echo\"\n"),
              "node.toml: key 'node.services': expected service names separated by commas, e.g. \"kv\" or "
              "\"kv,echo\", got \"kv,,echo\"");
    EXPECT_NE(errorOf("[node]\nservices = \"\"\n").find("key 'node.services'"), std::string::npos);
    const std::string idleError = errorOf("[node]\nidle-strategy = \"snooze\"\n");
    EXPECT_EQ(idleError.rfind("node.toml: key 'node.idle-strategy': unknown idle strategy 'snooze'", 0), 0U)
        << idleError;
}

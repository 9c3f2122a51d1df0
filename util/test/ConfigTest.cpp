#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include "cox/util/Config.hpp"

using namespace cox::util;

namespace
{
const char* const NODE_TOML = R"(
name = "node-a"
member-id = 2
verbose = true
ratio = 0.75

[consensus]
election-timeout = "500ms"
heartbeat-interval = 100000000
members = ["a:9010", "b:9010", "c:9010"]

[archive]
segment-length = "128m"
dir = "/var/lib/cox/archive"
)";

std::string messageOf(const std::function<void()>& action)
{
    try
    {
        action();
    }
    catch (const ConfigException& e)
    {
        return e.what();
    }
    return "<no ConfigException>";
}
} // namespace

TEST(ConfigTest, shouldReadTypedValuesAndDottedKeys)
{
    const Config config = Config::parse(NODE_TOML, "node.toml");
    EXPECT_EQ("node.toml", config.sourceName());
    EXPECT_EQ("node-a", config.getString("name", "x"));
    EXPECT_EQ(2, config.getInt64("member-id", -1));
    EXPECT_EQ(2, config.getInt32("member-id", -1));
    EXPECT_TRUE(config.getBool("verbose", false));
    EXPECT_DOUBLE_EQ(0.75, config.getDouble("ratio", 0.0));
    EXPECT_DOUBLE_EQ(2.0, config.getDouble("member-id", 0.0));
    EXPECT_EQ(500'000'000, config.getDurationNs("consensus.election-timeout", 0));
    EXPECT_EQ(100'000'000, config.getDurationNs("consensus.heartbeat-interval", 0));
    EXPECT_EQ(128LL * 1024 * 1024, config.getSize("archive.segment-length", 0));
    EXPECT_EQ("/var/lib/cox/archive", config.getString("archive.dir", ""));
    EXPECT_EQ((std::vector<std::string>{"a:9010", "b:9010", "c:9010"}), config.getStringList("consensus.members", {}));
    EXPECT_TRUE(config.contains("consensus.election-timeout"));
    EXPECT_FALSE(config.contains("consensus"));
    EXPECT_EQ(9u, config.keys().size());
    EXPECT_EQ("archive.dir", config.keys().front());
}

TEST(ConfigTest, shouldReturnDefaultsForAbsentKeys)
{
    const Config config = Config::parse("[consensus]\nelection-timeout = \"1s\"\n", "node.toml");
    EXPECT_EQ("dflt", config.getString("missing", "dflt"));
    EXPECT_EQ(7, config.getInt64("consensus.missing", 7));
    EXPECT_FALSE(config.getBool("missing", false));
    EXPECT_DOUBLE_EQ(1.5, config.getDouble("missing", 1.5));
    EXPECT_EQ(123, config.getDurationNs("missing", 123));
    EXPECT_EQ(4096, config.getSize("missing", 4096));

    const Config empty;
    EXPECT_EQ(99, empty.getInt64("anything", 99));
    EXPECT_TRUE(empty.keys().empty());
}

TEST(ConfigTest, shouldParseDurations)
{
    EXPECT_EQ(250, Config::parseDurationNs("250ns"));
    EXPECT_EQ(250, Config::parseDurationNs("250"));
    EXPECT_EQ(250'000, Config::parseDurationNs("250us"));
    EXPECT_EQ(250'000, Config::parseDurationNs("250\xC2\xB5s"));
    EXPECT_EQ(10'000'000, Config::parseDurationNs("10ms"));
    EXPECT_EQ(10'000'000, Config::parseDurationNs(" 10 MS "));
    EXPECT_EQ(5'000'000'000, Config::parseDurationNs("5s"));
    EXPECT_EQ(120'000'000'000, Config::parseDurationNs("2min"));
    EXPECT_EQ(3'600'000'000'000, Config::parseDurationNs("1h"));
    EXPECT_FALSE(Config::parseDurationNs("10 parsecs"));
    EXPECT_FALSE(Config::parseDurationNs("-5ms"));
    EXPECT_FALSE(Config::parseDurationNs("ms"));
    EXPECT_FALSE(Config::parseDurationNs(""));
    EXPECT_FALSE(Config::parseDurationNs("1.5s"));
    EXPECT_FALSE(Config::parseDurationNs("9999999999999h")) << "overflow";
    EXPECT_FALSE(Config::parseDurationNs("99999999999999999999")) << "overflow";
}

TEST(ConfigTest, shouldParseSizes)
{
    EXPECT_EQ(4096, Config::parseSize("4096"));
    EXPECT_EQ(4096, Config::parseSize("4096b"));
    EXPECT_EQ(64 * 1024, Config::parseSize("64k"));
    EXPECT_EQ(64 * 1024, Config::parseSize("64K"));
    EXPECT_EQ(64 * 1024, Config::parseSize("64kb"));
    EXPECT_EQ(64 * 1024, Config::parseSize("64KiB"));
    EXPECT_EQ(1024 * 1024, Config::parseSize("1m"));
    EXPECT_EQ(1024 * 1024, Config::parseSize("1MiB"));
    EXPECT_EQ(1024LL * 1024 * 1024, Config::parseSize("1g"));
    EXPECT_EQ(2LL * 1024 * 1024 * 1024 * 1024, Config::parseSize("2t"));
    EXPECT_FALSE(Config::parseSize("12x"));
    EXPECT_FALSE(Config::parseSize("12kx"));
    EXPECT_FALSE(Config::parseSize("k"));
    EXPECT_FALSE(Config::parseSize("-1k"));
    EXPECT_FALSE(Config::parseSize("9000000000g")) << "overflow";
}

TEST(ConfigTest, shouldNameFileKeyAndProblemForBadSize)
{
    const Config config = Config::parse("[archive]\nsegment-length = \"12x\"\n", "node.toml");
    EXPECT_EQ("node.toml: key 'archive.segment-length': expected a size like \"128m\", got \"12x\"",
              messageOf([&] { (void)config.getSize("archive.segment-length", 0); }));
}

TEST(ConfigTest, shouldNameFileKeyAndProblemForBadDuration)
{
    const Config config =
        Config::parse("[consensus]\nelection-timeout = \"10 parsecs\"\nleader-heartbeat = -5\n", "node.toml");
    EXPECT_EQ("node.toml: key 'consensus.election-timeout': expected a duration like \"10ms\", got \"10 parsecs\"",
              messageOf([&] { (void)config.getDurationNs("consensus.election-timeout", 0); }));
    EXPECT_EQ("node.toml: key 'consensus.leader-heartbeat': expected a duration like \"10ms\", got -5",
              messageOf([&] { (void)config.getDurationNs("consensus.leader-heartbeat", 0); }));
}

TEST(ConfigTest, shouldNameFileKeyAndProblemForWrongTypes)
{
    const Config config = Config::parse(
        "id = \"three\"\nflag = \"yes\"\nname = 12\nratio = true\nbig = 9999999999\nlist = [\"a\", 2]\n[t]\nx = 1\n",
        "node.toml");
    EXPECT_EQ("node.toml: key 'id': expected an integer, got \"three\"",
              messageOf([&] { (void)config.getInt64("id", 0); }));
    EXPECT_EQ("node.toml: key 'flag': expected true or false, got \"yes\"",
              messageOf([&] { (void)config.getBool("flag", false); }));
    EXPECT_EQ("node.toml: key 'name': expected a string, got 12",
              messageOf([&] { (void)config.getString("name", ""); }));
    EXPECT_EQ("node.toml: key 'ratio': expected a number, got true",
              messageOf([&] { (void)config.getDouble("ratio", 0); }));
    EXPECT_EQ("node.toml: key 'big': expected a 32-bit integer, got 9999999999",
              messageOf([&] { (void)config.getInt32("big", 0); }));
    EXPECT_EQ("node.toml: key 'list': expected an array of strings, got 2 at index 1",
              messageOf([&] { (void)config.getStringList("list", {}); }));
    EXPECT_EQ("node.toml: key 't': expected a value, got a table", messageOf([&] { (void)config.getInt64("t", 0); }));
}

TEST(ConfigTest, shouldReportFileLineAndColumnForSyntaxErrors)
{
    const std::string message =
        messageOf([] { (void)Config::parse("a = 1\n\n[consensus]\ntimeout = = 3\n", "node.toml"); });
    EXPECT_EQ(0u, message.find("node.toml:4:11: TOML syntax error: ")) << message;
    EXPECT_NE(std::string::npos, message.find("TOML syntax error")) << message;

    const std::string unterminated = messageOf([] { (void)Config::parse("name = \"abc\n", "other.toml"); });
    EXPECT_EQ(0u, unterminated.find("other.toml:1:")) << unterminated;

    const std::string duplicate = messageOf([] { (void)Config::parse("a = 1\na = 2\n", "dup.toml"); });
    EXPECT_EQ(0u, duplicate.find("dup.toml:2:")) << duplicate;
}

TEST(ConfigTest, shouldLoadFileAndNameItInErrors)
{
    const std::string path =
        (std::filesystem::temp_directory_path() / ("cox-config-" + std::to_string(::getpid()) + ".toml")).string();
    {
        std::ofstream out(path);
        out << "[archive]\nsegment-length = \"64KiB\"\nbad = \"12x\"\n";
    }
    const Config config = Config::loadFile(path);
    EXPECT_EQ(path, config.sourceName());
    EXPECT_EQ(65536, config.getSize("archive.segment-length", 0));
    EXPECT_EQ(path + ": key 'archive.bad': expected a size like \"128m\", got \"12x\"",
              messageOf([&] { (void)config.getSize("archive.bad", 0); }));
    std::filesystem::remove(path);

    const std::string missing = messageOf([] { (void)Config::loadFile("/nonexistent-dir/node.toml"); });
    EXPECT_EQ("cannot read config file '/nonexistent-dir/node.toml': No such file or directory", missing);
}

TEST(ConfigTest, shouldApplyCommandLineOverrides)
{
    Config config = Config::parse(NODE_TOML, "node.toml");
    config.applyOverride("consensus.election-timeout=2s");
    config.applyOverride("member-id = 5");
    config.applyOverride("name=node-b");
    config.applyOverride("verbose=false");
    config.applyOverride("archive.segment-length=1g");
    config.applyOverride("new.key=\"quoted string\"");
    config.applyOverride("consensus.members=[\"x:1\", \"y:2\"]");
    config.applyOverride("label=42");
    config.applyOverride("empty=");

    EXPECT_EQ(2'000'000'000, config.getDurationNs("consensus.election-timeout", 0));
    EXPECT_EQ(5, config.getInt64("member-id", 0));
    EXPECT_EQ("node-b", config.getString("name", ""));
    EXPECT_FALSE(config.getBool("verbose", true));
    EXPECT_EQ(1LL << 30, config.getSize("archive.segment-length", 0));
    EXPECT_EQ("quoted string", config.getString("new.key", ""));
    EXPECT_EQ((std::vector<std::string>{"x:1", "y:2"}), config.getStringList("consensus.members", {}));
    EXPECT_EQ(42, config.getInt64("label", 0));
    EXPECT_EQ("42", config.getString("label", "")) << "a typed override is also the string it was typed as";
    EXPECT_EQ("", config.getString("empty", "x"));
    EXPECT_EQ("/var/lib/cox/archive", config.getString("archive.dir", "")) << "untouched keys keep file values";
}

TEST(ConfigTest, shouldNameCommandLineInOverrideErrors)
{
    Config config = Config::parse(NODE_TOML, "node.toml");
    config.applyOverride("archive.segment-length=12x");
    EXPECT_EQ("command line: key 'archive.segment-length': expected a size like \"128m\", got \"12x\"",
              messageOf([&] { (void)config.getSize("archive.segment-length", 0); }));
    EXPECT_EQ("command line: override 'no-equals-sign' is not of the form key=value",
              messageOf([&] { config.applyOverride("no-equals-sign"); }));
    EXPECT_EQ("command line: override '=5' is not of the form key=value",
              messageOf([&] { config.applyOverride("=5"); }));
}

TEST(ConfigTest, shouldReplaceWholeTableWhenOverridingIt)
{
    Config config = Config::parse("[archive]\ndir = \"/a\"\n", "node.toml");
    config.applyOverride("archive=off");
    EXPECT_FALSE(config.contains("archive.dir"));
    EXPECT_EQ("off", config.getString("archive", ""));
}

TEST(ConfigTest, shouldRejectUnknownKeysWithSuggestion)
{
    const std::vector<std::string> known{"name",
                                         "member-id",
                                         "verbose",
                                         "ratio",
                                         "consensus.election-timeout",
                                         "consensus.heartbeat-interval",
                                         "consensus.members",
                                         "archive.segment-length",
                                         "archive.dir"};
    const Config good = Config::parse(NODE_TOML, "node.toml");
    EXPECT_NO_THROW(good.checkUnknownKeys(known));

    const Config misspelled = Config::parse("[consensus]\nelecton-timeout = \"1s\"\n", "node.toml");
    EXPECT_EQ("node.toml: unknown key 'consensus.electon-timeout' (did you mean 'consensus.election-timeout'?)",
              messageOf([&] { misspelled.checkUnknownKeys(known); }));

    Config several = Config::parse("zzz = 1\nqqqqqq = 2\n", "node.toml");
    several.applyOverride("www=3");
    EXPECT_EQ("node.toml: unknown key 'qqqqqq' and 2 more unknown keys",
              messageOf([&] { several.checkUnknownKeys(known); }));

    Config overridden = Config::parse("", "node.toml");
    overridden.applyOverride("nmae=x");
    EXPECT_EQ("command line: unknown key 'nmae' (did you mean 'name'?)",
              messageOf([&] { overridden.checkUnknownKeys(known); }));
}

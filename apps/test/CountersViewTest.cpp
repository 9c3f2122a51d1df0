#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "CountersView.hpp"
#include "TempDirectory.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::apps;
using cox::apps::test::TempDirectory;
using cox::util::CountersManager;
using cox::util::CountersReader;
using cox::util::IllegalArgumentException;
using cox::util::ManualEpochClock;

namespace
{
constexpr std::int64_t START_MS = 1'714'566'896'789; // 2024-05-01 12:34:56.789 UTC

/// A counters file like a running process leaves: three counters, the middle one freed.
class CountersViewTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_manager = CountersManager::create(m_dir.file("counters.dat"), 16, m_clock);
        m_manager->newCounter("alpha: bytes sent", 7).set(1'234'567);
        const std::int32_t freed = m_manager->allocate("gamma: freed", 7);
        m_manager->newCounter("beta: errors", 8).set(-5);
        m_manager->free(freed);
    }

    std::string render(const CounterFilter& filter)
    {
        const auto reader = CountersReader::open(m_dir.file("counters.dat"));
        return renderCounters(*reader, "counters.dat", filter, START_MS + 65'000, OwnerState::Running);
    }

    TempDirectory m_dir;
    ManualEpochClock m_clock{START_MS};
    std::unique_ptr<CountersManager> m_manager;
    std::atomic<bool> m_stop{false};
};
} // namespace

TEST(CountersViewFormatTest, shouldGroupThousandsWhenFormattingValues)
{
    EXPECT_EQ(formatThousands(0), "0");
    EXPECT_EQ(formatThousands(999), "999");
    EXPECT_EQ(formatThousands(1'000), "1,000");
    EXPECT_EQ(formatThousands(1'234'567), "1,234,567");
    EXPECT_EQ(formatThousands(-1'234), "-1,234");
    EXPECT_EQ(formatThousands(-999), "-999");
    EXPECT_EQ(formatThousands(INT64_MAX), "9,223,372,036,854,775,807");
    EXPECT_EQ(formatThousands(INT64_MIN), "-9,223,372,036,854,775,808");
}

TEST(CountersViewFormatTest, shouldDropLeadingZeroUnitsWhenFormattingDurations)
{
    EXPECT_EQ(formatDuration(0), "0s");
    EXPECT_EQ(formatDuration(999), "0s");
    EXPECT_EQ(formatDuration(65'000), "1m 05s");
    EXPECT_EQ(formatDuration(3'600'000 + 7'000), "1h 00m 07s");
    EXPECT_EQ(formatDuration(3LL * 86'400'000 + 4 * 3'600'000 + 5 * 60'000 + 6'000), "3d 04h 05m 06s");
    EXPECT_EQ(formatDuration(-5'000), "0s");
}

TEST(CountersViewFormatTest, shouldFormatEpochMillisecondsAsUtc)
{
    EXPECT_EQ(formatTimestampUtc(0), "1970-01-01 00:00:00.000Z");
    EXPECT_EQ(formatTimestampUtc(START_MS), "2024-05-01 12:34:56.789Z");
    EXPECT_EQ(formatTimestampUtc(-1), "(invalid time -1)");
}

TEST(CountersViewOptionsTest, shouldParseEveryOption)
{
    const StatOptions options =
        parseStatOptions({"/tmp/x", "--once", "--interval-ms", "250", "--filter", "^demo", "--type", "1002"});
    EXPECT_EQ(options.path, "/tmp/x");
    EXPECT_TRUE(options.once);
    EXPECT_EQ(options.intervalMs, 250);
    EXPECT_EQ(options.labelFilter, "^demo");
    EXPECT_EQ(options.typeFilter, 1002);
    EXPECT_FALSE(options.help);
}

TEST(CountersViewOptionsTest, shouldDefaultToOneSecondRefreshWhenOnlyPathGiven)
{
    const StatOptions options = parseStatOptions({"dir"});
    EXPECT_FALSE(options.once);
    EXPECT_EQ(options.intervalMs, 1'000);
    EXPECT_FALSE(options.labelFilter.has_value());
    EXPECT_FALSE(options.typeFilter.has_value());
}

TEST(CountersViewOptionsTest, shouldRejectBadArguments)
{
    EXPECT_THROW((void)parseStatOptions({}), IllegalArgumentException);
    EXPECT_THROW((void)parseStatOptions({"a", "b"}), IllegalArgumentException);
    EXPECT_THROW((void)parseStatOptions({"a", "--bogus"}), IllegalArgumentException);
    EXPECT_THROW((void)parseStatOptions({"a", "--interval-ms"}), IllegalArgumentException);
    EXPECT_THROW((void)parseStatOptions({"a", "--interval-ms", "0"}), IllegalArgumentException);
    EXPECT_THROW((void)parseStatOptions({"a", "--interval-ms", "10x"}), IllegalArgumentException);
    EXPECT_THROW((void)parseStatOptions({"a", "--type", "abc"}), IllegalArgumentException);
    EXPECT_TRUE(parseStatOptions({"--help"}).help);
}

TEST_F(CountersViewTest, shouldListAllocatedCountersWithHeaderWhenRendering)
{
    const std::string expected =
        "counters.dat  pid " + std::to_string(::getpid()) +
        " (running)  started 2024-05-01 12:34:56.789Z  up 1m 05s\n"
        "   id                      value   type  label\n"
        "    0                  1,234,567      7  alpha: bytes sent\n"
        "    2                         -5      8  beta: errors\n";
    EXPECT_EQ(render(CounterFilter(std::nullopt, std::nullopt)), expected);
}

TEST_F(CountersViewTest, shouldShowOnlyMatchingLabelsWhenFilteredByRegex)
{
    const std::string screen = render(CounterFilter(std::string("^al.*sent$"), std::nullopt));
    EXPECT_NE(screen.find("alpha: bytes sent"), std::string::npos);
    EXPECT_EQ(screen.find("beta"), std::string::npos);
}

TEST_F(CountersViewTest, shouldShowOnlyThatTypeWhenFilteredByType)
{
    const std::string screen = render(CounterFilter(std::nullopt, 8));
    EXPECT_EQ(screen.find("alpha"), std::string::npos);
    EXPECT_NE(screen.find("    2                         -5      8  beta: errors\n"), std::string::npos);
}

TEST_F(CountersViewTest, shouldSayNothingMatchesWhenFilterExcludesAll)
{
    const std::string screen = render(CounterFilter(std::string("nothing"), 7));
    EXPECT_NE(screen.find("(no counters match the filter)"), std::string::npos);
}

TEST_F(CountersViewTest, shouldRejectInvalidRegex)
{
    EXPECT_THROW(CounterFilter(std::string("(unclosed"), std::nullopt), IllegalArgumentException);
}

TEST_F(CountersViewTest, shouldResolveDirectoryToItsCountersFile)
{
    EXPECT_EQ(resolveCountersPath(m_dir.path()), m_dir.file("counters.dat"));
    EXPECT_EQ(resolveCountersPath(m_dir.file("other.dat")), m_dir.file("other.dat"));
}

TEST_F(CountersViewTest, shouldPrintOnceAndSucceedWhenGivenDirectory)
{
    StatOptions options = parseStatOptions({m_dir.path(), "--once"});
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runStat(options, out, err, m_stop), 0);
    EXPECT_EQ(err.str(), "");
    EXPECT_EQ(out.str().rfind(m_dir.file("counters.dat") + "  pid ", 0), 0u) << out.str();
    EXPECT_NE(out.str().find("1,234,567      7  alpha: bytes sent"), std::string::npos);
    EXPECT_EQ(out.str().find("\033["), std::string::npos);
}

TEST_F(CountersViewTest, shouldClearScreenAndStopWhenStopRequested)
{
    StatOptions options = parseStatOptions({m_dir.path(), "--interval-ms", "10"});
    options.clearScreen = true;
    m_stop.store(true);
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runStat(options, out, err, m_stop), 0);
    EXPECT_EQ(out.str().rfind("\033[H\033[2J", 0), 0u);
    EXPECT_NE(out.str().find("beta: errors"), std::string::npos);
}

TEST_F(CountersViewTest, shouldFailWithMessageWhenFileMissing)
{
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runStat(parseStatOptions({m_dir.file("missing.dat"), "--once"}), out, err, m_stop), 1);
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(err.str().rfind("cox-stat: ", 0), 0u);
    EXPECT_NE(err.str().find("missing.dat"), std::string::npos);
}

TEST_F(CountersViewTest, shouldFailWithMessageWhenNotCountersFile)
{
    {
        std::ofstream garbage(m_dir.file("garbage.dat"), std::ios::binary);
        garbage << std::string(4096, 'x');
    }
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runStat(parseStatOptions({m_dir.file("garbage.dat"), "--once"}), out, err, m_stop), 1);
    EXPECT_NE(err.str().find("not a counters file"), std::string::npos) << err.str();
}

TEST_F(CountersViewTest, shouldFailWithMessageWhenVersionDiffers)
{
    {
        std::fstream file(m_dir.file("counters.dat"), std::ios::binary | std::ios::in | std::ios::out);
        const std::int32_t version = 99;
        file.seekp(static_cast<std::streamoff>(cox::util::CountersDescriptor::VERSION_OFFSET));
        file.write(reinterpret_cast<const char*>(&version), sizeof(version));
    }
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runStat(parseStatOptions({m_dir.path(), "--once"}), out, err, m_stop), 1);
    EXPECT_NE(err.str().find("version 99"), std::string::npos) << err.str();
}

TEST(CountersViewOwnerTest, shouldTellRunningFromExitedOwner)
{
    EXPECT_EQ(probeOwner(::getpid()), OwnerState::Running);
    EXPECT_EQ(probeOwner(0), OwnerState::Unknown);
    EXPECT_EQ(probeOwner(-1), OwnerState::Unknown);

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0)
    {
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_EQ(probeOwner(child), OwnerState::Exited);
}

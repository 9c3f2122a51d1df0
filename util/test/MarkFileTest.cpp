#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "cox/util/MarkFile.hpp"

using namespace cox::util;

namespace
{
constexpr std::int64_t TIMEOUT_MS = 5'000;

class MarkFileTest : public ::testing::Test
{
protected:
    void TearDown() override { std::filesystem::remove(m_path); }

    const std::string m_path =
        (std::filesystem::temp_directory_path() / ("cox-mark-" + std::to_string(::getpid()) + ".dat")).string();
};
} // namespace

TEST_F(MarkFileTest, shouldWriteOwnerFields)
{
    auto markFile = MarkFile::create(m_path, 3, 256, 1'000, TIMEOUT_MS);
    EXPECT_EQ(MarkFile::OWNER_HEADER_OFFSET + 256, std::filesystem::file_size(m_path));
    EXPECT_EQ(3, markFile->version());
    EXPECT_EQ(::getpid(), markFile->pid());
    EXPECT_EQ(1'000, markFile->startTimestampMs());
    EXPECT_EQ(1'000, markFile->activityTimestampVolatile());
    EXPECT_TRUE(markFile->isActiveFlagSet());
    EXPECT_EQ(256u, markFile->ownerHeader().capacity());
    EXPECT_EQ(0, markFile->ownerHeader().getInt64(248));
}

TEST_F(MarkFileTest, shouldExposeOwnerHeaderToReaders)
{
    auto markFile = MarkFile::create(m_path, 1, 64, 1'000, TIMEOUT_MS);
    markFile->ownerHeader().putInt32(0, 7);
    markFile->ownerHeader().putStringAscii(8, "aeron:udp?endpoint=localhost:9010");
    markFile->updateActivityTimestamp(1'500);

    auto reader = MarkFile::openReadOnly(m_path);
    EXPECT_EQ(7, reader->ownerHeader().getInt32(0));
    EXPECT_EQ("aeron:udp?endpoint=localhost:9010", reader->ownerHeader().getStringAscii(8));
    EXPECT_EQ(1'500, reader->activityTimestampVolatile());
    reader.reset();
    EXPECT_TRUE(markFile->isActiveFlagSet());
}

TEST_F(MarkFileTest, shouldBeActiveOnlyWhileActivityIsRecent)
{
    auto markFile = MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS);
    EXPECT_TRUE(MarkFile::isActive(m_path, 1'000 + TIMEOUT_MS, TIMEOUT_MS));
    EXPECT_FALSE(MarkFile::isActive(m_path, 1'001 + TIMEOUT_MS, TIMEOUT_MS));
    markFile->updateActivityTimestamp(9'000);
    EXPECT_TRUE(MarkFile::isActive(m_path, 9'000 + TIMEOUT_MS, TIMEOUT_MS));
}

TEST_F(MarkFileTest, shouldRefuseSecondOwnerWhileFirstIsActive)
{
    auto first = MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS);
    try
    {
        (void)MarkFile::create(m_path, 1, 0, 2'000, TIMEOUT_MS);
        FAIL() << "expected IllegalStateException";
    }
    catch (const IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("pid " + std::to_string(::getpid())));
        EXPECT_NE(std::string::npos, std::string(e.what()).find(m_path));
    }
    EXPECT_TRUE(first->isActiveFlagSet());
}

TEST_F(MarkFileTest, shouldAllowNewOwnerOverStaleFile)
{
    auto first = MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS);
    auto second = MarkFile::create(m_path, 2, 0, 1'001 + TIMEOUT_MS, TIMEOUT_MS);
    EXPECT_EQ(2, second->version());
    EXPECT_EQ(1'001 + TIMEOUT_MS, second->startTimestampMs());
}

TEST_F(MarkFileTest, shouldBeInactiveAfterCleanClose)
{
    {
        auto markFile = MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS);
        markFile->close();
        EXPECT_FALSE(markFile->isActiveFlagSet());
        EXPECT_FALSE(MarkFile::isActive(m_path, 1'000, TIMEOUT_MS));
    }
    {
        auto markFile = MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS);
    }
    EXPECT_FALSE(MarkFile::isActive(m_path, 1'000, TIMEOUT_MS));
    EXPECT_NO_THROW((void)MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS));
}

TEST_F(MarkFileTest, shouldBeInactiveWhenOwnerProcessIsGone)
{
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0)
    {
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(child, ::waitpid(child, &status, 0));

    auto markFile = MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS);
    // As if a process killed with -9 had left it: flag still set, timestamp fresh, pid dead.
    markFile->buffer().putInt64(MarkFile::PID_OFFSET, child);
    EXPECT_FALSE(MarkFile::isActive(m_path, 1'000, TIMEOUT_MS));
    EXPECT_NO_THROW((void)MarkFile::create(m_path, 1, 0, 1'000, TIMEOUT_MS));
}

TEST_F(MarkFileTest, shouldNotTreatMissingOrForeignFilesAsActive)
{
    EXPECT_FALSE(MarkFile::isActive(m_path, 0, TIMEOUT_MS));
    {
        std::ofstream out(m_path);
        out << std::string(512, 'q');
    }
    EXPECT_FALSE(MarkFile::isActive(m_path, 0, TIMEOUT_MS));
    EXPECT_THROW((void)MarkFile::openReadOnly(m_path), IllegalStateException);
}

TEST_F(MarkFileTest, shouldRejectNonPositiveVersion)
{
    EXPECT_THROW((void)MarkFile::create(m_path, 0, 0, 1'000, TIMEOUT_MS), IllegalArgumentException);
}

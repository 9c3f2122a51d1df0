#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/ErrorLogReader.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::cluster;

namespace
{
constexpr std::int32_t ERROR_BUFFER_LENGTH = ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH;

class ClusterMarkFileTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = std::filesystem::temp_directory_path() /
                ("cox-cluster-mark-" + std::to_string(::getpid()) + "-" + info->name());
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir);

        m_header.componentType = ClusterComponentType::CONSENSUS_MODULE;
        m_header.memberId = 2;
        m_header.serviceId = -1;
        m_header.clusterId = 9;
        m_header.archiveStreamId = 10;
        m_header.serviceStreamId = 104;
        m_header.consensusModuleStreamId = 105;
        m_header.ingressStreamId = 101;
        m_header.aeronDirectory = "/dev/shm/cox-node-2";
        m_header.controlChannel = "aeron:ipc?term-length=128k";
        m_header.ingressChannel = "aeron:udp?endpoint=node2:20110";
        m_header.serviceName = "key-value";
        m_header.clusterDirectory = m_dir.string();
    }

    void TearDown() override { std::filesystem::remove_all(m_dir); }

    [[nodiscard]] std::string path() const { return (m_dir / ClusterMarkFile::FILE_NAME).string(); }

    std::filesystem::path m_dir;
    ClusterMarkFileHeader m_header;
};
} // namespace

TEST_F(ClusterMarkFileTest, shouldNameFilesByComponent)
{
    EXPECT_EQ("cluster-mark.dat", ClusterMarkFile::fileName(-1));
    EXPECT_EQ("cluster-mark-service-0.dat", ClusterMarkFile::fileName(0));
    EXPECT_EQ("cluster-mark-service-12.dat", ClusterMarkFile::fileName(12));
}

TEST_F(ClusterMarkFileTest, shouldWriteHeaderThatReadersDecode)
{
    auto owner = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    EXPECT_EQ(ClusterMarkFile::HEADER_LENGTH + ERROR_BUFFER_LENGTH, std::filesystem::file_size(path()));
    EXPECT_EQ(m_header, owner->header());

    auto reader = ClusterMarkFile::openReadOnly(path());
    EXPECT_EQ(m_header, reader->header());
    EXPECT_EQ(::getpid(), reader->markFile().pid());
    EXPECT_EQ(ClusterMarkFile::VERSION, reader->markFile().version());
    EXPECT_EQ(static_cast<std::size_t>(ERROR_BUFFER_LENGTH), reader->errorBuffer().capacity());
}

TEST_F(ClusterMarkFileTest, shouldPublishActivityTimestamp)
{
    auto owner = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    owner->updateActivityTimestamp(4'000);
    auto reader = ClusterMarkFile::openReadOnly(path());
    EXPECT_EQ(4'000, reader->activityTimestampVolatile());
    EXPECT_TRUE(ClusterMarkFile::isActive(path(), 4'000 + ClusterMarkFile::LIVENESS_TIMEOUT_MS));
    EXPECT_FALSE(ClusterMarkFile::isActive(path(), 4'001 + ClusterMarkFile::LIVENESS_TIMEOUT_MS));
}

TEST_F(ClusterMarkFileTest, shouldRefuseToStartOverLiveOwner)
{
    auto owner = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    ClusterMarkFileHeader other = m_header;
    other.memberId = 3;
    try
    {
        (void)ClusterMarkFile::create(path(), other, ERROR_BUFFER_LENGTH, 5'000);
        FAIL() << "expected IllegalStateException";
    }
    catch (const cox::util::IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("pid " + std::to_string(::getpid()))) << e.what();
    }
    EXPECT_EQ(2, owner->header().memberId);
}

TEST_F(ClusterMarkFileTest, shouldTakeOverStaleFile)
{
    auto stale = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    // The owner is hung: its timestamp stops moving while the file stays marked active.
    ClusterMarkFileHeader successor = m_header;
    successor.memberId = 3;
    const std::int64_t nowMs = 1'001 + ClusterMarkFile::LIVENESS_TIMEOUT_MS;
    auto owner = ClusterMarkFile::create(path(), successor, ERROR_BUFFER_LENGTH, nowMs);
    EXPECT_EQ(3, ClusterMarkFile::openReadOnly(path())->header().memberId);
    EXPECT_EQ(nowMs, owner->markFile().startTimestampMs());
}

TEST_F(ClusterMarkFileTest, shouldTakeOverClosedFileAtOnce)
{
    {
        auto first = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
        first->close();
        EXPECT_FALSE(ClusterMarkFile::isActive(path(), 1'000));
    }
    auto second = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    EXPECT_TRUE(ClusterMarkFile::isActive(path(), 1'000));
}

TEST_F(ClusterMarkFileTest, shouldKeepErrorsInErrorLogRegion)
{
    auto owner = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    cox::util::ManualEpochClock clock(1'500);
    cox::util::DistinctErrorLog errorLog(owner->errorBuffer(), clock);
    ASSERT_TRUE(errorLog.record("election: no quorum"));
    ASSERT_TRUE(errorLog.record("election: no quorum"));

    auto reader = ClusterMarkFile::openReadOnly(path());
    int observations = 0;
    std::string text;
    const int errors = cox::util::ErrorLogReader::read(reader->errorBuffer(),
                                                       [&](std::int32_t count, std::int64_t, std::int64_t,
                                                           std::string_view errorText)
                                                       {
                                                           observations = count;
                                                           text = errorText;
                                                       });
    EXPECT_EQ(1, errors);
    EXPECT_EQ(2, observations);
    EXPECT_EQ("election: no quorum", text);
    // The header strings are untouched by the error log, which starts at HEADER_LENGTH.
    EXPECT_EQ(m_header, reader->header());
    EXPECT_EQ(reader->markFile().buffer().buffer() + ClusterMarkFile::HEADER_LENGTH, reader->errorBuffer().buffer());
}

TEST_F(ClusterMarkFileTest, shouldRefuseBadArguments)
{
    ClusterMarkFileHeader tooLong = m_header;
    tooLong.ingressChannel = std::string(ClusterMarkFile::HEADER_LENGTH, 'x');
    EXPECT_THROW((void)ClusterMarkFile::create(path(), tooLong, ERROR_BUFFER_LENGTH, 1'000),
                 cox::util::IllegalArgumentException);
    EXPECT_THROW((void)ClusterMarkFile::create(path(), m_header, ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH - 8, 1'000),
                 cox::util::IllegalArgumentException);
    EXPECT_THROW((void)ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH + 4, 1'000),
                 cox::util::IllegalArgumentException);
    EXPECT_FALSE(std::filesystem::exists(path()));
}

TEST_F(ClusterMarkFileTest, shouldRefuseHeaderStringRunningPastHeader)
{
    auto owner = ClusterMarkFile::create(path(), m_header, ERROR_BUFFER_LENGTH, 1'000);
    // Corrupt the first string's length so it would reach into the error log.
    owner->markFile().ownerHeader().putInt32(ClusterMarkFile::STRINGS_OFFSET, 9'000);
    try
    {
        (void)ClusterMarkFile::openReadOnly(path())->header();
        FAIL() << "expected IllegalStateException";
    }
    catch (const cox::util::IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find(path())) << e.what();
    }
}

TEST_F(ClusterMarkFileTest, shouldRefuseServiceFileOfOtherFormat)
{
    const std::string servicePath = (m_dir / ClusterMarkFile::fileName(0)).string();
    {
        // A plain mark file of another owner: right magic, foreign version.
        auto foreign = cox::util::MarkFile::create(servicePath, ClusterMarkFile::VERSION + 1, 64, 1'000, 1);
    }
    EXPECT_THROW((void)ClusterMarkFile::openReadOnly(servicePath), cox::util::IllegalStateException);

    ClusterMarkFileHeader service = m_header;
    service.componentType = ClusterComponentType::CONTAINER;
    service.serviceId = 0;
    auto owner = ClusterMarkFile::create(servicePath, service, ERROR_BUFFER_LENGTH, 1'000);
    EXPECT_EQ(ClusterComponentType::CONTAINER, ClusterMarkFile::openReadOnly(servicePath)->header().componentType);
}

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "cox/cluster/RecordingLog.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::cluster;
using cox::archive::FileSyncLevel;
using Entry = RecordingLog::Entry;

namespace
{
class RecordingLogTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = std::filesystem::temp_directory_path() /
                ("cox-recording-log-" + std::to_string(::getpid()) + "-" + info->name());
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir);
    }

    void TearDown() override { std::filesystem::remove_all(m_dir); }

    [[nodiscard]] std::string dir() const { return m_dir.string(); }
    [[nodiscard]] std::filesystem::path file() const { return m_dir / RecordingLog::FILE_NAME; }

    void patchFile(std::uint64_t offset, const void* bytes, std::size_t length) const
    {
        std::fstream stream(file(), std::ios::in | std::ios::out | std::ios::binary);
        stream.seekp(static_cast<std::streamoff>(offset));
        stream.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(length));
    }

    // File offset of the record with this entry index, for records without an endpoint.
    static std::uint64_t offsetOf(std::int32_t entryIndex)
    {
        return RecordingLog::HEADER_LENGTH + static_cast<std::uint64_t>(entryIndex) * RecordingLog::ENTRY_ALIGNMENT;
    }

    std::filesystem::path m_dir;
};

template <typename Action>
std::string messageOf(Action&& action)
{
    try
    {
        action();
    }
    catch (const std::exception& e)
    {
        return e.what();
    }
    return "";
}
} // namespace

TEST_F(RecordingLogTest, shouldCreateEmptyLogWithHeaderOnly)
{
    RecordingLog log(dir());
    EXPECT_TRUE(log.entries().empty());
    EXPECT_EQ(nullptr, log.findLastTerm());
    EXPECT_EQ(RecordingLog::NULL_VALUE, log.findLastTermRecordingId());
    EXPECT_EQ(RecordingLog::HEADER_LENGTH, std::filesystem::file_size(file()));
}

TEST_F(RecordingLogTest, shouldRefuseToCreateWhenCreateNewIsFalse)
{
    EXPECT_THROW(RecordingLog(dir(), false), cox::util::IoException);
    EXPECT_FALSE(std::filesystem::exists(file()));
}

TEST_F(RecordingLogTest, shouldAppendTermAndReadItBackAfterReopen)
{
    {
        RecordingLog log(dir());
        log.appendTerm(7, 0, 0, 1'000);
    }
    RecordingLog log(dir(), false);
    ASSERT_EQ(1u, log.entries().size());
    const Entry& entry = log.entries()[0];
    EXPECT_EQ(7, entry.recordingId);
    EXPECT_EQ(0, entry.leadershipTermId);
    EXPECT_EQ(0, entry.termBaseLogPosition);
    EXPECT_EQ(RecordingLog::NULL_POSITION, entry.logPosition);
    EXPECT_EQ(1'000, entry.timestamp);
    EXPECT_EQ(RecordingLog::CONSENSUS_MODULE_SERVICE_ID, entry.serviceId);
    EXPECT_EQ(RecordingLog::ENTRY_TYPE_TERM, entry.type);
    EXPECT_EQ(0, entry.entryIndex);
    EXPECT_TRUE(entry.isValid);
    EXPECT_EQ(RecordingLog::HEADER_LENGTH + RecordingLog::ENTRY_ALIGNMENT, std::filesystem::file_size(file()));
}

TEST_F(RecordingLogTest, shouldWriteAeronFieldLayout)
{
    {
        RecordingLog log(dir());
        log.appendSnapshot(11, 2, 300, 456, 789, 3);
    }
    std::ifstream stream(file(), std::ios::binary);
    std::vector<char> bytes(RecordingLog::ENTRY_ALIGNMENT);
    stream.seekg(static_cast<std::streamoff>(RecordingLog::HEADER_LENGTH));
    stream.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    auto int64At = [&](std::size_t offset)
    {
        std::int64_t value;
        std::memcpy(&value, bytes.data() + offset, sizeof(value));
        return value;
    };
    auto int32At = [&](std::size_t offset)
    {
        std::int32_t value;
        std::memcpy(&value, bytes.data() + offset, sizeof(value));
        return value;
    };
    EXPECT_EQ(11, int64At(RecordingLog::RECORDING_ID_OFFSET));
    EXPECT_EQ(2, int64At(RecordingLog::LEADERSHIP_TERM_ID_OFFSET));
    EXPECT_EQ(300, int64At(RecordingLog::TERM_BASE_LOG_POSITION_OFFSET));
    EXPECT_EQ(456, int64At(RecordingLog::LOG_POSITION_OFFSET));
    EXPECT_EQ(789, int64At(RecordingLog::TIMESTAMP_OFFSET));
    EXPECT_EQ(3, int32At(RecordingLog::SERVICE_ID_OFFSET));
    EXPECT_EQ(RecordingLog::ENTRY_TYPE_SNAPSHOT, int32At(RecordingLog::ENTRY_TYPE_OFFSET));
    EXPECT_EQ(0, int32At(RecordingLog::ENDPOINT_OFFSET));
}

TEST_F(RecordingLogTest, shouldRefuseDuplicateTerm)
{
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    const std::string message = messageOf([&] { log.appendTerm(1, 0, 0, 5); });
    EXPECT_NE(std::string::npos, message.find("duplicate TERM entry for leadershipTermId 0")) << message;
    EXPECT_EQ(1u, log.entries().size());
}

TEST_F(RecordingLogTest, shouldCommitPreviousTermAtNewTermBase)
{
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    log.appendTerm(1, 1, 4'096, 10);
    EXPECT_EQ(4'096, log.getTermEntry(0).logPosition);
    EXPECT_EQ(RecordingLog::NULL_POSITION, log.getTermEntry(1).logPosition);
    EXPECT_EQ(1, log.findLastTerm()->leadershipTermId);
}

TEST_F(RecordingLogTest, shouldNotOverwriteCommittedPreviousTerm)
{
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    log.commitLogPosition(0, 2'000);
    log.appendTerm(1, 1, 4'096, 10);
    EXPECT_EQ(2'000, log.getTermEntry(0).logPosition);
}

TEST_F(RecordingLogTest, shouldCommitLogPositionInPlace)
{
    {
        RecordingLog log(dir(), true, FileSyncLevel::DATA);
        log.appendTerm(3, 0, 0, 0);
        log.appendTerm(3, 1, 100, 0);
        log.commitLogPosition(1, 640);
        EXPECT_EQ(RecordingLog::HEADER_LENGTH + 2 * RecordingLog::ENTRY_ALIGNMENT, std::filesystem::file_size(file()));
    }
    RecordingLog log(dir());
    EXPECT_EQ(100, log.getTermEntry(0).logPosition);
    EXPECT_EQ(640, log.getTermEntry(1).logPosition);
}

TEST_F(RecordingLogTest, shouldThrowWhenCommittingUnknownTerm)
{
    RecordingLog log(dir());
    EXPECT_THROW(log.commitLogPosition(4, 100), cox::util::IllegalStateException);
    EXPECT_THROW((void)log.getTermEntry(4), cox::util::IllegalStateException);
    EXPECT_EQ(nullptr, log.findTermEntry(4));
}

TEST_F(RecordingLogTest, shouldSortEntriesInAeronOrder)
{
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    // Written consensus module first, to show the order comes from sorting, not from appending.
    log.appendSnapshot(20, 0, 0, 500, 1, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
    log.appendSnapshot(21, 0, 0, 500, 1, 0);
    log.appendSnapshot(22, 0, 0, 500, 1, 1);
    log.appendTerm(1, 1, 800, 2);
    log.appendSnapshot(23, 0, 0, 300, 1, 0);

    std::vector<std::pair<std::int64_t, std::int32_t>> order; // (recordingId, entryIndex)
    for (const Entry& entry : log.entries())
    {
        order.emplace_back(entry.recordingId, entry.entryIndex);
    }
    const std::vector<std::pair<std::int64_t, std::int32_t>> expected{{1, 0},  {23, 5}, {22, 3},
                                                                      {21, 2}, {20, 1}, {1, 4}};
    EXPECT_EQ(expected, order);
}

TEST_F(RecordingLogTest, shouldFindLatestSnapshotPerService)
{
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    log.appendSnapshot(10, 0, 0, 100, 1, 0);
    log.appendSnapshot(11, 0, 0, 100, 1, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
    log.appendSnapshot(12, 0, 0, 200, 2, 0);
    log.appendSnapshot(13, 0, 0, 200, 2, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);

    ASSERT_NE(nullptr, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID));
    EXPECT_EQ(13, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID)->recordingId);
    ASSERT_NE(nullptr, log.getLatestSnapshot(0));
    EXPECT_EQ(12, log.getLatestSnapshot(0)->recordingId);
    EXPECT_EQ(nullptr, log.getLatestSnapshot(1));
    EXPECT_EQ(4u, log.snapshots().size());
}

TEST_F(RecordingLogTest, shouldInvalidateLatestSnapshotSetAndFallBackToPrevious)
{
    {
        RecordingLog log(dir());
        log.appendTerm(1, 0, 0, 0);
        log.appendSnapshot(10, 0, 0, 100, 1, 0);
        log.appendSnapshot(11, 0, 0, 100, 1, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
        log.appendSnapshot(12, 0, 0, 200, 2, 0);
        log.appendSnapshot(13, 0, 0, 200, 2, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
        EXPECT_TRUE(log.invalidateLatestSnapshot());
    }
    RecordingLog log(dir());
    EXPECT_EQ(11, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID)->recordingId);
    EXPECT_EQ(10, log.getLatestSnapshot(0)->recordingId);
    EXPECT_EQ(2u, log.snapshots().size());
    EXPECT_EQ(5u, log.entries().size());

    EXPECT_TRUE(log.invalidateLatestSnapshot());
    EXPECT_FALSE(log.invalidateLatestSnapshot());
    EXPECT_EQ(nullptr, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID));
}

TEST_F(RecordingLogTest, shouldRestoreInvalidatedSnapshotInsteadOfAppending)
{
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    log.appendSnapshot(12, 0, 0, 200, 2, 0);
    log.appendSnapshot(13, 0, 0, 200, 2, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
    ASSERT_TRUE(log.invalidateLatestSnapshot());
    const auto sizeBefore = std::filesystem::file_size(file());

    log.appendSnapshot(12, 0, 0, 200, 3, 0);
    log.appendSnapshot(13, 0, 0, 200, 3, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);

    EXPECT_EQ(sizeBefore, std::filesystem::file_size(file()));
    EXPECT_EQ(3u, log.entries().size());
    EXPECT_EQ(13, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID)->recordingId);
    EXPECT_EQ(12, log.getLatestSnapshot(0)->recordingId);
}

TEST_F(RecordingLogTest, shouldInvalidateAndRemoveEntries)
{
    {
        RecordingLog log(dir());
        log.appendTerm(1, 0, 0, 0);
        log.appendSnapshot(12, 0, 0, 200, 2, RecordingLog::CONSENSUS_MODULE_SERVICE_ID);
        log.appendTerm(1, 1, 300, 0);
        log.invalidateEntry(1, 2);
        log.removeEntry(0, 1);
        EXPECT_THROW(log.invalidateEntry(0, 1), cox::util::IllegalArgumentException);
        EXPECT_THROW(log.invalidateEntry(0, 2), cox::util::IllegalArgumentException);
    }
    RecordingLog log(dir());
    ASSERT_EQ(2u, log.entries().size());
    EXPECT_EQ(0, log.entries()[0].entryIndex);
    EXPECT_EQ(2, log.entries()[1].entryIndex);
    EXPECT_FALSE(log.entries()[1].isValid);
    EXPECT_EQ(nullptr, log.findTermEntry(1));
    EXPECT_EQ(0, log.findLastTerm()->leadershipTermId);
    EXPECT_EQ(nullptr, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID));

    // An invalidated term does not block a new entry for it; the new one gets the next index.
    log.appendTerm(1, 1, 300, 0);
    EXPECT_EQ(3, log.getTermEntry(1).entryIndex);
}

TEST_F(RecordingLogTest, shouldKeepStandbySnapshotEndpoint)
{
    const std::string endpoint(100, 'h');
    {
        RecordingLog log(dir());
        log.appendStandbySnapshot(30, 0, 0, 64, 5, RecordingLog::CONSENSUS_MODULE_SERVICE_ID, endpoint);
        log.appendTerm(1, 0, 0, 0);
    }
    RecordingLog log(dir());
    ASSERT_EQ(2u, log.entries().size());
    const Entry& standby = log.entries()[1];
    EXPECT_EQ(RecordingLog::ENTRY_TYPE_STANDBY_SNAPSHOT, standby.type);
    EXPECT_EQ(endpoint, standby.archiveEndpoint);
    // 48 fixed + 4 length + 100 + 4 checksum = 156, aligned to 192.
    EXPECT_EQ(RecordingLog::HEADER_LENGTH + 192 + 64, std::filesystem::file_size(file()));
    EXPECT_EQ(nullptr, log.getLatestSnapshot(RecordingLog::CONSENSUS_MODULE_SERVICE_ID));
    EXPECT_THROW(log.appendStandbySnapshot(30, 0, 0, 64, 5, -1, std::string(5'000, 'x')),
                 cox::util::IllegalArgumentException);
}

TEST_F(RecordingLogTest, shouldDiscardTruncatedLastRecordAndAppendAfterGoodOnes)
{
    {
        RecordingLog log(dir());
        log.appendTerm(1, 0, 0, 0);
        log.appendTerm(1, 1, 100, 0);
    }
    std::filesystem::resize_file(file(), offsetOf(1) + 20);

    {
        RecordingLog log(dir());
        EXPECT_EQ(20u, log.discardedTailLength());
        ASSERT_EQ(1u, log.entries().size());
        EXPECT_EQ(offsetOf(1), std::filesystem::file_size(file()));
        log.appendTerm(1, 1, 100, 0);
    }
    RecordingLog log(dir());
    EXPECT_EQ(0u, log.discardedTailLength());
    EXPECT_EQ(2u, log.entries().size());
    EXPECT_EQ(100, log.getTermEntry(0).logPosition);
}

TEST_F(RecordingLogTest, shouldDiscardFullLengthButHalfWrittenLastRecord)
{
    {
        RecordingLog log(dir());
        log.appendTerm(1, 0, 0, 0);
        log.appendTerm(1, 1, 100, 0);
    }
    // The file grew but only the first half of the record reached the disk.
    const std::vector<char> zeros(32, 0);
    patchFile(offsetOf(1) + 32, zeros.data(), zeros.size());

    RecordingLog log(dir());
    EXPECT_EQ(RecordingLog::ENTRY_ALIGNMENT, log.discardedTailLength());
    ASSERT_EQ(1u, log.entries().size());
    EXPECT_EQ(0, log.entries()[0].leadershipTermId);
}

TEST_F(RecordingLogTest, shouldRefuseDamageBeforeTheLastRecord)
{
    {
        RecordingLog log(dir());
        log.appendTerm(1, 0, 0, 0);
        log.appendTerm(1, 1, 100, 0);
        log.appendTerm(1, 2, 200, 0);
    }
    const std::int64_t garbage = 0x0badf00d;
    patchFile(offsetOf(1) + RecordingLog::TIMESTAMP_OFFSET, &garbage, sizeof(garbage));

    const std::string message = messageOf([&] { RecordingLog log(dir()); });
    EXPECT_NE(std::string::npos, message.find("corrupt at offset " + std::to_string(offsetOf(1)))) << message;
    EXPECT_NE(std::string::npos, message.find(file().string())) << message;
    EXPECT_EQ(offsetOf(3), std::filesystem::file_size(file()));
}

TEST_F(RecordingLogTest, shouldRefuseFileOfAnotherVersion)
{
    {
        RecordingLog log(dir());
        log.appendTerm(1, 0, 0, 0);
    }
    const std::int32_t version = RecordingLog::FORMAT_VERSION + 1;
    patchFile(8, &version, sizeof(version));

    const std::string message = messageOf([&] { RecordingLog log(dir()); });
    EXPECT_NE(std::string::npos, message.find("format version 2")) << message;
    EXPECT_NE(std::string::npos, message.find(file().string())) << message;
}

TEST_F(RecordingLogTest, shouldRefuseHeaderlessAeronStyleFile)
{
    // A bare Aeron record: recordingId 5, term 0, ... as a file with no header.
    std::vector<std::uint8_t> record(RecordingLog::ENTRY_ALIGNMENT * 2, 0);
    record[0] = 5;
    {
        std::ofstream stream(file(), std::ios::binary);
        stream.write(reinterpret_cast<const char*>(record.data()), static_cast<std::streamsize>(record.size()));
    }
    const std::string message = messageOf([&] { RecordingLog log(dir()); });
    EXPECT_NE(std::string::npos, message.find("not a Coxswain recording log")) << message;
    EXPECT_NE(std::string::npos, message.find(file().string())) << message;
}

TEST_F(RecordingLogTest, shouldRecoverFromCreationCutShort)
{
    {
        std::ofstream stream(file(), std::ios::binary);
        stream.write("\0\0\0\0", 4);
    }
    RecordingLog log(dir());
    log.appendTerm(1, 0, 0, 0);
    EXPECT_EQ(offsetOf(1), std::filesystem::file_size(file()));
}

TEST_F(RecordingLogTest, shouldRefuseInvalidSnapshotArguments)
{
    RecordingLog log(dir());
    EXPECT_THROW(log.appendSnapshot(1, 0, 100, 50, 0, 0), cox::util::IllegalArgumentException);
    EXPECT_THROW(log.appendSnapshot(1, 0, 0, 50, 0, -2), cox::util::IllegalArgumentException);
    EXPECT_THROW(log.appendTerm(1, -1, 0, 0), cox::util::IllegalArgumentException);
    EXPECT_TRUE(log.entries().empty());
}

TEST_F(RecordingLogTest, shouldForceAtEveryLevel)
{
    RecordingLog log(dir(), true, FileSyncLevel::DATA_AND_METADATA);
    log.appendTerm(1, 0, 0, 0);
    EXPECT_NO_THROW(log.force(FileSyncLevel::NONE));
    EXPECT_NO_THROW(log.force(FileSyncLevel::DATA));
    EXPECT_NO_THROW(log.force(FileSyncLevel::DATA_AND_METADATA));
    EXPECT_NE(std::string::npos, log.entries()[0].toString().find("type=TERM"));
}

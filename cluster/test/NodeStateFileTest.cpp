#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

#include "cox/cluster/NodeStateFile.hpp"
#include "cox/util/Crc32c.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::cluster;

namespace
{
class NodeStateFileTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = std::filesystem::temp_directory_path() /
                ("cox-node-state-" + std::to_string(::getpid()) + "-" + info->name());
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir);
    }

    void TearDown() override { std::filesystem::remove_all(m_dir); }

    [[nodiscard]] std::string dir() const { return m_dir.string(); }
    [[nodiscard]] std::filesystem::path file() const { return m_dir / NodeStateFile::FILE_NAME; }

    [[nodiscard]] std::vector<char> readCopy(std::size_t copyIndex) const
    {
        std::vector<char> bytes(NodeStateFile::COPY_LENGTH);
        std::ifstream stream(file(), std::ios::binary);
        stream.seekg(static_cast<std::streamoff>(copyIndex * NodeStateFile::COPY_STRIDE));
        stream.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return bytes;
    }

    void writeCopy(std::size_t copyIndex, const std::vector<char>& bytes) const
    {
        std::fstream stream(file(), std::ios::in | std::ios::out | std::ios::binary);
        stream.seekp(static_cast<std::streamoff>(copyIndex * NodeStateFile::COPY_STRIDE));
        stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }

    // What a crash mid-write leaves: the start of the new copy over the old one.
    void tearCopy(std::size_t copyIndex) const
    {
        auto bytes = readCopy(copyIndex);
        std::memset(bytes.data() + 20, 0x5a, 12);
        writeCopy(copyIndex, bytes);
    }

    std::filesystem::path m_dir;
};
} // namespace

TEST_F(NodeStateFileTest, shouldStartWithNoCandidateTermOrVote)
{
    NodeStateFile state(dir());
    EXPECT_EQ(NodeStateFile::NULL_VALUE, state.candidateTermId());
    EXPECT_EQ(NodeStateFile::NULL_MEMBER_ID, state.votedForMemberId());
    EXPECT_EQ(0, state.sequence());
    EXPECT_EQ(NodeStateFile::FILE_LENGTH, std::filesystem::file_size(file()));
}

TEST_F(NodeStateFileTest, shouldRefuseToCreateWhenCreateNewIsFalse)
{
    EXPECT_THROW(NodeStateFile(dir(), false), cox::util::IoException);
}

TEST_F(NodeStateFileTest, shouldKeepUpdatesAcrossReopen)
{
    {
        NodeStateFile state(dir());
        state.updateCandidateTermId(3, 1'024, 111);
        state.updateCandidateTermId(5, 2'048, 222);
    }
    NodeStateFile state(dir(), false);
    EXPECT_EQ(5, state.candidateTermId());
    EXPECT_EQ(2'048, state.logPosition());
    EXPECT_EQ(222, state.timestampMs());
    EXPECT_EQ(2, state.sequence());
    EXPECT_EQ(NodeStateFile::NULL_MEMBER_ID, state.votedForMemberId());
}

TEST_F(NodeStateFileTest, shouldRecordVoteAndRefuseSecondVoteInSameTerm)
{
    {
        NodeStateFile state(dir());
        state.recordVote(4, 2, 500, 1);
        EXPECT_NO_THROW(state.recordVote(4, 2, 500, 2));
        EXPECT_THROW(state.recordVote(4, 1, 500, 3), cox::util::IllegalStateException);
        // Re-persisting the same term keeps the vote cast in it.
        state.updateCandidateTermId(4, 600, 4);
    }
    NodeStateFile state(dir());
    EXPECT_EQ(4, state.candidateTermId());
    EXPECT_EQ(2, state.votedForMemberId());
    EXPECT_EQ(600, state.logPosition());
    EXPECT_THROW(state.recordVote(4, 0, 600, 5), cox::util::IllegalStateException);

    state.recordVote(5, 0, 600, 6);
    EXPECT_EQ(0, state.votedForMemberId());
}

TEST_F(NodeStateFileTest, shouldClearVoteWhenTermRises)
{
    NodeStateFile state(dir());
    state.recordVote(4, 2, 500, 1);
    state.updateCandidateTermId(6, 500, 2);
    EXPECT_EQ(NodeStateFile::NULL_MEMBER_ID, state.votedForMemberId());
    state.recordVote(6, 1, 500, 3);
    EXPECT_EQ(1, state.votedForMemberId());
}

TEST_F(NodeStateFileTest, shouldRefuseLowerTermAndKeepStoredOne)
{
    NodeStateFile state(dir());
    state.updateCandidateTermId(7, 0, 0);
    EXPECT_THROW(state.updateCandidateTermId(6, 0, 1), cox::util::IllegalArgumentException);
    EXPECT_THROW(state.recordVote(6, 1, 0, 1), cox::util::IllegalArgumentException);
    EXPECT_EQ(7, state.candidateTermId());

    NodeStateFile reopened(dir());
    EXPECT_EQ(7, reopened.candidateTermId());
}

TEST_F(NodeStateFileTest, shouldProposeMaxCandidateTermWithoutGoingBack)
{
    NodeStateFile state(dir());
    EXPECT_EQ(3, state.proposeMaxCandidateTermId(3, 10, 1));
    const std::int64_t sequence = state.sequence();
    EXPECT_EQ(3, state.proposeMaxCandidateTermId(2, 20, 2));
    EXPECT_EQ(sequence, state.sequence());
    EXPECT_EQ(10, state.logPosition());
    EXPECT_EQ(9, state.proposeMaxCandidateTermId(9, 30, 3));

    NodeStateFile reopened(dir());
    EXPECT_EQ(9, reopened.candidateTermId());
}

TEST_F(NodeStateFileTest, shouldFallBackToPreviousValueWhenLatestCopyIsTorn)
{
    {
        NodeStateFile state(dir());
        state.updateCandidateTermId(3, 0, 0); // sequence 1, copy 1
        state.updateCandidateTermId(4, 0, 0); // sequence 2, copy 0
    }
    tearCopy(0);

    NodeStateFile state(dir());
    EXPECT_EQ(3, state.candidateTermId());
    EXPECT_EQ(1, state.sequence());

    // The next write lands on the torn copy, leaving the good one alone.
    state.updateCandidateTermId(4, 0, 0);
    NodeStateFile reopened(dir());
    EXPECT_EQ(4, reopened.candidateTermId());
}

TEST_F(NodeStateFileTest, shouldKeepLatestValueWhenOlderCopyIsDamaged)
{
    {
        NodeStateFile state(dir());
        state.recordVote(3, 1, 0, 0); // copy 1
        state.recordVote(4, 2, 0, 0); // copy 0
    }
    tearCopy(1);

    NodeStateFile state(dir());
    EXPECT_EQ(4, state.candidateTermId());
    EXPECT_EQ(2, state.votedForMemberId());
}

TEST_F(NodeStateFileTest, shouldRefuseFileDamagedInBothCopies)
{
    {
        NodeStateFile state(dir());
        state.updateCandidateTermId(3, 0, 0);
    }
    tearCopy(0);
    tearCopy(1);
    try
    {
        NodeStateFile state(dir());
        FAIL() << "expected IllegalStateException";
    }
    catch (const cox::util::IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("both copies")) << e.what();
        EXPECT_NE(std::string::npos, std::string(e.what()).find(file().string())) << e.what();
    }
}

TEST_F(NodeStateFileTest, shouldRedoCreationCutShortBeforeFirstState)
{
    {
        std::ofstream stream(file(), std::ios::binary);
        stream.write("\x43\x4f\x58\x4e", 4); // the start of a first copy that never finished
    }
    NodeStateFile state(dir());
    EXPECT_EQ(NodeStateFile::NULL_VALUE, state.candidateTermId());
    state.updateCandidateTermId(1, 0, 0);
    EXPECT_EQ(1, NodeStateFile(dir()).candidateTermId());
}

TEST_F(NodeStateFileTest, shouldRefuseFileOfAnotherVersion)
{
    {
        NodeStateFile state(dir());
    }
    auto copy = readCopy(0);
    const std::int32_t version = NodeStateFile::VERSION + 1;
    std::memcpy(copy.data() + 8, &version, sizeof(version));
    const std::uint32_t checksum = cox::util::crc32c(0, reinterpret_cast<const std::uint8_t*>(copy.data()), 60);
    std::memcpy(copy.data() + 60, &checksum, sizeof(checksum));
    writeCopy(0, copy);

    try
    {
        NodeStateFile state(dir());
        FAIL() << "expected IllegalStateException";
    }
    catch (const cox::util::IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("version 2")) << e.what();
        EXPECT_NE(std::string::npos, std::string(e.what()).find(file().string())) << e.what();
    }
}

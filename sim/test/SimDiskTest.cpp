#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cox/sim/SimDisk.hpp"
#include "cox/util/DurabilityObserver.hpp"

namespace cox::sim
{
namespace
{
/// Writes as the archive and the cluster do: tell the observer, then pwrite; sync, then tell it.
class ObservedFile
{
public:
    explicit ObservedFile(std::string path) : m_path(std::move(path))
    {
        m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    }
    ~ObservedFile() { ::close(m_fd); }
    ObservedFile(const ObservedFile&) = delete;
    ObservedFile& operator=(const ObservedFile&) = delete;

    void write(std::uint64_t offset, const std::string& text)
    {
        util::durabilityObserver()->beforeWrite(m_path, offset, text.size());
        ASSERT_EQ(::pwrite(m_fd, text.data(), text.size(), static_cast<off_t>(offset)), static_cast<ssize_t>(text.size()));
    }
    void resize(std::uint64_t length)
    {
        util::durabilityObserver()->beforeResize(m_path, length);
        ASSERT_EQ(::ftruncate(m_fd, static_cast<off_t>(length)), 0);
    }
    void sync()
    {
        ASSERT_EQ(::fdatasync(m_fd), 0);
        util::durabilityObserver()->afterSync(m_path);
    }

private:
    std::string m_path;
    int m_fd = -1;
};

std::string contents(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SimDiskTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_root = std::filesystem::temp_directory_path() / ("cox-sim-disk-test-" + std::to_string(::getpid()));
        std::filesystem::remove_all(m_root);
        std::filesystem::create_directories(m_root / "member-0");
        std::filesystem::create_directories(m_root / "member-1");
        m_disk = std::make_unique<SimDisk>(m_root.string());
    }
    void TearDown() override
    {
        m_disk.reset();
        std::filesystem::remove_all(m_root);
    }
    std::string path(const std::string& member, const std::string& name) const
    {
        return (m_root / member / name).string();
    }

    std::filesystem::path m_root;
    std::unique_ptr<SimDisk> m_disk;
};
} // namespace

TEST_F(SimDiskTest, shouldKeepSyncedBytesAndLoseUnsyncedOnesInAPowerLoss)
{
    const std::string file = path("member-0", "log");
    {
        ObservedFile log(file);
        log.write(0, "synced--");
        log.sync();
        log.write(8, "appended");   // grows the file, never synced
        log.write(0, "OVERWRIT");   // overwrites synced bytes, never synced
    }
    ASSERT_EQ(contents(file), "OVERWRITappended");
    EXPECT_EQ(m_disk->unsyncedWrites(), 2);

    EXPECT_EQ(m_disk->powerLoss((m_root / "member-0").string()), 2);
    EXPECT_EQ(contents(file), "synced--");
    EXPECT_EQ(m_disk->unsyncedWrites(), 0);
}

TEST_F(SimDiskTest, shouldUndoACutAndAGrowthThatWereNotSynced)
{
    const std::string file = path("member-0", "segment");
    {
        ObservedFile segment(file);
        segment.write(0, "0123456789");
        segment.sync();
        segment.resize(4);  // cut (a truncated recording), not synced
        segment.resize(16); // re-extended sparse
    }
    ASSERT_EQ(contents(file), std::string("0123") + std::string(12, '\0'));
    m_disk->powerLoss((m_root / "member-0").string());
    EXPECT_EQ(contents(file), "0123456789");
}

TEST_F(SimDiskTest, shouldLoseEverythingWrittenAfterTheStrikeAndTearTheWriteItStrikes)
{
    const std::string file = path("member-0", "log");
    int struck = 0;
    m_disk->arm((m_root / "member-0").string(), 2, 0.5, [&] { ++struck; });
    {
        ObservedFile log(file);
        log.write(0, "aaaa");
        log.sync(); // before the strike: durable
        log.write(4, "bbbbbbbb"); // the second write: struck, half of it lands
        EXPECT_EQ(struck, 1);
        EXPECT_TRUE(m_disk->hasStruck((m_root / "member-0").string()));
        log.sync(); // the machine is off: not a sync
        log.write(12, "cccc");
    }
    m_disk->powerLoss((m_root / "member-0").string());
    EXPECT_EQ(contents(file), "aaaabbbb");
    EXPECT_EQ(struck, 1);
}

TEST_F(SimDiskTest, shouldLeaveOtherMembersAndFilesOutsideItsRootAlone)
{
    const std::string mine = path("member-0", "log");
    const std::string theirs = path("member-1", "log");
    {
        ObservedFile a(mine);
        ObservedFile b(theirs);
        a.write(0, "lost");
        b.write(0, "kept");
    }
    m_disk->powerLoss((m_root / "member-0").string());
    EXPECT_EQ(contents(mine), "");
    EXPECT_EQ(contents(theirs), "kept");
    EXPECT_EQ(m_disk->unsyncedWrites(), 1) << "member 1's write is still unsynced, not forgotten";
}
} // namespace cox::sim

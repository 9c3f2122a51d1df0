#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cox/util/CountersManager.hpp"
#include "cox/util/MemoryMappedFile.hpp"

using namespace cox::util;
namespace cd = cox::util::CountersDescriptor;

namespace
{
constexpr std::int32_t MAX_COUNTERS = 4;

class CountersTest : public ::testing::Test
{
protected:
    alignas(64) std::array<std::uint8_t, MAX_COUNTERS * cd::METADATA_LENGTH> m_metadata{};
    alignas(64) std::array<std::uint8_t, MAX_COUNTERS * cd::COUNTER_LENGTH> m_values{};
    ManualEpochClock m_clock{10'000};
    CountersManager m_manager{AtomicBuffer(m_metadata.data(), m_metadata.size()),
                              AtomicBuffer(m_values.data(), m_values.size()), m_clock, 1'000};
};

std::string tempPath(const std::string& name)
{
    return (std::filesystem::temp_directory_path() / ("cox-" + name + "-" + std::to_string(::getpid()))).string();
}

std::vector<std::int32_t> allocatedIds(const CountersReader& reader)
{
    std::vector<std::int32_t> ids;
    reader.forEach([&](const CounterMetadata& counter) { ids.push_back(counter.id); });
    return ids;
}
} // namespace

TEST_F(CountersTest, shouldAllocateIdsFromZeroWithLabelTypeKeyAndZeroValue)
{
    const std::array<std::uint8_t, 3> key{7, 8, 9};
    m_values[cd::counterOffset(1)] = 0xFF;
    EXPECT_EQ(0, m_manager.allocate("first"));
    EXPECT_EQ(1, m_manager.allocate("second", 42, key));

    EXPECT_EQ(4, m_manager.maxCounters());
    EXPECT_EQ("second", m_manager.getCounterLabel(1));
    EXPECT_EQ(42, m_manager.getCounterTypeId(1));
    EXPECT_EQ(cd::DEFAULT_TYPE_ID, m_manager.getCounterTypeId(0));
    EXPECT_EQ(0, m_manager.getCounterValue(1));
    EXPECT_EQ(cd::RECORD_ALLOCATED, m_manager.getCounterState(1));
    EXPECT_EQ(cd::NOT_FREE_TO_REUSE, m_manager.getFreeForReuseDeadline(1));
    const auto storedKey = m_manager.getCounterKey(1);
    ASSERT_EQ(cd::MAX_KEY_LENGTH, storedKey.size());
    EXPECT_EQ(7, storedKey[0]);
    EXPECT_EQ(9, storedKey[2]);
    EXPECT_EQ(0, storedKey[3]);
    EXPECT_EQ(cd::RECORD_UNUSED, m_manager.getCounterState(2));
}

TEST_F(CountersTest, shouldTruncateLongLabelsAndRejectLongKeys)
{
    const std::string longLabel(500, 'x');
    const std::int32_t id = m_manager.allocate(longLabel);
    EXPECT_EQ(std::string(cd::MAX_LABEL_LENGTH, 'x'), m_manager.getCounterLabel(id));

    const std::vector<std::uint8_t> longKey(cd::MAX_KEY_LENGTH + 1, 1);
    EXPECT_THROW((void)m_manager.allocate("k", 0, longKey), IllegalArgumentException);
    const std::vector<std::uint8_t> fullKey(cd::MAX_KEY_LENGTH, 3);
    const std::int32_t keyed = m_manager.allocate("k", 0, fullKey);
    EXPECT_EQ(3, m_manager.getCounterKey(keyed)[cd::MAX_KEY_LENGTH - 1]);
}

TEST_F(CountersTest, shouldPlaceEachValueOnItsOwnCacheLines)
{
    AtomicCounter first = m_manager.newCounter("a");
    AtomicCounter second = m_manager.newCounter("b");
    first.set(1);
    second.set(2);
    EXPECT_EQ(1, *reinterpret_cast<std::int64_t*>(m_values.data()));
    EXPECT_EQ(2, *reinterpret_cast<std::int64_t*>(m_values.data() + 128));
}

TEST_F(CountersTest, shouldUpdateValueThroughAtomicCounter)
{
    AtomicCounter counter = m_manager.newCounter("bytes");
    EXPECT_EQ(0, counter.increment());
    EXPECT_EQ(1, counter.incrementOrdered());
    EXPECT_EQ(2, counter.add(10));
    EXPECT_EQ(12, counter.addOrdered(3));
    EXPECT_EQ(15, counter.get());
    EXPECT_EQ(15, m_manager.getCounterValue(counter.id()));
    EXPECT_FALSE(counter.compareAndSet(14, 0));
    EXPECT_TRUE(counter.compareAndSet(15, 100));
    EXPECT_FALSE(counter.proposeMaxOrdered(99));
    EXPECT_TRUE(counter.proposeMaxOrdered(101));
    EXPECT_EQ(101, counter.getWeak());
    counter.setOrdered(-5);
    EXPECT_EQ(-5, counter.get());
    counter.setWeak(6);
    EXPECT_EQ(6, m_manager.getCounterValue(counter.id()));
}

TEST_F(CountersTest, shouldUpdateValueThroughPosition)
{
    Position position = m_manager.newPosition("position", 3);
    position.setOrdered(64);
    EXPECT_FALSE(position.proposeMax(32));
    EXPECT_TRUE(position.proposeMax(128));
    EXPECT_TRUE(position.proposeMaxOrdered(256));
    EXPECT_EQ(256, position.get());
    EXPECT_EQ(256, position.getVolatile());
    EXPECT_EQ(256, m_manager.getCounterValue(position.id()));
    m_manager.setCounterValue(position.id(), 7);
    EXPECT_EQ(7, position.get());
}

TEST_F(CountersTest, shouldReuseFreedIdOnlyAfterCoolDown)
{
    AtomicCounter counter = m_manager.newCounter("old");
    counter.set(99);
    m_manager.free(counter.id());
    EXPECT_EQ(cd::RECORD_RECLAIMED, m_manager.getCounterState(0));
    EXPECT_EQ(11'000, m_manager.getFreeForReuseDeadline(0));
    EXPECT_EQ(3, m_manager.available());

    EXPECT_EQ(1, m_manager.allocate("during cool-down"));
    m_clock.advance(999);
    EXPECT_EQ(2, m_manager.allocate("still cooling"));
    m_clock.advance(1);
    EXPECT_EQ(2, m_manager.available());
    EXPECT_EQ(0, m_manager.allocate("new", 5));
    EXPECT_EQ("new", m_manager.getCounterLabel(0));
    EXPECT_EQ(5, m_manager.getCounterTypeId(0));
    EXPECT_EQ(0, m_manager.getCounterValue(0));
    EXPECT_EQ(cd::RECORD_ALLOCATED, m_manager.getCounterState(0));
}

TEST_F(CountersTest, shouldRejectFreeOfCounterNotAllocated)
{
    const std::int32_t id = m_manager.allocate("x");
    m_manager.free(id);
    EXPECT_THROW(m_manager.free(id), IllegalArgumentException);
    EXPECT_THROW(m_manager.free(3), IllegalArgumentException);
    EXPECT_THROW(m_manager.free(MAX_COUNTERS), IllegalArgumentException);
    EXPECT_THROW((void)m_manager.getCounterValue(-1), IllegalArgumentException);
}

TEST_F(CountersTest, shouldThrowWhenFull)
{
    for (int i = 0; i < MAX_COUNTERS; ++i)
    {
        (void)m_manager.allocate("c" + std::to_string(i));
    }
    EXPECT_EQ(0, m_manager.available());
    EXPECT_THROW((void)m_manager.allocate("one too many"), IllegalStateException);
}

TEST_F(CountersTest, shouldIterateAllocatedCountersSkippingReclaimed)
{
    const std::array<std::uint8_t, 1> key{5};
    (void)m_manager.allocate("a", 1);
    (void)m_manager.allocate("b", 2, key);
    (void)m_manager.allocate("c", 3);
    m_manager.setCounterValue(1, 77);
    m_manager.free(0);

    std::vector<std::string> seen;
    m_manager.forEach(
        [&](const CounterMetadata& counter)
        {
            seen.push_back(std::to_string(counter.id) + ":" + std::to_string(counter.typeId) + ":" +
                           std::string(counter.label) + ":" + std::to_string(counter.value) + ":" +
                           std::to_string(counter.key[0]));
        });
    EXPECT_EQ((std::vector<std::string>{"1:2:b:77:5", "2:3:c:0:0"}), seen);
}

TEST_F(CountersTest, shouldRejectMetadataBufferTooShortForValues)
{
    EXPECT_THROW(CountersReader(AtomicBuffer(m_metadata.data(), cd::METADATA_LENGTH),
                                AtomicBuffer(m_values.data(), m_values.size())),
                 IllegalArgumentException);
}

TEST(CountersFileTest, shouldBeReadableFromASecondMappingWhileUpdated)
{
    const std::string path = tempPath("counters");
    ManualEpochClock clock(1'234);
    auto manager = CountersManager::create(path, 8, clock);
    EXPECT_EQ(cd::fileLength(8), std::filesystem::file_size(path));
    AtomicCounter sent = manager->newCounter("bytes sent", 10);
    Position position = manager->newPosition("log position", 11);
    (void)manager->allocate("freed");
    manager->free(2);

    auto reader = CountersReader::open(path);
    EXPECT_EQ(8, reader->maxCounters());
    EXPECT_EQ(::getpid(), reader->ownerPid());
    EXPECT_EQ(1'234, reader->startTimestampMs());
    EXPECT_EQ((std::vector<std::int32_t>{0, 1}), allocatedIds(*reader));
    EXPECT_EQ("log position", reader->getCounterLabel(1));
    EXPECT_EQ(11, reader->getCounterTypeId(1));

    sent.add(512);
    position.setOrdered(4096);
    EXPECT_EQ(512, reader->getCounterValue(0));
    EXPECT_EQ(4096, reader->getCounterValue(1));
    (void)manager->allocate("late");
    EXPECT_EQ((std::vector<std::int32_t>{0, 1, 3}), allocatedIds(*reader));

    reader.reset();
    manager.reset();
    std::filesystem::remove(path);
}

TEST(CountersFileTest, shouldRejectFileThatIsNotACountersFile)
{
    const std::string path = tempPath("not-counters");
    {
        std::ofstream out(path);
        out << std::string(4096, 'z');
    }
    try
    {
        (void)CountersReader::open(path);
        FAIL() << "expected IllegalStateException";
    }
    catch (const IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("not a counters file"));
        EXPECT_NE(std::string::npos, std::string(e.what()).find(path));
    }
    std::filesystem::remove(path);
}

TEST(CountersFileTest, shouldRejectFileWithOtherVersionOrCorruptLengths)
{
    const std::string path = tempPath("counters-version");
    ManualEpochClock clock;
    (void)CountersManager::create(path, 2, clock);
    {
        auto file = MemoryMappedFile::open(path);
        file->buffer().putInt32(cd::VERSION_OFFSET, cd::VERSION + 1);
    }
    try
    {
        (void)CountersReader::open(path);
        FAIL() << "expected IllegalStateException";
    }
    catch (const IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("version 2, expected 1"));
    }
    {
        auto file = MemoryMappedFile::open(path);
        file->buffer().putInt32(cd::VERSION_OFFSET, cd::VERSION);
        file->buffer().putInt32(cd::VALUES_LENGTH_FIELD_OFFSET, 1 << 30);
    }
    try
    {
        (void)CountersReader::open(path);
        FAIL() << "expected IllegalStateException";
    }
    catch (const IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("corrupt"));
    }
    std::filesystem::remove(path);
}

TEST(CountersFileTest, shouldRejectTooShortFileAndBadCapacity)
{
    const std::string path = tempPath("counters-short");
    {
        std::ofstream out(path);
        out << "COX";
    }
    EXPECT_THROW((void)CountersReader::open(path), IllegalStateException);
    std::filesystem::remove(path);
    ManualEpochClock clock;
    EXPECT_THROW((void)CountersManager::create(path, 0, clock), IllegalArgumentException);
}

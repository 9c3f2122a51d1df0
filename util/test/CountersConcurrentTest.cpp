#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "cox/util/CountersManager.hpp"

using namespace cox::util;
namespace cd = cox::util::CountersDescriptor;

namespace
{
constexpr std::int32_t MAX_COUNTERS = 64;

class CountersConcurrentTest : public ::testing::Test
{
protected:
    alignas(64) std::array<std::uint8_t, MAX_COUNTERS * cd::METADATA_LENGTH> m_metadata{};
    alignas(64) std::array<std::uint8_t, MAX_COUNTERS * cd::COUNTER_LENGTH> m_values{};
    ManualEpochClock m_clock{0};
    CountersManager m_manager{AtomicBuffer(m_metadata.data(), m_metadata.size()),
                              AtomicBuffer(m_values.data(), m_values.size()), m_clock};
};
} // namespace

TEST_F(CountersConcurrentTest, shouldSeePositionAdvanceMonotonicallyFromAnotherThread)
{
    constexpr std::int64_t FINAL_POSITION = 200'000;
    Position position = m_manager.newPosition("position");
    const CountersReader& reader = m_manager;

    std::thread writer(
        [position]() mutable
        {
            for (std::int64_t value = 1; value <= FINAL_POSITION; ++value)
            {
                position.setOrdered(value);
            }
        });

    std::int64_t last = 0;
    std::int64_t decreases = 0;
    while (last < FINAL_POSITION)
    {
        const std::int64_t value = reader.getCounterValue(position.id());
        decreases += value < last ? 1 : 0;
        last = std::max(last, value);
    }
    writer.join();
    EXPECT_EQ(0, decreases);
    EXPECT_EQ(FINAL_POSITION, reader.getCounterValue(position.id()));
}

TEST_F(CountersConcurrentTest, shouldCountEveryIncrementFromSeveralThreads)
{
    constexpr int THREADS = 4;
    constexpr int INCREMENTS = 50'000;
    AtomicCounter counter = m_manager.newCounter("shared");
    std::vector<std::thread> threads;
    for (int t = 0; t < THREADS; ++t)
    {
        threads.emplace_back(
            [counter]() mutable
            {
                for (int i = 0; i < INCREMENTS; ++i)
                {
                    counter.increment();
                }
            });
    }
    for (auto& thread : threads)
    {
        thread.join();
    }
    EXPECT_EQ(THREADS * INCREMENTS, counter.get());
}

TEST_F(CountersConcurrentTest, shouldAllocateDistinctIdsFromSeveralThreadsWhileReaderIterates)
{
    constexpr int THREADS = 4;
    constexpr int PER_THREAD = 12;
    std::atomic<bool> done{false};
    std::atomic<int> maxSeen{0};

    std::thread reader(
        [&]
        {
            while (!done.load())
            {
                int seen = 0;
                m_manager.forEach(
                    [&](const CounterMetadata& counter)
                    {
                        // A published counter is complete: its label names its own id's thread.
                        if (counter.label.size() >= 2 && counter.label[0] == 't' && counter.value == counter.typeId)
                        {
                            ++seen;
                        }
                    });
                maxSeen.store(std::max(maxSeen.load(), seen));
            }
        });

    std::vector<std::vector<std::int32_t>> ids(THREADS);
    std::vector<std::thread> allocators;
    for (int t = 0; t < THREADS; ++t)
    {
        allocators.emplace_back(
            [&, t]
            {
                for (int i = 0; i < PER_THREAD; ++i)
                {
                    ids[static_cast<std::size_t>(t)].push_back(m_manager.allocate("t" + std::to_string(t), 0));
                }
            });
    }
    for (auto& thread : allocators)
    {
        thread.join();
    }
    done.store(true);
    reader.join();

    std::set<std::int32_t> unique;
    for (const auto& list : ids)
    {
        unique.insert(list.begin(), list.end());
    }
    EXPECT_EQ(static_cast<std::size_t>(THREADS * PER_THREAD), unique.size());
    EXPECT_EQ(THREADS * PER_THREAD - 1, *unique.rbegin());
    int finalCount = 0;
    m_manager.forEach([&](const CounterMetadata&) { ++finalCount; });
    EXPECT_EQ(THREADS * PER_THREAD, finalCount);
    EXPECT_LE(maxSeen.load(), THREADS * PER_THREAD);
}

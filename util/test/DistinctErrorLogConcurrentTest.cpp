#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/ErrorLogReader.hpp"

using namespace cox::util;

TEST(DistinctErrorLogConcurrentTest, shouldRecordEachErrorOnceWithEveryObservationCountedFromSeveralThreads)
{
    constexpr int THREADS = 4;
    constexpr int DISTINCT = 8;
    constexpr int ROUNDS = 500;
    alignas(64) static std::array<std::uint8_t, 64 * 1024> bytes{};
    bytes.fill(0);
    const AtomicBuffer buffer(bytes.data(), bytes.size());
    ManualEpochClock clock(1);
    DistinctErrorLog log(buffer, clock);
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};

    std::thread reader(
        [&]
        {
            while (!done.load())
            {
                ErrorLogReader::read(
                    buffer,
                    [&](std::int32_t count, std::int64_t firstMs, std::int64_t lastMs, std::string_view text)
                    {
                        if (count < 1 || firstMs > lastMs || text.rfind("error ", 0) != 0)
                        {
                            failures.fetch_add(1);
                        }
                    });
            }
        });

    std::vector<std::thread> writers;
    for (int t = 0; t < THREADS; ++t)
    {
        writers.emplace_back(
            [&, t]
            {
                for (int round = 0; round < ROUNDS; ++round)
                {
                    for (int e = 0; e < DISTINCT; ++e)
                    {
                        // Each thread walks the errors from a different start to vary who inserts first.
                        if (!log.record("error " + std::to_string((e + t) % DISTINCT)))
                        {
                            failures.fetch_add(1);
                        }
                    }
                    clock.advance(1);
                }
            });
    }
    for (auto& writer : writers)
    {
        writer.join();
    }
    done.store(true);
    reader.join();

    std::map<std::string, std::int32_t> counts;
    const int distinct =
        ErrorLogReader::read(buffer, [&](std::int32_t count, std::int64_t, std::int64_t, std::string_view text)
                             { counts[std::string(text)] += count; });
    EXPECT_EQ(0, failures.load());
    EXPECT_EQ(DISTINCT, distinct);
    ASSERT_EQ(static_cast<std::size_t>(DISTINCT), counts.size());
    for (const auto& [text, count] : counts)
    {
        EXPECT_EQ(THREADS * ROUNDS, count) << text;
    }
}

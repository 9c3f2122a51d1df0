#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "cox/util/CountedErrorHandler.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/DistinctErrorLog.hpp"
#include "cox/util/ErrorLogDescriptor.hpp"
#include "cox/util/ErrorLogReader.hpp"

using namespace cox::util;

namespace
{
struct Observation
{
    std::int32_t count;
    std::int64_t firstMs;
    std::int64_t lastMs;
    std::string text;
};

std::vector<Observation> readAll(const AtomicBuffer& buffer, std::int64_t sinceMs = 0)
{
    std::vector<Observation> observations;
    const int count = ErrorLogReader::read(
        buffer,
        [&](std::int32_t observationCount, std::int64_t firstMs, std::int64_t lastMs, std::string_view text) {
            observations.push_back({observationCount, firstMs, lastMs, std::string(text)});
        },
        sinceMs);
    EXPECT_EQ(static_cast<int>(observations.size()), count);
    return observations;
}

class DistinctErrorLogTest : public ::testing::Test
{
protected:
    alignas(64) std::array<std::uint8_t, 1024> m_bytes{};
    AtomicBuffer m_buffer{m_bytes.data(), m_bytes.size()};
    ManualEpochClock m_clock{1'000};
    DistinctErrorLog m_log{m_buffer, m_clock};
};
} // namespace

TEST_F(DistinctErrorLogTest, shouldHaveNoErrorsWhenNew)
{
    EXPECT_FALSE(ErrorLogReader::hasErrors(m_buffer));
    EXPECT_TRUE(readAll(m_buffer).empty());
}

TEST_F(DistinctErrorLogTest, shouldRecordFirstObservation)
{
    EXPECT_TRUE(m_log.record("disk full"));
    EXPECT_TRUE(ErrorLogReader::hasErrors(m_buffer));
    const auto observations = readAll(m_buffer);
    ASSERT_EQ(1u, observations.size());
    EXPECT_EQ(1, observations[0].count);
    EXPECT_EQ(1'000, observations[0].firstMs);
    EXPECT_EQ(1'000, observations[0].lastMs);
    EXPECT_EQ("disk full", observations[0].text);
    EXPECT_EQ(static_cast<std::int32_t>(ErrorLogDescriptor::HEADER_LENGTH + 9), m_buffer.getInt32(0));
}

TEST_F(DistinctErrorLogTest, shouldCountRepeatsOfTheSameErrorInOneRecord)
{
    EXPECT_TRUE(m_log.record("timeout"));
    m_clock.advance(500);
    EXPECT_TRUE(m_log.record("timeout"));
    m_clock.advance(500);
    EXPECT_TRUE(m_log.record("timeout"));
    const auto observations = readAll(m_buffer);
    ASSERT_EQ(1u, observations.size());
    EXPECT_EQ(3, observations[0].count);
    EXPECT_EQ(1'000, observations[0].firstMs);
    EXPECT_EQ(2'000, observations[0].lastMs);
}

TEST_F(DistinctErrorLogTest, shouldKeepDistinctErrorsApartInOrderOfFirstObservation)
{
    EXPECT_TRUE(m_log.record("abc"));
    EXPECT_TRUE(m_log.record("ab"));
    EXPECT_TRUE(m_log.record("abcd"));
    EXPECT_TRUE(m_log.record("ab"));
    const auto observations = readAll(m_buffer);
    ASSERT_EQ(3u, observations.size());
    EXPECT_EQ("abc", observations[0].text);
    EXPECT_EQ("ab", observations[1].text);
    EXPECT_EQ(2, observations[1].count);
    EXPECT_EQ("abcd", observations[2].text);
    EXPECT_EQ(1, observations[2].count);
}

TEST_F(DistinctErrorLogTest, shouldRecordExceptionsByTypeAndMessage)
{
    EXPECT_TRUE(m_log.record(IllegalStateException("boom")));
    EXPECT_TRUE(m_log.record(std::runtime_error("boom")));
    EXPECT_TRUE(m_log.record(IllegalStateException("boom")));
    const auto observations = readAll(m_buffer);
    ASSERT_EQ(2u, observations.size());
    EXPECT_EQ("cox::util::IllegalStateException: boom", observations[0].text);
    EXPECT_EQ(2, observations[0].count);
    EXPECT_EQ("std::runtime_error: boom", observations[1].text);
}

TEST_F(DistinctErrorLogTest, shouldReadOnlyErrorsObservedSinceTimestamp)
{
    EXPECT_TRUE(m_log.record("old"));
    m_clock.set(5'000);
    EXPECT_TRUE(m_log.record("new"));
    const auto observations = readAll(m_buffer, 4'000);
    ASSERT_EQ(1u, observations.size());
    EXPECT_EQ("new", observations[0].text);
    m_clock.set(6'000);
    EXPECT_TRUE(m_log.record("old"));
    const auto recent = readAll(m_buffer, 6'000);
    ASSERT_EQ(1u, recent.size());
    EXPECT_EQ("old", recent[0].text);
    EXPECT_EQ(1'000, recent[0].firstMs);
}

TEST_F(DistinctErrorLogTest, shouldRefuseNewErrorWhenFullButKeepCountingKnownOnes)
{
    const std::string big(1024 - ErrorLogDescriptor::HEADER_LENGTH - 40, 'e');
    EXPECT_TRUE(m_log.record(big));
    EXPECT_FALSE(m_log.record(std::string(40, 'f')));
    EXPECT_TRUE(m_log.record(std::string(16 - 8, 'g')));
    EXPECT_TRUE(m_log.record(big));
    const auto observations = readAll(m_buffer);
    ASSERT_EQ(2u, observations.size());
    EXPECT_EQ(2, observations[0].count);
}

TEST_F(DistinctErrorLogTest, shouldStopReadingAtACorruptLength)
{
    EXPECT_TRUE(m_log.record("fine"));
    const std::size_t next = align<std::size_t>(ErrorLogDescriptor::HEADER_LENGTH + 4, 8);
    m_buffer.putInt32(next, 1 << 20);
    EXPECT_EQ(1u, readAll(m_buffer).size());
    m_buffer.putInt32(next, 3);
    EXPECT_EQ(1u, readAll(m_buffer).size());
}

TEST_F(DistinctErrorLogTest, shouldCountAndRecordThroughCountedErrorHandler)
{
    alignas(64) std::array<std::uint8_t, CountersDescriptor::METADATA_LENGTH> metadata{};
    alignas(64) std::array<std::uint8_t, CountersDescriptor::COUNTER_LENGTH> values{};
    CountersManager counters(AtomicBuffer(metadata.data(), metadata.size()), AtomicBuffer(values.data(), values.size()),
                             m_clock);
    CountedErrorHandler handler(m_log, counters.newCounter("errors"));
    const ErrorHandler asHandler = handler.asErrorHandler();

    asHandler(IllegalArgumentException("bad"));
    handler(IllegalArgumentException("bad"));
    handler.onError(IoException("gone"));

    EXPECT_EQ(3, counters.getCounterValue(0));
    const auto observations = readAll(m_buffer);
    ASSERT_EQ(2u, observations.size());
    EXPECT_EQ(2, observations[0].count);
    EXPECT_EQ("cox::util::IoException: gone", observations[1].text);
}

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/LossDetector.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t MASK = TERM_LENGTH - 1;
constexpr std::int32_t INITIAL_TERM_ID = 7;
constexpr std::int64_t INITIAL_DELAY_NS = 100'000;
constexpr std::int64_t RETRY_DELAY_NS = 10'000'000;
const std::int32_t BITS = LogBufferDescriptor::positionBitsToShift(TERM_LENGTH);

class LossDetectorTest : public ::testing::Test
{
protected:
    std::vector<std::uint8_t> m_memory = std::vector<std::uint8_t>(TERM_LENGTH, 0);
    cox::util::AtomicBuffer m_term{m_memory.data(), m_memory.size()};
    LossDetector m_detector{FeedbackDelayGenerator::staticDelay()};

    /// Only frame_length matters to the gap scan.
    void putFrame(std::int32_t termOffset, std::int32_t frameLength)
    {
        m_term.putInt32(static_cast<std::size_t>(termOffset), frameLength);
    }

    LossDetector::ScanOutcome scan(std::int64_t rebuildPosition, std::int64_t hwmPosition, std::int64_t nowNs)
    {
        return m_detector.scan(m_term, rebuildPosition, hwmPosition, nowNs, MASK, BITS, INITIAL_TERM_ID);
    }
};
} // namespace

TEST_F(LossDetectorTest, shouldAdvanceToLimitWhenNoGap)
{
    putFrame(0, 64);
    putFrame(64, 40);
    const auto outcome = scan(0, 128, 0);
    EXPECT_EQ(128, outcome.rebuildPosition);
    EXPECT_FALSE(outcome.lossFound);
    EXPECT_FALSE(outcome.shouldNak);
    EXPECT_FALSE(m_detector.hasActiveGap());
}

TEST_F(LossDetectorTest, shouldNotMoveWhenRebuildPositionIsAtHighWaterMark)
{
    const auto outcome = scan(256, 256, 0);
    EXPECT_EQ(256, outcome.rebuildPosition);
    EXPECT_FALSE(outcome.lossFound);
}

TEST_F(LossDetectorTest, shouldNakOnlyAfterInitialDelayWhenGapAppears)
{
    putFrame(0, 64);
    putFrame(128, 64);

    const auto first = scan(0, 192, 1'000);
    EXPECT_EQ(64, first.rebuildPosition);
    EXPECT_TRUE(first.lossFound);
    EXPECT_FALSE(first.shouldNak);
    EXPECT_EQ(1'000 + INITIAL_DELAY_NS, m_detector.expiryNs());

    const auto early = scan(64, 192, 1'000 + INITIAL_DELAY_NS - 1);
    EXPECT_FALSE(early.lossFound);
    EXPECT_FALSE(early.shouldNak);

    const auto due = scan(64, 192, 1'000 + INITIAL_DELAY_NS);
    EXPECT_TRUE(due.shouldNak);
    EXPECT_EQ(INITIAL_TERM_ID, due.gap.termId);
    EXPECT_EQ(64, due.gap.termOffset);
    EXPECT_EQ(64, due.gap.length);
    EXPECT_EQ(64, due.rebuildPosition);
}

TEST_F(LossDetectorTest, shouldRepeatNakEveryRetryDelayUntilGapFills)
{
    putFrame(0, 64);
    putFrame(128, 64);
    std::vector<std::int64_t> nakTimes;
    const auto onGap = [&](std::int32_t, std::int32_t, std::int32_t) {};
    for (std::int64_t now = 0; now <= 25'000'000; now += 50'000)
    {
        if (m_detector.scan(m_term, 0, 192, now, MASK, BITS, INITIAL_TERM_ID, onGap).shouldNak)
        {
            nakTimes.push_back(now);
        }
    }
    const std::vector<std::int64_t> expected{100'000, 10'100'000, 20'100'000};
    EXPECT_EQ(expected, nakTimes);

    putFrame(64, 64);
    const auto filled = scan(0, 192, 40'000'000);
    EXPECT_FALSE(filled.shouldNak);
    EXPECT_FALSE(filled.lossFound);
    EXPECT_EQ(192, filled.rebuildPosition);
    EXPECT_FALSE(m_detector.hasActiveGap());
}

TEST_F(LossDetectorTest, shouldCallHandlerWithGapWhenNakDue)
{
    putFrame(0, 32);
    putFrame(96, 32);
    int calls = 0;
    LossDetector::Gap seen;
    LossDetector detector{FeedbackDelayGenerator::staticDelay(0)};
    (void)detector.scan(m_term, 0, 128, 5, MASK, BITS, INITIAL_TERM_ID,
                        [&](std::int32_t termId, std::int32_t termOffset, std::int32_t length)
                        {
                            ++calls;
                            seen = {termId, termOffset, length};
                        });
    EXPECT_EQ(1, calls);
    EXPECT_EQ(INITIAL_TERM_ID, seen.termId);
    EXPECT_EQ(32, seen.termOffset);
    EXPECT_EQ(64, seen.length);
}

TEST_F(LossDetectorTest, shouldRestartDelayWhenGapChanges)
{
    putFrame(0, 64);
    putFrame(192, 64);
    (void)scan(0, 256, 0);
    ASSERT_TRUE(scan(0, 256, INITIAL_DELAY_NS).shouldNak);

    // Part of the hole arrives: the gap is now [128, 192), a different gap with a fresh initial delay.
    putFrame(64, 64);
    const std::int64_t now = INITIAL_DELAY_NS + 1'000;
    const auto changed = scan(0, 256, now);
    EXPECT_TRUE(changed.lossFound);
    EXPECT_FALSE(changed.shouldNak);
    EXPECT_EQ(128, changed.rebuildPosition);
    EXPECT_EQ(128, m_detector.activeGap().termOffset);
    EXPECT_EQ(64, m_detector.activeGap().length);
    EXPECT_EQ(now + INITIAL_DELAY_NS, m_detector.expiryNs());

    EXPECT_FALSE(scan(0, 256, now + INITIAL_DELAY_NS - 1).shouldNak);
    EXPECT_TRUE(scan(0, 256, now + INITIAL_DELAY_NS).shouldNak);
}

TEST_F(LossDetectorTest, shouldNeverNakWhenGapFillsBeforeDelay)
{
    putFrame(0, 64);
    putFrame(128, 64);
    EXPECT_TRUE(scan(0, 192, 0).lossFound);
    putFrame(64, 64);
    const auto outcome = scan(0, 192, INITIAL_DELAY_NS * 5);
    EXPECT_FALSE(outcome.shouldNak);
    EXPECT_EQ(192, outcome.rebuildPosition);
}

TEST_F(LossDetectorTest, shouldScanToTermEndWhenHighWaterMarkIsInNextTerm)
{
    putFrame(0, 64);
    const std::int64_t hwm = TERM_LENGTH + 512;
    const auto outcome = scan(0, hwm, 0);
    EXPECT_EQ(64, outcome.rebuildPosition);
    EXPECT_EQ(TERM_LENGTH - 64, m_detector.activeGap().length);
}

TEST_F(LossDetectorTest, shouldComputePositionsInLaterTerm)
{
    // The buffer stands for the partition of term INITIAL_TERM_ID + 2.
    const std::int64_t termBegin = 2LL * TERM_LENGTH;
    putFrame(1024, 64);
    putFrame(1152, 64);
    LossDetector detector{FeedbackDelayGenerator::staticDelay(0)};
    const auto outcome = detector.scan(m_term, termBegin + 1024, termBegin + 1216, 0, MASK, BITS, INITIAL_TERM_ID);
    EXPECT_EQ(termBegin + 1088, outcome.rebuildPosition);
    EXPECT_TRUE(outcome.shouldNak);
    EXPECT_EQ(INITIAL_TERM_ID + 2, outcome.gap.termId);
    EXPECT_EQ(1088, outcome.gap.termOffset);
    EXPECT_EQ(64, outcome.gap.length);
}

TEST(FeedbackDelayGeneratorTest, shouldUseUnicastDefaults)
{
    auto generator = FeedbackDelayGenerator::staticDelay();
    EXPECT_FALSE(generator.isRandomized());
    EXPECT_EQ(100'000, generator.initialDelayNs());
    EXPECT_EQ(10'000'000, generator.retryDelayNs());
    auto custom = FeedbackDelayGenerator::staticDelay(20'000, 3);
    EXPECT_EQ(60'000, custom.retryDelayNs());
}

TEST(FeedbackDelayGeneratorTest, shouldRejectBadSettings)
{
    EXPECT_THROW((void)FeedbackDelayGenerator::staticDelay(-1), cox::util::IllegalArgumentException);
    EXPECT_THROW((void)FeedbackDelayGenerator::staticDelay(100, 0), cox::util::IllegalArgumentException);
    EXPECT_THROW((void)FeedbackDelayGenerator::optimalMulticast(1, 0), cox::util::IllegalArgumentException);
    EXPECT_THROW((void)FeedbackDelayGenerator::optimalMulticast(1, 10, 0), cox::util::IllegalArgumentException);
}

TEST(FeedbackDelayGeneratorTest, shouldDrawMulticastDelaysWithinBackoffWithExpectedMedian)
{
    constexpr std::int64_t maxBackoffNs = 10'000'000;
    auto generator = FeedbackDelayGenerator::optimalMulticast(42, maxBackoffNs, 10);
    std::vector<std::int64_t> delays;
    for (int i = 0; i < 20'000; ++i)
    {
        delays.push_back(i % 2 == 0 ? generator.initialDelayNs() : generator.retryDelayNs());
    }
    EXPECT_GE(*std::min_element(delays.begin(), delays.end()), 0);
    EXPECT_LE(*std::max_element(delays.begin(), delays.end()), maxBackoffNs);
    // delay = (T / lambda) ln(1 + u (e^lambda - 1)) with lambda = ln 10 + 1; at u = 0.5 that is 0.80 T.
    std::nth_element(delays.begin(), delays.begin() + 10'000, delays.end());
    const double median = static_cast<double>(delays[10'000]) / maxBackoffNs;
    EXPECT_NEAR(0.80, median, 0.02);
}

TEST(FeedbackDelayGeneratorTest, shouldRepeatSequenceForSameSeed)
{
    auto a = FeedbackDelayGenerator::optimalMulticast(7);
    auto b = FeedbackDelayGenerator::optimalMulticast(7);
    auto c = FeedbackDelayGenerator::optimalMulticast(8);
    int differences = 0;
    for (int i = 0; i < 100; ++i)
    {
        const std::int64_t x = a.initialDelayNs();
        EXPECT_EQ(x, b.initialDelayNs());
        differences += x != c.initialDelayNs() ? 1 : 0;
    }
    EXPECT_GT(differences, 90);
}

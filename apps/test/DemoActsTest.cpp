// The pieces of the demo's transport and archive acts that need no driver: the message generator and the
// receiver's checker, and the act summaries.
#include <gtest/gtest.h>

#include <vector>

#include "DemoMessages.hpp"
#include "RecordReplayAct.hpp"
#include "ReliableUdpAct.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::apps::demo;

namespace
{
std::vector<std::uint8_t> message(const DemoMessages& messages, std::int64_t index)
{
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(messages.maxLength()));
    bytes.resize(static_cast<std::size_t>(messages.fill(index, bytes.data())));
    return bytes;
}

void feed(MessageChecker& checker, const std::vector<std::uint8_t>& bytes)
{
    checker.onMessage(bytes.data(), static_cast<std::int32_t>(bytes.size()));
}
} // namespace

TEST(DemoMessagesTest, shouldMixSmallOneFrameAndFragmentedLengthsWithinBounds)
{
    const DemoMessages messages(8 * 1408);
    std::int64_t small = 0;
    std::int64_t oneFrame = 0;
    std::int64_t fragmented = 0;
    for (std::int64_t i = 0; i < 10'000; ++i)
    {
        const std::int32_t length = messages.lengthOf(i);
        ASSERT_GE(length, DemoMessages::INDEX_LENGTH);
        ASSERT_LE(length, 8 * 1408);
        ASSERT_EQ(length, messages.lengthOf(i)) << "a length depends on the index alone";
        small += length <= DemoMessages::SMALL_MAX_LENGTH ? 1 : 0;
        oneFrame += length > DemoMessages::SMALL_MAX_LENGTH && length <= DemoMessages::ONE_FRAME_MAX_LENGTH ? 1 : 0;
        fragmented += length > DemoMessages::ONE_FRAME_MAX_LENGTH ? 1 : 0;
    }
    EXPECT_NEAR(small, 7'000, 300);
    EXPECT_NEAR(oneFrame, 2'500, 300);
    EXPECT_NEAR(fragmented, 500, 150);
}

TEST(DemoMessagesTest, shouldKeepToOneFrameWhenMaxLengthIsOneFramesPayload)
{
    const DemoMessages messages(DemoMessages::ONE_FRAME_MAX_LENGTH);
    for (std::int64_t i = 0; i < 5'000; ++i)
    {
        ASSERT_LE(messages.lengthOf(i), DemoMessages::ONE_FRAME_MAX_LENGTH);
    }
    EXPECT_THROW(DemoMessages(DemoMessages::MIN_MAX_LENGTH - 1), cox::util::IllegalArgumentException);
}

TEST(DemoMessagesTest, shouldMatchOnlyTheExactMessage)
{
    const DemoMessages messages(4096);
    const std::vector<std::uint8_t> bytes = message(messages, 1234);
    const auto length = static_cast<std::int32_t>(bytes.size());
    EXPECT_EQ(DemoMessages::indexOf(bytes.data(), length), 1234);
    EXPECT_TRUE(messages.matches(1234, bytes.data(), length));
    EXPECT_FALSE(messages.matches(1235, bytes.data(), length));
    EXPECT_FALSE(messages.matches(1234, bytes.data(), length - 1));

    std::vector<std::uint8_t> flipped = bytes;
    flipped.back() ^= 0x01;
    EXPECT_FALSE(messages.matches(1234, flipped.data(), length));
    EXPECT_EQ(DemoMessages::indexOf(bytes.data(), DemoMessages::INDEX_LENGTH - 1), -1);
}

TEST(MessageCheckerTest, shouldCountInOrderMessagesAsGood)
{
    const DemoMessages messages(2048);
    MessageChecker checker(messages, 10);
    std::int64_t bytes = 0;
    for (std::int64_t i = 10; i < 20; ++i)
    {
        const auto m = message(messages, i);
        bytes += static_cast<std::int64_t>(m.size());
        feed(checker, m);
    }
    EXPECT_EQ(checker.received(), 10);
    EXPECT_EQ(checker.nextIndex(), 20);
    EXPECT_EQ(checker.bytes(), bytes);
    EXPECT_EQ(checker.errors(), 0);
}

TEST(MessageCheckerTest, shouldCountDuplicatesGapsAndCorruptionSeparately)
{
    const DemoMessages messages(2048);
    MessageChecker checker(messages, 0);
    feed(checker, message(messages, 0));
    feed(checker, message(messages, 0)); // repeated
    feed(checker, message(messages, 2)); // 1 went missing
    auto corrupt = message(messages, 3);
    corrupt.back() ^= 0xFF;
    feed(checker, corrupt);
    const std::uint8_t tooShort[4] = {};
    checker.onMessage(tooShort, sizeof(tooShort));
    feed(checker, message(messages, 4));

    EXPECT_EQ(checker.received(), 6);
    EXPECT_EQ(checker.duplicates(), 1);
    EXPECT_EQ(checker.gaps(), 1);
    EXPECT_EQ(checker.corrupt(), 2);
    EXPECT_EQ(checker.errors(), 4);
    EXPECT_EQ(checker.nextIndex(), 5) << "resynchronised after the gap";
}

TEST(DemoActsReportTest, shouldPassUdpActOnlyWhenEverythingArrivedAndPositionsAgree)
{
    ReliableUdpResult result;
    result.expected = result.sent = result.received = result.inOrder = 100;
    result.publicationPosition = 4096;
    result.counters = {{"snd-pos", 4096}, {"rcv-pos", 4096}, {"sub-pos", 4096}};
    EXPECT_TRUE(result.passed());
    EXPECT_EQ(result.counter("rcv-pos"), 4096);
    EXPECT_EQ(result.counter("rcv-hwm"), -1);
    const std::string summary = formatReliableUdpSummary(result);
    EXPECT_NE(summary.find("snd-pos 4,096 rcv-pos 4,096 sub-pos 4,096"), std::string::npos) << summary;
    EXPECT_NE(summary.find("result       PASS\n"), std::string::npos) << summary;

    result.counters[1].value = 4000;
    EXPECT_FALSE(result.passed()) << "the receiver's position fell short";
    result.counters[1].value = 4096;
    result.gaps = 1;
    EXPECT_FALSE(result.passed());
    EXPECT_NE(formatReliableUdpSummary(result).find("result       FAIL\n"), std::string::npos);
}

TEST(DemoActsReportTest, shouldFailArchiveActWhenAReplayFellShort)
{
    RecordReplayResult result;
    result.published = 10;
    result.recordingId = 0;
    result.descriptor.recordingId = 0;
    result.endPosition = result.descriptor.stopPosition = 640;
    result.segmentFiles = {"0-0.rec"};
    result.fullReplay.expected = result.fullReplay.received = 10;
    result.secondHalfReplay.expected = result.secondHalfReplay.received = 5;
    result.verified = true;
    EXPECT_TRUE(result.passed());
    EXPECT_NE(formatRecordReplaySummary(result).find("result       PASS\n"), std::string::npos);

    result.secondHalfReplay.received = 4;
    EXPECT_FALSE(result.passed());
    EXPECT_NE(formatRecordReplaySummary(result).find("result       FAIL\n"), std::string::npos);
}

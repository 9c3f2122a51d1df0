#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>

#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/transport/FlowControl.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/MaxMulticastFlowControl.hpp"
#include "cox/transport/MinMulticastFlowControl.hpp"
#include "cox/transport/UnicastFlowControl.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t INITIAL_TERM_ID = 10;
constexpr std::int32_t WINDOW = 4096;
constexpr std::int64_t SECOND_NS = 1'000'000'000;
const std::int32_t BITS = LogBufferDescriptor::positionBitsToShift(TERM_LENGTH);

StatusMessageFields sm(std::int64_t receiverId, std::int64_t position, std::int32_t window = WINDOW,
                       std::uint8_t flags = 0)
{
    StatusMessageFields fields;
    fields.receiverId = receiverId;
    fields.consumptionTermId = LogBufferDescriptor::computeTermIdFromPosition(position, BITS, INITIAL_TERM_ID);
    fields.consumptionTermOffset = LogBufferDescriptor::computeTermOffsetFromPosition(position, BITS);
    fields.receiverWindow = window;
    fields.flags = flags;
    return fields;
}

StatusMessageFields taggedSm(std::int64_t receiverId, std::int64_t position, std::int64_t tag)
{
    StatusMessageFields fields = sm(receiverId, position);
    fields.hasGroupTag = true;
    fields.groupTag = tag;
    return fields;
}

std::int64_t onSm(FlowControl& fc, const StatusMessageFields& fields, std::int64_t limit, std::int64_t nowNs = 0)
{
    return fc.onStatusMessage(fields, limit, INITIAL_TERM_ID, BITS, nowNs);
}
} // namespace

TEST(StatusMessageFieldsTest, shouldCopyFieldsFromFlyweight)
{
    alignas(8) std::array<std::uint8_t, 44> frame{};
    cox::codecs::frames::StatusMessageFlyweight flyweight(frame.data(), frame.size());
    flyweight.frameLength(44);
    flyweight.flags(StatusMessageFields::END_OF_STREAM_FLAG);
    flyweight.consumptionTermId(12);
    flyweight.consumptionTermOffset(640);
    flyweight.receiverWindow(WINDOW);
    flyweight.receiverId(0x1122334455667788LL);
    flyweight.groupTag(99);

    const auto fields = StatusMessageFields::from(flyweight);
    EXPECT_EQ(0x1122334455667788LL, fields.receiverId);
    EXPECT_EQ(12, fields.consumptionTermId);
    EXPECT_EQ(640, fields.consumptionTermOffset);
    EXPECT_EQ(WINDOW, fields.receiverWindow);
    EXPECT_TRUE(fields.isEndOfStream());
    EXPECT_FALSE(fields.isSetupRequest());
    EXPECT_TRUE(fields.hasGroupTag);
    EXPECT_EQ(99, fields.groupTag);

    flyweight.frameLength(36);
    EXPECT_FALSE(StatusMessageFields::from(flyweight).hasGroupTag);
}

TEST(UnicastFlowControlTest, shouldRaiseLimitToPositionPlusWindowAndNeverLowerIt)
{
    UnicastFlowControl fc;
    const std::int64_t position = 3LL * TERM_LENGTH + 1024;
    EXPECT_EQ(position + WINDOW, onSm(fc, sm(1, position), 0));
    EXPECT_EQ(position + 2 * WINDOW, onSm(fc, sm(1, position - WINDOW), position + 2 * WINDOW));
    EXPECT_EQ(777, fc.onIdle(10 * SECOND_NS, 777, 0, false));
    EXPECT_TRUE(fc.hasRequiredReceivers());
    EXPECT_EQ(16, fc.retransmitReceiverWindowMultiple());
}

TEST(MaxMulticastFlowControlTest, shouldFollowFastestReceiver)
{
    MaxMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 1000), 0);
    limit = onSm(fc, sm(2, 9000), limit);
    EXPECT_EQ(9000 + WINDOW, limit);
    limit = onSm(fc, sm(1, 1200), limit);
    EXPECT_EQ(9000 + WINDOW, limit);
    EXPECT_EQ(limit, fc.onIdle(100 * SECOND_NS, limit, 0, false));
    EXPECT_EQ(4, fc.retransmitReceiverWindowMultiple());
}

TEST(FlowControlTest, shouldCapRetransmissionLength)
{
    FlowControlSettings settings;
    settings.initialReceiverWindowLength = 1024;
    MaxMulticastFlowControl max(settings);
    UnicastFlowControl unicast(settings);
    EXPECT_EQ(4 * 1024, max.maxRetransmissionLength(0, 100'000, TERM_LENGTH));
    EXPECT_EQ(16 * 1024, unicast.maxRetransmissionLength(0, 100'000, TERM_LENGTH));
    EXPECT_EQ(500, unicast.maxRetransmissionLength(0, 500, TERM_LENGTH));
    EXPECT_EQ(96, unicast.maxRetransmissionLength(TERM_LENGTH - 96, 4096, TERM_LENGTH));

    settings.initialReceiverWindowLength = 1024 * 1024;
    MaxMulticastFlowControl wide(settings);
    EXPECT_EQ(TERM_LENGTH, wide.maxRetransmissionLength(0, 1 << 30, TERM_LENGTH));
}

TEST(MinMulticastFlowControlTest, shouldFollowSlowestReceiver)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 8000), 0);
    EXPECT_EQ(8000 + WINDOW, limit);
    limit = onSm(fc, sm(2, 6000), limit);
    EXPECT_EQ(8000 + WINDOW, limit) << "limit never lowered by an SM";
    limit = onSm(fc, sm(1, 20'000), limit);
    EXPECT_EQ(8000 + WINDOW, limit) << "held by receiver 2 at 6000 + window";
    limit = onSm(fc, sm(2, 15'000), limit);
    EXPECT_EQ(15'000 + WINDOW, limit);
    EXPECT_EQ(2, fc.receiverCount());
    EXPECT_EQ(16, fc.retransmitReceiverWindowMultiple());
}

TEST(MinMulticastFlowControlTest, shouldDropSilentReceiverAfterTimeout)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 5000), 0, 0);
    limit = onSm(fc, sm(2, 3000), limit, 0);
    limit = onSm(fc, sm(1, 30'000), limit, 4 * SECOND_NS);
    EXPECT_EQ(3000 + WINDOW, fc.onIdle(5 * SECOND_NS - 1, limit, 0, false));
    EXPECT_EQ(2, fc.receiverCount());
    EXPECT_EQ(30'000 + WINDOW, fc.onIdle(5 * SECOND_NS, limit, 0, false));
    EXPECT_EQ(1, fc.receiverCount());
    EXPECT_EQ(1, fc.receivers()[0].receiverId);
}

TEST(MinMulticastFlowControlTest, shouldLeaveLimitWhenNoReceiversRemain)
{
    MinMulticastFlowControl fc;
    const std::int64_t limit = onSm(fc, sm(1, 5000), 0, 0);
    EXPECT_EQ(limit, fc.onIdle(6 * SECOND_NS, limit, 0, false));
    EXPECT_EQ(0, fc.receiverCount());
}

TEST(MinMulticastFlowControlTest, shouldDropReceiverFlaggedEndOfStream)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 9000), 0);
    limit = onSm(fc, sm(2, 2000), limit);
    limit = onSm(fc, sm(2, 2000, WINDOW, StatusMessageFields::END_OF_STREAM_FLAG), limit);
    EXPECT_EQ(9000 + WINDOW, fc.onIdle(1, limit, 0, false));
    EXPECT_EQ(1, fc.receiverCount());
}

TEST(MinMulticastFlowControlTest, shouldDropReceiverNamedByErrorFrame)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 9000), 0);
    limit = onSm(fc, sm(2, 2000), limit);
    fc.onError(2, false, 0, 1);
    EXPECT_EQ(9000 + WINDOW, fc.onIdle(1, limit, 0, false));
}

TEST(MinMulticastFlowControlTest, shouldNotAddEndOfStreamOrFarBehindReceiver)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 100'000), 0);
    limit = onSm(fc, sm(2, 0, WINDOW, StatusMessageFields::END_OF_STREAM_FLAG), limit);
    EXPECT_EQ(1, fc.receiverCount());

    // min = 100000 + W; a joiner is accepted down to pos + W >= min - W.
    limit = onSm(fc, sm(3, 100'000 - WINDOW - 1), limit);
    EXPECT_EQ(1, fc.receiverCount());
    limit = onSm(fc, sm(4, 100'000 - WINDOW), limit);
    EXPECT_EQ(2, fc.receiverCount());
    EXPECT_EQ(100'000 + WINDOW, limit);
}

TEST(MinMulticastFlowControlTest, shouldHoldLimitUntilGroupMinSizeTracked)
{
    MinMulticastFlowControl fc(std::nullopt, 3, 5 * SECOND_NS);
    EXPECT_FALSE(fc.hasRequiredReceivers());
    std::int64_t limit = onSm(fc, sm(1, 8000), 0);
    limit = onSm(fc, sm(2, 9000), limit);
    EXPECT_EQ(0, limit);
    EXPECT_FALSE(fc.hasRequiredReceivers());
    EXPECT_EQ(0, fc.onIdle(1, limit, 0, false));
    limit = onSm(fc, sm(3, 7000), limit);
    EXPECT_TRUE(fc.hasRequiredReceivers());
    EXPECT_EQ(7000 + WINDOW, limit);
}

TEST(MinMulticastFlowControlTest, shouldOnlyCountReceiversWithMatchingTag)
{
    MinMulticastFlowControl fc(7, 0, 5 * SECOND_NS);
    std::int64_t limit = onSm(fc, sm(1, 100), 0);
    EXPECT_EQ(0, limit);
    EXPECT_EQ(0, fc.receiverCount());
    limit = onSm(fc, taggedSm(2, 100, 8), limit);
    EXPECT_EQ(0, fc.receiverCount());
    limit = onSm(fc, taggedSm(3, 5000, 7), limit);
    EXPECT_EQ(5000 + WINDOW, limit);
    EXPECT_EQ(1, fc.receiverCount());
    fc.onError(3, false, 0, 0);
    (void)fc.onIdle(1, limit, 0, false);
    EXPECT_EQ(1, fc.receiverCount()) << "an ERR without the group's tag is ignored";
    fc.onError(3, true, 7, 0);
    (void)fc.onIdle(1, limit, 0, false);
    EXPECT_EQ(0, fc.receiverCount());
}

TEST(MinMulticastFlowControlTest, shouldHoldLimitAfterSetupRequestUntilNewReceiverJoins)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 1000), 0, 0);
    ASSERT_EQ(1000 + WINDOW, limit);
    limit = fc.onSetup(sm(2, 0, 0, StatusMessageFields::SEND_SETUP_FLAG), limit, 1000, 10);
    EXPECT_EQ(1000 + WINDOW, onSm(fc, sm(1, 3000), limit, 20)) << "held while receiver 2 sets up";

    limit = onSm(fc, sm(2, 1500), limit, 30);
    EXPECT_EQ(1500 + WINDOW, limit) << "hold released once the joiner is tracked";
}

TEST(MinMulticastFlowControlTest, shouldReleaseSetupHoldAfterReceiverTimeout)
{
    MinMulticastFlowControl fc;
    std::int64_t limit = onSm(fc, sm(1, 1000), 0, 0);
    limit = fc.onSetup(sm(2, 0, 0, StatusMessageFields::SEND_SETUP_FLAG), limit, 1000, 0);
    EXPECT_EQ(1000 + WINDOW, onSm(fc, sm(1, 3000), limit, 5 * SECOND_NS - 1));
    EXPECT_EQ(3000 + WINDOW, onSm(fc, sm(1, 3000), limit, 5 * SECOND_NS));
}

TEST(MinMulticastFlowControlTest, shouldCountReceiversBeyondCapacity)
{
    FlowControlSettings settings;
    settings.receiverCapacity = 2;
    MinMulticastFlowControl fc(settings);
    std::int64_t limit = 0;
    for (std::int64_t id = 1; id <= 3; ++id)
    {
        limit = onSm(fc, sm(id, 1000), limit);
    }
    EXPECT_EQ(2, fc.receiverCount());
    EXPECT_EQ(1, fc.receiverOverflowCount());
}

TEST(FlowControlFactoryTest, shouldParseSpecs)
{
    EXPECT_EQ(FlowControlSpec::Kind::MAX, FlowControlSpec::parse("max").kind);

    const auto min = FlowControlSpec::parse("min,t:10s");
    EXPECT_EQ(FlowControlSpec::Kind::MIN, min.kind);
    EXPECT_EQ(10 * SECOND_NS, min.receiverTimeoutNs);

    const auto sized = FlowControlSpec::parse("min,g:/3");
    EXPECT_EQ(3, sized.groupMinSize);
    EXPECT_FALSE(sized.groupTag.has_value());

    const auto tagged = FlowControlSpec::parse("tagged,g:7/2,t:500ms");
    EXPECT_EQ(FlowControlSpec::Kind::TAGGED, tagged.kind);
    EXPECT_EQ(7, tagged.groupTag);
    EXPECT_EQ(2, tagged.groupMinSize);
    EXPECT_EQ(500'000'000, tagged.receiverTimeoutNs);

    EXPECT_EQ(-5, FlowControlSpec::parse("tagged,g:-5").groupTag);
}

TEST(FlowControlFactoryTest, shouldRejectMalformedSpecsWithClearErrors)
{
    for (const char* bad : {"", "fastest", "min,", "min,,t:1s", "min,x:1", "min,g:", "min,g:/", "min,g:/-1",
                            "min,t:abc", "min,t:0", "max,t:1s", "min,g:5", "tagged,g:x/2", "MIN"})
    {
        try
        {
            (void)FlowControlSpec::parse(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        }
        catch (const cox::util::IllegalArgumentException& e)
        {
            EXPECT_NE(std::string::npos, std::string(e.what()).find("fc=")) << e.what();
        }
    }
}

TEST(FlowControlFactoryTest, shouldCreateStrategyForChannel)
{
    EXPECT_NE(nullptr, dynamic_cast<UnicastFlowControl*>(FlowControl::create(false, "min").get()));
    EXPECT_NE(nullptr, dynamic_cast<MaxMulticastFlowControl*>(FlowControl::create(true, std::nullopt).get()));
    EXPECT_NE(nullptr, dynamic_cast<MaxMulticastFlowControl*>(FlowControl::create(true, "max").get()));

    FlowControlSettings settings;
    settings.groupTag = 42;
    settings.receiverTimeoutNs = 3 * SECOND_NS;
    const auto min = FlowControl::create(true, "min,g:/3", settings);
    const auto* minFc = dynamic_cast<MinMulticastFlowControl*>(min.get());
    ASSERT_NE(nullptr, minFc);
    EXPECT_FALSE(minFc->groupTag().has_value());
    EXPECT_EQ(3, minFc->groupMinSize());
    EXPECT_EQ(3 * SECOND_NS, minFc->receiverTimeoutNs());
    EXPECT_FALSE(minFc->hasRequiredReceivers());

    const auto tagged = FlowControl::create(true, "tagged,t:10s", settings);
    const auto* taggedFc = dynamic_cast<MinMulticastFlowControl*>(tagged.get());
    ASSERT_NE(nullptr, taggedFc);
    EXPECT_EQ(42, taggedFc->groupTag());
    EXPECT_EQ(10 * SECOND_NS, taggedFc->receiverTimeoutNs());

    EXPECT_THROW((void)FlowControl::create(true, "slowest"), cox::util::IllegalArgumentException);
}

#include <gtest/gtest.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "cox/transport/RetransmitHandler.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;

namespace
{
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t TERM_ID = 3;
constexpr std::int64_t LINGER_NS = RetransmitHandler::DEFAULT_RETRANSMIT_LINGER_NS;

using Resend = std::tuple<std::int32_t, std::int32_t, std::int32_t>;

class RetransmitHandlerTest : public ::testing::Test
{
protected:
    std::vector<Resend> m_resends;

    auto recorder()
    {
        return [this](std::int32_t termId, std::int32_t termOffset, std::int32_t length)
        { m_resends.emplace_back(termId, termOffset, length); };
    }

    bool nak(RetransmitHandler& handler, std::int32_t termId, std::int32_t offset, std::int32_t length,
             std::int64_t nowNs)
    {
        return handler.onNak(termId, offset, length, TERM_LENGTH, nowNs, recorder());
    }
};
} // namespace

TEST_F(RetransmitHandlerTest, shouldResendImmediatelyWithZeroDelay)
{
    RetransmitHandler handler(false);
    EXPECT_TRUE(nak(handler, TERM_ID, 1024, 512, 0));
    ASSERT_EQ(1U, m_resends.size());
    EXPECT_EQ(Resend(TERM_ID, 1024, 512), m_resends[0]);
    EXPECT_EQ(RetransmitHandler::State::LINGERING, handler.action(0).state);
    EXPECT_EQ(LINGER_NS, handler.action(0).expiryNs);
}

TEST_F(RetransmitHandlerTest, shouldIgnoreNakInsideLingeringAction)
{
    RetransmitHandler handler(false);
    (void)nak(handler, TERM_ID, 1024, 512, 0);
    EXPECT_FALSE(nak(handler, TERM_ID, 1024, 512, 1'000));
    EXPECT_FALSE(nak(handler, TERM_ID, 1024 + 511, 32, 2'000));
    EXPECT_EQ(1U, m_resends.size());
    EXPECT_EQ(0, handler.poolOverflowCount());
}

TEST_F(RetransmitHandlerTest, shouldResendAgainAfterLingerExpires)
{
    RetransmitHandler handler(false);
    (void)nak(handler, TERM_ID, 1024, 512, 0);
    EXPECT_EQ(0, handler.processTimeouts(LINGER_NS - 1, recorder()));
    EXPECT_EQ(1, handler.activeActionCount());
    EXPECT_EQ(0, handler.processTimeouts(LINGER_NS, recorder()));
    EXPECT_EQ(0, handler.activeActionCount());
    EXPECT_TRUE(nak(handler, TERM_ID, 1024, 512, LINGER_NS + 1));
    EXPECT_EQ(2U, m_resends.size());
}

TEST_F(RetransmitHandlerTest, shouldTreatSameOffsetInAnotherTermAsNewNak)
{
    RetransmitHandler handler(true, 4);
    (void)nak(handler, TERM_ID, 1024, 512, 0);
    EXPECT_TRUE(nak(handler, TERM_ID + 1, 1024, 512, 0));
    EXPECT_TRUE(nak(handler, TERM_ID, 1024 + 512, 64, 0));
    EXPECT_EQ(3U, m_resends.size());
}

TEST_F(RetransmitHandlerTest, shouldDelayResendWhenDelayConfigured)
{
    constexpr std::int64_t delayNs = 1'000'000;
    RetransmitHandler handler(true, 16, delayNs, LINGER_NS);
    EXPECT_TRUE(nak(handler, TERM_ID, 0, 1408, 100));
    EXPECT_TRUE(m_resends.empty());
    EXPECT_EQ(RetransmitHandler::State::DELAYED, handler.action(0).state);

    EXPECT_FALSE(nak(handler, TERM_ID, 64, 128, 200));
    EXPECT_EQ(0, handler.processTimeouts(100 + delayNs - 1, recorder()));
    EXPECT_TRUE(m_resends.empty());

    EXPECT_EQ(1, handler.processTimeouts(100 + delayNs, recorder()));
    ASSERT_EQ(1U, m_resends.size());
    EXPECT_EQ(Resend(TERM_ID, 0, 1408), m_resends[0]);
    EXPECT_EQ(RetransmitHandler::State::LINGERING, handler.action(0).state);
    EXPECT_EQ(100 + delayNs + LINGER_NS, handler.action(0).expiryNs);

    EXPECT_FALSE(nak(handler, TERM_ID, 0, 1408, 100 + delayNs + 1));
    (void)handler.processTimeouts(100 + delayNs + LINGER_NS, recorder());
    EXPECT_EQ(0, handler.activeActionCount());
}

TEST_F(RetransmitHandlerTest, shouldCountInvalidNaks)
{
    RetransmitHandler handler(false);
    EXPECT_FALSE(nak(handler, TERM_ID, -32, 64, 0));
    EXPECT_FALSE(nak(handler, TERM_ID, TERM_LENGTH - 31, 16, 0));
    EXPECT_FALSE(nak(handler, TERM_ID, 0, 0, 0));
    EXPECT_EQ(3, handler.invalidNakCount());
    EXPECT_TRUE(m_resends.empty());
    EXPECT_EQ(0, handler.activeActionCount());
}

TEST_F(RetransmitHandlerTest, shouldAcceptLastFrameOfTermAndClampLengthToTermEnd)
{
    RetransmitHandler handler(false);
    EXPECT_TRUE(nak(handler, TERM_ID, TERM_LENGTH - 32, 4096, 0));
    ASSERT_EQ(1U, m_resends.size());
    EXPECT_EQ(Resend(TERM_ID, TERM_LENGTH - 32, 32), m_resends[0]);
    EXPECT_EQ(0, handler.invalidNakCount());
}

TEST_F(RetransmitHandlerTest, shouldUseSingleSlotWithoutGroupSemantics)
{
    RetransmitHandler handler(false, 16);
    EXPECT_EQ(1, handler.poolSize());
    (void)nak(handler, TERM_ID, 0, 64, 0);
    EXPECT_FALSE(nak(handler, TERM_ID, 4096, 64, 1));
    EXPECT_EQ(1, handler.poolOverflowCount());
    EXPECT_EQ(1U, m_resends.size());

    (void)handler.processTimeouts(LINGER_NS, recorder());
    EXPECT_TRUE(nak(handler, TERM_ID, 4096, 64, LINGER_NS));
    EXPECT_EQ(Resend(TERM_ID, 4096, 64), m_resends.back());
}

TEST_F(RetransmitHandlerTest, shouldCountOverflowWhenGroupPoolIsFull)
{
    RetransmitHandler handler(true, 3);
    EXPECT_EQ(3, handler.poolSize());
    for (std::int32_t i = 0; i < 3; ++i)
    {
        EXPECT_TRUE(nak(handler, TERM_ID, i * 1024, 64, 0));
    }
    EXPECT_FALSE(nak(handler, TERM_ID, 8192, 64, 0));
    EXPECT_EQ(1, handler.poolOverflowCount());
    EXPECT_EQ(3U, m_resends.size());
    EXPECT_EQ(3, handler.activeActionCount());
}

TEST_F(RetransmitHandlerTest, shouldRejectBadSettings)
{
    EXPECT_THROW(RetransmitHandler(true, 0), cox::util::IllegalArgumentException);
    EXPECT_THROW(RetransmitHandler(true, 257), cox::util::IllegalArgumentException);
    EXPECT_THROW(RetransmitHandler(true, 16, -1), cox::util::IllegalArgumentException);
    EXPECT_THROW(RetransmitHandler(true, 16, 0, -1), cox::util::IllegalArgumentException);
    EXPECT_NO_THROW(RetransmitHandler(true, 256));
}

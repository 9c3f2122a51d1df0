#include <gtest/gtest.h>

#include <cstdint>

#include "cox/transport/StatusMessageScheduler.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;

namespace
{
constexpr std::int32_t WINDOW = 128 * 1024;
constexpr std::int64_t TIMEOUT_NS = StatusMessageScheduler::DEFAULT_STATUS_MESSAGE_TIMEOUT_NS;
constexpr std::int64_t JOIN = 1'000'000;
} // namespace

TEST(StatusMessageSchedulerTest, shouldSendFirstStatusMessageAtOnceWithJoinPosition)
{
    StatusMessageScheduler scheduler(JOIN, WINDOW);
    EXPECT_TRUE(scheduler.isSendDue(0));
    EXPECT_EQ(JOIN, scheduler.scheduledPosition());
    EXPECT_EQ(WINDOW, scheduler.scheduledWindowLength());
}

TEST(StatusMessageSchedulerTest, shouldSendKeepaliveOnlyAfterTimeout)
{
    StatusMessageScheduler scheduler(JOIN, WINDOW);
    scheduler.onStatusMessageSent(5'000);
    EXPECT_FALSE(scheduler.isSendDue(5'000));
    EXPECT_FALSE(scheduler.isSendDue(5'000 + TIMEOUT_NS - 1));
    EXPECT_TRUE(scheduler.isSendDue(5'000 + TIMEOUT_NS));
    EXPECT_EQ(JOIN, scheduler.scheduledPosition()) << "a keepalive repeats the last position";
}

TEST(StatusMessageSchedulerTest, shouldScheduleOnlyWhenPositionPassesQuarterWindow)
{
    StatusMessageScheduler scheduler(JOIN, WINDOW);
    scheduler.onStatusMessageSent(0);

    EXPECT_FALSE(scheduler.schedule(JOIN + WINDOW / 4, WINDOW));
    EXPECT_FALSE(scheduler.isSendDue(1));
    EXPECT_EQ(JOIN, scheduler.scheduledPosition());

    EXPECT_TRUE(scheduler.schedule(JOIN + WINDOW / 4 + 1, WINDOW));
    EXPECT_TRUE(scheduler.isSendDue(1));
    EXPECT_EQ(JOIN + WINDOW / 4 + 1, scheduler.scheduledPosition());

    scheduler.onStatusMessageSent(2);
    EXPECT_EQ(JOIN + WINDOW / 4 + 1, scheduler.lastSentPosition());
    EXPECT_EQ(2 + TIMEOUT_NS, scheduler.sendDeadlineNs());
    EXPECT_FALSE(scheduler.isSendDue(3));
}

TEST(StatusMessageSchedulerTest, shouldScheduleWhenWindowChangesWithoutMovingBackwards)
{
    StatusMessageScheduler scheduler(JOIN, WINDOW);
    scheduler.onStatusMessageSent(0);
    EXPECT_TRUE(scheduler.schedule(JOIN - 64, WINDOW / 2));
    EXPECT_TRUE(scheduler.isSendDue(1));
    EXPECT_EQ(WINDOW / 2, scheduler.scheduledWindowLength());
    EXPECT_EQ(JOIN, scheduler.scheduledPosition());
}

TEST(StatusMessageSchedulerTest, shouldScheduleWhenCongestionControlForces)
{
    StatusMessageScheduler scheduler(JOIN, WINDOW);
    scheduler.onStatusMessageSent(0);
    EXPECT_TRUE(scheduler.schedule(JOIN + 32, WINDOW, true));
    EXPECT_TRUE(scheduler.isSendDue(1));
    EXPECT_EQ(JOIN + 32, scheduler.scheduledPosition());
}

TEST(StatusMessageSchedulerTest, shouldRejectBadSettings)
{
    EXPECT_THROW(StatusMessageScheduler(0, 0), cox::util::IllegalArgumentException);
    EXPECT_THROW(StatusMessageScheduler(0, WINDOW, 0), cox::util::IllegalArgumentException);
}

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <netinet/in.h>

#include "cox/transport/DestinationTracker.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;

namespace
{
constexpr std::int64_t SECOND_NS = 1'000'000'000;

std::uint16_t portOf(const DestinationAddress& address)
{
    return address.port();
}

std::vector<std::uint16_t> sendOnce(DestinationTracker& tracker)
{
    std::vector<std::uint16_t> ports;
    (void)tracker.forEachDestination([&](const DestinationAddress& a) { ports.push_back(portOf(a)); });
    return ports;
}

const DestinationAddress A = DestinationAddress::fromNumeric("10.0.0.1", 4001);
const DestinationAddress B = DestinationAddress::fromNumeric("10.0.0.2", 4002);
const DestinationAddress C = DestinationAddress::fromNumeric("10.0.0.3", 4003);
} // namespace

TEST(DestinationAddressTest, shouldCompareFamilyHostAndPort)
{
    EXPECT_TRUE(A.sameAs(DestinationAddress::fromNumeric("10.0.0.1", 4001)));
    EXPECT_FALSE(A.sameAs(DestinationAddress::fromNumeric("10.0.0.1", 4002)));
    EXPECT_FALSE(A.sameAs(B));
    const auto v6 = DestinationAddress::fromNumeric("::1", 4001);
    EXPECT_EQ(static_cast<socklen_t>(sizeof(sockaddr_in6)), v6.length());
    EXPECT_TRUE(v6.sameAs(DestinationAddress::fromNumeric("::1", 4001)));
    EXPECT_FALSE(v6.sameAs(A));
    EXPECT_FALSE(DestinationAddress{}.sameAs(DestinationAddress{}));
    EXPECT_THROW((void)DestinationAddress::fromNumeric("not-an-ip", 1), cox::util::IllegalArgumentException);
}

TEST(DestinationTrackerTest, shouldAddAndRemoveManualDestinations)
{
    DestinationTracker tracker(DestinationTracker::Mode::MANUAL, 2);
    EXPECT_TRUE(tracker.addDestination(A, 11, 0));
    EXPECT_FALSE(tracker.addDestination(A, 12, 0)) << "duplicate address";
    EXPECT_TRUE(tracker.addDestination(B, 13, 0));
    EXPECT_FALSE(tracker.addDestination(C, 14, 0)) << "full";
    EXPECT_EQ(2, tracker.destinationCount());

    EXPECT_TRUE(tracker.removeDestination(DestinationAddress::fromNumeric("10.0.0.1", 4001)));
    EXPECT_FALSE(tracker.removeDestination(A));
    EXPECT_FALSE(tracker.removeDestinationById(11));
    EXPECT_TRUE(tracker.removeDestinationById(13));
    EXPECT_EQ(0, tracker.destinationCount());
}

TEST(DestinationTrackerTest, shouldBindReceiverIdInManualModeAndNeverExpire)
{
    DestinationTracker tracker(DestinationTracker::Mode::MANUAL);
    (void)tracker.addDestination(A, 1, 0);
    (void)tracker.addDestination(B, 2, 0);
    tracker.onStatusMessage(777, B, 10);
    tracker.onStatusMessage(888, C, 10);

    ASSERT_EQ(2, tracker.destinationCount()) << "an SM never adds a manual destination";
    EXPECT_FALSE(tracker.destinations()[0].hasReceiverId);
    EXPECT_TRUE(tracker.destinations()[1].hasReceiverId);
    EXPECT_EQ(777, tracker.destinations()[1].receiverId);
    EXPECT_EQ(10, tracker.destinations()[1].timeOfLastActivityNs);

    EXPECT_EQ(0, tracker.onIdle(100 * SECOND_NS));
    EXPECT_EQ(2, tracker.destinationCount());
}

TEST(DestinationTrackerTest, shouldAddDynamicDestinationOnStatusMessageFromUnknownReceiver)
{
    DestinationTracker tracker(DestinationTracker::Mode::DYNAMIC);
    tracker.onStatusMessage(1, A, 0);
    tracker.onStatusMessage(1, A, 5);
    tracker.onStatusMessage(2, B, 5);
    ASSERT_EQ(2, tracker.destinationCount());
    EXPECT_EQ(5, tracker.destinations()[0].timeOfLastActivityNs);
    EXPECT_EQ(2, tracker.destinations()[1].receiverId);
    EXPECT_EQ(DestinationTracker::NULL_REGISTRATION_ID, tracker.destinations()[1].registrationId);
    EXPECT_THROW((void)tracker.addDestination(C, 1, 0), cox::util::IllegalStateException);
}

TEST(DestinationTrackerTest, shouldExpireSilentDynamicDestinations)
{
    DestinationTracker tracker(DestinationTracker::Mode::DYNAMIC);
    tracker.onStatusMessage(1, A, 0);
    tracker.onStatusMessage(2, B, 0);
    tracker.onStatusMessage(2, B, 3 * SECOND_NS);
    EXPECT_EQ(0, tracker.onIdle(5 * SECOND_NS - 1));
    EXPECT_EQ(1, tracker.onIdle(5 * SECOND_NS));
    ASSERT_EQ(1, tracker.destinationCount());
    EXPECT_EQ(2, tracker.destinations()[0].receiverId);
    EXPECT_EQ(1, tracker.onIdle(8 * SECOND_NS));
    EXPECT_EQ(0, tracker.destinationCount());
}

TEST(DestinationTrackerTest, shouldCountDynamicDestinationsBeyondCapacity)
{
    DestinationTracker tracker(DestinationTracker::Mode::DYNAMIC, 2);
    tracker.onStatusMessage(1, A, 0);
    tracker.onStatusMessage(2, B, 0);
    tracker.onStatusMessage(3, C, 0);
    EXPECT_EQ(2, tracker.destinationCount());
    EXPECT_EQ(1, tracker.overflowCount());
}

TEST(DestinationTrackerTest, shouldRotateStartingDestinationOnEachSend)
{
    DestinationTracker tracker(DestinationTracker::Mode::MANUAL);
    EXPECT_TRUE(sendOnce(tracker).empty());
    (void)tracker.addDestination(A, 1, 0);
    (void)tracker.addDestination(B, 2, 0);
    (void)tracker.addDestination(C, 3, 0);
    EXPECT_EQ((std::vector<std::uint16_t>{4001, 4002, 4003}), sendOnce(tracker));
    EXPECT_EQ((std::vector<std::uint16_t>{4002, 4003, 4001}), sendOnce(tracker));
    EXPECT_EQ((std::vector<std::uint16_t>{4003, 4001, 4002}), sendOnce(tracker));
    EXPECT_EQ((std::vector<std::uint16_t>{4001, 4002, 4003}), sendOnce(tracker));

    (void)tracker.removeDestination(C);
    EXPECT_EQ(2U, sendOnce(tracker).size());
}

TEST(DestinationTrackerTest, shouldSkipUnresolvedDestinations)
{
    DestinationTracker tracker(DestinationTracker::Mode::MANUAL);
    (void)tracker.addDestination(A, 1, 0);
    EXPECT_TRUE(tracker.addDestination(DestinationAddress{}, 2, 0));
    EXPECT_EQ(2, tracker.destinationCount());
    EXPECT_EQ((std::vector<std::uint16_t>{4001}), sendOnce(tracker));
    EXPECT_TRUE(tracker.removeDestinationById(2));
}

TEST(DestinationTrackerTest, shouldRejectBadSettings)
{
    EXPECT_THROW(DestinationTracker(DestinationTracker::Mode::MANUAL, 0), cox::util::IllegalArgumentException);
    EXPECT_THROW(DestinationTracker(DestinationTracker::Mode::DYNAMIC, 4, 0), cox::util::IllegalArgumentException);
}

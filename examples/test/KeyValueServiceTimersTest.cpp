#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <limits>
#include <utility>
#include <vector>

#include "KeyValueServiceTestSupport.hpp"
#include "ServiceTestDoubles.hpp"
#include "cox/codecs/kv/KvCodecs.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"

namespace
{
using cox::codecs::kv::ResponseCode;
using cox::examples::KeyValueClient;
using cox::examples::KeyValueService;
using cox::examples::test::cancelRequest;
using cox::examples::test::deliver;
using cox::examples::test::FakeClientSession;
using cox::examples::test::FakeCluster;
using cox::examples::test::putRequest;
using cox::examples::test::scheduleRequest;
using cox::examples::test::SnapshotStream;
using Timer = std::pair<std::int64_t, std::int64_t>;

class KeyValueServiceTimersTest : public cox::examples::test::KeyValueServiceFixture
{
};

TEST_F(KeyValueServiceTimersTest, shouldScheduleTheTimerAtTheRequestTimestampPlusItsOffset)
{
    const auto response = request(scheduleRequest(11, 500, 250), 10'000);

    EXPECT_EQ(11, response.correlationId);
    EXPECT_EQ(ResponseCode::OK, response.code);
    EXPECT_EQ((std::vector<Timer>{{500, 10'250}}), m_cluster.scheduledTimers);
    EXPECT_EQ((std::map<std::int64_t, std::int64_t>{{500, 10'250}}), m_service.pendingTimers());
    EXPECT_EQ(1, m_service.counts().timersScheduled);
}

TEST_F(KeyValueServiceTimersTest, shouldRecordTheFiringAndCountASecondFiringAsUnexpected)
{
    request(scheduleRequest(1, 500, 100), 1000);
    m_service.onTimerEvent(500, 1100);

    EXPECT_TRUE(m_service.pendingTimers().empty());
    EXPECT_EQ(1, m_service.counts().timersFired);
    EXPECT_EQ(0, m_service.counts().unexpectedTimerEvents);

    m_service.onTimerEvent(500, 1200);
    EXPECT_EQ(1, m_service.counts().timersFired);
    EXPECT_EQ(1, m_service.counts().unexpectedTimerEvents);
}

TEST_F(KeyValueServiceTimersTest, shouldIgnoreAFiringThatFollowsItsCancelAndCountItAsSuppressed)
{
    request(scheduleRequest(1, 500, 100), 1000);
    request(scheduleRequest(2, 501, 300), 1000);
    request(putRequest(3, "k", "v"), 1050);
    EXPECT_EQ(ResponseCode::OK, request(cancelRequest(4, 500), 1100).code);
    EXPECT_EQ((std::deque<std::int64_t>{500}), m_service.recentlyCancelledTimers());
    const KeyValueService::Counts before = m_service.counts();
    const auto pendingBefore = m_service.pendingTimers();

    // The leader fired 500 before the cancel reached its consensus module: the TimerEvent follows the cancel.
    m_service.onTimerEvent(500, 1105);

    KeyValueService::Counts expected = before;
    expected.suppressedTimerEvents = 1;
    EXPECT_EQ(expected, m_service.counts()) << "a suppressed firing changes nothing but its counter";
    EXPECT_EQ(0, m_service.counts().timersFired);
    EXPECT_EQ(0, m_service.counts().unexpectedTimerEvents);
    EXPECT_EQ(pendingBefore, m_service.pendingTimers());
    EXPECT_EQ("v", m_service.find("k").value_or(""));
    EXPECT_TRUE(m_service.recentlyCancelledTimers().empty()) << "only one firing per cancel is suppressed";
    EXPECT_EQ(4U, m_session.offers.size()) << "a firing is never answered";

    // A second firing of the same timer is not a crossing one.
    m_service.onTimerEvent(500, 1110);
    EXPECT_EQ(1, m_service.counts().suppressedTimerEvents);
    EXPECT_EQ(1, m_service.counts().unexpectedTimerEvents);

    // The other timer is untouched and fires normally.
    m_service.onTimerEvent(501, 1300);
    EXPECT_EQ(1, m_service.counts().timersFired);
    EXPECT_TRUE(m_service.pendingTimers().empty());
}

TEST_F(KeyValueServiceTimersTest, shouldForgetTheOldestCancelBeyondTheBoundAndCountItsFiringAsUnexpected)
{
    const auto count = static_cast<std::int64_t>(KeyValueService::MAX_REMEMBERED_CANCELS) + 1;
    for (std::int64_t id = 0; id < count; ++id)
    {
        deliver(m_service, &m_session, scheduleRequest(2 * id, 1000 + id, 5000), 1000);
        deliver(m_service, &m_session, cancelRequest(2 * id + 1, 1000 + id), 1001);
    }
    ASSERT_EQ(KeyValueService::MAX_REMEMBERED_CANCELS, m_service.recentlyCancelledTimers().size());
    EXPECT_EQ(1001, m_service.recentlyCancelledTimers().front());

    m_service.onTimerEvent(1000, 6000);
    m_service.onTimerEvent(1001, 6000);
    EXPECT_EQ(1, m_service.counts().unexpectedTimerEvents);
    EXPECT_EQ(1, m_service.counts().suppressedTimerEvents);
}

TEST_F(KeyValueServiceTimersTest, shouldCancelAPendingTimerAndReplyNotFoundOnceItIsGone)
{
    request(scheduleRequest(1, 500, 100), 1000);
    request(scheduleRequest(2, 501, 100), 1000);

    EXPECT_EQ(ResponseCode::OK, request(cancelRequest(3, 500), 1010).code);
    EXPECT_EQ((std::vector<std::int64_t>{500}), m_cluster.cancelledTimers);
    EXPECT_EQ(ResponseCode::NOT_FOUND, request(cancelRequest(4, 500), 1020).code);
    m_service.onTimerEvent(501, 1100);
    EXPECT_EQ(ResponseCode::NOT_FOUND, request(cancelRequest(5, 501), 1200).code);

    EXPECT_EQ((std::vector<std::int64_t>{500}), m_cluster.cancelledTimers) << "only a pending timer is cancelled";
    EXPECT_EQ(1, m_service.counts().timersCancelled);
    EXPECT_EQ(2, m_service.counts().timerCancelsNotFound);
    EXPECT_EQ(1, m_service.counts().timersFired);
}

TEST_F(KeyValueServiceTimersTest, shouldRejectANegativeOffsetAPendingTimerIdAndAnOverflowingDeadline)
{
    request(scheduleRequest(1, 500, 100), 1000);

    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(scheduleRequest(2, 501, -1), 1000).code);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(scheduleRequest(3, 500, 200), 1000).code);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST,
              request(scheduleRequest(4, 502, std::numeric_limits<std::int64_t>::max() - 10), 1000).code);

    EXPECT_EQ((std::vector<Timer>{{500, 1100}}), m_cluster.scheduledTimers);
    EXPECT_EQ(3, m_service.counts().invalidRequests);
}

TEST_F(KeyValueServiceTimersTest, shouldRetryTheClusterWithTheIdleStrategyWhenBackPressured)
{
    m_cluster.timerBackPressures = 3;
    EXPECT_EQ(ResponseCode::OK, request(scheduleRequest(1, 500, 100), 1000).code);

    EXPECT_EQ(3, m_cluster.idle.idles);
    EXPECT_EQ((std::vector<Timer>{{500, 1100}}), m_cluster.scheduledTimers);
}

TEST_F(KeyValueServiceTimersTest, shouldRejectATruncatedTimerRequestWithoutScheduling)
{
    auto payload = scheduleRequest(9, 500, 100);
    payload.resize(payload.size() - 1);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(payload, 1000).code);
    EXPECT_TRUE(m_cluster.scheduledTimers.empty());
}

TEST(KeyValueServiceTimersStateHashTest, shouldCoverPendingFiredAndCancelledTimers)
{
    FakeCluster cluster;
    FakeClientSession session(1);
    const auto run = [&](bool fire, bool cancel)
    {
        KeyValueService service;
        service.onStart(cluster, nullptr);
        deliver(service, &session, scheduleRequest(1, 500, 100), 1000);
        deliver(service, &session, scheduleRequest(2, 501, 900), 1000);
        if (fire)
        {
            service.onTimerEvent(500, 1100);
        }
        if (cancel)
        {
            deliver(service, &session, cancelRequest(3, 501), 1200);
        }
        return service.stateHash();
    };
    EXPECT_EQ(run(true, true), run(true, true));
    EXPECT_NE(run(false, false), run(true, false));
    EXPECT_NE(run(false, false), run(false, true));
    EXPECT_NE(run(true, false), run(false, true));

    KeyValueService empty;
    KeyValueService timerless;
    timerless.onStart(cluster, nullptr);
    deliver(timerless, &session, putRequest(1, "k", "v"));
    EXPECT_NE(empty.stateHash(), timerless.stateHash());
    EXPECT_NE(run(false, false), empty.stateHash());
}

TEST(KeyValueServiceTimersSnapshotTest, shouldRestorePendingTimersAndCountsSoAFiredTimerIsNotPendingAgain)
{
    SnapshotStream stream;
    FakeCluster cluster;
    FakeClientSession session(1);
    KeyValueService original;
    original.onStart(cluster, nullptr);
    deliver(original, &session, putRequest(1, "k", "v"), 900);
    for (std::int64_t id = 0; id < 50; ++id)
    {
        deliver(original, &session, scheduleRequest(100 + id, 1000 + id, 10 * id), 1000);
    }
    original.onTimerEvent(1000, 1000);
    original.onTimerEvent(1001, 1010);
    deliver(original, &session, cancelRequest(200, 1002), 1015);
    original.onTakeSnapshot(*stream.publication);

    FakeCluster restartedCluster;
    KeyValueService restored;
    restored.onStart(restartedCluster, &stream.image());

    EXPECT_EQ(original.counts(), restored.counts());
    EXPECT_EQ(original.pendingTimers(), restored.pendingTimers());
    EXPECT_EQ((std::deque<std::int64_t>{1002}), restored.recentlyCancelledTimers());
    EXPECT_EQ(47U, restored.pendingTimers().size());
    EXPECT_EQ(original.stateHash(), restored.stateHash());
    EXPECT_TRUE(restartedCluster.scheduledTimers.empty())
        << "the consensus module's snapshot holds the timers; the service must not schedule them again";

    // A restored timer fires as any other; one that fired before the snapshot is no longer pending.
    restored.onTimerEvent(1003, 1030);
    EXPECT_EQ(3, restored.counts().timersFired);
    restored.onTimerEvent(1000, 1040);
    EXPECT_EQ(1, restored.counts().unexpectedTimerEvents);
    // The cancel taken before the snapshot still suppresses a firing that crossed it, as on the original.
    restored.onTimerEvent(1002, 1050);
    original.onTimerEvent(1003, 1030);
    original.onTimerEvent(1000, 1040);
    original.onTimerEvent(1002, 1050);
    EXPECT_EQ(1, restored.counts().suppressedTimerEvents);
    EXPECT_EQ(original.counts(), restored.counts());
    EXPECT_EQ(original.stateHash(), restored.stateHash());
}

TEST(KeyValueServiceTimersStateHashTest, shouldDifferWhenAFiringWasSuppressed)
{
    FakeCluster cluster;
    FakeClientSession session(1);
    const auto run = [&](bool lateFiring)
    {
        KeyValueService service;
        service.onStart(cluster, nullptr);
        deliver(service, &session, scheduleRequest(1, 500, 100), 1000);
        deliver(service, &session, cancelRequest(2, 500), 1100);
        if (lateFiring)
        {
            service.onTimerEvent(500, 1100);
        }
        return service.stateHash();
    };
    EXPECT_EQ(run(true), run(true));
    EXPECT_NE(run(false), run(true)) << "members must agree on whether the crossing firing was applied";
}

TEST(KeyValueServiceTimersSnapshotTest, shouldLoadASnapshotWrittenBeforeTimersExisted)
{
    SnapshotStream stream;
    std::vector<std::uint8_t> buffer(128);
    cox::codecs::kv::MessageHeaderEncoder header;
    cox::codecs::kv::SnapshotBeginEncoder begin;
    begin.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(0).putCount(4);
    ASSERT_GT(stream.publication->offer(buffer.data(), static_cast<std::int32_t>(8 + begin.encodedLength())), 0);
    cox::codecs::kv::SnapshotEndEncoder end;
    end.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(0);
    ASSERT_GT(stream.publication->offer(buffer.data(), static_cast<std::int32_t>(8 + end.encodedLength())), 0);

    FakeCluster cluster;
    KeyValueService restored;
    restored.onStart(cluster, &stream.image());

    EXPECT_EQ(4, restored.counts().puts);
    EXPECT_TRUE(restored.pendingTimers().empty());
    EXPECT_EQ(0, restored.counts().timersScheduled);
}

TEST(KeyValueServiceTimersSnapshotTest, shouldRefuseASnapshotWhoseTimersDoNotMatchTheirCount)
{
    SnapshotStream stream;
    std::vector<std::uint8_t> buffer(128);
    cox::codecs::kv::MessageHeaderEncoder header;
    const auto offer = [&](std::size_t length)
    { ASSERT_GT(stream.publication->offer(buffer.data(), static_cast<std::int32_t>(8 + length)), 0); };
    cox::codecs::kv::SnapshotBeginEncoder begin;
    begin.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(0);
    offer(begin.encodedLength());
    cox::codecs::kv::SnapshotTimersEncoder timers;
    timers.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).pendingCount(2);
    offer(timers.encodedLength());
    cox::codecs::kv::SnapshotTimerEncoder timer;
    timer.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).timerId(5).deadline(10);
    offer(timer.encodedLength());
    cox::codecs::kv::SnapshotEndEncoder end;
    end.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(0);
    offer(end.encodedLength());

    FakeCluster cluster;
    KeyValueService restored;
    EXPECT_THROW(restored.onStart(cluster, &stream.image()), cox::util::IllegalStateException);
}
} // namespace

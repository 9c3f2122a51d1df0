// Two drivers started in the same millisecond (several members of a cluster launched together) must not pick
// the same session ids: two senders with one session id to one endpoint feed one image, and a cluster member
// then joined a new leader's log at an old leader's position. Found by `cox-bench failover` under load.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "DriverTestSupport.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/util/Clock.hpp"

namespace cox::transport::test
{
namespace
{
MediaDriverContext contextAt(const std::string& name, const std::shared_ptr<util::EpochClock>& clock,
                             std::uint64_t seed = 0)
{
    MediaDriverContext context;
    context.aeronDirectoryName = "/tmp/cox-session-id-test-" + std::to_string(::getpid()) + "-" + name;
    context.epochClock = clock;
    context.randomSeed = seed;
    return context;
}
} // namespace

TEST(DriverSessionIdTest, shouldChooseDifferentSessionIdsWhenDriversStartInTheSameMillisecond)
{
    auto clock = std::make_shared<util::ManualEpochClock>(1'700'000'000'000);
    std::set<std::int32_t> sessionIds;
    constexpr int DRIVERS = 4;
    for (int i = 0; i < DRIVERS; ++i)
    {
        InvokerDriverFixture fixture(contextAt("d" + std::to_string(i), clock));
        auto publication = fixture.aeron->addExclusivePublication("aeron:ipc", 1001);
        sessionIds.insert(publication->sessionId());
    }
    EXPECT_EQ(DRIVERS, static_cast<int>(sessionIds.size()));
}

TEST(DriverSessionIdTest, shouldRepeatSessionIdsWhenGivenTheSameSeed)
{
    auto clock = std::make_shared<util::ManualEpochClock>(1'700'000'000'000);
    std::int32_t first = 0;
    std::int32_t second = 0;
    {
        InvokerDriverFixture fixture(contextAt("s1", clock, 42));
        first = fixture.aeron->addExclusivePublication("aeron:ipc", 1001)->sessionId();
    }
    {
        InvokerDriverFixture fixture(contextAt("s2", clock, 42));
        second = fixture.aeron->addExclusivePublication("aeron:ipc", 1001)->sessionId();
    }
    EXPECT_EQ(first, second);
}
} // namespace cox::transport::test

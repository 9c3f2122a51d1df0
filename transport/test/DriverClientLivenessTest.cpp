// A driver times out a client that stops sending keepalives, but not one that was merely stopped together with
// the driver (SIGSTOP of the whole process): on resume the driver's conductor may run before the client's.

#include <gtest/gtest.h>

#include <memory>

#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/Clock.hpp"

namespace
{
using namespace cox::transport;

constexpr std::int64_t MS = 1'000'000;
constexpr std::int64_t LIVENESS_TIMEOUT_NS = 1'000 * MS;

class DriverClientLivenessTest : public ::testing::Test
{
protected:
    DriverClientLivenessTest()
    {
        MediaDriverContext driverContext;
        driverContext.threadingMode = ThreadingMode::INVOKER;
        driverContext.nanoClock = m_clock;
        driverContext.clientLivenessTimeoutNs = LIVENESS_TIMEOUT_NS;
        driverContext.timerIntervalNs = 10 * MS;
        m_driver = MediaDriver::launch(std::move(driverContext));
        AeronContext clientContext;
        clientContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        clientContext.useConductorAgentInvoker = true;
        clientContext.nanoClock = m_clock;
        clientContext.errorHandler = [this](const std::exception& e)
        {
            if (dynamic_cast<const ClientTimeoutException*>(&e) != nullptr)
            {
                m_timedOut = true;
            }
        };
        MediaDriver* raw = m_driver.get();
        clientContext.driverInvoker = [raw] { return raw->doWork(); };
        m_aeron = Aeron::connect(clientContext);
        m_subscription = m_aeron->addSubscription("aeron:ipc", 1001); // the driver knows the client from now on
    }

    ~DriverClientLivenessTest() override
    {
        m_aeron->close();
        m_driver->close();
    }

    /// Time passes in small steps with only the driver running: the client is silent.
    void runDriverAlone(std::int64_t durationNs)
    {
        for (std::int64_t elapsed = 0; elapsed < durationNs; elapsed += 10 * MS)
        {
            m_clock->advance(10 * MS);
            m_driver->doWork();
        }
    }

    void runBoth(int cycles)
    {
        for (int i = 0; i < cycles; ++i)
        {
            m_clock->advance(MS);
            m_driver->doWork();
            m_aeron->conductorAgentInvoker().invoke();
        }
    }

    std::shared_ptr<cox::util::ManualNanoClock> m_clock = std::make_shared<cox::util::ManualNanoClock>(1'000 * MS);
    std::unique_ptr<MediaDriver> m_driver;
    std::shared_ptr<Aeron> m_aeron;
    std::shared_ptr<Subscription> m_subscription;
    bool m_timedOut = false;
};
} // namespace

TEST_F(DriverClientLivenessTest, shouldTimeOutAClientThatStaysSilentWhileTheDriverRuns)
{
    runBoth(10);
    runDriverAlone(2 * LIVENESS_TIMEOUT_NS);
    runBoth(10);
    EXPECT_TRUE(m_timedOut) << "the driver should have timed out the silent client";
}

TEST_F(DriverClientLivenessTest, shouldNotTimeOutAClientStoppedTogetherWithTheDriver)
{
    runBoth(10);
    m_clock->advance(5 * LIVENESS_TIMEOUT_NS); // the whole process was stopped
    m_driver->doWork();                         // the driver's conductor runs first after the resume
    runDriverAlone(LIVENESS_TIMEOUT_NS / 2);
    runBoth(10);
    EXPECT_FALSE(m_timedOut) << "a pause of the whole process must not cost it its clients";

    runDriverAlone(2 * LIVENESS_TIMEOUT_NS);
    runBoth(10);
    EXPECT_TRUE(m_timedOut) << "after the pause the liveness timeout applies again";
}

#pragma once

// Runs a real MediaDriver and an Aeron client on the test thread (INVOKER mode for both), so tests
// are deterministic in their ordering and need no sleeps.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unistd.h>

#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/AgentInvoker.hpp"

namespace cox::transport::test
{
/// A UDP port unlikely to collide with another test process running at the same time.
inline int testPort(int offset)
{
    // Below the kernel's ephemeral range (32768 up), where any socket bound to port 0 could hold a named port.
    return 10000 + static_cast<int>(::getpid() % 6000) * 3 + offset;
}

class InvokerDriverFixture
{
public:
    explicit InvokerDriverFixture(MediaDriverContext driverContext = {})
    {
        driverContext.threadingMode = ThreadingMode::INVOKER;
        driver = MediaDriver::launch(std::move(driverContext));
        AeronContext clientContext;
        clientContext.aeronDirectoryName = driver->aeronDirectoryName();
        clientContext.useConductorAgentInvoker = true;
        MediaDriver* raw = driver.get();
        clientContext.driverInvoker = [raw] { return raw->doWork(); };
        aeron = Aeron::connect(clientContext);
    }

    ~InvokerDriverFixture()
    {
        aeron->close();
        driver->close();
    }

    /// One duty cycle of driver and client conductor.
    int pump()
    {
        return driver->doWork() + aeron->conductorAgentInvoker().invoke();
    }

    /// Pumps until condition holds or the timeout passes; returns whether it held.
    bool pumpUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition())
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                return false;
            }
            if (pump() == 0)
            {
                ::usleep(50);
            }
        }
        return true;
    }

    std::unique_ptr<MediaDriver> driver;
    std::shared_ptr<Aeron> aeron;
};
} // namespace cox::transport::test

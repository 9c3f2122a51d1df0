// Traffic for scripts/check-wireshark: one UDP unicast stream on 127.0.0.1:<port> through a real media
// driver with receive-side loss, so a capture holds SETUP, DATA (whole, fragmented and heartbeats), SM,
// NAK and retransmitted DATA. Checks every message arrives intact and in order; exits non-zero if not.
//
// usage: WiresharkTraffic <port> [messages]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "cox/transport/Aeron.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/AgentInvoker.hpp"

using namespace cox::transport;

namespace
{
/// Mixed sizes: mostly small, some a few frames long (the MTU is 1408).
std::int32_t lengthOf(std::int64_t i)
{
    switch (i % 10)
    {
        case 0: return 5000 + static_cast<std::int32_t>(i % 700);
        case 1: return 1400 + static_cast<std::int32_t>(i % 64);
        default: return 8 + static_cast<std::int32_t>((i * 37) % 600);
    }
}
} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
    {
        std::fprintf(stderr, "usage: %s <port> [messages]\n", argv[0]);
        return 2;
    }
    const std::string channel = std::string("aeron:udp?endpoint=127.0.0.1:") + argv[1];
    const std::int64_t count = argc > 2 ? std::atoll(argv[2]) : 3000;

    MediaDriverContext driverContext;
    driverContext.threadingMode = ThreadingMode::INVOKER;
    driverContext.receiveDataLossRate = 0.05;
    driverContext.receiveDataLossSeed = 11;
    driverContext.publicationTermBufferLength = 64 * 1024; // several term rotations in a short capture
    auto driver = MediaDriver::launch(driverContext);
    AeronContext clientContext;
    clientContext.aeronDirectoryName = driver->aeronDirectoryName();
    clientContext.useConductorAgentInvoker = true;
    MediaDriver* raw = driver.get();
    clientContext.driverInvoker = [raw] { return raw->doWork(); };
    auto aeron = Aeron::connect(clientContext);
    const auto pump = [&] { return driver->doWork() + aeron->conductorAgentInvoker().invoke(); };

    auto subscription = aeron->addSubscription(channel, 10);
    auto publication = aeron->addPublication(channel, 10);

    std::int64_t sent = 0;
    std::int64_t received = 0;
    std::int64_t errors = 0;
    FragmentAssembler assembler(
        [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
        {
            std::int64_t sequence = -1;
            std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
            errors += (sequence == received && length == lengthOf(received)) ? 0 : 1;
            ++received;
        });
    auto handler = assembler.handler();
    std::vector<std::uint8_t> message(8192, 0xA5);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (received < count && std::chrono::steady_clock::now() < deadline)
    {
        if (sent < count && publication->isConnected())
        {
            std::memcpy(message.data(), &sent, sizeof(sent));
            if (publication->offer(message.data(), lengthOf(sent)) > 0)
            {
                ++sent;
            }
        }
        subscription->poll(handler, 16);
        if (pump() == 0)
        {
            ::usleep(20);
        }
    }
    std::printf("sent %lld, received %lld, errors %lld\n", static_cast<long long>(sent),
                static_cast<long long>(received), static_cast<long long>(errors));
    publication.reset();
    subscription.reset();
    aeron->close();
    driver->close();
    return received == count && errors == 0 ? 0 : 1;
}

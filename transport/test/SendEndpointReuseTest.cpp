// A publication added while the send endpoint of the channel's last publication is being removed must get an
// endpoint of its own: the old one is about to be deleted, and the sender no longer reads its status messages.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "DriverTestSupport.hpp"
#include "cox/transport/PublicationResult.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
MediaDriverContext quickLingerContext()
{
    MediaDriverContext context;
    // Timers on every duty cycle and no linger: a closed publication goes in a fixed number of cycles.
    context.publicationLingerTimeoutNs = 1;
    context.timerIntervalNs = 1;
    return context;
}
} // namespace

TEST(SendEndpointReuseTest, shouldConnectAPublicationAddedWhileTheChannelsLastOneIsBeingRemoved)
{
    InvokerDriverFixture fixture(quickLingerContext());
    const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(300));
    constexpr std::int32_t STREAM_ID = 5005;
    auto subscription = fixture.aeron->addSubscription(channel, STREAM_ID);

    // Each round closes the publication and adds the next one one duty cycle later than the round before, so that
    // some round adds it in the cycle between the old endpoint's release and its deletion.
    for (int round = 0; round < 40; ++round)
    {
        auto publication = fixture.aeron->addPublication(channel, STREAM_ID);
        ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }, std::chrono::seconds(3)))
            << "round " << round << ": the publication never heard a status message";
        const std::int64_t value = round;
        std::int64_t result = 0;
        ASSERT_TRUE(fixture.pumpUntil(
            [&]
            {
                result = publication->offer(reinterpret_cast<const std::uint8_t*>(&value), sizeof(value));
                return result >= 0;
            }))
            << "round " << round << ": offer " << result;
        bool received = false;
        ASSERT_TRUE(fixture.pumpUntil(
            [&]
            {
                subscription->poll([&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t,
                                       const Header&) { received = buffer.getInt64(offset) == value; },
                                   8);
                return received;
            }))
            << "round " << round;
        publication->close();
        publication.reset();
        for (int cycle = 0; cycle < round; ++cycle)
        {
            fixture.pump();
        }
    }
}

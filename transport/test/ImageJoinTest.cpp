// Which image a new subscription joins, and where: a subscriber that arrives while an image is under way joins
// at what the image has rebuilt (Aeron's PublicationImage.joinPosition); an image its last subscriber left is
// not handed to the next one (the endpoint no longer feeds it); tagged subscriptions share a manual-control
// subscription's images; and a manual-control subscription's ports are free as soon as it closes.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 4211;
constexpr std::int32_t MESSAGE_LENGTH = 32;

std::string channel(int portOffset)
{
    return "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(portOffset));
}

class ImageJoinTest : public ::testing::Test
{
protected:
    void publish(Publication& publication, std::int64_t first, std::int64_t last,
                 const std::vector<Subscription*>& pollers)
    {
        std::uint8_t message[MESSAGE_LENGTH] = {};
        for (std::int64_t i = first; i < last; ++i)
        {
            std::memcpy(message, &i, sizeof(i));
            ASSERT_TRUE(m_fixture.pumpUntil(
                [&]
                {
                    pollAll(pollers);
                    return publication.offer(message, MESSAGE_LENGTH) > 0;
                }));
        }
    }

    void pollAll(const std::vector<Subscription*>& subscriptions)
    {
        for (Subscription* subscription : subscriptions)
        {
            auto& sequences = m_received[subscription];
            subscription->poll(
                [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const Header&)
                {
                    std::int64_t sequence = -1;
                    std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
                    sequences.push_back(sequence);
                },
                64);
        }
    }

    bool receiveUntil(Subscription& subscription, std::int64_t lastSequence, const std::vector<Subscription*>& pollers)
    {
        return m_fixture.pumpUntil(
            [&]
            {
                pollAll(pollers);
                const auto& sequences = m_received[&subscription];
                return !sequences.empty() && sequences.back() >= lastSequence;
            });
    }

    static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to)
    {
        std::vector<std::int64_t> result;
        for (std::int64_t i = from; i < to; ++i)
        {
            result.push_back(i);
        }
        return result;
    }

    InvokerDriverFixture m_fixture;
    std::map<Subscription*, std::vector<std::int64_t>> m_received;
};
} // namespace

TEST_F(ImageJoinTest, shouldJoinAnImageUnderWayWhereItHasRebuiltToNotWhereItBegan)
{
    auto first = m_fixture.aeron->addSubscription(channel(80), STREAM_ID);
    auto publication = m_fixture.aeron->addPublication(channel(80), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return first->imageCount() == 1; }));
    publish(*publication, 0, 100, {first.get()});
    ASSERT_TRUE(receiveUntil(*first, 99, {first.get()}));
    const std::int64_t position = publication->position();

    auto late = m_fixture.aeron->addSubscription(channel(80), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return late->imageCount() == 1; }));
    EXPECT_EQ(first->imageCount(), 1U) << "the late subscriber joins the same image";
    EXPECT_EQ(late->imageBySessionId(publication->sessionId())->joinPosition(), position);

    publish(*publication, 100, 150, {first.get(), late.get()});
    ASSERT_TRUE(receiveUntil(*late, 149, {first.get(), late.get()}));
    EXPECT_EQ(m_received[late.get()], range(100, 150)) << "nothing from before it joined, nothing missed after";
}

TEST_F(ImageJoinTest, shouldNotJoinAheadOfTheSlowestSubscriberAlreadyLinked)
{
    auto first = m_fixture.aeron->addSubscription(channel(80), STREAM_ID);
    auto publication = m_fixture.aeron->addPublication(channel(80), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return first->imageCount() == 1; }));
    publish(*publication, 0, 10, {first.get()});
    ASSERT_TRUE(receiveUntil(*first, 9, {first.get()}));
    const std::int64_t firstPosition = first->imageBySessionId(publication->sessionId())->position();

    // The image rebuilds these, but the first subscriber has not read them yet.
    publish(*publication, 10, 50, {});
    for (int i = 0; i < 200; ++i)
    {
        m_fixture.pump();
    }
    auto late = m_fixture.aeron->addSubscription(channel(80), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return late->imageCount() == 1; }));
    EXPECT_EQ(late->imageBySessionId(publication->sessionId())->joinPosition(), firstPosition)
        << "joins where the slowest linked subscriber is, not where the image has rebuilt to ("
        << publication->position() << ")";
    ASSERT_TRUE(receiveUntil(*late, 49, {first.get(), late.get()}));
    EXPECT_EQ(m_received[late.get()], range(10, 50)) << "nothing the first subscriber had yet to read is skipped";
    EXPECT_EQ(m_received[first.get()], range(0, 50));
}

TEST_F(ImageJoinTest, shouldGiveTheNextSubscriberAFreshImageOnceTheLastOneLeft)
{
    auto first = m_fixture.aeron->addSubscription(channel(81), STREAM_ID);
    auto publication = m_fixture.aeron->addPublication(channel(81), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return first->imageCount() == 1; }));
    publish(*publication, 0, 50, {first.get()});
    ASSERT_TRUE(receiveUntil(*first, 49, {first.get()}));

    // Leave and come back before the driver has run: the old image must not be linked to the newcomer.
    first->close();
    auto second = m_fixture.aeron->addSubscription(channel(81), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return second->imageCount() == 1; }));
    const auto image = second->imageBySessionId(publication->sessionId());
    ASSERT_NE(image, nullptr);
    EXPECT_GE(image->joinPosition(), publication->position())
        << "a fresh image starts where the publication is, not at the old image's start";

    publish(*publication, 50, 100, {second.get()});
    ASSERT_TRUE(receiveUntil(*second, 99, {second.get()}));
    EXPECT_EQ(m_received[second.get()], range(50, 100));
    EXPECT_EQ(second->imageCount(), 1U);
}

TEST_F(ImageJoinTest, shouldShareAManualSubscriptionsImagesWithSubscriptionsNamingItsTag)
{
    auto manual = m_fixture.aeron->addSubscription("aeron:udp?control-mode=manual|tags=9101", STREAM_ID);
    manual->addDestination(channel(82));
    auto tagged = m_fixture.aeron->addSubscription("aeron:udp?tags=9101", STREAM_ID);
    auto publication = m_fixture.aeron->addPublication(channel(82), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return manual->imageCount() == 1 && tagged->imageCount() == 1; }));

    publish(*publication, 0, 40, {manual.get(), tagged.get()});
    ASSERT_TRUE(receiveUntil(*tagged, 39, {manual.get(), tagged.get()}));
    ASSERT_TRUE(receiveUntil(*manual, 39, {manual.get(), tagged.get()}));
    EXPECT_EQ(m_received[manual.get()], range(0, 40));
    EXPECT_EQ(m_received[tagged.get()], range(0, 40));
}

TEST_F(ImageJoinTest, shouldRefuseATagNoChannelHas)
{
    try
    {
        auto subscription = m_fixture.aeron->addSubscription("aeron:udp?tags=424242", STREAM_ID);
        FAIL() << "a subscription by an unknown tag should be refused";
    }
    catch (const std::exception& e)
    {
        EXPECT_NE(std::string(e.what()).find("no receive channel has tag '424242'"), std::string::npos) << e.what();
    }
}

TEST_F(ImageJoinTest, shouldFreeAManualSubscriptionsPortsWhenItCloses)
{
    auto first = m_fixture.aeron->addSubscription("aeron:udp?control-mode=manual", STREAM_ID);
    first->addDestination(channel(83));
    auto publication = m_fixture.aeron->addPublication(channel(83), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return first->imageCount() == 1; }));
    publish(*publication, 0, 10, {first.get()});
    ASSERT_TRUE(receiveUntil(*first, 9, {first.get()}));
    first->close();

    // Its image lingers for the driver's linger timeout (5 s); the port must not wait for that.
    auto second = m_fixture.aeron->addSubscription("aeron:udp?control-mode=manual", STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            try
            {
                second->addDestination(channel(83));
                return true;
            }
            catch (const std::exception&)
            {
                return false;
            }
        },
        std::chrono::seconds(2)))
        << "the closed subscription's port should be free within a moment";
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return second->imageCount() == 1; }));
    publish(*publication, 10, 30, {second.get()});
    ASSERT_TRUE(receiveUntil(*second, 29, {second.get()}));
    EXPECT_EQ(m_received[second.get()].back(), 29);
}

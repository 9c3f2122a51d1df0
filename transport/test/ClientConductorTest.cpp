// The client's side of the driver protocol against FakeDriver: connecting, registrations, errors,
// keepalives, client timeout, invoker and threaded modes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "FakeDriver.hpp"
#include "cox/codecs/driver/DriverCodecs.hpp"
#include "cox/transport/Aeron.hpp"

using namespace cox::transport;
using cox::transport::test::FakeDriver;
namespace TemplateId = cox::codecs::driver::TemplateId;

TEST(ClientConductorTest, shouldThrowDriverTimeoutNamingTheDirectoryWhenThereIsNoCncFile)
{
    AeronContext context;
    context.aeronDirectoryName = (std::filesystem::temp_directory_path() / "cox-no-driver-here").string();
    context.driverTimeoutMs = 50;
    try
    {
        auto aeron = Aeron::connect(context);
        FAIL() << "connected without a driver";
    }
    catch (const DriverTimeoutException& e)
    {
        EXPECT_NE(std::string(e.what()).find(context.aeronDirectoryName), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("cnc.dat"), std::string::npos) << e.what();
    }
}

TEST(ClientConductorTest, shouldTimeOutWhenCncVersionIsNeverPublished)
{
    FakeDriver driver(false);
    AeronContext context = driver.context();
    context.driverTimeoutMs = 50;
    EXPECT_THROW(static_cast<void>(Aeron::connect(context)), DriverTimeoutException);
}

TEST(ClientConductorTest, shouldConnectOnceTheDriverPublishesCnc)
{
    FakeDriver driver(false);
    AeronContext context = driver.context();
    int calls = 0;
    context.driverInvoker = [&]
    {
        if (++calls == 5)
        {
            driver.publish();
        }
        return driver.doWork();
    };
    auto aeron = Aeron::connect(context);
    EXPECT_GE(calls, 5);
    EXPECT_GE(aeron->clientId(), 0);
}

TEST(ClientConductorTest, shouldAddPublicationWithCommandCarryingClientIdAndChannel)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto publication = aeron->addPublication("aeron:ipc?term-length=64k", 10);
    ASSERT_NE(publication, nullptr);

    const auto adds = driver.commandsOfType(TemplateId::ADD_PUBLICATION);
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(adds[0].clientId, aeron->clientId());
    EXPECT_EQ(adds[0].channel, "aeron:ipc?term-length=64k");
    EXPECT_EQ(adds[0].streamId, 10);
    EXPECT_FALSE(adds[0].exclusive);
    EXPECT_NE(adds[0].correlationId, aeron->clientId());

    EXPECT_EQ(publication->registrationId(), adds[0].correlationId);
    EXPECT_TRUE(publication->isOriginal());
    EXPECT_EQ(publication->channel(), "aeron:ipc?term-length=64k");
    EXPECT_EQ(publication->streamId(), 10);
    EXPECT_EQ(publication->sessionId(), driver.publication(adds[0].correlationId).sessionId);
    EXPECT_EQ(publication->maxPayloadLength(), FakeDriver::MTU - 32);
    EXPECT_EQ(publication->maxMessageLength(), FakeDriver::TERM_LENGTH / 8);
    EXPECT_EQ(publication->termBufferLength(), FakeDriver::TERM_LENGTH);
    EXPECT_EQ(publication->initialTermId(), FakeDriver::INITIAL_TERM_ID);
    EXPECT_EQ(publication->positionLimit(), driver.initialPublicationLimit);
    EXPECT_EQ(publication->position(), 0);
    EXPECT_TRUE(publication->isConnected());
    EXPECT_FALSE(publication->isExclusive());
}

TEST(ClientConductorTest, shouldAddExclusivePublicationWithItsOwnSession)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto first = aeron->addExclusivePublication("aeron:ipc", 10);
    auto second = aeron->addExclusivePublication("aeron:ipc", 10);
    EXPECT_TRUE(first->isExclusive());
    EXPECT_NE(first->sessionId(), second->sessionId());
    const auto adds = driver.commandsOfType(TemplateId::ADD_PUBLICATION);
    ASSERT_EQ(adds.size(), 2u);
    EXPECT_TRUE(adds[0].exclusive);
}

TEST(ClientConductorTest, shouldJoinAnExistingConcurrentPublication)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto first = aeron->addPublication("aeron:ipc", 10);
    auto second = aeron->addPublication("aeron:ipc", 10);
    EXPECT_NE(first->registrationId(), second->registrationId());
    EXPECT_EQ(second->originalRegistrationId(), first->registrationId());
    EXPECT_FALSE(second->isOriginal());
    EXPECT_EQ(first->sessionId(), second->sessionId());

    ASSERT_GT(first->offer(reinterpret_cast<const std::uint8_t*>("abcd"), 4), 0);
    EXPECT_EQ(second->position(), first->position()) << "both map the same log";
}

TEST(ClientConductorTest, shouldAddSubscription)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto subscription = aeron->addSubscription("aeron:udp?endpoint=localhost:20121", 7);
    ASSERT_NE(subscription, nullptr);
    const auto adds = driver.commandsOfType(TemplateId::ADD_SUBSCRIPTION);
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(adds[0].clientId, aeron->clientId());
    EXPECT_EQ(adds[0].channel, "aeron:udp?endpoint=localhost:20121");
    EXPECT_EQ(adds[0].streamId, 7);
    EXPECT_EQ(subscription->registrationId(), adds[0].correlationId);
    EXPECT_EQ(subscription->streamId(), 7);
    EXPECT_EQ(subscription->imageCount(), 0u);
    EXPECT_FALSE(subscription->isConnected());
}

TEST(ClientConductorTest, shouldThrowRegistrationExceptionWithTheDriversCodeAndMessage)
{
    FakeDriver driver;
    driver.rejectedChannels.insert("aeron:bogus");
    auto aeron = Aeron::connect(driver.context());
    try
    {
        auto publication = aeron->addPublication("aeron:bogus", 3);
        FAIL() << "no exception";
    }
    catch (const RegistrationException& e)
    {
        EXPECT_EQ(e.errorCode(), static_cast<std::int32_t>(CncFileDescriptor::ErrorCode::INVALID_CHANNEL));
        const std::string what = e.what();
        EXPECT_NE(what.find("invalid channel: aeron:bogus"), std::string::npos) << what;
        EXPECT_NE(what.find("streamId=3"), std::string::npos) << what;
    }
    EXPECT_THROW(static_cast<void>(aeron->addSubscription("aeron:bogus", 3)), RegistrationException);
    EXPECT_NE(aeron->addSubscription("aeron:ipc", 3), nullptr) << "the client still works";
}

TEST(ClientConductorTest, shouldReturnNullFromFindUntilTheDriverHasAnswered)
{
    FakeDriver driver;
    AeronContext context = driver.context();
    context.driverInvoker = nullptr;
    auto aeron = Aeron::connect(context);
    const std::int64_t registrationId = aeron->asyncAddPublication("aeron:ipc", 1);
    EXPECT_EQ(aeron->findPublication(registrationId), nullptr);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_EQ(aeron->findPublication(registrationId), nullptr) << "the driver has not run";
    driver.doWork();
    EXPECT_EQ(aeron->findPublication(registrationId), nullptr) << "the conductor has not run";
    aeron->conductorAgentInvoker().invoke();
    auto publication = aeron->findPublication(registrationId);
    ASSERT_NE(publication, nullptr);
    EXPECT_EQ(aeron->findPublication(registrationId), publication);

    const std::int64_t subscriptionId = aeron->asyncAddSubscription("aeron:ipc", 1);
    EXPECT_EQ(aeron->findSubscription(subscriptionId), nullptr);
    driver.doWork();
    aeron->conductorAgentInvoker().invoke();
    EXPECT_NE(aeron->findSubscription(subscriptionId), nullptr);
}

TEST(ClientConductorTest, shouldThrowDriverTimeoutWhenTheDriverNeverAnswers)
{
    FakeDriver driver;
    driver.autoRespond = false;
    AeronContext context = driver.context();
    context.driverTimeoutMs = 100;
    auto aeron = Aeron::connect(context);
    EXPECT_THROW(static_cast<void>(aeron->addPublication("aeron:ipc", 1)), DriverTimeoutException);
}

TEST(ClientConductorTest, shouldIgnoreResponsesForOtherClientsAndDropMalformedOnes)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    driver.sendError(123456789, CncFileDescriptor::ErrorCode::GENERIC_ERROR, "not yours");
    driver.transmitRaw(TemplateId::PUBLICATION_READY, {1, 2, 3});
    driver.transmitRaw(TemplateId::AVAILABLE_IMAGE, std::vector<std::uint8_t>(40, 0xFF));
    driver.sendClientTimeout(aeron->clientId() + 1000);
    aeron->conductorAgentInvoker().invoke();
    EXPECT_FALSE(aeron->isClosed());
    EXPECT_TRUE(driver.errors().empty());
    EXPECT_NE(aeron->addPublication("aeron:ipc", 1), nullptr);
}

TEST(ClientConductorTest, shouldSendKeepaliveEveryInterval)
{
    FakeDriver driver;
    auto clock = std::make_shared<cox::util::ManualNanoClock>(1'000);
    AeronContext context = driver.context();
    context.nanoClock = clock;
    auto aeron = Aeron::connect(context);
    auto& invoker = aeron->conductorAgentInvoker();
    invoker.invoke();
    driver.doWork();
    EXPECT_TRUE(driver.commandsOfType(TemplateId::CLIENT_KEEPALIVE).empty());
    clock->advance(AeronContext::DEFAULT_KEEPALIVE_INTERVAL_NS - 1);
    invoker.invoke();
    driver.doWork();
    EXPECT_TRUE(driver.commandsOfType(TemplateId::CLIENT_KEEPALIVE).empty());
    clock->advance(1);
    invoker.invoke();
    invoker.invoke();
    driver.doWork();
    const auto keepalives = driver.commandsOfType(TemplateId::CLIENT_KEEPALIVE);
    ASSERT_EQ(keepalives.size(), 1u);
    EXPECT_EQ(keepalives[0].clientId, aeron->clientId());
    clock->advance(AeronContext::DEFAULT_KEEPALIVE_INTERVAL_NS);
    invoker.invoke();
    driver.doWork();
    EXPECT_EQ(driver.commandsOfType(TemplateId::CLIENT_KEEPALIVE).size(), 2u);
}

TEST(ClientConductorTest, shouldCloseTheClientOnClientTimeout)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto publication = aeron->addPublication("aeron:ipc", 1);
    auto subscription = aeron->addSubscription("aeron:ipc", 1);
    driver.sendClientTimeout(aeron->clientId());
    aeron->conductorAgentInvoker().invoke();
    EXPECT_TRUE(aeron->isClosed());
    EXPECT_TRUE(publication->isClosed());
    EXPECT_TRUE(subscription->isClosed());
    EXPECT_EQ(publication->offer(reinterpret_cast<const std::uint8_t*>("x"), 1), PublicationResult::CLOSED);
    EXPECT_THROW(static_cast<void>(aeron->addPublication("aeron:ipc", 1)), ClientTimeoutException);
    ASSERT_EQ(driver.errors().size(), 1u);
    EXPECT_NE(driver.errors()[0].find("timed out"), std::string::npos);
    aeron->close();
    driver.doWork();
    EXPECT_TRUE(driver.commandsOfType(TemplateId::CLIENT_CLOSE).empty()) << "the driver already dropped us";
}

TEST(ClientConductorTest, shouldSendClientCloseAndCloseResourcesOnClose)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto publication = aeron->addPublication("aeron:ipc", 1);
    aeron->close();
    aeron->close();
    driver.doWork();
    const auto closes = driver.commandsOfType(TemplateId::CLIENT_CLOSE);
    ASSERT_EQ(closes.size(), 1u);
    EXPECT_EQ(closes[0].clientId, aeron->clientId());
    EXPECT_TRUE(publication->isClosed());
    EXPECT_EQ(publication->positionLimit(), PublicationResult::CLOSED);
    EXPECT_THROW(static_cast<void>(aeron->addSubscription("aeron:ipc", 1)), cox::util::IllegalStateException);
    publication->close();
    driver.doWork();
    EXPECT_TRUE(driver.commandsOfType(TemplateId::REMOVE_PUBLICATION).empty());
}

TEST(ClientConductorTest, shouldSendRemovePublicationWithTheRegistrationIdOnClose)
{
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto first = aeron->addPublication("aeron:ipc", 1);
    auto second = aeron->addPublication("aeron:ipc", 1);
    second->close();
    second->close();
    driver.doWork();
    const auto removes = driver.commandsOfType(TemplateId::REMOVE_PUBLICATION);
    ASSERT_EQ(removes.size(), 1u);
    EXPECT_EQ(removes[0].registrationId, second->registrationId());
    EXPECT_EQ(removes[0].clientId, aeron->clientId());
    EXPECT_EQ(second->offer(reinterpret_cast<const std::uint8_t*>("x"), 1), PublicationResult::CLOSED);
    EXPECT_GT(first->offer(reinterpret_cast<const std::uint8_t*>("x"), 1), 0);
    EXPECT_EQ(aeron->findPublication(second->registrationId()), nullptr);
}

TEST(ClientConductorTest, shouldWorkWithAConductorThreadAndADriverThread)
{
    FakeDriver driver;
    std::atomic<bool> running{true};
    std::thread driverThread(
        [&]
        {
            while (running.load())
            {
                if (driver.doWork() == 0)
                {
                    std::this_thread::sleep_for(std::chrono::microseconds(50));
                }
            }
        });
    {
        AeronContext context = driver.context(false);
        context.idleStrategy = "sleeping";
        auto aeron = Aeron::connect(context);
        EXPECT_THROW(static_cast<void>(aeron->conductorAgentInvoker()), cox::util::IllegalStateException);
        auto publication = aeron->addPublication("aeron:ipc", 5);
        auto subscription = aeron->addSubscription("aeron:ipc", 5);
        EXPECT_EQ(publication->streamId(), 5);
        EXPECT_EQ(subscription->streamId(), 5);
        aeron->close();
    }
    running.store(false);
    driverThread.join();
    // close() only enqueues ClientClose; the driver thread may have stopped before reading it.
    while (driver.doWork() > 0)
    {
    }
    EXPECT_EQ(driver.commandsOfType(TemplateId::CLIENT_CLOSE).size(), 1u);
}

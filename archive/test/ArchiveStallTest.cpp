// An archive whose process was stopped (SIGSTOP) keeps its control sessions when it resumes: its clients in the
// same process were stopped too and could not keep them alive. A client that stays silent while the archive runs
// still loses its session after the connect timeout.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/ArchiveClientException.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/Clock.hpp"

using namespace cox;
using namespace cox::archive;

namespace
{
constexpr std::int64_t MS = 1'000'000;
constexpr std::int64_t CONNECT_TIMEOUT_NS = 1'000 * MS;

class ArchiveStallTest : public ::testing::Test, protected test::ArchiveHarness
{
protected:
    void SetUp() override
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.nanoClock = m_clock;
        ArchiveContext context;
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.connectTimeoutNs = CONNECT_TIMEOUT_NS;
        context.nanoClock = m_clock;
        context.errorHandler = [this](const std::exception& e)
        {
            const auto* archiveError = dynamic_cast<const ArchiveException*>(&e);
            m_archiveErrorCodes.push_back(archiveError != nullptr ? archiveError->errorCode()
                                                                  : ArchiveErrorCode::GENERIC);
        };
        transport::AeronContext aeronContext;
        aeronContext.nanoClock = m_clock;
        // Time moves a little with every cycle, so a request the archive dropped times out instead of hanging.
        aeronContext.driverInvoker = [this]
        {
            m_clock->advance(MS);
            return m_driver->doWork() + m_archive->doWork();
        };
        AeronArchiveContext clientContext;
        clientContext.messageTimeoutNs = 2'000 * MS;
        launchHarness(driverContext, context, clientContext, aeronContext);
    }

    void TearDown() override { closeHarness(); }

    int listAll()
    {
        return m_client->listRecordings(0, 10, [](const RecordingDescriptor&) {});
    }

    /// The archive dropped a request because it names a control session it no longer has.
    bool sessionDropped() const
    {
        for (const auto code : m_archiveErrorCodes)
        {
            if (code == ArchiveErrorCode::UNKNOWN_CONTROL_SESSION)
            {
                return true;
            }
        }
        return false;
    }

    /// Runs the driver and the archive, not the client, for the given time.
    void runWithoutTheClientFor(std::int64_t durationNs)
    {
        for (std::int64_t elapsed = 0; elapsed < durationNs; elapsed += 10 * MS)
        {
            m_clock->advance(10 * MS);
            m_driver->doWork();
            m_archive->doWork();
        }
    }

    std::shared_ptr<util::ManualNanoClock> m_clock = std::make_shared<util::ManualNanoClock>(1'000 * MS);
    std::vector<ArchiveErrorCode> m_archiveErrorCodes;
};
} // namespace

TEST_F(ArchiveStallTest, shouldKeepControlSessionsAcrossAPauseOfTheWholeProcess)
{
    ASSERT_EQ(listAll(), 0);
    m_clock->advance(5 * CONNECT_TIMEOUT_NS); // stopped and resumed
    m_archive->doWork();                       // the archive's conductor runs first
    m_archive->doWork();
    EXPECT_NO_THROW(listAll()) << "the session should have survived the pause";
    EXPECT_FALSE(sessionDropped());
}

TEST_F(ArchiveStallTest, shouldDropTheSessionOfAClientSilentWhileTheArchiveRunsAndFailItsNextRequestAtOnce)
{
    ASSERT_EQ(listAll(), 0);
    runWithoutTheClientFor(2 * CONNECT_TIMEOUT_NS);
    const std::int64_t beforeNs = m_clock->nanoTime();
    try
    {
        listAll();
        ADD_FAILURE() << "a request on a dropped session should fail";
    }
    catch (const ArchiveException& e)
    {
        EXPECT_NE(std::string(e.what()).find("closed control session"), std::string::npos) << e.what();
        EXPECT_EQ(e.errorCode(), ArchiveErrorCode::UNKNOWN_CONTROL_SESSION) << e.what();
        EXPECT_TRUE(isControlSessionLost(e)) << e.what();
    }
    EXPECT_LT(m_clock->nanoTime() - beforeNs, 500 * MS) << "failed fast, not after the 2 s message timeout";
}

TEST_F(ArchiveStallTest, shouldReportARequestOnADroppedSessionAsUnknownControlSession)
{
    ASSERT_EQ(listAll(), 0);
    runWithoutTheClientFor(2 * CONNECT_TIMEOUT_NS);
    ASSERT_FALSE(sessionDropped()) << "nothing was asked on the dropped session yet";

    ASSERT_TRUE(m_client->archiveProxy().keepAlive(m_aeron->nextCorrelationId(), m_client->controlSessionId()));
    runWithoutTheClientFor(100 * MS);

    EXPECT_TRUE(sessionDropped());
}

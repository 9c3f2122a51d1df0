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

class ArchiveStallTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.nanoClock = m_clock;
        m_driver = transport::MediaDriver::launch(driverContext);
        ArchiveContext context;
        context.archiveDir = m_dir.path();
        context.aeronDirectoryName = m_driver->aeronDirectoryName();
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.connectTimeoutNs = CONNECT_TIMEOUT_NS;
        context.nanoClock = m_clock;
        context.driverInvoker = [this] { return m_driver->doWork(); };
        context.errorHandler = [this](const std::exception& e) { m_archiveErrors.emplace_back(e.what()); };
        m_archive = Archive::launch(context);
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        aeronContext.useConductorAgentInvoker = true;
        aeronContext.nanoClock = m_clock;
        // Time moves a little with every cycle, so a request the archive dropped times out instead of hanging.
        aeronContext.driverInvoker = [this]
        {
            m_clock->advance(MS);
            return m_driver->doWork() + m_archive->doWork();
        };
        m_aeron = transport::Aeron::connect(aeronContext);
        AeronArchiveContext clientContext;
        clientContext.aeron = m_aeron;
        clientContext.messageTimeoutNs = 2'000 * MS;
        m_client = AeronArchive::connect(clientContext);
    }

    void TearDown() override
    {
        m_client.reset();
        m_aeron->close();
        m_archive.reset();
        m_driver.reset();
    }

    int listAll()
    {
        return m_client->listRecordings(0, 10, [](const RecordingDescriptor&) {});
    }

    bool sessionDropped() const
    {
        for (const auto& error : m_archiveErrors)
        {
            if (error.find("unknown controlSessionId") != std::string::npos)
            {
                return true;
            }
        }
        return false;
    }

    std::shared_ptr<util::ManualNanoClock> m_clock = std::make_shared<util::ManualNanoClock>(1'000 * MS);
    test::TempDirectory m_dir;
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::unique_ptr<Archive> m_archive;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::unique_ptr<AeronArchive> m_client;
    std::vector<std::string> m_archiveErrors;
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
    for (std::int64_t elapsed = 0; elapsed < 2 * CONNECT_TIMEOUT_NS; elapsed += 10 * MS)
    {
        m_clock->advance(10 * MS);
        m_driver->doWork();
        m_archive->doWork();
    }
    const std::int64_t beforeNs = m_clock->nanoTime();
    try
    {
        listAll();
        ADD_FAILURE() << "a request on a dropped session should fail";
    }
    catch (const ArchiveException& e)
    {
        EXPECT_NE(std::string(e.what()).find("closed control session"), std::string::npos) << e.what();
    }
    EXPECT_LT(m_clock->nanoTime() - beforeNs, 500 * MS) << "failed fast, not after the 2 s message timeout";
}

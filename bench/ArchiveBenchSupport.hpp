#pragma once

// What the archive benchmarks share: a scratch directory, and a driver + archive + clients stack.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "BenchSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::bench
{
[[noreturn]] inline void throwIo(const std::string& what, int errnoValue)
{
    throw util::IoException(what + ": " + std::strerror(errnoValue));
}

/// A fresh directory under parent for the run, removed with its contents at the end.
class WorkDirectory
{
public:
    explicit WorkDirectory(const std::string& parent)
    {
        std::string pattern = parent + "/cox-bench-archive-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
        {
            throwIo("cannot create a directory in " + parent, errno);
        }
        m_path = pattern;
    }

    ~WorkDirectory()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }

    WorkDirectory(const WorkDirectory&) = delete;
    WorkDirectory& operator=(const WorkDirectory&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return m_path; }

private:
    std::string m_path;
};

struct ArchiveStackConfig
{
    std::string threading; ///< "dedicated" or "shared"
    std::string idle;
    std::int32_t segmentLength = 0;
    archive::FileSyncLevel syncLevel = archive::FileSyncLevel::NONE;
};

/// A media driver in invoker mode run by the archive's duty cycle, the archive, and on the calling
/// thread an Aeron client and an archive client: two busy threads for two cores.
class ArchiveStack
{
public:
    ArchiveStack(const ArchiveStackConfig& config, const std::string& archiveDir)
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.preTouchLogBuffers = true;
        m_driver = transport::MediaDriver::launch(std::move(driverContext));

        archive::ArchiveContext archiveContext;
        archiveContext.archiveDir = archiveDir;
        archiveContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        // Launch calls it on this thread until the agents start; from then on only the archive's conductor does.
        transport::MediaDriver* driver = m_driver.get();
        archiveContext.driverInvoker = [driver] { return driver->doWork(); };
        archiveContext.threadingMode = config.threading == "dedicated" ? archive::ArchiveThreadingMode::DEDICATED
                                                                       : archive::ArchiveThreadingMode::SHARED;
        archiveContext.idleStrategy = config.idle;
        archiveContext.segmentFileLength = config.segmentLength;
        archiveContext.fileSyncLevel = config.syncLevel;
        archiveContext.catalogFileSyncLevel = config.syncLevel;
        m_archive = archive::Archive::launch(std::move(archiveContext));

        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        aeronContext.useConductorAgentInvoker = true;
        m_aeron = transport::Aeron::connect(std::move(aeronContext));
        archive::AeronArchiveContext clientContext;
        clientContext.aeron = m_aeron;
        m_client = archive::AeronArchive::connect(std::move(clientContext));
    }

    ~ArchiveStack()
    {
        try
        {
            m_client->close();
            m_aeron->close();
            m_archive->close();
            m_driver->close();
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "warning: closing the archive stack: %s\n", e.what());
        }
    }

    ArchiveStack(const ArchiveStack&) = delete;
    ArchiveStack& operator=(const ArchiveStack&) = delete;

    [[nodiscard]] archive::AeronArchive& client() { return *m_client; }
    [[nodiscard]] const util::CountersReader& counters() const { return m_aeron->countersReader(); }
    /// Keepalives and image changes of the calling thread's client (a new image needs one): off the data path.
    int clientWork() { return m_aeron->conductorAgentInvoker().invoke(); }

    [[nodiscard]] std::shared_ptr<transport::Aeron> aeron() const { return m_aeron; }

private:
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::unique_ptr<archive::Archive> m_archive;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::unique_ptr<archive::AeronArchive> m_client;
};

/// The figures of one measured phase.
struct Rates
{
    double elapsedSec = 0;
    std::int64_t bytes = 0;
    std::int64_t messages = 0;
    std::int32_t payloadLength = 0;

    [[nodiscard]] double msgsPerSec() const { return static_cast<double>(messages) / elapsedSec; }
    [[nodiscard]] double mbPerSec() const { return static_cast<double>(bytes) / elapsedSec / 1e6; }
    [[nodiscard]] double payloadMbPerSec() const { return msgsPerSec() * payloadLength / 1e6; }

    void addTo(JsonLine& json, const std::string& prefix) const
    {
        json.add(prefix + "msgs_per_sec", msgsPerSec())
            .add(prefix + "mb_per_sec", mbPerSec())
            .add(prefix + "payload_mb_per_sec", payloadMbPerSec())
            .add(prefix + "seconds", elapsedSec)
            .add(prefix + "bytes", bytes);
    }

    void print(const char* label) const
    {
        std::printf("  %-16s %12.0f msgs/s %9.2f MB/s (payload %8.2f MB/s) | %.0f MB in %.2f s\n", label,
                    msgsPerSec(), mbPerSec(), payloadMbPerSec(), static_cast<double>(bytes) / 1e6, elapsedSec);
    }
};
} // namespace cox::bench

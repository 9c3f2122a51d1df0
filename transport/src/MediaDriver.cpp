#include "cox/transport/MediaDriver.hpp"

#include <atomic>
#include <filesystem>
#include <unistd.h>

#include "DriverConductor.hpp"
#include "Receiver.hpp"
#include "Sender.hpp"
#include "cox/transport/CncFileDescriptor.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/util/AgentGroup.hpp"
#include "cox/util/BroadcastBufferDescriptor.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace cox::transport
{

DriverResources::DriverResources() = default;
DriverResources::~DriverResources() = default;

namespace
{
std::atomic<int> g_driverCount{0};

std::string defaultDirectory()
{
    return "/dev/shm/coxswain-" + std::to_string(::getpid()) + "-" + std::to_string(g_driverCount.fetch_add(1));
}

void check(bool condition, const std::string& message)
{
    if (!condition)
    {
        throw util::IllegalArgumentException("media driver context: " + message);
    }
}

void validate(const MediaDriverContext& context)
{
    LogBufferDescriptor::checkTermLength(context.publicationTermBufferLength);
    LogBufferDescriptor::checkTermLength(context.ipcTermBufferLength);
    for (const std::int32_t mtu : {context.mtuLength, context.ipcMtuLength})
    {
        check(mtu > 32 && mtu <= 65504 && mtu % 32 == 0,
              "mtuLength " + std::to_string(mtu) + " must be > 32, <= 65504 and a multiple of 32");
    }
    check(util::isPowerOfTwo(context.toDriverBufferLength) && util::isPowerOfTwo(context.toClientsBufferLength),
          "toDriverBufferLength and toClientsBufferLength must be powers of two");
    check(context.maxCounters > 0, "maxCounters must be positive");
    check(context.receiveDataLossRate >= 0.0 && context.receiveDataLossRate <= 1.0,
          "receiveDataLossRate must be in [0, 1]");
}

util::ErrorHandler errorHandlerFor(DriverResources& resources)
{
    return [&resources](const std::exception& error)
    {
        resources.errorLog->record(error);
        if (resources.context.errorHandler)
        {
            resources.context.errorHandler(error);
        }
    };
}
} // namespace

std::unique_ptr<MediaDriver> MediaDriver::launch(MediaDriverContext context)
{
    validate(context);
    auto resources = std::make_unique<DriverResources>();
    if (context.aeronDirectoryName.empty())
    {
        context.aeronDirectoryName = defaultDirectory();
    }
    const std::filesystem::path dir(context.aeronDirectoryName);
    if (context.dirDeleteOnStart)
    {
        std::filesystem::remove_all(dir);
    }
    std::filesystem::create_directories(dir / "publications");
    std::filesystem::create_directories(dir / "images");

    resources->nanoClock = context.nanoClock ? context.nanoClock : std::make_shared<util::SystemNanoClock>();
    resources->epochClock = context.epochClock ? context.epochClock : std::make_shared<util::SystemEpochClock>();
    resources->udpMedia = context.udpMedia ? context.udpMedia : socketUdpMedia();
    resources->context = context;

    const std::size_t toDriverLength =
        static_cast<std::size_t>(context.toDriverBufferLength) + util::RingBufferDescriptor::TRAILER_LENGTH;
    const std::size_t toClientsLength =
        static_cast<std::size_t>(context.toClientsBufferLength) + util::BroadcastBufferDescriptor::TRAILER_LENGTH;
    const auto errorLogLength = static_cast<std::size_t>(context.errorLogBufferLength);
    resources->cncFile = util::MemoryMappedFile::create(
        (dir / CncFileDescriptor::CNC_FILE).string(),
        CncFileDescriptor::computeCncFileLength(toDriverLength, toClientsLength, errorLogLength));
    util::AtomicBuffer cnc = resources->cncFile->buffer();
    cnc.putInt32(CncFileDescriptor::TO_DRIVER_BUFFER_LENGTH_OFFSET, static_cast<std::int32_t>(toDriverLength));
    cnc.putInt32(CncFileDescriptor::TO_CLIENTS_BUFFER_LENGTH_OFFSET, static_cast<std::int32_t>(toClientsLength));
    cnc.putInt32(CncFileDescriptor::ERROR_LOG_BUFFER_LENGTH_OFFSET, static_cast<std::int32_t>(errorLogLength));
    cnc.putInt64(CncFileDescriptor::CLIENT_LIVENESS_TIMEOUT_OFFSET, context.clientLivenessTimeoutNs);
    cnc.putInt64(CncFileDescriptor::START_TIMESTAMP_OFFSET, resources->epochClock->time());
    cnc.putInt64(CncFileDescriptor::PID_OFFSET, ::getpid());

    resources->counters = util::CountersManager::create(
        (dir / CncFileDescriptor::COUNTERS_FILE).string(), context.maxCounters, *resources->epochClock);
    resources->systemCounters.allocate(*resources->counters);
    resources->errorLog = std::make_unique<util::DistinctErrorLog>(
        CncFileDescriptor::wrap(cnc).errorLog, *resources->epochClock);
    resources->errorHandler = errorHandlerFor(*resources);

    resources->sender =
        std::make_unique<Sender>(resources->toSender, *resources->nanoClock, resources->udpMedia->newPoller());
    resources->receiver = std::make_unique<Receiver>(
        resources->toReceiver, resources->toConductor, *resources->nanoClock, resources->udpMedia->newPoller());
    resources->conductor = std::make_unique<DriverConductor>(*resources);
    resources->receiver->setConductor(resources->conductor.get());

    const std::vector<util::Agent*> agents{
        resources->sender.get(), resources->receiver.get(), resources->conductor.get()};
    const util::ThreadingMode mode = context.threadingMode == ThreadingMode::DEDICATED ? util::ThreadingMode::DEDICATED
        : context.threadingMode == ThreadingMode::SHARED                             ? util::ThreadingMode::SHARED
                                                                                     : util::ThreadingMode::INVOKER;
    resources->agents = std::make_unique<util::AgentGroup>(
        mode, agents,
        std::vector<std::string>{context.senderIdleStrategy, context.receiverIdleStrategy, context.conductorIdleStrategy},
        context.sharedIdleStrategy, resources->errorHandler);

    // Version last: a client that sees it non-zero sees a complete file.
    cnc.putInt32Ordered(CncFileDescriptor::VERSION_OFFSET, CncFileDescriptor::CNC_VERSION);

    resources->agents->start();
    return std::unique_ptr<MediaDriver>(new MediaDriver(std::move(resources)));
}

MediaDriver::MediaDriver(std::unique_ptr<DriverResources> resources) : m_resources(std::move(resources)) {}

MediaDriver::~MediaDriver()
{
    close();
}

int MediaDriver::doWork()
{
    if (!m_resources->agents->isInvoker())
    {
        throw util::IllegalStateException("MediaDriver::doWork is for ThreadingMode::INVOKER");
    }
    return m_resources->agents->invoke();
}

const std::string& MediaDriver::aeronDirectoryName() const noexcept
{
    return m_resources->context.aeronDirectoryName;
}

const MediaDriverContext& MediaDriver::context() const noexcept
{
    return m_resources->context;
}

void MediaDriver::close()
{
    if (!m_resources || m_resources->isClosed)
    {
        return;
    }
    m_resources->isClosed = true;
    // Stop every thread first; the conductor frees what is left in its onClose.
    m_resources->agents->close();
    m_resources->agents.reset();
    m_resources->conductor.reset();
    m_resources->receiver.reset();
    m_resources->sender.reset();
    const std::string dir = m_resources->context.aeronDirectoryName;
    const bool deleteDir = m_resources->context.dirDeleteOnShutdown;
    m_resources->errorLog.reset();
    m_resources->counters.reset();
    m_resources->cncFile.reset();
    if (deleteDir)
    {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
}
} // namespace cox::transport

#include "cox/archive/Archive.hpp"

#include <filesystem>

#include "ArchiveConductor.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/util/AgentInvoker.hpp"
#include "cox/util/AgentRunner.hpp"
#include "cox/util/CompositeAgent.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::archive
{
struct ArchiveResources::Runners
{
    std::vector<std::unique_ptr<util::IdleStrategy>> idleStrategies;
    std::unique_ptr<util::CompositeAgent> composite;
    std::vector<std::unique_ptr<util::AgentRunner<>>> runners;
    std::unique_ptr<util::AgentInvoker> invoker;
};

ArchiveResources::ArchiveResources() = default;
ArchiveResources::~ArchiveResources() = default;

namespace
{
void validate(const ArchiveContext& context)
{
    const auto fail = [](const std::string& message)
    { throw util::IllegalArgumentException("archive context: " + message); };
    if (context.archiveDir.empty())
    {
        fail("archiveDir must be set");
    }
    if (static_cast<int>(context.catalogFileSyncLevel) < static_cast<int>(context.fileSyncLevel))
    {
        fail("catalogFileSyncLevel must be at least fileSyncLevel");
    }
    if (!util::isPowerOfTwo(context.segmentFileLength) || context.segmentFileLength < 64 * 1024)
    {
        fail("segmentFileLength " + std::to_string(context.segmentFileLength) + " must be a power of two >= 64 KiB");
    }
    if (context.maxConcurrentRecordings <= 0 || context.maxConcurrentReplays <= 0)
    {
        fail("maxConcurrentRecordings and maxConcurrentReplays must be positive");
    }
}
} // namespace

std::unique_ptr<Archive> Archive::launch(ArchiveContext context)
{
    validate(context);
    auto resources = std::make_unique<ArchiveResources>();
    resources->nanoClock = context.nanoClock ? context.nanoClock : std::make_shared<util::SystemNanoClock>();
    resources->epochClock = context.epochClock ? context.epochClock : std::make_shared<util::SystemEpochClock>();
    resources->errorHandler = context.errorHandler ? context.errorHandler : util::ErrorHandler(util::printErrorToStderr);
    if (context.deleteArchiveOnStart)
    {
        std::filesystem::remove_all(context.archiveDir);
    }

    ArchiveStorage::Context storageContext;
    storageContext.archiveDir = context.archiveDir;
    storageContext.segmentFileLength = context.segmentFileLength;
    storageContext.fileSyncLevel = context.fileSyncLevel;
    storageContext.catalogFileSyncLevel = context.catalogFileSyncLevel;
    storageContext.recordChecksum = context.recordChecksum;
    storageContext.replayChecksum = context.replayChecksum;
    storageContext.maxBlockLength = context.fileIoMaxLength;
    resources->storage = std::make_unique<ArchiveStorage>(storageContext, resources->epochClock->time());
    if (resources->storage->recoveryReport().droppedAnything())
    {
        // A torn tail after a crash is repaired, not refused; it is reported where errors go.
        resources->errorHandler(
            util::IllegalStateException("archive recovery: " + resources->storage->recoveryReport().toString()));
    }

    // The archive's own client runs inside its conductor's duty cycle (Aeron does the same).
    transport::AeronContext aeronContext;
    aeronContext.aeronDirectoryName = context.aeronDirectoryName;
    aeronContext.useConductorAgentInvoker = true;
    aeronContext.driverInvoker = context.driverInvoker;
    aeronContext.nanoClock = resources->nanoClock;
    aeronContext.epochClock = resources->epochClock;
    aeronContext.errorHandler = resources->errorHandler;
    resources->aeron = transport::Aeron::connect(aeronContext);
    resources->archiveId = context.archiveId >= 0 ? context.archiveId : resources->aeron->clientId();
    resources->context = context;

    ArchiveResources* raw = resources.get();
    resources->recorder = std::make_unique<Recorder>(
        resources->toRecorder,
        [raw](std::shared_ptr<RecordingSession> session)
        { raw->toConductor.offer([raw, session] { raw->conductor->onRecordingDone(session); }); });
    resources->replayer = std::make_unique<Replayer>(
        resources->toReplayer, *resources->nanoClock,
        [raw](std::shared_ptr<ReplaySession> session)
        { raw->toConductor.offer([raw, session] { raw->conductor->onReplayDone(session); }); });
    resources->conductor = std::make_unique<ArchiveConductor>(*resources);

    auto runners = std::make_unique<ArchiveResources::Runners>();
    std::vector<util::Agent*> agents{resources->conductor.get(), resources->recorder.get(), resources->replayer.get()};
    switch (context.threadingMode)
    {
        case ArchiveThreadingMode::DEDICATED:
            for (util::Agent* agent : agents)
            {
                runners->idleStrategies.push_back(util::newIdleStrategy(context.idleStrategy));
                runners->runners.push_back(std::make_unique<util::AgentRunner<>>(
                    *agent, *runners->idleStrategies.back(), resources->errorHandler));
            }
            break;
        case ArchiveThreadingMode::SHARED:
            runners->composite = std::make_unique<util::CompositeAgent>(agents);
            runners->idleStrategies.push_back(util::newIdleStrategy(context.idleStrategy));
            runners->runners.push_back(std::make_unique<util::AgentRunner<>>(
                *runners->composite, *runners->idleStrategies.back(), resources->errorHandler));
            break;
        case ArchiveThreadingMode::INVOKER:
            runners->composite = std::make_unique<util::CompositeAgent>(agents);
            runners->invoker = std::make_unique<util::AgentInvoker>(*runners->composite, resources->errorHandler);
            break;
    }
    resources->runners = std::move(runners);
    if (resources->runners->invoker)
    {
        resources->runners->invoker->start();
    }
    for (auto& runner : resources->runners->runners)
    {
        runner->start();
    }
    return std::unique_ptr<Archive>(new Archive(std::move(resources)));
}

Archive::Archive(std::unique_ptr<ArchiveResources> resources) : m_resources(std::move(resources)) {}

Archive::~Archive()
{
    close();
}

int Archive::doWork()
{
    if (!m_resources->runners->invoker)
    {
        throw util::IllegalStateException("Archive::doWork is for ArchiveThreadingMode::INVOKER");
    }
    return m_resources->runners->invoker->invoke();
}

const ArchiveContext& Archive::context() const noexcept
{
    return m_resources->context;
}

std::int64_t Archive::archiveId() const noexcept
{
    return m_resources->archiveId;
}

void Archive::close()
{
    if (!m_resources || m_resources->isClosed)
    {
        return;
    }
    m_resources->isClosed = true;
    for (auto& runner : m_resources->runners->runners)
    {
        runner->close();
    }
    if (m_resources->runners->invoker)
    {
        m_resources->runners->invoker->close();
    }
    m_resources->runners.reset();
    m_resources->conductor.reset();
    m_resources->recorder.reset();
    m_resources->replayer.reset();
    if (m_resources->aeron)
    {
        m_resources->aeron->close();
    }
    m_resources->storage.reset();
}
} // namespace cox::archive

#include "cox/archive/Archive.hpp"

#include <filesystem>

#include "ArchiveConductor.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/util/AgentGroup.hpp"

namespace cox::archive
{

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
    storageContext.asyncFileSync = context.asyncFileSync;
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

    const std::vector<util::Agent*> agents{
        resources->conductor.get(), resources->recorder.get(), resources->replayer.get()};
    const util::ThreadingMode mode =
        context.threadingMode == ArchiveThreadingMode::DEDICATED ? util::ThreadingMode::DEDICATED
        : context.threadingMode == ArchiveThreadingMode::SHARED  ? util::ThreadingMode::SHARED
                                                                 : util::ThreadingMode::INVOKER;
    resources->agents = std::make_unique<util::AgentGroup>(
        mode, agents, std::vector<std::string>(agents.size(), context.idleStrategy), context.idleStrategy,
        resources->errorHandler);
    resources->agents->start();
    return std::unique_ptr<Archive>(new Archive(std::move(resources)));
}

Archive::Archive(std::unique_ptr<ArchiveResources> resources) : m_resources(std::move(resources)) {}

Archive::~Archive()
{
    close();
}

int Archive::doWork()
{
    if (!m_resources->agents->isInvoker())
    {
        throw util::IllegalStateException("Archive::doWork is for ArchiveThreadingMode::INVOKER");
    }
    return m_resources->agents->invoke();
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
    m_resources->agents->close();
    m_resources->agents.reset();
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

#include "cox/cluster/service/ClusteredServiceContainer.hpp"

#include <utility>

#include "cox/cluster/ClusterMarkFile.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/util/Exceptions.hpp"
#include "service/ClusteredServiceAgent.hpp"

namespace cox::cluster
{
namespace
{
void conclude(ClusteredServiceContainerContext& context)
{
    if (!context.aeron)
    {
        throw util::IllegalArgumentException("ClusteredServiceContainerContext.aeron is required");
    }
    if (!context.aeron->context().useConductorAgentInvoker)
    {
        throw util::IllegalArgumentException(
            "ClusteredServiceContainerContext.aeron must use the conductor agent invoker (the container drives it)");
    }
    if (context.clusteredService == nullptr)
    {
        throw util::IllegalArgumentException("ClusteredServiceContainerContext.clusteredService is required");
    }
    if (context.serviceId < 0 || context.serviceId >= RecoveryState::MAX_SERVICE_COUNT)
    {
        throw util::IllegalArgumentException("serviceId=" + std::to_string(context.serviceId) + " is outside 0 to " +
                                             std::to_string(RecoveryState::MAX_SERVICE_COUNT - 1));
    }
    if (context.logFragmentLimit <= 0)
    {
        throw util::IllegalArgumentException("logFragmentLimit must be positive, got " +
                                             std::to_string(context.logFragmentLimit));
    }
    if (context.errorBufferLength < ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH ||
        context.errorBufferLength > std::numeric_limits<std::int32_t>::max())
    {
        throw util::IllegalArgumentException("errorBufferLength=" + std::to_string(context.errorBufferLength) +
                                             " is outside " + std::to_string(ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH) +
                                             " to INT32_MAX");
    }
    if (context.clusterDir.empty() || context.controlChannel.empty())
    {
        throw util::IllegalArgumentException("clusterDir and controlChannel must be set");
    }
    if (!context.nanoClock)
    {
        context.nanoClock = std::make_shared<util::SystemNanoClock>();
    }
    if (!context.epochClock)
    {
        context.epochClock = std::make_shared<util::SystemEpochClock>();
    }
}
} // namespace

ClusteredServiceContainer::ClusteredServiceContainer(ClusteredServiceContainerContext context)
    : m_context(std::move(context))
{
    conclude(m_context);
    m_agent = std::make_unique<ClusteredServiceAgent>(m_context);
}

ClusteredServiceContainer::~ClusteredServiceContainer() = default;

util::Agent& ClusteredServiceContainer::agent() noexcept
{
    return *m_agent;
}

bool ClusteredServiceContainer::isTerminated() const noexcept
{
    return m_agent->isTerminated();
}

std::int64_t ClusteredServiceContainer::errorCount() const noexcept
{
    return m_agent->errorCount();
}
} // namespace cox::cluster

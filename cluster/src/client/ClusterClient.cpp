#include "cox/cluster/client/ClusterClient.hpp"

#include "client/AsyncClusterConnectImpl.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::cluster
{
std::unique_ptr<ClusterClient> ClusterClient::connect(ClusterClientContext context)
{
    client::AsyncClusterConnectImpl asyncConnect(std::move(context));
    const std::unique_ptr<util::IdleStrategy> idleStrategy = util::newIdleStrategy(asyncConnect.idleStrategyName());
    while (true)
    {
        if (auto clusterClient = asyncConnect.poll())
        {
            return clusterClient;
        }
        idleStrategy->idle(asyncConnect.lastWorkCount());
    }
}

std::unique_ptr<AsyncClusterConnect> ClusterClient::asyncConnect(ClusterClientContext context)
{
    return std::make_unique<client::AsyncClusterConnectImpl>(std::move(context));
}
} // namespace cox::cluster

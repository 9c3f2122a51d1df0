#include "cox/cluster/service/ClusteredService.hpp"

namespace cox::cluster
{
std::string_view toString(CloseReason reason) noexcept
{
    switch (reason)
    {
    case CloseReason::CLIENT_ACTION:
        return "CLIENT_ACTION";
    case CloseReason::SERVICE_ACTION:
        return "SERVICE_ACTION";
    case CloseReason::TIMEOUT:
        return "TIMEOUT";
    }
    return "UNKNOWN";
}
} // namespace cox::cluster

#include "cox/transport/MaxMulticastFlowControl.hpp"

#include <algorithm>

#include "cox/transport/LogBufferDescriptor.hpp"

namespace cox::transport
{
std::int64_t MaxMulticastFlowControl::onStatusMessage(const StatusMessageFields& sm, std::int64_t senderLimit,
                                                      std::int32_t initialTermId, std::int32_t positionBitsToShift,
                                                      std::int64_t /*nowNs*/)
{
    const std::int64_t position = LogBufferDescriptor::computePosition(sm.consumptionTermId, sm.consumptionTermOffset,
                                                                       positionBitsToShift, initialTermId);
    return std::max(senderLimit, position + sm.receiverWindow);
}

std::int64_t MaxMulticastFlowControl::onIdle(std::int64_t /*nowNs*/, std::int64_t senderLimit,
                                             std::int64_t /*senderPosition*/, bool /*isEndOfStream*/)
{
    return senderLimit;
}
} // namespace cox::transport

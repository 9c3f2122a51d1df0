#pragma once

#include "cox/transport/FlowControl.hpp"

namespace cox::transport
{
/// `fc=max`, the multicast and MDC default (facts §5): the fastest receiver sets the limit, so slow receivers
/// may fall behind and lose data. Retransmissions are capped at 4 receiver windows.
class MaxMulticastFlowControl final : public FlowControl
{
public:
    static constexpr std::int32_t RETRANSMIT_RECEIVER_WINDOW_MULTIPLE = 4;

    explicit MaxMulticastFlowControl(const FlowControlSettings& settings = {}) noexcept
        : FlowControl(RETRANSMIT_RECEIVER_WINDOW_MULTIPLE, settings.initialReceiverWindowLength)
    {
    }

    [[nodiscard]] std::int64_t onStatusMessage(const StatusMessageFields& sm, std::int64_t senderLimit,
                                               std::int32_t initialTermId, std::int32_t positionBitsToShift,
                                               std::int64_t nowNs) override;

    [[nodiscard]] std::int64_t onIdle(std::int64_t nowNs, std::int64_t senderLimit, std::int64_t senderPosition,
                                      bool isEndOfStream) override;
};
} // namespace cox::transport

#pragma once

#include "cox/transport/FlowControl.hpp"

namespace cox::transport
{
/// Unicast (`unicast_max`, facts §5): the one receiver's position + window raises the limit; idle cycles
/// leave it alone. Retransmissions are capped at 16 receiver windows.
class UnicastFlowControl final : public FlowControl
{
public:
    static constexpr std::int32_t RETRANSMIT_RECEIVER_WINDOW_MULTIPLE = 16;

    explicit UnicastFlowControl(const FlowControlSettings& settings = {}) noexcept
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

#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cox/transport/FlowControl.hpp"

namespace cox::transport
{
/// `fc=min` and `fc=tagged` (facts §5): the slowest tracked receiver sets the limit, for lossless group
/// delivery.
///
/// - Receivers are tracked by receiver_id with their last position, last position + window and last SM time.
///   With a group tag (tagged mode) only SMs carrying that tag count; others neither add receivers nor move
///   the limit.
/// - On SM: result = max(snd-lmt, min over receivers of position + window).
/// - A new receiver is added only if its SM is not EOS and its position + window >= current minimum - window,
///   so a far-behind late joiner cannot drag the group back.
/// - On idle: receivers silent for the receiver timeout (default 5 s, `t:`) or flagged EOS (by SM or ERR)
///   are dropped; result = min over the rest.
/// - Until `groupMinSize` receivers (`g:/n`) are tracked, or while none are, the limit is left unchanged and
///   hasRequiredReceivers() is false.
/// - When a tracked group's receiver asks for SETUP while others exist, the limit is held at its value at that
///   moment for one receiver timeout or until a new receiver joins, so the joiner is not outrun.
///
/// The receiver array is allocated in the constructor (settings.receiverCapacity); receivers beyond it are
/// ignored and counted in receiverOverflowCount().
class MinMulticastFlowControl final : public FlowControl
{
public:
    static constexpr std::int32_t RETRANSMIT_RECEIVER_WINDOW_MULTIPLE = 16;

    struct Receiver
    {
        std::int64_t receiverId;
        std::int64_t lastPosition;
        std::int64_t lastPositionPlusWindow;
        std::int64_t timeOfLastStatusMessageNs;
        bool isEndOfStream;
    };

    /// groupTag empty means `min` (every SM counts); set means `tagged`. Throws IllegalArgumentException for
    /// a non-positive timeout or capacity or a negative group size.
    MinMulticastFlowControl(std::optional<std::int64_t> groupTag, std::int32_t groupMinSize,
                            std::int64_t receiverTimeoutNs, const FlowControlSettings& settings = {});

    /// `fc=min` with the settings' timeout and group size.
    explicit MinMulticastFlowControl(const FlowControlSettings& settings = {})
        : MinMulticastFlowControl(std::nullopt, settings.groupMinSize, settings.receiverTimeoutNs, settings)
    {
    }

    [[nodiscard]] std::int64_t onStatusMessage(const StatusMessageFields& sm, std::int64_t senderLimit,
                                               std::int32_t initialTermId, std::int32_t positionBitsToShift,
                                               std::int64_t nowNs) override;

    [[nodiscard]] std::int64_t onIdle(std::int64_t nowNs, std::int64_t senderLimit, std::int64_t senderPosition,
                                      bool isEndOfStream) override;

    [[nodiscard]] std::int64_t onSetup(const StatusMessageFields& sm, std::int64_t senderLimit,
                                       std::int64_t senderPosition, std::int64_t nowNs) override;

    void onError(std::int64_t receiverId, bool hasGroupTag, std::int64_t groupTag, std::int64_t nowNs) override;

    [[nodiscard]] bool hasRequiredReceivers() const noexcept override
    {
        return static_cast<std::int32_t>(m_receivers.size()) >= m_groupMinSize;
    }

    [[nodiscard]] std::int32_t receiverCount() const noexcept override
    {
        return static_cast<std::int32_t>(m_receivers.size());
    }

    [[nodiscard]] const std::vector<Receiver>& receivers() const noexcept { return m_receivers; }
    [[nodiscard]] std::int64_t receiverOverflowCount() const noexcept { return m_receiverOverflowCount; }
    [[nodiscard]] std::optional<std::int64_t> groupTag() const noexcept { return m_groupTag; }
    [[nodiscard]] std::int32_t groupMinSize() const noexcept { return m_groupMinSize; }
    [[nodiscard]] std::int64_t receiverTimeoutNs() const noexcept { return m_receiverTimeoutNs; }

private:
    [[nodiscard]] bool matchesGroup(bool hasGroupTag, std::int64_t groupTag) const noexcept;
    [[nodiscard]] bool hasEnoughReceivers() const noexcept;
    [[nodiscard]] std::int64_t minPositionPlusWindow() const noexcept;
    /// Applies the post-setup hold; clears it once expired.
    [[nodiscard]] std::int64_t applySetupHold(std::int64_t limit, std::int64_t nowNs) noexcept;

    std::vector<Receiver> m_receivers;
    std::size_t m_receiverCapacity;
    std::optional<std::int64_t> m_groupTag;
    std::int32_t m_groupMinSize;
    std::int64_t m_receiverTimeoutNs;
    std::int64_t m_receiverOverflowCount = 0;
    bool m_isSetupHoldActive = false;
    std::int64_t m_setupHoldLimit = 0;
    std::int64_t m_setupHoldExpiryNs = 0;
};
} // namespace cox::transport

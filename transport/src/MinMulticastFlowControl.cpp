#include "cox/transport/MinMulticastFlowControl.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
MinMulticastFlowControl::MinMulticastFlowControl(std::optional<std::int64_t> groupTag, std::int32_t groupMinSize,
                                                 std::int64_t receiverTimeoutNs, const FlowControlSettings& settings)
    : FlowControl(RETRANSMIT_RECEIVER_WINDOW_MULTIPLE, settings.initialReceiverWindowLength),
      m_receiverCapacity(static_cast<std::size_t>(std::max(settings.receiverCapacity, 0))), m_groupTag(groupTag),
      m_groupMinSize(groupMinSize), m_receiverTimeoutNs(receiverTimeoutNs)
{
    if (receiverTimeoutNs <= 0 || groupMinSize < 0 || settings.receiverCapacity <= 0)
    {
        throw util::IllegalArgumentException(
            "min flow control needs receiver timeout > 0, group min size >= 0 and receiver capacity > 0, got " +
            std::to_string(receiverTimeoutNs) + " ns, " + std::to_string(groupMinSize) + ", " +
            std::to_string(settings.receiverCapacity));
    }
    m_receivers.reserve(m_receiverCapacity);
}

std::int64_t MinMulticastFlowControl::onStatusMessage(const StatusMessageFields& sm, std::int64_t senderLimit,
                                                      std::int32_t initialTermId, std::int32_t positionBitsToShift,
                                                      std::int64_t nowNs)
{
    if (!matchesGroup(sm.hasGroupTag, sm.groupTag))
    {
        // Receivers outside the group neither hold the sender back nor move it on.
        return senderLimit;
    }

    const std::int64_t position = LogBufferDescriptor::computePosition(sm.consumptionTermId, sm.consumptionTermOffset,
                                                                       positionBitsToShift, initialTermId);
    const std::int64_t positionPlusWindow = position + sm.receiverWindow;

    const auto existing = std::find_if(m_receivers.begin(), m_receivers.end(),
                                       [&sm](const Receiver& r) { return r.receiverId == sm.receiverId; });
    if (existing != m_receivers.end())
    {
        existing->lastPosition = std::max(existing->lastPosition, position);
        existing->lastPositionPlusWindow = positionPlusWindow;
        existing->timeOfLastStatusMessageNs = nowNs;
        existing->isEndOfStream = sm.isEndOfStream();
    }
    else if (!sm.isEndOfStream() &&
             (m_receivers.empty() || positionPlusWindow >= minPositionPlusWindow() - sm.receiverWindow))
    {
        if (m_receivers.size() < m_receiverCapacity)
        {
            m_receivers.push_back({sm.receiverId, position, positionPlusWindow, nowNs, false});
            m_isSetupHoldActive = false;
        }
        else
        {
            ++m_receiverOverflowCount;
        }
    }

    if (!hasEnoughReceivers())
    {
        return senderLimit;
    }
    return applySetupHold(std::max(senderLimit, minPositionPlusWindow()), nowNs);
}

std::int64_t MinMulticastFlowControl::onIdle(std::int64_t nowNs, std::int64_t senderLimit,
                                             std::int64_t /*senderPosition*/, bool /*isEndOfStream*/)
{
    std::erase_if(m_receivers, [this, nowNs](const Receiver& r)
                  { return r.isEndOfStream || nowNs - r.timeOfLastStatusMessageNs >= m_receiverTimeoutNs; });
    if (!hasEnoughReceivers())
    {
        return senderLimit;
    }
    return applySetupHold(minPositionPlusWindow(), nowNs);
}

std::int64_t MinMulticastFlowControl::onSetup(const StatusMessageFields& sm, std::int64_t senderLimit,
                                              std::int64_t /*senderPosition*/, std::int64_t nowNs)
{
    if (matchesGroup(sm.hasGroupTag, sm.groupTag) && !m_receivers.empty())
    {
        m_isSetupHoldActive = true;
        m_setupHoldLimit = senderLimit;
        m_setupHoldExpiryNs = nowNs + m_receiverTimeoutNs;
    }
    return senderLimit;
}

void MinMulticastFlowControl::onError(std::int64_t receiverId, bool hasGroupTag, std::int64_t groupTag,
                                      std::int64_t /*nowNs*/)
{
    if (!matchesGroup(hasGroupTag, groupTag))
    {
        return;
    }
    for (Receiver& receiver : m_receivers)
    {
        if (receiver.receiverId == receiverId)
        {
            receiver.isEndOfStream = true;
        }
    }
}

bool MinMulticastFlowControl::matchesGroup(bool hasGroupTag, std::int64_t groupTag) const noexcept
{
    return !m_groupTag.has_value() || (hasGroupTag && groupTag == *m_groupTag);
}

bool MinMulticastFlowControl::hasEnoughReceivers() const noexcept
{
    return !m_receivers.empty() && static_cast<std::int32_t>(m_receivers.size()) >= m_groupMinSize;
}

std::int64_t MinMulticastFlowControl::minPositionPlusWindow() const noexcept
{
    std::int64_t minimum = std::numeric_limits<std::int64_t>::max();
    for (const Receiver& receiver : m_receivers)
    {
        minimum = std::min(minimum, receiver.lastPositionPlusWindow);
    }
    return minimum;
}

std::int64_t MinMulticastFlowControl::applySetupHold(std::int64_t limit, std::int64_t nowNs) noexcept
{
    if (m_isSetupHoldActive && nowNs >= m_setupHoldExpiryNs)
    {
        m_isSetupHoldActive = false;
    }
    return m_isSetupHoldActive ? std::min(limit, m_setupHoldLimit) : limit;
}
} // namespace cox::transport

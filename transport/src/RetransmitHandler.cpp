#include "cox/transport/RetransmitHandler.hpp"

#include <algorithm>
#include <string>

#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
RetransmitHandler::RetransmitHandler(bool hasGroupSemantics, std::int32_t maxResend, std::int64_t delayNs,
                                     std::int64_t lingerNs)
    : m_delayNs(delayNs), m_lingerNs(lingerNs)
{
    if (maxResend < 1 || maxResend > MAX_RESEND_LIMIT)
    {
        throw util::IllegalArgumentException("max-resend must be in [1, " + std::to_string(MAX_RESEND_LIMIT) +
                                             "], got " + std::to_string(maxResend));
    }
    if (delayNs < 0 || lingerNs < 0)
    {
        throw util::IllegalArgumentException("retransmit delay and linger must be >= 0, got " +
                                             std::to_string(delayNs) + " ns and " + std::to_string(lingerNs) + " ns");
    }
    m_actions.resize(hasGroupSemantics ? static_cast<std::size_t>(maxResend) : 1U);
}

RetransmitHandler::Action* RetransmitHandler::startAction(std::int32_t termId, std::int32_t termOffset,
                                                          std::int32_t length, std::int32_t termLength,
                                                          std::int64_t nowNs) noexcept
{
    if (termOffset < 0 || termOffset > termLength - MIN_FRAME_LENGTH || length <= 0)
    {
        ++m_invalidNakCount;
        return nullptr;
    }
    if (isInProgress(termId, termOffset))
    {
        return nullptr;
    }

    const auto freeSlot =
        std::find_if(m_actions.begin(), m_actions.end(), [](const Action& a) { return a.state == State::INACTIVE; });
    if (freeSlot == m_actions.end())
    {
        ++m_poolOverflowCount;
        return nullptr;
    }

    Action& action = *freeSlot;
    ++m_activeCount;
    action.termId = termId;
    action.termOffset = termOffset;
    action.length = std::min(length, termLength - termOffset);
    if (m_delayNs == 0)
    {
        linger(action, nowNs);
    }
    else
    {
        action.state = State::DELAYED;
        action.expiryNs = nowNs + m_delayNs;
    }
    return &action;
}

bool RetransmitHandler::isInProgress(std::int32_t termId, std::int32_t termOffset) const noexcept
{
    return std::any_of(m_actions.begin(), m_actions.end(),
                       [termId, termOffset](const Action& a)
                       {
                           return a.state != State::INACTIVE && a.termId == termId && termOffset >= a.termOffset &&
                                  termOffset < a.termOffset + a.length;
                       });
}

void RetransmitHandler::linger(Action& action, std::int64_t nowNs) const noexcept
{
    action.state = State::LINGERING;
    action.expiryNs = nowNs + m_lingerNs;
}

std::int32_t RetransmitHandler::activeActionCount() const noexcept
{
    return m_activeCount;
}
} // namespace cox::transport

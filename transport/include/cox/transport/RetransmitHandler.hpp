#pragma once

#include <cstdint>
#include <vector>

namespace cox::transport
{
/// Sender-side NAK handling for one network publication (Aeron's `aeron_retransmit_handler`, facts §4.6).
///
/// Rules, in order:
/// 1. A NAK with term_offset < 0 or > term_length - 32 is invalid and counted; nothing else happens. So is
///    a NAK with length <= 0 (Aeron does not check this; an empty range cannot be resent).
/// 2. A NAK whose (term_id, term_offset) falls inside an action that is DELAYED or LINGERING is a duplicate
///    and ignored: with several receivers (or a receiver retrying) one retransmission serves them all.
/// 3. Otherwise a free action slot is taken. Unicast has one slot; group semantics (multicast, MDC) have
///    `max-resend` slots. With none free the NAK is dropped and the overflow is counted.
/// 4. With delay 0 (the default) the range is resent at once and the action LINGERs for the linger time;
///    with a delay it is DELAYED first and resent by processTimeouts() when the delay expires.
///
/// The length is clamped to the end of the term; the caller has already applied flow control's
/// maxRetransmissionLength() and does the window check of §4.6.6 inside its resend callback, which
/// receives (termId, termOffset, length) and scans the log itself.
///
/// Sender thread only. The action pool is allocated in the constructor; onNak/processTimeouts allocate
/// nothing.
class RetransmitHandler
{
public:
    static constexpr std::int64_t DEFAULT_RETRANSMIT_DELAY_NS = 0;
    static constexpr std::int64_t DEFAULT_RETRANSMIT_LINGER_NS = 10'000'000;
    static constexpr std::int32_t DEFAULT_MAX_RESEND = 16;
    static constexpr std::int32_t MAX_RESEND_LIMIT = 256;
    /// Smallest frame: a NAK may not point into the last 32 bytes of a term.
    static constexpr std::int32_t MIN_FRAME_LENGTH = 32;

    enum class State : std::int8_t
    {
        INACTIVE,
        DELAYED,
        LINGERING,
    };

    struct Action
    {
        State state = State::INACTIVE;
        std::int32_t termId = 0;
        std::int32_t termOffset = 0;
        std::int32_t length = 0;
        std::int64_t expiryNs = 0;
    };

    /// hasGroupSemantics selects the pool of maxResend slots (1..256); without it there is one slot.
    /// Throws IllegalArgumentException for a negative delay or linger or maxResend out of range.
    RetransmitHandler(bool hasGroupSemantics, std::int32_t maxResend = DEFAULT_MAX_RESEND,
                      std::int64_t delayNs = DEFAULT_RETRANSMIT_DELAY_NS,
                      std::int64_t lingerNs = DEFAULT_RETRANSMIT_LINGER_NS);

    /// Handles one NAK. resend(termId, termOffset, length) is called at most once, and only when the delay
    /// is 0. Returns true when the NAK started an action.
    template <typename ResendHandler>
    bool onNak(std::int32_t termId, std::int32_t termOffset, std::int32_t length, std::int32_t termLength,
               std::int64_t nowNs, ResendHandler&& resend)
    {
        Action* action = startAction(termId, termOffset, length, termLength, nowNs);
        if (action == nullptr)
        {
            return false;
        }
        if (action->state == State::LINGERING)
        {
            resend(action->termId, action->termOffset, action->length);
        }
        return true;
    }

    /// Resends DELAYED actions whose delay has expired (then LINGERing them) and frees LINGERING actions
    /// whose linger has expired. Call every sender duty cycle. Returns the number of resends.
    template <typename ResendHandler> int processTimeouts(std::int64_t nowNs, ResendHandler&& resend)
    {
        int resends = 0;
        if (m_activeCount == 0)
        {
            return 0; // the common case, every sender duty cycle for every publication: no scan of the pool
        }
        for (Action& action : m_actions)
        {
            if (action.state == State::DELAYED && nowNs >= action.expiryNs)
            {
                linger(action, nowNs);
                resend(action.termId, action.termOffset, action.length);
                ++resends;
            }
            else if (action.state == State::LINGERING && nowNs >= action.expiryNs)
            {
                action.state = State::INACTIVE;
                --m_activeCount;
            }
        }
        return resends;
    }

    /// NAKs rejected by rule 1 (the driver mirrors this into "Invalid packets").
    [[nodiscard]] std::int64_t invalidNakCount() const noexcept { return m_invalidNakCount; }
    /// NAKs dropped by rule 3 ("Retransmit Pool Overflow count").
    [[nodiscard]] std::int64_t poolOverflowCount() const noexcept { return m_poolOverflowCount; }
    [[nodiscard]] std::int32_t activeActionCount() const noexcept;
    [[nodiscard]] std::int32_t poolSize() const noexcept { return static_cast<std::int32_t>(m_actions.size()); }
    [[nodiscard]] const Action& action(std::int32_t index) const
    {
        return m_actions.at(static_cast<std::size_t>(index));
    }

private:
    /// Applies rules 1-4 up to the resend; returns the started action, or nullptr when the NAK is ignored.
    Action* startAction(std::int32_t termId, std::int32_t termOffset, std::int32_t length, std::int32_t termLength,
                        std::int64_t nowNs) noexcept;
    [[nodiscard]] bool isInProgress(std::int32_t termId, std::int32_t termOffset) const noexcept;
    void linger(Action& action, std::int64_t nowNs) const noexcept;

    std::vector<Action> m_actions;
    std::int64_t m_delayNs;
    std::int64_t m_lingerNs;
    std::int64_t m_invalidNakCount = 0;
    std::int64_t m_poolOverflowCount = 0;
    std::int32_t m_activeCount = 0;
};
} // namespace cox::transport

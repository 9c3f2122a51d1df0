#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace cox::codecs::frames
{
class StatusMessageFlyweight;
}

namespace cox::transport
{
/// The fields of a Status Message that flow control reads (facts §1.5), copied out of the frame so the
/// strategies can be driven without a buffer in tests.
struct StatusMessageFields
{
    static constexpr std::uint8_t SEND_SETUP_FLAG = 0x80;
    static constexpr std::uint8_t END_OF_STREAM_FLAG = 0x40;

    std::int64_t receiverId = 0;
    std::int32_t consumptionTermId = 0;
    std::int32_t consumptionTermOffset = 0;
    std::int32_t receiverWindow = 0;
    std::uint8_t flags = 0;
    bool hasGroupTag = false;
    std::int64_t groupTag = 0;

    /// The frame must already have passed FrameValidator (length checked).
    [[nodiscard]] static StatusMessageFields from(const codecs::frames::StatusMessageFlyweight& sm);

    [[nodiscard]] bool isEndOfStream() const noexcept { return (flags & END_OF_STREAM_FLAG) != 0; }
    [[nodiscard]] bool isSetupRequest() const noexcept { return (flags & SEND_SETUP_FLAG) != 0; }
};

/// Driver settings the strategies start from; URI `fc=` options override the group ones (facts §8.1).
struct FlowControlSettings
{
    /// The receiver window the driver assumes when capping retransmissions (`initial_window_length`).
    std::int32_t initialReceiverWindowLength = 128 * 1024;
    std::int64_t receiverTimeoutNs = 5'000'000'000LL;
    std::int32_t groupMinSize = 0;
    std::int64_t groupTag = -1;
    /// Receivers a min/tagged strategy tracks; the array is allocated once, receivers beyond it are
    /// ignored and counted.
    std::int32_t receiverCapacity = 64;
};

/// The parsed value of a channel's `fc=` parameter: the strategy name, then `g:<tag>[/<minSize>]` and
/// `t:<duration>` options, comma-separated (facts §5).
struct FlowControlSpec
{
    enum class Kind : std::int8_t
    {
        MAX,
        MIN,
        TAGGED,
    };

    Kind kind = Kind::MAX;
    std::optional<std::int64_t> receiverTimeoutNs;
    std::optional<std::int64_t> groupTag;
    std::optional<std::int32_t> groupMinSize;

    /// Throws IllegalArgumentException naming the value and what is wrong with it.
    [[nodiscard]] static FlowControlSpec parse(std::string_view fcValue);
};

/// A sender-limit strategy for one network publication (Aeron's `aeron_flow_control_strategy_t`, facts §5).
///
/// The sender transmits while snd-pos < snd-lmt. Every SM sets snd-lmt = onStatusMessage(...), every idle
/// sender cycle sets snd-lmt = onIdle(...). Virtual dispatch is fine here: it runs once per SM or idle
/// cycle, not per message. Sender thread only; no strategy allocates after construction.
class FlowControl
{
public:
    virtual ~FlowControl() = default;
    FlowControl(const FlowControl&) = delete;
    FlowControl& operator=(const FlowControl&) = delete;

    /// Returns the new sender limit after an SM (not one with the S flag: that goes to onSetup()).
    [[nodiscard]] virtual std::int64_t onStatusMessage(const StatusMessageFields& sm, std::int64_t senderLimit,
                                                       std::int32_t initialTermId, std::int32_t positionBitsToShift,
                                                       std::int64_t nowNs) = 0;

    /// Returns the sender limit on a cycle that sent nothing; strategies that track receivers expire them here.
    [[nodiscard]] virtual std::int64_t onIdle(std::int64_t nowNs, std::int64_t senderLimit, std::int64_t senderPosition,
                                              bool isEndOfStream) = 0;

    /// A receiver asked for a SETUP (SM with the S flag). Returns the sender limit.
    [[nodiscard]] virtual std::int64_t onSetup(const StatusMessageFields& sm, std::int64_t senderLimit,
                                               std::int64_t senderPosition, std::int64_t nowNs)
    {
        (void)sm;
        (void)senderPosition;
        (void)nowNs;
        return senderLimit;
    }

    /// An ERR frame named this receiver (facts §1.8): strategies that track receivers flag it EOS.
    virtual void onError(std::int64_t receiverId, bool hasGroupTag, std::int64_t groupTag, std::int64_t nowNs)
    {
        (void)receiverId;
        (void)hasGroupTag;
        (void)groupTag;
        (void)nowNs;
    }

    /// False until a group minimum size (`g:/n`) is met; the publication reports not connected until then.
    [[nodiscard]] virtual bool hasRequiredReceivers() const noexcept { return true; }

    /// Receivers tracked (the "fc-receivers" counter); 0 for strategies that track none.
    [[nodiscard]] virtual std::int32_t receiverCount() const noexcept { return 0; }

    /// How much of a NAKed range to resend: min(resendLength, bytes left in the term,
    /// multiple x min(termLength / 2, initial receiver window)) (facts §4.6.2).
    [[nodiscard]] std::int32_t maxRetransmissionLength(std::int32_t termOffset, std::int32_t resendLength,
                                                       std::int32_t termLength) const noexcept;

    [[nodiscard]] std::int32_t retransmitReceiverWindowMultiple() const noexcept { return m_retransmitWindowMultiple; }

    /// The strategy for a publication channel. Unicast channels always get UnicastFlowControl (`fc` is
    /// ignored, as in Aeron); multicast and MDC channels use `fc=` when given, else max.
    /// Throws IllegalArgumentException for a malformed `fc` value.
    [[nodiscard]] static std::unique_ptr<FlowControl>
    create(bool hasGroupSemantics, std::optional<std::string_view> fcValue, const FlowControlSettings& settings = {});

protected:
    FlowControl(std::int32_t retransmitWindowMultiple, std::int32_t initialReceiverWindowLength) noexcept
        : m_retransmitWindowMultiple(retransmitWindowMultiple),
          m_initialReceiverWindowLength(initialReceiverWindowLength)
    {
    }

private:
    std::int32_t m_retransmitWindowMultiple;
    std::int32_t m_initialReceiverWindowLength;
};
} // namespace cox::transport

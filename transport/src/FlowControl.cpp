#include "cox/transport/FlowControl.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/MaxMulticastFlowControl.hpp"
#include "cox/transport/MinMulticastFlowControl.hpp"
#include "cox/transport/UnicastFlowControl.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
static_assert(StatusMessageFields::SEND_SETUP_FLAG == codecs::frames::StatusMessageFlyweight::SEND_SETUP_FLAG);
static_assert(StatusMessageFields::END_OF_STREAM_FLAG == codecs::frames::StatusMessageFlyweight::END_OF_STREAM_FLAG);

namespace
{
[[noreturn]] void failSpec(std::string_view fcValue, const std::string& reason)
{
    throw util::IllegalArgumentException("invalid flow control 'fc=" + std::string(fcValue) + "': " + reason);
}

/// `g:<tag>[/<minSize>]` or `g:/<minSize>`, with the `g:` already removed.
void parseGroupOption(std::string_view fcValue, std::string_view option, FlowControlSpec& spec)
{
    const std::size_t slash = option.find('/');
    const std::string_view tagText = option.substr(0, slash);
    if (!tagText.empty())
    {
        try
        {
            spec.groupTag = ChannelUri::parseInt64(tagText);
        }
        catch (const util::IllegalArgumentException& e)
        {
            failSpec(fcValue, "group tag: " + std::string(e.what()));
        }
    }
    if (slash == std::string_view::npos)
    {
        if (tagText.empty())
        {
            failSpec(fcValue, "'g:' needs a tag, '/<minSize>' or both");
        }
        return;
    }
    std::int64_t minSize = -1;
    try
    {
        minSize = ChannelUri::parseInt64(option.substr(slash + 1));
    }
    catch (const util::IllegalArgumentException& e)
    {
        failSpec(fcValue, "group min size: " + std::string(e.what()));
    }
    if (minSize < 0 || minSize > std::numeric_limits<std::int32_t>::max())
    {
        failSpec(fcValue, "group min size must be in [0, 2^31), got " + std::to_string(minSize));
    }
    spec.groupMinSize = static_cast<std::int32_t>(minSize);
}

void parseOption(std::string_view fcValue, std::string_view option, FlowControlSpec& spec)
{
    if (option.starts_with("g:"))
    {
        parseGroupOption(fcValue, option.substr(2), spec);
    }
    else if (option.starts_with("t:"))
    {
        std::int64_t timeoutNs = 0;
        try
        {
            timeoutNs = ChannelUri::parseDurationNs(option.substr(2));
        }
        catch (const util::IllegalArgumentException& e)
        {
            failSpec(fcValue, "receiver timeout: " + std::string(e.what()));
        }
        if (timeoutNs <= 0)
        {
            failSpec(fcValue, "receiver timeout must be > 0");
        }
        spec.receiverTimeoutNs = timeoutNs;
    }
    else
    {
        failSpec(fcValue,
                 "unknown option '" + std::string(option) + "' (expected g:<tag>[/<minSize>] or t:<duration>)");
    }
}
} // namespace

StatusMessageFields StatusMessageFields::from(const codecs::frames::StatusMessageFlyweight& sm)
{
    StatusMessageFields fields;
    fields.receiverId = sm.receiverId();
    fields.consumptionTermId = sm.consumptionTermId();
    fields.consumptionTermOffset = sm.consumptionTermOffset();
    fields.receiverWindow = sm.receiverWindow();
    fields.flags = sm.flags();
    fields.hasGroupTag = sm.hasGroupTag();
    fields.groupTag = fields.hasGroupTag ? sm.groupTag() : 0;
    return fields;
}

FlowControlSpec FlowControlSpec::parse(std::string_view fcValue)
{
    FlowControlSpec spec;
    const std::size_t comma = fcValue.find(',');
    const std::string_view name = fcValue.substr(0, comma);
    if (name == "max")
    {
        spec.kind = Kind::MAX;
    }
    else if (name == "min")
    {
        spec.kind = Kind::MIN;
    }
    else if (name == "tagged")
    {
        spec.kind = Kind::TAGGED;
    }
    else
    {
        failSpec(fcValue, "unknown strategy '" + std::string(name) + "' (expected max, min or tagged)");
    }

    std::string_view rest = comma == std::string_view::npos ? std::string_view{} : fcValue.substr(comma + 1);
    if (comma != std::string_view::npos && rest.empty())
    {
        failSpec(fcValue, "empty option after ','");
    }
    while (!rest.empty())
    {
        const std::size_t next = rest.find(',');
        const std::string_view option = rest.substr(0, next);
        if (option.empty())
        {
            failSpec(fcValue, "empty option");
        }
        parseOption(fcValue, option, spec);
        rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
        if (next != std::string_view::npos && rest.empty())
        {
            failSpec(fcValue, "empty option after ','");
        }
    }

    if (spec.kind == Kind::MAX && (spec.groupTag || spec.groupMinSize || spec.receiverTimeoutNs))
    {
        failSpec(fcValue, "max takes no options");
    }
    if (spec.kind == Kind::MIN && spec.groupTag)
    {
        failSpec(fcValue, "min takes a group size only (g:/<n>); use tagged for a group tag");
    }
    return spec;
}

std::int32_t FlowControl::maxRetransmissionLength(std::int32_t termOffset, std::int32_t resendLength,
                                                  std::int32_t termLength) const noexcept
{
    const std::int64_t window = std::min<std::int64_t>(termLength / 2, m_initialReceiverWindowLength);
    const std::int64_t lookAhead = window * m_retransmitWindowMultiple;
    const std::int64_t remaining = static_cast<std::int64_t>(termLength) - termOffset;
    return static_cast<std::int32_t>(std::min({static_cast<std::int64_t>(resendLength), remaining, lookAhead}));
}

std::unique_ptr<FlowControl> FlowControl::create(bool hasGroupSemantics, std::optional<std::string_view> fcValue,
                                                 const FlowControlSettings& settings)
{
    if (!hasGroupSemantics)
    {
        return std::make_unique<UnicastFlowControl>(settings);
    }
    if (!fcValue)
    {
        return std::make_unique<MaxMulticastFlowControl>(settings);
    }

    const FlowControlSpec spec = FlowControlSpec::parse(*fcValue);
    const std::int64_t timeoutNs = spec.receiverTimeoutNs.value_or(settings.receiverTimeoutNs);
    const std::int32_t minSize = spec.groupMinSize.value_or(settings.groupMinSize);
    switch (spec.kind)
    {
    case FlowControlSpec::Kind::MAX:
        return std::make_unique<MaxMulticastFlowControl>(settings);
    case FlowControlSpec::Kind::MIN:
        return std::make_unique<MinMulticastFlowControl>(std::nullopt, minSize, timeoutNs, settings);
    case FlowControlSpec::Kind::TAGGED:
        return std::make_unique<MinMulticastFlowControl>(spec.groupTag.value_or(settings.groupTag), minSize, timeoutNs,
                                                         settings);
    }
    failSpec(*fcValue, "unknown strategy");
}
} // namespace cox::transport

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cox::transport
{
/// A parsed channel URI (Aeron's ChannelUri): `[aeron-spy:]aeron:<media>[?key=value|key=value...]` with media
/// `udp` or `ipc`. Parsing and put() validate every parameter they know (facts §7), so typed accessors never
/// fail; unknown keys are kept, in order, and round-trip through toString(). Set-up path only: errors
/// throw IllegalArgumentException with a message of the form
/// `invalid channel '<uri>': parameter 'mtu' ...`.
class ChannelUri
{
public:
    static constexpr std::string_view AERON_SCHEME = "aeron";
    static constexpr std::string_view SPY_QUALIFIER = "aeron-spy";
    static constexpr std::string_view UDP_MEDIA = "udp";
    static constexpr std::string_view IPC_MEDIA = "ipc";
    static constexpr std::size_t MAX_URI_LENGTH = 4095;

    static constexpr std::string_view ENDPOINT_PARAM = "endpoint";
    static constexpr std::string_view INTERFACE_PARAM = "interface";
    static constexpr std::string_view CONTROL_PARAM = "control";
    static constexpr std::string_view CONTROL_MODE_PARAM = "control-mode";
    static constexpr std::string_view TAGS_PARAM = "tags";
    static constexpr std::string_view TERM_LENGTH_PARAM = "term-length";
    static constexpr std::string_view MTU_PARAM = "mtu";
    static constexpr std::string_view SESSION_ID_PARAM = "session-id";
    static constexpr std::string_view TTL_PARAM = "ttl";
    static constexpr std::string_view INITIAL_TERM_ID_PARAM = "init-term-id";
    static constexpr std::string_view TERM_ID_PARAM = "term-id";
    static constexpr std::string_view TERM_OFFSET_PARAM = "term-offset";
    static constexpr std::string_view LINGER_PARAM = "linger";
    static constexpr std::string_view RELIABLE_PARAM = "reliable";
    static constexpr std::string_view SPARSE_PARAM = "sparse";
    static constexpr std::string_view TETHER_PARAM = "tether";
    static constexpr std::string_view EOS_PARAM = "eos";
    static constexpr std::string_view REJOIN_PARAM = "rejoin";
    static constexpr std::string_view GROUP_PARAM = "group";
    static constexpr std::string_view RECEIVER_WINDOW_PARAM = "rcv-wnd";
    static constexpr std::string_view PUBLICATION_WINDOW_PARAM = "pub-wnd";
    static constexpr std::string_view MAX_RESEND_PARAM = "max-resend";
    static constexpr std::string_view STREAM_ID_PARAM = "stream-id";
    static constexpr std::string_view ALIAS_PARAM = "alias";

    static constexpr std::int32_t MTU_MAX_LENGTH = 65504;

    enum class ControlMode : std::int8_t
    {
        NONE,
        DYNAMIC,
        MANUAL,
        RESPONSE,
    };

    static ChannelUri parse(std::string_view uri);

    [[nodiscard]] std::string toString() const;

    [[nodiscard]] bool isSpy() const noexcept { return m_spy; }
    [[nodiscard]] bool isUdp() const noexcept { return m_media == UDP_MEDIA; }
    [[nodiscard]] bool isIpc() const noexcept { return m_media == IPC_MEDIA; }
    [[nodiscard]] const std::string& media() const noexcept { return m_media; }

    [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const;
    [[nodiscard]] bool contains(std::string_view key) const { return get(key).has_value(); }
    /// Adds or replaces a parameter after validating its value; the URI-wide rules (e.g. udp needs an
    /// endpoint) are checked again too.
    void put(std::string_view key, std::string_view value);
    void remove(std::string_view key);
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& params() const noexcept { return m_params; }

    [[nodiscard]] std::optional<std::string_view> endpoint() const { return get(ENDPOINT_PARAM); }
    [[nodiscard]] std::optional<std::string_view> interfaceAddress() const { return get(INTERFACE_PARAM); }
    [[nodiscard]] std::optional<std::string_view> control() const { return get(CONTROL_PARAM); }
    [[nodiscard]] ControlMode controlMode() const;
    /// In bytes, k/m/g suffixes applied.
    [[nodiscard]] std::optional<std::int32_t> termLength() const;
    [[nodiscard]] std::optional<std::int32_t> mtu() const;
    /// pub-wnd: how far a publication may run ahead of its slowest subscriber (or receiver), in bytes.
    [[nodiscard]] std::optional<std::int32_t> publicationWindow() const;
    /// The explicit session id; empty when absent or given as `tag:<n>`.
    [[nodiscard]] std::optional<std::int32_t> sessionId() const;
    /// The tag of `session-id=tag:<n>`.
    [[nodiscard]] std::optional<std::int64_t> sessionIdTag() const;
    [[nodiscard]] std::optional<std::int32_t> ttl() const;

    // Value parsers shared with configuration code; they throw IllegalArgumentException naming the value.

    /// Base-auto integer: decimal, or hex with 0x.
    static std::int64_t parseInt64(std::string_view value);
    /// A byte count with an optional k, m or g suffix (x1024).
    static std::int64_t parseSize(std::string_view value);
    /// Nanoseconds; plain numbers are ns, suffixes ns, us, ms and s are accepted.
    static std::int64_t parseDurationNs(std::string_view value);
    static bool parseBoolean(std::string_view value);

private:
    ChannelUri() = default;

    void validateParam(std::string_view key, std::string_view value) const;
    /// Why value is wrong for key, or empty; parsers may throw instead.
    static std::string checkParam(std::string_view key, std::string_view value);
    void validateWhole() const;
    [[noreturn]] void fail(const std::string& reason) const;

    std::string m_original;
    bool m_spy = false;
    std::string m_media;
    std::vector<std::pair<std::string, std::string>> m_params;
};
} // namespace cox::transport

#include <gtest/gtest.h>

#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/SocketAddress.hpp"
#include "cox/util/Exceptions.hpp"

#include <netinet/in.h>

using namespace cox::transport;

namespace
{
std::string errorOf(std::string_view uri)
{
    try
    {
        static_cast<void>(ChannelUri::parse(uri));
    }
    catch (const cox::util::IllegalArgumentException& e)
    {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST(ChannelUriTest, shouldParseIpc)
{
    const auto uri = ChannelUri::parse("aeron:ipc");
    EXPECT_TRUE(uri.isIpc());
    EXPECT_FALSE(uri.isUdp());
    EXPECT_FALSE(uri.isSpy());
    EXPECT_TRUE(uri.params().empty());
    EXPECT_EQ("aeron:ipc", uri.toString());
}

TEST(ChannelUriTest, shouldParseUdpWithTypedParams)
{
    const auto uri = ChannelUri::parse(
        "aeron:udp?endpoint=localhost:40123|interface=192.168.1.0/24|term-length=128k|mtu=8192|session-id=-7|ttl=4|"
        "alias=x|custom=kept");
    EXPECT_TRUE(uri.isUdp());
    EXPECT_EQ("localhost:40123", uri.endpoint().value());
    EXPECT_EQ("192.168.1.0/24", uri.interfaceAddress().value());
    EXPECT_EQ(128 * 1024, uri.termLength().value());
    EXPECT_EQ(8192, uri.mtu().value());
    EXPECT_EQ(-7, uri.sessionId().value());
    EXPECT_FALSE(uri.sessionIdTag().has_value());
    EXPECT_EQ(4, uri.ttl().value());
    EXPECT_EQ("kept", uri.get("custom").value());
    EXPECT_EQ(ChannelUri::ControlMode::NONE, uri.controlMode());
    EXPECT_FALSE(uri.control().has_value());
}

TEST(ChannelUriTest, shouldRoundTripThroughToString)
{
    const std::string text = "aeron-spy:aeron:udp?endpoint=[::1]:5000|control=10.0.0.1:6000|control-mode=dynamic|linger=5s";
    const auto uri = ChannelUri::parse(text);
    EXPECT_TRUE(uri.isSpy());
    EXPECT_EQ(ChannelUri::ControlMode::DYNAMIC, uri.controlMode());
    EXPECT_EQ(text, uri.toString());
    EXPECT_EQ(text, ChannelUri::parse(uri.toString()).toString());
}

TEST(ChannelUriTest, shouldPutAndRemoveParams)
{
    auto uri = ChannelUri::parse("aeron:udp?endpoint=host:1");
    uri.put("session-id", "tag:12");
    EXPECT_EQ(12, uri.sessionIdTag().value());
    EXPECT_FALSE(uri.sessionId().has_value());
    uri.put("endpoint", "host:2");
    EXPECT_EQ("aeron:udp?endpoint=host:2|session-id=tag:12", uri.toString());
    EXPECT_THROW(uri.put("mtu", "33"), cox::util::IllegalArgumentException);
    EXPECT_THROW(uri.put("control-mode", "dynamic"), cox::util::IllegalArgumentException) << "dynamic needs control";
    EXPECT_FALSE(uri.contains("control-mode")) << "a rejected put leaves the URI unchanged";
    uri.remove("session-id");
    EXPECT_EQ("aeron:udp?endpoint=host:2", uri.toString());
}

TEST(ChannelUriTest, shouldAcceptManualControlModeWithoutEndpoint)
{
    const auto uri = ChannelUri::parse("aeron:udp?control-mode=manual");
    EXPECT_EQ(ChannelUri::ControlMode::MANUAL, uri.controlMode());
    EXPECT_NO_THROW(ChannelUri::parse("aeron:udp?tags=1,2"));
}

TEST(ChannelUriTest, shouldNameWhatIsWrong)
{
    EXPECT_EQ("invalid channel 'aeron:udp?endpoint': parameter 'endpoint' has no value", errorOf("aeron:udp?endpoint"));
    EXPECT_EQ("invalid channel 'aeron:udp?endpoint=': parameter 'endpoint' has no value", errorOf("aeron:udp?endpoint="));
    EXPECT_EQ("invalid channel 'aeron:tcp?endpoint=a:1': unknown media 'tcp' (expected udp or ipc)",
        errorOf("aeron:tcp?endpoint=a:1"));
    EXPECT_EQ("invalid channel 'udp://x': must start with 'aeron:' or 'aeron-spy:aeron:'", errorOf("udp://x"));
    EXPECT_EQ("invalid channel 'aeron:ipc?=3': empty parameter name in '=3'", errorOf("aeron:ipc?=3"));
    EXPECT_EQ(
        "invalid channel 'aeron:udp?endpoint=a:1|term-length=100000': parameter 'term-length': '100000' is not a power "
        "of two in [64k, 1g]",
        errorOf("aeron:udp?endpoint=a:1|term-length=100000"));
    EXPECT_EQ("invalid channel 'aeron:ipc?mtu=1000': parameter 'mtu': '1000' is not a multiple of 32",
        errorOf("aeron:ipc?mtu=1000"));
    EXPECT_EQ("invalid channel 'aeron:ipc?mtu=32': parameter 'mtu': '32' is outside (32, 65504]", errorOf("aeron:ipc?mtu=32"));
    EXPECT_EQ("invalid channel 'aeron:ipc?mtu=65536': parameter 'mtu': '65536' is outside (32, 65504]",
        errorOf("aeron:ipc?mtu=65536"));
    EXPECT_EQ(
        "invalid channel 'aeron:udp?endpoint=host:70000': parameter 'endpoint': bad port '70000' in address 'host:70000'",
        errorOf("aeron:udp?endpoint=host:70000"));
    EXPECT_EQ("invalid channel 'aeron:udp?endpoint=host': parameter 'endpoint': no port in address 'host'",
        errorOf("aeron:udp?endpoint=host"));
    EXPECT_EQ(
        "invalid channel 'aeron:udp?mtu=1408': udp channel needs 'endpoint', 'control', 'tags' or "
        "control-mode=manual|response",
        errorOf("aeron:udp?mtu=1408"));
    EXPECT_EQ("invalid channel 'aeron:udp?control-mode=dynamic': control-mode=dynamic needs 'control'",
        errorOf("aeron:udp?control-mode=dynamic"));
    EXPECT_EQ("invalid channel 'aeron:ipc?session-id=abc': parameter 'session-id': 'abc' is not a 64-bit integer",
        errorOf("aeron:ipc?session-id=abc"));
    EXPECT_EQ("invalid channel 'aeron:ipc?session-id=4294967296': parameter 'session-id': '4294967296' does not fit in 32 bits",
        errorOf("aeron:ipc?session-id=4294967296"));
    EXPECT_EQ("invalid channel 'aeron:ipc?tether=yes': parameter 'tether': 'yes' is not true or false",
        errorOf("aeron:ipc?tether=yes"));
    EXPECT_EQ("invalid channel 'aeron:ipc?mtu=64|mtu=96': parameter 'mtu' given twice", errorOf("aeron:ipc?mtu=64|mtu=96"));
    EXPECT_EQ("invalid channel 'aeron:ipc?term-id=5': 'init-term-id', 'term-id' and 'term-offset' must be given together",
        errorOf("aeron:ipc?term-id=5"));
    EXPECT_EQ("invalid channel 'aeron:udp?control-mode=sometimes': parameter 'control-mode': 'sometimes' is not dynamic, "
              "manual or response",
        errorOf("aeron:udp?control-mode=sometimes"));
    EXPECT_NE("no error", errorOf("aeron:ipc?" + std::string(4100, 'x')));
}

TEST(ChannelUriTest, shouldParseValueFormats)
{
    EXPECT_EQ(255, ChannelUri::parseInt64("0xff"));
    EXPECT_EQ(-12, ChannelUri::parseInt64("-12"));
    EXPECT_EQ(INT64_MIN, ChannelUri::parseInt64("-9223372036854775808"));
    EXPECT_THROW(ChannelUri::parseInt64("9223372036854775808"), cox::util::IllegalArgumentException);
    EXPECT_THROW(ChannelUri::parseInt64("12x"), cox::util::IllegalArgumentException);
    EXPECT_EQ(64 * 1024, ChannelUri::parseSize("64k"));
    EXPECT_EQ(16L * 1024 * 1024, ChannelUri::parseSize("16m"));
    EXPECT_EQ(1024L * 1024 * 1024, ChannelUri::parseSize("1g"));
    EXPECT_THROW(ChannelUri::parseSize("-1k"), cox::util::IllegalArgumentException);
    EXPECT_EQ(5'000'000'000L, ChannelUri::parseDurationNs("5s"));
    EXPECT_EQ(100'000L, ChannelUri::parseDurationNs("100us"));
    EXPECT_EQ(3'000'000L, ChannelUri::parseDurationNs("3ms"));
    EXPECT_EQ(42L, ChannelUri::parseDurationNs("42"));
    EXPECT_EQ(42L, ChannelUri::parseDurationNs("42ns"));
    EXPECT_THROW(ChannelUri::parseDurationNs("5 minutes"), cox::util::IllegalArgumentException);
}

TEST(ChannelUriTest, shouldValidateStartPositionAgainstTermLength)
{
    EXPECT_NO_THROW(ChannelUri::parse("aeron:ipc?init-term-id=1|term-id=3|term-offset=1024|term-length=64k"));
    EXPECT_NE("no error", errorOf("aeron:ipc?init-term-id=1|term-id=3|term-offset=48"));
    EXPECT_NE("no error", errorOf("aeron:ipc?init-term-id=1|term-id=3|term-offset=131072|term-length=64k"));
}

TEST(SocketAddressTest, shouldParseHostPortAndIpv6)
{
    const auto v4 = SocketAddress::parse("127.0.0.1:40456");
    EXPECT_EQ("127.0.0.1", v4.host());
    EXPECT_EQ(40456, v4.port());
    EXPECT_FALSE(v4.isIpv6());
    const auto v6 = SocketAddress::parse("[fe80::1]:0");
    EXPECT_EQ("fe80::1", v6.host());
    EXPECT_EQ(0, v6.port());
    EXPECT_TRUE(v6.isIpv6());
    EXPECT_EQ("[fe80::1]:0", v6.toString());
    EXPECT_THROW(SocketAddress::parse("fe80::1:99"), cox::util::IllegalArgumentException);
    EXPECT_THROW(SocketAddress::parse("[fe80::1:99"), cox::util::IllegalArgumentException);
    EXPECT_THROW(SocketAddress::parse(":99"), cox::util::IllegalArgumentException);
    EXPECT_THROW(SocketAddress::parse("host:"), cox::util::IllegalArgumentException);
    EXPECT_EQ(0, SocketAddress::parse("eth0host", true).port());
}

TEST(SocketAddressTest, shouldResolveNumericAddress)
{
    sockaddr_storage address{};
    const socklen_t length = SocketAddress::parse("127.0.0.1:40456").resolve(address);
    EXPECT_EQ(sizeof(sockaddr_in), length);
    EXPECT_EQ(AF_INET, address.ss_family);
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    EXPECT_EQ(40456, ntohs(in->sin_port));
    EXPECT_EQ(0x7F000001U, ntohl(in->sin_addr.s_addr));
}

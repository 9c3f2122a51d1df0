#include <gtest/gtest.h>

#include "cox/transport/ChannelText.hpp"

using namespace cox::transport;

TEST(ChannelTextTest, shouldFillATemplateThatDoesNotParseYet)
{
    EXPECT_EQ("aeron:udp?endpoint=localhost:20110", withParam("aeron:udp", "endpoint", "localhost:20110"));
    EXPECT_EQ("aeron:udp?term-length=64m|endpoint=h:1", withParam("aeron:udp?term-length=64m", "endpoint", "h:1"));
}

TEST(ChannelTextTest, shouldReplaceAnExistingValueRatherThanRepeatTheKey)
{
    EXPECT_EQ("aeron:udp?term-length=64m|endpoint=b:2",
              withParam("aeron:udp?endpoint=a:1|term-length=64m", "endpoint", "b:2"));
    EXPECT_EQ("aeron:ipc?term-length=1m", withoutParam("aeron:ipc?alias=log|term-length=1m", "alias"));
}

TEST(ChannelTextTest, shouldFindAParamByWholeKeyOnly)
{
    EXPECT_EQ("64m", channelParam("aeron:udp?mtu=1408|term-length=64m", "term-length").value());
    EXPECT_FALSE(channelParam("aeron:udp?term-length-x=1", "term-length").has_value());
    EXPECT_FALSE(channelParam("aeron:ipc", "term-length").has_value());
}

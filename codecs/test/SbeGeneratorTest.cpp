// Tests of the SBE generator's features on a small schema (schemas/test/sbe-generator-test.xml): sets,
// optional and constant fields, char arrays, nested composites, explicit offsets, every primitive with its
// null value, nested groups, var data inside groups, and sinceVersion on fields, groups and var data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "cox/codecs/sbetest/SbetestCodecs.hpp"

using namespace cox::codecs::sbetest;
using cox::codecs::sbe::DecodeError;

namespace
{
class Bytes
{
public:
    Bytes& u8(std::uint8_t v) { return le(v, 1); }
    Bytes& i8(std::int8_t v) { return le(static_cast<std::uint8_t>(v), 1); }
    Bytes& u16(std::uint16_t v) { return le(v, 2); }
    Bytes& i16(std::int16_t v) { return le(static_cast<std::uint16_t>(v), 2); }
    Bytes& i32(std::int32_t v) { return le(static_cast<std::uint32_t>(v), 4); }
    Bytes& u32(std::uint32_t v) { return le(v, 4); }
    Bytes& i64(std::int64_t v) { return le(static_cast<std::uint64_t>(v), 8); }
    Bytes& u64(std::uint64_t v) { return le(v, 8); }
    Bytes& f64(double v)
    {
        std::uint64_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        return le(bits, 8);
    }
    Bytes& raw(std::string_view s)
    {
        m_bytes.insert(m_bytes.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& zeros(std::size_t n)
    {
        m_bytes.insert(m_bytes.end(), n, 0);
        return *this;
    }
    Bytes& var(std::string_view s) { return u32(static_cast<std::uint32_t>(s.size())).raw(s); }
    Bytes& header(std::uint16_t blockLength, std::uint16_t templateId, std::uint16_t version = 3)
    {
        return u16(blockLength).u16(templateId).u16(7).u16(version);
    }

    [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return m_bytes; }
    [[nodiscard]] std::size_t size() const { return m_bytes.size(); }
    [[nodiscard]] const std::uint8_t* data() const { return m_bytes.data(); }

private:
    Bytes& le(std::uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i)
        {
            m_bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
        return *this;
    }

    std::vector<std::uint8_t> m_bytes;
};

// Order layout (block 52): orderId u64@0, symbol char[6]@8, side char@14, flags u16@15, quantity u32@17,
// quote@21 {bid {mantissa i64, exponent i8}, ask {...}, side char} = 19 bytes, zero gap 40..47,
// levels i16@48 (explicit offset), colour u8@50 (v2), percent u8@51 (v3). venue, answer, fixedColour are
// constants and take no space.
Bytes orderBytes()
{
    Bytes b;
    b.header(52, 1);
    b.u64(0xFFFFFFFFFFFFFFF0ULL).raw("VOD").zeros(3).raw("S").u16(0x8009).u32(500);
    b.i64(12345).i8(-2).i64(12350).i8(-2).raw("B").zeros(8).i16(-3).u8(2).u8(99);
    b.u16(13).u16(2);                                           // fills
    b.i64(12346).i8(-2).u32(100);                               // fill 0
    b.u16(12).u16(2).i32(1).f64(0.5).i32(2).f64(0.25);          //   legs
    b.var("first");                                             //   note
    b.i64(12347).i8(-2).u32(400);                               // fill 1
    b.u16(12).u16(0);                                           //   no legs
    b.var("");                                                  //   note
    b.u16(1).u16(3).i8(-1).i8(0).i8(1);                         // extras
    b.var("hello").var("bye");
    return b;
}

void encodeOrder(std::vector<std::uint8_t>& buffer, std::size_t& length)
{
    MessageHeaderEncoder header;
    OrderEncoder order;
    order.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .orderId(0xFFFFFFFFFFFFFFF0ULL)
        .symbol("VOD")
        .side(Side::SELL)
        .flags(Flags().urgent(true).hidden(true).lastOne(true))
        .quantity(500)
        .levels(-3)
        .colour(Colour::BLUE)
        .percent(99);
    auto quote = order.quote();
    quote.bid().mantissa(12345).exponent(-2);
    quote.ask().mantissa(12350).exponent(-2);
    quote.side(Side::BUY);

    auto& fills = order.fillsCount(2);
    fills.next().size(100).price().mantissa(12346).exponent(-2);
    fills.legsCount(2).next().legId(1).ratio(0.5).next().legId(2).ratio(0.25);
    fills.putNote("first");
    fills.next().size(400).price().mantissa(12347).exponent(-2);
    fills.legsCount(0);
    fills.putNote("");
    order.extrasCount(3).next().code(-1).next().code(0).next().code(1);
    order.putComment("hello").putTrailer("bye");
    length = MessageHeaderEncoder::ENCODED_LENGTH + order.encodedLength();
}
} // namespace

TEST(SbeGeneratorTest, shouldLayOutFieldsAtSbeOffsets)
{
    EXPECT_EQ(OrderEncoder::BLOCK_LENGTH, 52);
    EXPECT_EQ(OrderEncoder::symbolEncodingOffset(), 8u);
    EXPECT_EQ(OrderEncoder::quoteEncodingOffset(), 21u);
    EXPECT_EQ(OrderEncoder::venueEncodingLength(), 0u);
    EXPECT_EQ(OrderEncoder::levelsEncodingOffset(), 48u);
    EXPECT_EQ(QuoteEncoder::ENCODED_LENGTH, 19u);
    EXPECT_EQ(OrderEncoder::FillsEncoder::BLOCK_LENGTH, 13);
    EXPECT_EQ(OrderEncoder::FillsEncoder::LegsEncoder::BLOCK_LENGTH, 12);
    EXPECT_EQ(EmptyEncoder::BLOCK_LENGTH, 0);
    EXPECT_EQ(AllPrimitivesEncoder::BLOCK_LENGTH, 1 + 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8 + 4 + 8 + 8);
}

TEST(SbeGeneratorTest, shouldEncodeOrderToGoldenBytes)
{
    const Bytes expected = orderBytes();
    std::vector<std::uint8_t> buffer(512, 0xEE);
    std::size_t length = 0;
    encodeOrder(buffer, length);
    ASSERT_EQ(length, expected.size());
    EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(length)), expected.bytes());
    EXPECT_EQ(buffer[length], 0xEE);
}

TEST(SbeGeneratorTest, shouldDecodeEveryFeature)
{
    const Bytes bytes = orderBytes();
    OrderDecoder order;
    ASSERT_EQ(order.wrapWithHeader(bytes.data(), 0, bytes.size()), DecodeError::NONE);
    EXPECT_EQ(order.orderId(), 0xFFFFFFFFFFFFFFF0ULL);
    EXPECT_EQ(order.symbol(), "VOD");
    EXPECT_EQ(OrderDecoder::symbolLength(), 6u);
    EXPECT_EQ(OrderDecoder::venue(), "XLON");
    EXPECT_EQ(OrderDecoder::answer(), 42);
    EXPECT_EQ(OrderDecoder::fixedColour(), Colour::GREEN);
    EXPECT_EQ(order.side(), Side::SELL);
    const Flags flags = order.flags();
    EXPECT_TRUE(flags.urgent());
    EXPECT_TRUE(flags.hidden());
    EXPECT_TRUE(flags.lastOne());
    EXPECT_EQ(flags.raw(), 0x8009);
    EXPECT_EQ(order.quantity(), 500u);
    EXPECT_EQ(OrderDecoder::quantityNullValue(), std::numeric_limits<std::uint32_t>::max());
    EXPECT_EQ(order.quote().bid().mantissa(), 12345);
    EXPECT_EQ(order.quote().bid().exponent(), -2);
    EXPECT_EQ(order.quote().ask().mantissa(), 12350);
    EXPECT_EQ(order.quote().side(), Side::BUY);
    EXPECT_EQ(order.levels(), -3);
    EXPECT_EQ(order.colour(), Colour::BLUE);
    EXPECT_EQ(order.percent(), 99);
    EXPECT_EQ(OrderDecoder::percentNullValue(), 200);
    EXPECT_EQ(OrderDecoder::percentMaxValue(), 100);

    auto& fills = order.fills();
    ASSERT_EQ(fills.count(), 2u);
    fills.next();
    EXPECT_EQ(fills.price().mantissa(), 12346);
    EXPECT_EQ(fills.size(), 100u);
    auto& legs = fills.legs();
    ASSERT_EQ(legs.count(), 2u);
    EXPECT_EQ(legs.next().legId(), 1);
    EXPECT_DOUBLE_EQ(legs.ratio(), 0.5);
    EXPECT_EQ(legs.next().legId(), 2);
    EXPECT_DOUBLE_EQ(legs.ratio(), 0.25);
    EXPECT_FALSE(legs.hasNext());
    EXPECT_EQ(fills.note(), "first");
    fills.next();
    EXPECT_EQ(fills.price().mantissa(), 12347);
    EXPECT_EQ(fills.size(), 400u);
    EXPECT_EQ(fills.legs().count(), 0u);
    EXPECT_EQ(fills.note(), "");
    EXPECT_FALSE(fills.hasNext());

    auto& extras = order.extras();
    std::vector<int> codes;
    while (extras.hasNext())
    {
        codes.push_back(extras.next().code());
    }
    EXPECT_EQ(codes, (std::vector<int>{-1, 0, 1}));
    EXPECT_EQ(order.comment(), "hello");
    EXPECT_EQ(order.trailer(), "bye");
    EXPECT_EQ(8 + order.decodedLength(), bytes.size());

    order.rewind();
    EXPECT_EQ(order.fills().count(), 2u);
}

TEST(SbeGeneratorTest, shouldTreatGroupsDataAndFieldsNewerThanSenderAsAbsent)
{
    // A v1 sender: no colour or percent in its 48+2 = 50-byte block, no extras group, no trailer.
    Bytes v1;
    v1.header(50, 1, 1);
    v1.u64(1).raw("ABCDEF").raw("B").u16(0).u32(0xFFFFFFFFu).zeros(19).zeros(8).i16(7);
    v1.u16(13).u16(0);
    v1.var("only comment");
    OrderDecoder order;
    ASSERT_EQ(order.wrapWithHeader(v1.data(), 0, v1.size()), DecodeError::NONE);
    EXPECT_EQ(order.symbol(), "ABCDEF") << "a full-length char array has no NUL";
    EXPECT_EQ(order.quantity(), OrderDecoder::quantityNullValue());
    EXPECT_EQ(order.levels(), 7);
    EXPECT_FALSE(order.colourInActingVersion());
    EXPECT_EQ(order.colour(), Colour::NULL_VALUE);
    EXPECT_EQ(order.percent(), 200);
    EXPECT_EQ(order.fills().count(), 0u);
    EXPECT_EQ(order.extras().count(), 0u);
    EXPECT_EQ(order.comment(), "only comment");
    EXPECT_EQ(order.trailer(), "");
    EXPECT_EQ(8 + order.decodedLength(), v1.size());
}

TEST(SbeGeneratorTest, shouldRefuseEveryTruncationOfNestedGroups)
{
    const Bytes bytes = orderBytes();
    for (std::size_t length = 0; length < bytes.size(); ++length)
    {
        std::vector<std::uint8_t> prefix(bytes.bytes().begin(), bytes.bytes().begin() + static_cast<long>(length));
        OrderDecoder order;
        ASSERT_NE(order.wrapWithHeader(prefix.data(), 0, prefix.size()), DecodeError::NONE) << length;
        // Ignoring the error must still be safe.
        auto& fills = order.fills();
        while (fills.hasNext())
        {
            fills.next();
        }
        EXPECT_EQ(order.comment(), "");
    }
}

TEST(SbeGeneratorTest, shouldStayInBoundsWhenVarDataIsReadTwice)
{
    // Misuse: reading a group entry's var data twice moves the cursor past where the next entry starts.
    // Values are then wrong, but nothing may be read outside the buffer.
    const Bytes bytes = orderBytes();
    std::vector<std::uint8_t> copy(bytes.bytes());
    OrderDecoder order;
    ASSERT_EQ(order.wrapWithHeader(copy.data(), 0, copy.size()), DecodeError::NONE);
    auto& fills = order.fills();
    std::size_t reads = 0;
    while (fills.hasNext())
    {
        fills.next();
        auto& legs = fills.legs();
        while (legs.hasNext())
        {
            legs.next();
        }
        for (int i = 0; i < 50; ++i)
        {
            reads += fills.note().size();
        }
    }
    for (int i = 0; i < 50; ++i)
    {
        reads += order.comment().size() + order.trailer().size();
    }
    EXPECT_GT(reads, 0u);
}

TEST(SbeGeneratorTest, shouldReportWrongTemplateAndSchema)
{
    Bytes wrong;
    wrong.header(0, 3);
    OrderDecoder order;
    EXPECT_EQ(order.wrapWithHeader(wrong.data(), 0, wrong.size()), DecodeError::WRONG_TEMPLATE_ID);
    EmptyDecoder empty;
    EXPECT_EQ(empty.wrapWithHeader(wrong.data(), 0, wrong.size()), DecodeError::NONE);
    EXPECT_EQ(empty.decodedLength(), 0u);
    Bytes other;
    other.u16(0).u16(3).u16(8).u16(3);
    EXPECT_EQ(empty.wrapWithHeader(other.data(), 0, other.size()), DecodeError::WRONG_SCHEMA_ID);
}

TEST(SbeGeneratorTest, shouldRoundTripEveryPrimitiveAndExposeNullValues)
{
    std::vector<std::uint8_t> buffer(128, 0);
    MessageHeaderEncoder header;
    AllPrimitivesEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .c('z')
        .i8(-128)
        .i16(-32768)
        .i32(std::numeric_limits<std::int32_t>::min())
        .i64(std::numeric_limits<std::int64_t>::max())
        .u8(255)
        .u16(65535)
        .u32(0xDEADBEEFu)
        .u64(0x0123456789ABCDEFULL)
        .f32(1.5F)
        .f64(-2.25)
        .optI64(AllPrimitivesEncoder::optI64NullValue());
    Bytes expected;
    expected.header(51, 2).raw("z").i8(-128).i16(-32768).i32(std::numeric_limits<std::int32_t>::min())
        .i64(std::numeric_limits<std::int64_t>::max()).u8(255).u16(65535).u32(0xDEADBEEFu).u64(0x0123456789ABCDEFULL)
        .u32(0x3FC00000u).f64(-2.25).i64(std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(expected.size())),
        expected.bytes());

    AllPrimitivesDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(buffer.data(), 0, buffer.size()), DecodeError::NONE);
    EXPECT_EQ(decoder.c(), 'z');
    EXPECT_EQ(decoder.i8(), -128);
    EXPECT_EQ(decoder.i16(), -32768);
    EXPECT_EQ(decoder.i32(), std::numeric_limits<std::int32_t>::min());
    EXPECT_EQ(decoder.i64(), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(decoder.u8(), 255);
    EXPECT_EQ(decoder.u16(), 65535);
    EXPECT_EQ(decoder.u32(), 0xDEADBEEFu);
    EXPECT_EQ(decoder.u64(), 0x0123456789ABCDEFULL);
    EXPECT_FLOAT_EQ(decoder.f32(), 1.5F);
    EXPECT_DOUBLE_EQ(decoder.f64(), -2.25);
    EXPECT_EQ(decoder.optI64(), std::numeric_limits<std::int64_t>::min());

    EXPECT_EQ(AllPrimitivesDecoder::i8NullValue(), -128);
    EXPECT_EQ(AllPrimitivesDecoder::i8MinValue(), -127);
    EXPECT_EQ(AllPrimitivesDecoder::u8NullValue(), 255);
    EXPECT_EQ(AllPrimitivesDecoder::u8MaxValue(), 254);
    EXPECT_EQ(AllPrimitivesDecoder::u64NullValue(), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(AllPrimitivesDecoder::cNullValue(), 0);
    EXPECT_TRUE(std::isnan(AllPrimitivesDecoder::f64NullValue()));
    EXPECT_EQ(AllPrimitivesDecoder::f32MaxValue(), std::numeric_limits<float>::max());
}

TEST(SbeGeneratorTest, shouldSetAndClearSetChoices)
{
    Flags flags;
    EXPECT_EQ(flags.raw(), 0);
    flags.hidden(true);
    EXPECT_EQ(flags.raw(), 1u << Flags::HIDDEN_BIT);
    flags.lastOne(true).hidden(false);
    EXPECT_EQ(flags.raw(), 0x8000);
    EXPECT_FALSE(flags.urgent());
    flags.clear();
    EXPECT_EQ(flags.raw(), 0);
}

TEST(SbeGeneratorTest, shouldRefuseOverlongCharArrayAndCountAboveLimit)
{
    std::vector<std::uint8_t> buffer(256, 0);
    MessageHeaderEncoder header;
    OrderEncoder order;
    order.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header);
    EXPECT_THROW(order.symbol("TOOLONG"), cox::codecs::sbe::EncodeOverflowException);
    EXPECT_THROW(order.fillsCount(70000), cox::codecs::sbe::EncodeOverflowException);
    auto& fills = order.fillsCount(1);
    fills.next();
    EXPECT_THROW(fills.next(), cox::codecs::sbe::EncodeOverflowException) << "more entries than the count";
}

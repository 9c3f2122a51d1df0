#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "KeyValueServiceTestSupport.hpp"
#include "ServiceTestDoubles.hpp"
#include "cox/codecs/kv/KvCodecs.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace
{
using cox::codecs::kv::ResponseCode;
using cox::examples::KeyValueClient;
using cox::examples::KeyValueService;
using cox::examples::test::bytesOf;
using cox::examples::test::casRequest;
using cox::examples::test::deleteRequest;
using cox::examples::test::FakeClientSession;
using cox::examples::test::FakeCluster;
using cox::examples::test::getRequest;
using cox::examples::test::putRequest;
using cox::examples::test::SnapshotStream;
using cox::transport::PublicationResult;

class KeyValueServiceTest : public cox::examples::test::KeyValueServiceFixture
{
};

TEST_F(KeyValueServiceTest, shouldReplyOkToPutAndReturnTheValueOnGet)
{
    const auto put = request(putRequest(1, "alpha", "one"));
    EXPECT_EQ(1, put.correlationId);
    EXPECT_EQ(ResponseCode::OK, put.code);
    EXPECT_EQ("", put.value);

    const auto get = request(getRequest(2, "alpha"));
    EXPECT_EQ(2, get.correlationId);
    EXPECT_EQ(ResponseCode::OK, get.code);
    EXPECT_EQ("one", get.value);
    EXPECT_EQ(1U, m_service.size());
    EXPECT_EQ(1, m_service.counts().puts);
    EXPECT_EQ(1, m_service.counts().gets);
}

TEST_F(KeyValueServiceTest, shouldOverwriteTheValueWhenPutTwice)
{
    request(putRequest(1, "k", "first"));
    request(putRequest(2, "k", "second, longer than the first"));

    EXPECT_EQ("second, longer than the first", request(getRequest(3, "k")).value);
    EXPECT_EQ(1U, m_service.size());
}

TEST_F(KeyValueServiceTest, shouldReplyNotFoundWhenGettingAMissingKey)
{
    request(putRequest(1, "present", "x"));

    const auto get = request(getRequest(9, "absent"));
    EXPECT_EQ(9, get.correlationId);
    EXPECT_EQ(ResponseCode::NOT_FOUND, get.code);
    EXPECT_EQ("", get.value);
    EXPECT_EQ(1, m_service.counts().notFound);
    EXPECT_EQ(0, m_service.counts().gets);
}

TEST_F(KeyValueServiceTest, shouldReplaceTheValueWhenCompareAndSetMatches)
{
    request(putRequest(1, "k", "old"));

    const auto cas = request(casRequest(2, "k", "old", "new"));
    EXPECT_EQ(2, cas.correlationId);
    EXPECT_EQ(ResponseCode::OK, cas.code);
    EXPECT_EQ("new", m_service.find("k").value_or("?"));
    EXPECT_EQ(1, m_service.counts().compareAndSets);
}

TEST_F(KeyValueServiceTest, shouldReplyCasMismatchWithTheCurrentValueAndKeepItWhenExpectedDiffers)
{
    request(putRequest(1, "k", "current"));

    const auto cas = request(casRequest(2, "k", "stale", "new"));
    EXPECT_EQ(ResponseCode::CAS_MISMATCH, cas.code);
    EXPECT_EQ("current", cas.value);
    EXPECT_EQ("current", m_service.find("k").value_or("?"));
    EXPECT_EQ(1, m_service.counts().compareAndSetMismatches);
    EXPECT_EQ(0, m_service.counts().compareAndSets);
}

TEST_F(KeyValueServiceTest, shouldReplyNotFoundWhenCompareAndSetTargetsAMissingKey)
{
    const auto cas = request(casRequest(3, "absent", "", "new"));
    EXPECT_EQ(ResponseCode::NOT_FOUND, cas.code);
    EXPECT_FALSE(m_service.find("absent").has_value());
}

TEST_F(KeyValueServiceTest, shouldDeleteTheKeyAndReplyNotFoundWhenDeletedAgain)
{
    request(putRequest(1, "k", "v"));

    EXPECT_EQ(ResponseCode::OK, request(deleteRequest(2, "k")).code);
    EXPECT_EQ(0U, m_service.size());
    EXPECT_EQ(ResponseCode::NOT_FOUND, request(getRequest(3, "k")).code);
    EXPECT_EQ(ResponseCode::NOT_FOUND, request(deleteRequest(4, "k")).code);
    EXPECT_EQ(1, m_service.counts().deletes);
    EXPECT_EQ(2, m_service.counts().notFound);
}

TEST_F(KeyValueServiceTest, shouldAcceptKeysAndValuesOfExactlyTheMaximumLength)
{
    const std::string key(KeyValueService::MAX_KEY_LENGTH, 'k');
    const std::string value(KeyValueService::MAX_VALUE_LENGTH, 'v');

    EXPECT_EQ(ResponseCode::OK, request(putRequest(1, key, value)).code);
    EXPECT_EQ(value, request(getRequest(2, key)).value);
}

TEST_F(KeyValueServiceTest, shouldReplyInvalidRequestAndChangeNothingWhenAKeyOrValueIsOversize)
{
    const std::string longKey(KeyValueService::MAX_KEY_LENGTH + 1, 'k');
    const std::string longValue(KeyValueService::MAX_VALUE_LENGTH + 1, 'v');
    request(putRequest(1, "k", "v"));
    const std::uint64_t hashBefore = m_service.stateHash();

    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(putRequest(2, longKey, "v")).code);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(putRequest(3, "k", longValue)).code);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(getRequest(4, longKey)).code);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, request(deleteRequest(5, longKey)).code);
    const auto cas = request(casRequest(6, "k", "v", longValue));
    EXPECT_EQ(6, cas.correlationId);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, cas.code);

    EXPECT_EQ("v", m_service.find("k").value_or("?"));
    EXPECT_EQ(1U, m_service.size());
    EXPECT_EQ(5, m_service.counts().invalidRequests);
    EXPECT_NE(hashBefore, m_service.stateHash()) << "invalid requests are counted in the state";
}

TEST_F(KeyValueServiceTest, shouldReplyInvalidRequestWithTheCorrelationIdWhenVarDataIsTruncated)
{
    std::vector<std::uint8_t> put = putRequest(42, "key", "value");
    put.resize(put.size() - 2);

    const auto response = request(put);
    EXPECT_EQ(42, response.correlationId);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, response.code);
    EXPECT_EQ(0U, m_service.size());
    EXPECT_EQ(1, m_service.counts().invalidRequests);
}

TEST_F(KeyValueServiceTest, shouldReplyInvalidRequestWhenAVarDataLengthClaimsMoreThanTheMessage)
{
    std::vector<std::uint8_t> get = getRequest(43, "key");
    // The key's length prefix sits right after the 8-byte header and 8-byte block.
    get[16] = 0xFF;
    get[17] = 0xFF;

    const auto response = request(get);
    EXPECT_EQ(43, response.correlationId);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, response.code);
}

TEST_F(KeyValueServiceTest, shouldReplyInvalidRequestForATemplateThatIsNotARequest)
{
    std::vector<std::uint8_t> bogus = getRequest(44, "key");
    bogus[2] = static_cast<std::uint8_t>(cox::codecs::kv::TemplateId::RESPONSE);

    const auto response = request(bogus);
    EXPECT_EQ(44, response.correlationId);
    EXPECT_EQ(ResponseCode::INVALID_REQUEST, response.code);
}

TEST_F(KeyValueServiceTest, shouldCountButNotReplyWhenTheCorrelationIdCannotBeRead)
{
    std::vector<std::uint8_t> wrongSchema = getRequest(1, "key");
    wrongSchema[4] = 0x01;
    std::vector<std::uint8_t> shortBlock = getRequest(2, "key");
    shortBlock[0] = 4;
    shortBlock[1] = 0;
    std::vector<std::uint8_t> headerOnly = getRequest(3, "key");
    headerOnly.resize(12);

    for (const auto& payload : {std::vector<std::uint8_t>{}, std::vector<std::uint8_t>{1, 2, 3}, wrongSchema,
                                shortBlock, headerOnly})
    {
        cox::examples::test::deliver(m_service, &m_session, payload);
    }

    EXPECT_TRUE(m_session.offers.empty());
    EXPECT_EQ(5, m_service.counts().invalidRequests);
    EXPECT_EQ(0U, m_service.size());
}

TEST_F(KeyValueServiceTest, shouldNeverReplyMoreThanOnceOrCrashOnCorruptedRequests)
{
    std::mt19937 random(20240607); // fixed seed: a failure reproduces
    const std::vector<std::vector<std::uint8_t>> templates = {
        getRequest(1, "key"), putRequest(2, "key", "value"), casRequest(3, "key", "value", "other"),
        deleteRequest(4, "key")};
    for (int i = 0; i < 5000; ++i)
    {
        std::vector<std::uint8_t> payload = templates[random() % templates.size()];
        const int flips = 1 + static_cast<int>(random() % 4);
        for (int f = 0; f < flips; ++f)
        {
            payload[random() % payload.size()] = static_cast<std::uint8_t>(random());
        }
        if (random() % 4 == 0)
        {
            payload.resize(random() % (payload.size() + 1));
        }
        const std::size_t before = m_session.offers.size();
        cox::examples::test::deliver(m_service, &m_session, payload);
        ASSERT_LE(m_session.offers.size(), before + 1);
        if (m_session.offers.size() == before + 1)
        {
            KeyValueClient::Response response;
            const auto& reply = m_session.offers.back();
            ASSERT_TRUE(KeyValueClient::decodeResponse(reply.data(), reply.size(), response));
        }
    }
    const auto& counts = m_service.counts();
    EXPECT_EQ(5000, counts.gets + counts.puts + counts.compareAndSets + counts.compareAndSetMismatches +
                        counts.deletes + counts.notFound + counts.invalidRequests);
    EXPECT_GT(counts.invalidRequests, 0);
}

TEST_F(KeyValueServiceTest, shouldRetryTheReplyWithTheIdleStrategyWhenBackPressured)
{
    m_session.scriptedResults = {PublicationResult::BACK_PRESSURED, PublicationResult::ADMIN_ACTION,
                                 PublicationResult::BACK_PRESSURED};

    const auto put = request(putRequest(5, "k", "v"));

    EXPECT_EQ(ResponseCode::OK, put.code);
    EXPECT_EQ(4, m_session.offerCalls);
    EXPECT_EQ(3, m_cluster.idle.idles);
    EXPECT_EQ(0, m_service.droppedReplies());
}

TEST_F(KeyValueServiceTest, shouldTreatAFollowersMockedOfferAsSent)
{
    m_session.scriptedResults = {cox::cluster::ClientSession::MOCKED_OFFER};

    request(putRequest(5, "k", "v"));

    EXPECT_EQ(1, m_session.offerCalls);
    EXPECT_EQ(0, m_cluster.idle.idles);
    EXPECT_EQ(0, m_service.droppedReplies());
}

TEST_F(KeyValueServiceTest, shouldApplyTheRequestButDropTheReplyWhenTheClientIsNotConnected)
{
    m_session.scriptedResults = {PublicationResult::NOT_CONNECTED};

    cox::examples::test::deliver(m_service, &m_session, putRequest(5, "k", "v"));

    EXPECT_TRUE(m_session.offers.empty());
    EXPECT_EQ(1, m_session.offerCalls);
    EXPECT_EQ(1, m_service.droppedReplies());
    EXPECT_EQ("v", m_service.find("k").value_or("?"));
}

TEST_F(KeyValueServiceTest, shouldCountInterServiceMessagesWithoutReplyingOrChangingTheStore)
{
    cox::examples::test::deliver(m_service, nullptr, putRequest(1, "k", "v"));

    EXPECT_EQ(1, m_service.counts().interServiceMessages);
    EXPECT_EQ(0U, m_service.size());
    EXPECT_EQ(0, m_session.offerCalls);
}

/// Applies ops to a fresh service and returns its stateHash.
std::uint64_t hashAfter(const std::vector<std::vector<std::uint8_t>>& ops)
{
    FakeCluster cluster;
    FakeClientSession session(1);
    KeyValueService service;
    service.onStart(cluster, nullptr);
    for (const auto& op : ops)
    {
        cox::examples::test::deliver(service, &session, op);
    }
    return service.stateHash();
}

TEST(KeyValueServiceStateHashTest, shouldBeEqualForIdenticalOperationSequences)
{
    const std::vector<std::vector<std::uint8_t>> ops = {putRequest(1, "a", "1"), putRequest(2, "b", "2"),
                                                        casRequest(3, "a", "1", "3"), deleteRequest(4, "b"),
                                                        getRequest(5, "a"), getRequest(6, "zz")};

    EXPECT_EQ(hashAfter(ops), hashAfter(ops));
    EXPECT_NE(hashAfter({}), hashAfter(ops));
}

TEST(KeyValueServiceStateHashTest, shouldDependOnTheStoreNotOnInsertionOrder)
{
    EXPECT_EQ(hashAfter({putRequest(1, "a", "1"), putRequest(2, "b", "2")}),
              hashAfter({putRequest(7, "b", "2"), putRequest(8, "a", "1")}));
}

TEST(KeyValueServiceStateHashTest, shouldDifferForDifferentOperations)
{
    const std::uint64_t base = hashAfter({putRequest(1, "a", "1")});

    EXPECT_NE(base, hashAfter({putRequest(1, "a", "2")}));
    EXPECT_NE(base, hashAfter({putRequest(1, "b", "1")}));
    // Key/value boundaries matter: ("ab", "c") is not ("a", "bc").
    EXPECT_NE(hashAfter({putRequest(1, "ab", "c")}), hashAfter({putRequest(1, "a", "bc")}));
    // Same store, different history: a get that found nothing is still an applied operation.
    EXPECT_NE(base, hashAfter({putRequest(1, "a", "1"), getRequest(2, "missing")}));
    // A CAS that matched versus one that did not leave different stores.
    EXPECT_NE(hashAfter({putRequest(1, "a", "1"), casRequest(2, "a", "1", "x")}),
              hashAfter({putRequest(1, "a", "1"), casRequest(2, "a", "0", "x")}));
}

TEST(KeyValueClientTest, shouldRefuseToEncodeIntoTooSmallABuffer)
{
    std::uint8_t buffer[8];
    EXPECT_THROW(KeyValueClient::encodeGet(buffer, sizeof(buffer), 1, "key"), cox::util::IllegalArgumentException);
}

TEST(KeyValueClientTest, shouldRejectResponsesThatAreTruncatedOrCarryAnUnknownCode)
{
    std::vector<std::uint8_t> response(64);
    cox::codecs::kv::MessageHeaderEncoder header;
    cox::codecs::kv::ResponseEncoder encoder;
    encoder.wrapAndApplyHeader(response.data(), 0, response.size(), header)
        .correlationId(5)
        .code(ResponseCode::OK)
        .putValue("abc");
    response.resize(8 + encoder.encodedLength());

    KeyValueClient::Response decoded;
    ASSERT_TRUE(KeyValueClient::decodeResponse(response.data(), response.size(), decoded));
    EXPECT_EQ(5, decoded.correlationId);
    EXPECT_EQ("abc", decoded.value);

    KeyValueClient::Response untouched;
    EXPECT_FALSE(KeyValueClient::decodeResponse(response.data(), response.size() - 1, untouched));
    response[16] = 99; // the code field, after the header and correlationId
    EXPECT_FALSE(KeyValueClient::decodeResponse(response.data(), response.size(), untouched));
    EXPECT_EQ(0, untouched.correlationId);
}

TEST(KeyValueServiceSnapshotTest, shouldRestoreTheSameStateFromItsSnapshot)
{
    SnapshotStream stream;
    FakeCluster cluster;
    FakeClientSession session(1);
    KeyValueService original;
    original.onStart(cluster, nullptr);
    for (int i = 0; i < 200; ++i)
    {
        // Values up to the maximum, so entries span several frames and must be reassembled.
        const std::string value(static_cast<std::size_t>((i * 97) % KeyValueService::MAX_VALUE_LENGTH + 1),
                                static_cast<char>('a' + i % 26));
        cox::examples::test::deliver(original, &session, putRequest(i, "key-" + std::to_string(i), value));
    }
    cox::examples::test::deliver(original, &session, deleteRequest(1000, "key-7"));
    cox::examples::test::deliver(original, &session, casRequest(1001, "key-8", "nope", "x"));
    cox::examples::test::deliver(original, &session, bytesOf("junk junk junk"));
    cox::examples::test::deliver(original, nullptr, bytesOf("inter-service"));
    cox::examples::test::deliver(original, &session, putRequest(1002, std::string(KeyValueService::MAX_KEY_LENGTH, 'K'),
                                                                std::string(KeyValueService::MAX_VALUE_LENGTH, 'V')));

    // What the container writes before the service's own data: another schema's messages, to be skipped.
    const std::vector<std::uint8_t> containerMarker = {24, 0, 100, 0, 111, 0, 12, 0, 1, 2, 3, 4};
    ASSERT_GT(stream.publication->offer(containerMarker.data(), static_cast<std::int32_t>(containerMarker.size())), 0);
    original.onTakeSnapshot(*stream.publication);

    FakeCluster restartedCluster;
    KeyValueService restored;
    restored.onStart(restartedCluster, &stream.image());

    EXPECT_EQ(original.size(), restored.size());
    EXPECT_EQ(200U, restored.size());
    EXPECT_EQ(original.counts(), restored.counts());
    EXPECT_EQ(original.stateHash(), restored.stateHash());
    EXPECT_EQ(std::string(KeyValueService::MAX_VALUE_LENGTH, 'V'),
              restored.find(std::string(KeyValueService::MAX_KEY_LENGTH, 'K')).value_or("?"));
    EXPECT_EQ(stream.publication->position(), stream.image().position());
}

TEST(KeyValueServiceSnapshotTest, shouldRestoreAnEmptyStore)
{
    SnapshotStream stream;
    FakeCluster cluster;
    KeyValueService original;
    original.onStart(cluster, nullptr);
    original.onTakeSnapshot(*stream.publication);

    KeyValueService restored;
    restored.onStart(cluster, &stream.image());

    EXPECT_EQ(0U, restored.size());
    EXPECT_EQ(original.stateHash(), restored.stateHash());
}

TEST(KeyValueServiceSnapshotTest, shouldRefuseASnapshotWhoseEntriesDoNotMatchItsCount)
{
    SnapshotStream stream;
    std::vector<std::uint8_t> buffer(128);
    cox::codecs::kv::MessageHeaderEncoder header;
    cox::codecs::kv::SnapshotBeginEncoder begin;
    begin.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(2);
    ASSERT_GT(stream.publication->offer(buffer.data(), static_cast<std::int32_t>(8 + begin.encodedLength())), 0);
    cox::codecs::kv::SnapshotEndEncoder end;
    end.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(2);
    ASSERT_GT(stream.publication->offer(buffer.data(), static_cast<std::int32_t>(8 + end.encodedLength())), 0);

    FakeCluster cluster;
    KeyValueService restored;
    EXPECT_THROW(restored.onStart(cluster, &stream.image()), cox::util::IllegalStateException);
}

TEST(KeyValueServiceSnapshotTest, shouldRefuseASnapshotThatEndsBeforeItsEndMarker)
{
    SnapshotStream stream;
    std::vector<std::uint8_t> buffer(128);
    cox::codecs::kv::MessageHeaderEncoder header;
    cox::codecs::kv::SnapshotBeginEncoder begin;
    begin.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header).entryCount(0);
    ASSERT_GT(stream.publication->offer(buffer.data(), static_cast<std::int32_t>(8 + begin.encodedLength())), 0);
    stream.publication->close();

    FakeCluster cluster;
    cluster.idle.onIdle = [&stream] { stream.fixture.pump(); };
    KeyValueService restored;
    try
    {
        restored.onStart(cluster, &stream.image());
        FAIL() << "expected IllegalStateException";
    }
    catch (const cox::util::IllegalStateException& e)
    {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("ended before its end marker")) << e.what();
    }
}
} // namespace

#pragma once

// What the key-value service's tests share: requests encoded as the client would send them, and a fixture that
// delivers one to a started service and decodes the one reply it must produce.

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "ServiceTestDoubles.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"

namespace cox::examples::test
{
/// A buffer of length bytes, cut to what encode(buffer, bufferLength) says it wrote.
template <typename Encode> std::vector<std::uint8_t> encodedRequest(std::int32_t length, Encode&& encode)
{
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(length));
    buffer.resize(static_cast<std::size_t>(encode(buffer.data(), buffer.size())));
    return buffer;
}

inline std::vector<std::uint8_t> getRequest(std::int64_t correlationId, std::string_view key)
{
    return encodedRequest(KeyValueClient::getRequestLength(key.size()),
                          [&](std::uint8_t* buffer, std::size_t length)
                          { return KeyValueClient::encodeGet(buffer, length, correlationId, key); });
}

inline std::vector<std::uint8_t> putRequest(std::int64_t correlationId, std::string_view key, std::string_view value)
{
    return encodedRequest(KeyValueClient::putRequestLength(key.size(), value.size()),
                          [&](std::uint8_t* buffer, std::size_t length)
                          { return KeyValueClient::encodePut(buffer, length, correlationId, key, value); });
}

inline std::vector<std::uint8_t> casRequest(std::int64_t correlationId, std::string_view key,
                                            std::string_view expected, std::string_view newValue)
{
    return encodedRequest(
        KeyValueClient::compareAndSetRequestLength(key.size(), expected.size(), newValue.size()),
        [&](std::uint8_t* buffer, std::size_t length)
        { return KeyValueClient::encodeCompareAndSet(buffer, length, correlationId, key, expected, newValue); });
}

inline std::vector<std::uint8_t> deleteRequest(std::int64_t correlationId, std::string_view key)
{
    return encodedRequest(KeyValueClient::deleteRequestLength(key.size()),
                          [&](std::uint8_t* buffer, std::size_t length)
                          { return KeyValueClient::encodeDelete(buffer, length, correlationId, key); });
}

inline std::vector<std::uint8_t> scheduleRequest(std::int64_t correlationId, std::int64_t timerId,
                                                 std::int64_t offset)
{
    return encodedRequest(
        KeyValueClient::scheduleTimerRequestLength(), [&](std::uint8_t* buffer, std::size_t length)
        { return KeyValueClient::encodeScheduleTimer(buffer, length, correlationId, timerId, offset); });
}

inline std::vector<std::uint8_t> cancelRequest(std::int64_t correlationId, std::int64_t timerId)
{
    return encodedRequest(KeyValueClient::cancelTimerRequestLength(),
                          [&](std::uint8_t* buffer, std::size_t length)
                          { return KeyValueClient::encodeCancelTimer(buffer, length, correlationId, timerId); });
}

/// A started KeyValueService with one open client session (id 7) on a FakeCluster.
class KeyValueServiceFixture : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cluster.sessions[m_session.id()] = &m_session;
        m_service.onStart(m_cluster, nullptr);
    }

    /// Sends one request at the given cluster time and returns the one reply it must produce.
    KeyValueClient::Response request(const std::vector<std::uint8_t>& payload, std::int64_t timestamp = 0)
    {
        const std::size_t before = m_session.offers.size();
        deliver(m_service, &m_session, payload, timestamp);
        EXPECT_EQ(before + 1, m_session.offers.size()) << "expected exactly one reply";
        KeyValueClient::Response response;
        if (m_session.offers.size() == before + 1)
        {
            const std::vector<std::uint8_t>& reply = m_session.offers.back();
            EXPECT_TRUE(KeyValueClient::decodeResponse(reply.data(), reply.size(), response));
        }
        return response;
    }

    FakeCluster m_cluster;
    FakeClientSession m_session{7};
    KeyValueService m_service;
};
} // namespace cox::examples::test

#include "Workload.hpp"

#include <algorithm>
#include <cstring>

#include "cox/codecs/kv/ResponseCode.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps::client
{
namespace
{
using codecs::kv::ResponseCode;
using examples::KeyValueClient;

/// SplitMix64: a small, fast, well-mixed generator, so a seed reproduces a run exactly on any platform
/// (std::uniform_int_distribution does not promise that).
class SplitMix64
{
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}

    std::uint64_t next() noexcept
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t m_state;
};

/// Writes length printable bytes that are a function of stamp alone.
void fillValue(std::uint64_t stamp, std::uint8_t* out, std::size_t length) noexcept
{
    SplitMix64 random(stamp);
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < length; ++i)
    {
        if (i % 8 == 0)
        {
            bits = random.next();
        }
        out[i] = static_cast<std::uint8_t>('a' + (bits & 0xff) % 26);
        bits >>= 8;
    }
}

/// Percentages of the kv mix: gets, then puts, then compare-and-sets; the rest are deletes.
constexpr std::uint64_t GET_PERCENT = 40;
constexpr std::uint64_t PUT_PERCENT = 30;
constexpr std::uint64_t CAS_PERCENT = 20;
/// One compare-and-set in this many offers a value other than the current one.
constexpr std::uint64_t CAS_WRONG_EXPECTED_ONE_IN = 5;
constexpr std::size_t MAX_KEY_DIGITS = 10;

class KeyValueWorkload final : public Workload
{
public:
    KeyValueWorkload(const ClientOptions& options, const std::string& keyPrefix) :
        Workload(static_cast<std::size_t>(options.window)),
        m_random(options.seed),
        m_stamps(static_cast<std::size_t>(options.keys), 0),
        m_valueLength(static_cast<std::size_t>(options.valueSize)),
        m_expectedValue(m_valueLength),
        m_newValue(m_valueLength),
        m_checkValue(m_valueLength),
        m_keyBuffer(keyPrefix),
        m_prefixLength(keyPrefix.size()),
        m_expectations(static_cast<std::size_t>(options.window))
    {
        if (m_prefixLength + MAX_KEY_DIGITS > static_cast<std::size_t>(examples::KeyValueService::MAX_KEY_LENGTH))
        {
            throw util::IllegalArgumentException("kv key prefix too long: " + keyPrefix);
        }
        m_keyBuffer.resize(m_prefixLength + MAX_KEY_DIGITS);
    }

    [[nodiscard]] std::size_t maxRequestLength() const noexcept override
    {
        const std::size_t keyLength = m_prefixLength + MAX_KEY_DIGITS;
        return static_cast<std::size_t>(std::max(
            {KeyValueClient::getRequestLength(keyLength), KeyValueClient::putRequestLength(keyLength, m_valueLength),
             KeyValueClient::compareAndSetRequestLength(keyLength, m_valueLength, m_valueLength),
             KeyValueClient::deleteRequestLength(keyLength)}));
    }

    [[nodiscard]] std::int32_t nextRequest(std::int64_t correlationId, std::uint8_t* buffer) override
    {
        if (m_expectations.full())
        {
            throw util::IllegalStateException("kv workload: window of " + std::to_string(window()) + " is full");
        }
        const std::size_t capacity = maxRequestLength();
        const std::size_t keyIndex = static_cast<std::size_t>(m_random.next() % m_stamps.size());
        const std::string_view key = keyFor(keyIndex);
        std::uint64_t& stamp = m_stamps[keyIndex];
        const std::uint64_t operation = m_random.next() % 100;
        Expectation expectation{correlationId, ResponseCode::OK, 0};
        std::int32_t length = 0;
        if (operation < GET_PERCENT)
        {
            length = KeyValueClient::encodeGet(buffer, capacity, correlationId, key);
            expectation.code = stamp == 0 ? ResponseCode::NOT_FOUND : ResponseCode::OK;
            expectation.valueStamp = stamp;
        }
        else if (operation < GET_PERCENT + PUT_PERCENT)
        {
            stamp = m_nextStamp++;
            fillValue(stamp, m_newValue.data(), m_valueLength);
            length = KeyValueClient::encodePut(buffer, capacity, correlationId, key, view(m_newValue));
        }
        else if (operation < GET_PERCENT + PUT_PERCENT + CAS_PERCENT)
        {
            length = compareAndSet(correlationId, buffer, capacity, key, stamp, expectation);
        }
        else
        {
            length = KeyValueClient::encodeDelete(buffer, capacity, correlationId, key);
            expectation.code = stamp == 0 ? ResponseCode::NOT_FOUND : ResponseCode::OK;
            stamp = 0;
        }
        m_expectations.push(expectation);
        return length;
    }

    [[nodiscard]] bool checkResponse(const std::uint8_t* payload, std::size_t length) override
    {
        if (m_expectations.empty())
        {
            return fail("kv: a response with no request in flight");
        }
        const Expectation expected = m_expectations.pop();
        KeyValueClient::Response response;
        if (!KeyValueClient::decodeResponse(payload, length, response))
        {
            return fail("kv: undecodable response of " + std::to_string(length) + " bytes where correlation id " +
                        std::to_string(expected.correlationId) + " was due");
        }
        if (response.correlationId != expected.correlationId)
        {
            return fail("kv: response for correlation id " + std::to_string(response.correlationId) + ", expected " +
                        std::to_string(expected.correlationId) + " (lost or out of order)");
        }
        if (response.code != expected.code)
        {
            return fail("kv: correlation id " + std::to_string(expected.correlationId) + " answered " +
                        codecs::kv::toString(response.code) + ", expected " + codecs::kv::toString(expected.code));
        }
        if (expected.valueStamp == 0)
        {
            if (!response.value.empty())
            {
                return fail("kv: correlation id " + std::to_string(expected.correlationId) +
                            " carried an unexpected value");
            }
            return true;
        }
        fillValue(expected.valueStamp, m_checkValue.data(), m_valueLength);
        if (response.value != view(m_checkValue))
        {
            return fail("kv: correlation id " + std::to_string(expected.correlationId) + " returned \"" +
                        std::string(response.value) + "\", expected \"" + std::string(view(m_checkValue)) + "\"");
        }
        return true;
    }

    [[nodiscard]] std::size_t inFlight() const noexcept override { return m_expectations.size(); }

private:
    struct Expectation
    {
        std::int64_t correlationId = 0;
        ResponseCode code = ResponseCode::NULL_VALUE;
        /// The value the response carries (0: none).
        std::uint64_t valueStamp = 0;
    };

    std::int32_t compareAndSet(std::int64_t correlationId, std::uint8_t* buffer, std::size_t capacity,
                               std::string_view key, std::uint64_t& stamp, Expectation& expectation)
    {
        const bool offerCurrent = stamp != 0 && m_random.next() % CAS_WRONG_EXPECTED_ONE_IN != 0;
        const std::uint64_t expectedStamp = offerCurrent ? stamp : m_nextStamp++;
        const std::uint64_t newStamp = m_nextStamp++;
        fillValue(expectedStamp, m_expectedValue.data(), m_valueLength);
        fillValue(newStamp, m_newValue.data(), m_valueLength);
        const std::int32_t length = KeyValueClient::encodeCompareAndSet(
            buffer, capacity, correlationId, key, view(m_expectedValue), view(m_newValue));
        if (stamp == 0)
        {
            expectation.code = ResponseCode::NOT_FOUND;
            return length;
        }
        // Compare bytes, not stamps: short values of different stamps can be equal, and the service compares bytes.
        fillValue(stamp, m_checkValue.data(), m_valueLength);
        if (m_checkValue == m_expectedValue)
        {
            stamp = newStamp;
        }
        else
        {
            expectation.code = ResponseCode::CAS_MISMATCH;
            expectation.valueStamp = stamp;
        }
        return length;
    }

    std::string_view keyFor(std::size_t index) noexcept
    {
        char digits[MAX_KEY_DIGITS];
        std::size_t count = 0;
        do
        {
            digits[count++] = static_cast<char>('0' + index % 10);
            index /= 10;
        } while (index != 0 && count < MAX_KEY_DIGITS);
        for (std::size_t i = 0; i < count; ++i)
        {
            m_keyBuffer[m_prefixLength + i] = digits[count - 1 - i];
        }
        return std::string_view(m_keyBuffer).substr(0, m_prefixLength + count);
    }

    static std::string_view view(const std::vector<std::uint8_t>& bytes) noexcept
    {
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }

    SplitMix64 m_random;
    /// The model: each key's current value as the stamp that generated it, 0 when absent.
    std::vector<std::uint64_t> m_stamps;
    std::uint64_t m_nextStamp = 1;
    std::size_t m_valueLength;
    std::vector<std::uint8_t> m_expectedValue;
    std::vector<std::uint8_t> m_newValue;
    std::vector<std::uint8_t> m_checkValue;
    std::string m_keyBuffer;
    std::size_t m_prefixLength;
    ExpectationQueue<Expectation> m_expectations;
};

class EchoWorkload final : public Workload
{
public:
    explicit EchoWorkload(const ClientOptions& options) :
        Workload(static_cast<std::size_t>(options.window)),
        m_seed(options.seed),
        m_expected(LENGTH),
        m_expectations(static_cast<std::size_t>(options.window))
    {
    }

    [[nodiscard]] std::size_t maxRequestLength() const noexcept override { return LENGTH; }

    [[nodiscard]] std::int32_t nextRequest(std::int64_t correlationId, std::uint8_t* buffer) override
    {
        if (m_expectations.full())
        {
            throw util::IllegalStateException("echo workload: window of " + std::to_string(window()) + " is full");
        }
        encode(correlationId, buffer);
        m_expectations.push(correlationId);
        return static_cast<std::int32_t>(LENGTH);
    }

    [[nodiscard]] bool checkResponse(const std::uint8_t* payload, std::size_t length) override
    {
        if (m_expectations.empty())
        {
            return fail("echo: a response with no request in flight");
        }
        const std::int64_t correlationId = m_expectations.pop();
        encode(correlationId, m_expected.data());
        if (length != LENGTH || std::memcmp(payload, m_expected.data(), LENGTH) != 0)
        {
            std::int64_t echoedId = -1;
            if (length >= sizeof(echoedId))
            {
                std::memcpy(&echoedId, payload, sizeof(echoedId));
            }
            return fail("echo: expected the 32 bytes of correlation id " + std::to_string(correlationId) + ", got " +
                        std::to_string(length) + " bytes starting with id " + std::to_string(echoedId));
        }
        return true;
    }

    [[nodiscard]] std::size_t inFlight() const noexcept override { return m_expectations.size(); }

private:
    static constexpr std::size_t LENGTH = ClientOptions::ECHO_MESSAGE_LENGTH;

    /// The correlation id, then bytes derived from it and the seed.
    void encode(std::int64_t correlationId, std::uint8_t* buffer) const noexcept
    {
        std::memcpy(buffer, &correlationId, sizeof(correlationId));
        fillValue(m_seed ^ static_cast<std::uint64_t>(correlationId), buffer + sizeof(correlationId),
                  LENGTH - sizeof(correlationId));
    }

    std::uint64_t m_seed;
    std::vector<std::uint8_t> m_expected;
    ExpectationQueue<std::int64_t> m_expectations;
};
} // namespace

std::unique_ptr<Workload> newWorkload(const ClientOptions& options, const std::string& keyPrefix)
{
    switch (options.workload)
    {
    case WorkloadKind::KV:
        return std::make_unique<KeyValueWorkload>(options, keyPrefix);
    case WorkloadKind::ECHO:
        return std::make_unique<EchoWorkload>(options);
    }
    throw util::IllegalArgumentException("unknown workload");
}
} // namespace cox::apps::client

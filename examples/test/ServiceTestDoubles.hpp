#pragma once

// Test doubles of the cluster's service-side interfaces (Cluster, ClientSession) that record what a service
// does, and an in-process IPC stream to write and read snapshots through.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::examples::test
{
/// Counts idles and runs an optional action on each, e.g. pumping an invoker-mode driver.
class RecordingIdleStrategy final : public util::IdleStrategy
{
public:
    void idle() noexcept override
    {
        ++idles;
        if (onIdle)
        {
            onIdle();
        }
    }
    [[nodiscard]] std::string_view alias() const noexcept override { return "recording"; }

    int idles = 0;
    std::function<void()> onIdle;
};

/// Records every message offered to it. scriptedResults are returned, in order, by the next offers before
/// any succeeds; a non-negative scripted result (MOCKED_OFFER) is returned and the message recorded.
class FakeClientSession final : public cluster::ClientSession
{
public:
    explicit FakeClientSession(std::int64_t id) : m_id(id) {}

    [[nodiscard]] std::int64_t id() const noexcept override { return m_id; }
    [[nodiscard]] std::int32_t responseStreamId() const noexcept override { return 102; }
    [[nodiscard]] std::string_view responseChannel() const noexcept override { return "aeron:ipc"; }
    [[nodiscard]] std::span<const std::uint8_t> encodedPrincipal() const noexcept override { return {}; }
    void close() override { m_closing = true; }
    [[nodiscard]] bool isClosing() const noexcept override { return m_closing; }

    [[nodiscard]] std::int64_t offer(const std::uint8_t* payload, std::int32_t length) noexcept override
    {
        ++offerCalls;
        std::int64_t result = m_position + length;
        if (!scriptedResults.empty())
        {
            result = scriptedResults.front();
            scriptedResults.pop_front();
            if (result < 0)
            {
                return result;
            }
        }
        offers.emplace_back(payload, payload + length);
        m_position += length;
        return result;
    }

    [[nodiscard]] std::int64_t offer(std::span<const transport::BufferVector> vectors) noexcept override
    {
        std::vector<std::uint8_t> joined;
        for (const transport::BufferVector& vector : vectors)
        {
            joined.insert(joined.end(), vector.buffer, vector.buffer + vector.length);
        }
        return offer(joined.data(), static_cast<std::int32_t>(joined.size()));
    }

    [[nodiscard]] std::int64_t tryClaim(std::int32_t, transport::BufferClaim&) noexcept override
    {
        ++offerCalls;
        return transport::PublicationResult::ERROR;
    }

    std::vector<std::vector<std::uint8_t>> offers;
    std::deque<std::int64_t> scriptedResults;
    int offerCalls = 0;

private:
    std::int64_t m_id;
    std::int64_t m_position = 0;
    bool m_closing = false;
};

/// A cluster that hands out its idle strategy and its sessions and records timer requests (accepting them after
/// timerBackPressures refusals); everything else that would reach the consensus module refuses.
class FakeCluster final : public cluster::Cluster
{
public:
    [[nodiscard]] std::int32_t memberId() const noexcept override { return 0; }
    [[nodiscard]] std::int32_t serviceId() const noexcept override { return 0; }
    [[nodiscard]] cluster::Role role() const noexcept override { return cluster::Role::LEADER; }
    [[nodiscard]] std::int64_t logPosition() const noexcept override { return 0; }
    [[nodiscard]] std::int64_t time() const noexcept override { return 0; }
    [[nodiscard]] cluster::ClusterTimeUnit timeUnit() const noexcept override
    {
        return cluster::ClusterTimeUnit::NANOSECONDS;
    }
    [[nodiscard]] cluster::ClientSession* getClientSession(std::int64_t id) noexcept override
    {
        const auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : it->second;
    }
    void forEachClientSession(const std::function<void(cluster::ClientSession&)>& consumer) override
    {
        for (auto& [id, session] : sessions)
        {
            consumer(*session);
        }
    }
    bool closeClientSession(std::int64_t) override { return false; }
    [[nodiscard]] bool scheduleTimer(std::int64_t correlationId, std::int64_t deadline) override
    {
        if (timerBackPressures > 0)
        {
            --timerBackPressures;
            return false;
        }
        scheduledTimers.emplace_back(correlationId, deadline);
        return true;
    }
    [[nodiscard]] bool cancelTimer(std::int64_t correlationId) override
    {
        if (timerBackPressures > 0)
        {
            --timerBackPressures;
            return false;
        }
        cancelledTimers.push_back(correlationId);
        return true;
    }
    [[nodiscard]] std::int64_t offer(const std::uint8_t*, std::int32_t) override
    {
        return transport::PublicationResult::NOT_CONNECTED;
    }
    [[nodiscard]] std::int64_t offer(std::span<const transport::BufferVector>) override
    {
        return transport::PublicationResult::NOT_CONNECTED;
    }
    [[nodiscard]] std::int64_t tryClaim(std::int32_t, transport::BufferClaim&) override
    {
        return transport::PublicationResult::NOT_CONNECTED;
    }
    [[nodiscard]] util::IdleStrategy& idleStrategy() noexcept override { return idle; }
    [[nodiscard]] transport::Aeron& aeron() noexcept override
    {
        ADD_FAILURE() << "a service under test asked for Aeron";
        std::abort();
    }

    RecordingIdleStrategy idle;
    std::map<std::int64_t, cluster::ClientSession*> sessions;
    std::vector<std::pair<std::int64_t, std::int64_t>> scheduledTimers;
    std::vector<std::int64_t> cancelledTimers;
    int timerBackPressures = 0;
};

/// Delivers payload to service as the container would: at a non-zero offset, after room for the session
/// header. The buffer ends exactly at the payload, so ASan catches any read beyond it.
inline void deliver(cluster::ClusteredService& service, cluster::ClientSession* session,
                    const std::vector<std::uint8_t>& payload, std::int64_t timestamp = 0)
{
    constexpr std::int32_t offset = cluster::Cluster::SESSION_HEADER_LENGTH;
    std::vector<std::uint8_t> frame(static_cast<std::size_t>(offset) + payload.size(), 0xEE);
    if (!payload.empty())
    {
        std::memcpy(frame.data() + offset, payload.data(), payload.size());
    }
    const util::AtomicBuffer buffer(frame.data(), frame.size());
    const transport::Header header(0, 16);
    service.onSessionMessage(session, timestamp, buffer, offset, static_cast<std::int32_t>(payload.size()), header);
}

/// An exclusive IPC publication and its subscription's image on an invoker-mode driver: what a service
/// writes in onTakeSnapshot is read back from image() in onStart.
class SnapshotStream
{
public:
    static constexpr const char* CHANNEL = "aeron:ipc";
    static constexpr std::int32_t STREAM_ID = 106;

    SnapshotStream()
    {
        publication = fixture.aeron->addExclusivePublication(CHANNEL, STREAM_ID);
        subscription = fixture.aeron->addSubscription(CHANNEL, STREAM_ID);
        const bool ready = fixture.pumpUntil([this]
                                             { return subscription->imageCount() == 1 && publication->isConnected(); });
        if (!ready)
        {
            throw util::IllegalStateException("snapshot stream's image never appeared");
        }
        m_image = subscription->imageBySessionId(publication->sessionId());
    }

    [[nodiscard]] transport::Image& image() { return *m_image; }

    transport::test::InvokerDriverFixture fixture;
    std::shared_ptr<transport::ExclusivePublication> publication;
    std::shared_ptr<transport::Subscription> subscription;

private:
    std::shared_ptr<transport::Image> m_image;
};

inline std::vector<std::uint8_t> bytesOf(std::string_view text)
{
    return {text.begin(), text.end()};
}
} // namespace cox::examples::test

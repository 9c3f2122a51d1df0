#pragma once

#include <functional>

#include <cstdint>
#include <memory>
#include <string>

#include "RecordingSession.hpp"
#include "cox/archive/RecordingReader.hpp"
#include "cox/transport/ExclusivePublication.hpp"

namespace cox::archive
{
/// Replays a recording's frames, from a position, onto a replay publication (Aeron's ReplaySession).
/// The publication starts at the replay position, so replayed positions equal recorded ones; each
/// frame keeps its flags (fragments stay fragments) and reserved value. A replay of a live recording
/// follows it up to the recorded position until it stops. Replayer thread while active.
class ReplaySession
{
public:
    enum class State
    {
        AWAIT_CONNECTION,
        REPLAY,
        DONE,
    };

    ReplaySession(
        std::int64_t replaySessionId,
        std::int64_t recordingId,
        std::int64_t controlSessionId,
        std::int64_t correlationId,
        std::int64_t stopPosition,
        std::shared_ptr<RecordingProgress> liveProgress,
        std::unique_ptr<RecordingReader> reader,
        std::shared_ptr<transport::ExclusivePublication> publication,
        std::int64_t connectDeadlineNs,
        std::function<std::int64_t()> limitPosition = {});

    int doWork(std::int64_t nowNs);
    void abort() noexcept { m_isAborted.store(true, std::memory_order_release); }
    [[nodiscard]] bool isDone() const noexcept { return m_state == State::DONE; }
    [[nodiscard]] std::int64_t replaySessionId() const noexcept { return m_replaySessionId; }
    [[nodiscard]] std::int64_t recordingId() const noexcept { return m_recordingId; }
    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_controlSessionId; }
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_correlationId; }
    [[nodiscard]] const std::string& errorMessage() const noexcept { return m_errorMessage; }
    void close();

private:
    int replay();
    /// Offers the pending frame; true if it went (or needs no sending), false to retry later.
    bool offerPending();
    void fail(std::string message);

    std::int64_t m_replaySessionId;
    std::int64_t m_recordingId;
    std::int64_t m_controlSessionId;
    std::int64_t m_correlationId;
    std::int64_t m_stopPosition;
    std::shared_ptr<RecordingProgress> m_liveProgress;
    /// A bounded replay (Aeron's BoundedReplayRequest): never past this counter's value.
    std::function<std::int64_t()> m_limitPosition;
    std::unique_ptr<RecordingReader> m_reader;
    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::int64_t m_connectDeadlineNs;
    State m_state = State::AWAIT_CONNECTION;
    std::atomic<bool> m_isAborted{false};
    RecordedFrame m_pending;
    bool m_hasPending = false;
    std::string m_errorMessage;
};
} // namespace cox::archive

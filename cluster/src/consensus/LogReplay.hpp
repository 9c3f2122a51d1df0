#pragma once

#include <cstdint>
#include <memory>

namespace cox::transport
{
class Counter;
class Image;
class Subscription;
} // namespace cox::transport

namespace cox::cluster
{
class ConsensusModuleAgent;

/// Replays a stretch of this member's recorded log through the consensus module and its services (Aeron's
/// LogReplay), to rebuild their state after a restart.
///
/// The archive replays into an IPC stream bounded by a limit counter that starts at the first position, so
/// nothing flows until the module and every service have joined the replay image at its start; then the
/// limit opens to the end. Done once the module has applied the whole stretch and every service has acked
/// reaching its end.
class LogReplay
{
public:
    LogReplay(ConsensusModuleAgent& agent, std::int64_t recordingId, std::int64_t startPosition,
              std::int64_t stopPosition);
    ~LogReplay();

    LogReplay(const LogReplay&) = delete;
    LogReplay& operator=(const LogReplay&) = delete;

    int doWork(std::int64_t nowNs);
    [[nodiscard]] bool isDone() const noexcept { return m_state == State::DONE; }

private:
    enum class State : std::int8_t
    {
        INIT,
        AWAIT_JOIN,
        REPLAY,
        AWAIT_SERVICES,
        DONE,
    };

    void close();

    ConsensusModuleAgent& m_agent;
    std::int64_t m_recordingId;
    std::int64_t m_startPosition;
    std::int64_t m_stopPosition;
    std::int64_t m_replaySessionId = -1;
    std::int64_t m_joinAckId = 0;
    std::int32_t m_logSessionId = 0;
    std::shared_ptr<transport::Counter> m_limitCounter;
    std::shared_ptr<transport::Subscription> m_subscription;
    std::shared_ptr<transport::Image> m_image;
    State m_state = State::INIT;
};
} // namespace cox::cluster

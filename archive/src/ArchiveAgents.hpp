#pragma once

#include <memory>
#include <vector>

#include "RecordingSession.hpp"
#include "ReplaySession.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/CommandQueue.hpp"

namespace cox::archive
{
/// The recorder agent: writes every active recording session's new frames (Aeron's Recorder).
/// Sessions arrive and leave through its command queue; finished ones go back to the conductor.
class Recorder final : public util::Agent
{
public:
    using OnDone = std::function<void(std::shared_ptr<RecordingSession>)>;

    Recorder(util::CommandQueue& commands, OnDone onDone) : m_commands(commands), m_onDone(std::move(onDone)) {}

    int doWork() override
    {
        int workCount = m_commands.drain();
        for (std::size_t i = 0; i < m_sessions.size();)
        {
            workCount += m_sessions[i]->doWork();
            if (m_sessions[i]->isDone())
            {
                m_onDone(std::move(m_sessions[i]));
                m_sessions.erase(m_sessions.begin() + static_cast<std::ptrdiff_t>(i));
            }
            else
            {
                ++i;
            }
        }
        return workCount;
    }

    [[nodiscard]] std::string_view roleName() const noexcept override { return "archive-recorder"; }
    void add(std::shared_ptr<RecordingSession> session) { m_sessions.push_back(std::move(session)); }

private:
    util::CommandQueue& m_commands;
    OnDone m_onDone;
    std::vector<std::shared_ptr<RecordingSession>> m_sessions;
};

/// The replayer agent: sends every active replay session's frames (Aeron's Replayer).
class Replayer final : public util::Agent
{
public:
    using OnDone = std::function<void(std::shared_ptr<ReplaySession>)>;

    Replayer(util::CommandQueue& commands, const util::NanoClock& clock, OnDone onDone)
        : m_commands(commands), m_clock(clock), m_onDone(std::move(onDone))
    {
    }

    int doWork() override
    {
        const std::int64_t nowNs = m_clock.nanoTime();
        int workCount = m_commands.drain();
        for (std::size_t i = 0; i < m_sessions.size();)
        {
            workCount += m_sessions[i]->doWork(nowNs);
            if (m_sessions[i]->isDone())
            {
                m_onDone(std::move(m_sessions[i]));
                m_sessions.erase(m_sessions.begin() + static_cast<std::ptrdiff_t>(i));
            }
            else
            {
                ++i;
            }
        }
        return workCount;
    }

    [[nodiscard]] std::string_view roleName() const noexcept override { return "archive-replayer"; }
    void add(std::shared_ptr<ReplaySession> session) { m_sessions.push_back(std::move(session)); }

private:
    util::CommandQueue& m_commands;
    const util::NanoClock& m_clock;
    OnDone m_onDone;
    std::vector<std::shared_ptr<ReplaySession>> m_sessions;
};
} // namespace cox::archive

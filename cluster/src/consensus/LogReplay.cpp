#include "consensus/LogReplay.hpp"

#include <cstring>
#include <iostream>

#include "consensus/ConsensusModuleAgent.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/Image.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::cluster
{
namespace
{
/// A counter type of our own: the replay's limit, set by the module, read by the archive.
constexpr std::int32_t LOG_REPLAY_LIMIT_TYPE_ID = 250;
} // namespace

LogReplay::LogReplay(ConsensusModuleAgent& agent, std::int64_t recordingId, std::int64_t startPosition,
                     std::int64_t stopPosition)
    : m_agent(agent), m_recordingId(recordingId), m_startPosition(startPosition), m_stopPosition(stopPosition)
{
}

LogReplay::~LogReplay()
{
    close();
}

void LogReplay::close()
{
    if (m_state != State::DONE && m_replaySessionId >= 0 && m_agent.m_archive)
    {
        try
        {
            m_agent.m_archive->stopReplay(m_replaySessionId);
        }
        catch (const std::exception&)
        {
            // The replay may have ended by itself already.
        }
    }
    if (m_subscription)
    {
        m_subscription->close();
        m_subscription.reset();
    }
    if (m_limitCounter)
    {
        m_limitCounter->close();
        m_limitCounter.reset();
    }
    if (m_agent.m_logImage == m_image)
    {
        m_agent.m_logImage.reset();
    }
    m_image.reset();
}

int LogReplay::doWork(std::int64_t nowNs)
{
    static_cast<void>(nowNs);
    const auto& config = m_agent.m_config;
    switch (m_state)
    {
    case State::INIT:
    {
        std::uint8_t key[4];
        std::memcpy(key, &config.clusterId, sizeof(key));
        m_limitCounter = m_agent.m_aeron->addCounter(LOG_REPLAY_LIMIT_TYPE_ID, key,
                                                     "Cluster log replay limit - clusterId=" +
                                                         std::to_string(config.clusterId));
        m_limitCounter->setOrdered(m_startPosition);
        m_replaySessionId = m_agent.m_archive->startBoundedReplay(
            m_recordingId, m_startPosition, m_stopPosition - m_startPosition, m_limitCounter->id(),
            config.replayChannel, config.replayStreamId);
        m_logSessionId = static_cast<std::int32_t>(m_replaySessionId);
        const std::string channel = config.replayChannel + (config.replayChannel.find('?') == std::string::npos ? "?" : "|") +
            "session-id=" + std::to_string(m_logSessionId);
        m_subscription = m_agent.m_aeron->addSubscription(channel, config.replayStreamId);
        m_joinAckId = m_agent.m_serviceAcks.empty() ? 0 : m_agent.m_serviceAcks.front().nextAckId;
        if (!m_agent.m_serviceProxy->joinLog(m_startPosition, m_stopPosition, config.memberId, m_logSessionId,
                                             config.replayStreamId, true, m_agent.m_role, channel))
        {
            throw util::IllegalStateException("could not send JoinLog for the log replay to the services");
        }
        m_agent.m_logAdapterPosition = m_startPosition;
        m_agent.m_commitPositionCounter->setOrdered(m_startPosition);
        std::cout << "consensus-module: replaying log recording " << m_recordingId << " from " << m_startPosition
                  << " to " << m_stopPosition << std::endl;
        m_state = State::AWAIT_JOIN;
        return 1;
    }
    case State::AWAIT_JOIN:
    {
        if (!m_image)
        {
            m_image = m_subscription->imageBySessionId(m_logSessionId);
        }
        if (m_image && m_agent.allServicesAcked(m_joinAckId))
        {
            m_agent.m_logImage = m_image;
            m_limitCounter->setOrdered(m_stopPosition);
            m_state = State::REPLAY;
            return 1;
        }
        return 0;
    }
    case State::REPLAY:
    {
        const int work = m_agent.pollLog(m_stopPosition);
        if (m_agent.m_logAdapterPosition >= m_stopPosition)
        {
            m_state = State::AWAIT_SERVICES;
            return work + 1;
        }
        return work;
    }
    case State::AWAIT_SERVICES:
        if (m_agent.allServicesAcked(m_joinAckId + 1))
        {
            std::cout << "consensus-module: log replay to " << m_stopPosition << " complete" << std::endl;
            m_state = State::DONE;
            close();
            return 1;
        }
        return 0;
    case State::DONE:
        return 0;
    }
    return 0;
}
} // namespace cox::cluster

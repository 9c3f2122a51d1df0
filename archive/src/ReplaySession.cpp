#include "ReplaySession.hpp"

#include <cstring>

#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace cox::archive
{
namespace
{
constexpr std::int32_t FRAMES_PER_CYCLE = 64;
constexpr std::int32_t HEADER_LENGTH = 32;
} // namespace

ReplaySession::ReplaySession(
    std::int64_t replaySessionId,
    std::int64_t recordingId,
    std::int64_t controlSessionId,
    std::int64_t correlationId,
    std::int64_t stopPosition,
    std::shared_ptr<RecordingProgress> liveProgress,
    std::unique_ptr<RecordingReader> reader,
    std::shared_ptr<transport::ExclusivePublication> publication,
    std::int64_t connectDeadlineNs,
    std::function<std::int64_t()> limitPosition)
    : m_replaySessionId(replaySessionId),
      m_recordingId(recordingId),
      m_controlSessionId(controlSessionId),
      m_correlationId(correlationId),
      m_stopPosition(stopPosition),
      m_liveProgress(std::move(liveProgress)),
      m_limitPosition(std::move(limitPosition)),
      m_reader(std::move(reader)),
      m_publication(std::move(publication)),
      m_connectDeadlineNs(connectDeadlineNs)
{
}

int ReplaySession::doWork(std::int64_t nowNs)
{
    if (m_isAborted.load(std::memory_order_acquire) && m_state != State::DONE)
    {
        m_state = State::DONE;
        return 1;
    }
    switch (m_state)
    {
        case State::AWAIT_CONNECTION:
            if (m_publication->isConnected())
            {
                m_state = State::REPLAY;
                return 1;
            }
            if (nowNs > m_connectDeadlineNs)
            {
                fail("no connection established for replay");
            }
            return 0;
        case State::REPLAY:
            if (!m_publication->isConnected())
            {
                m_state = State::DONE; // the subscriber went away: nothing to report (Aeron)
                return 1;
            }
            return replay();
        case State::DONE:
            return 0;
    }
    return 0;
}

int ReplaySession::replay()
{
    if (m_liveProgress)
    {
        // Following a live recording: read up to what it has recorded, and finish once it stopped
        // and everything it recorded (up to the requested stop) went out.
        const std::int64_t recorded = m_liveProgress->position.load(std::memory_order_acquire);
        m_reader->limitPosition(std::min(recorded, m_stopPosition));
    }
    if (m_limitPosition)
    {
        const std::int64_t live = m_liveProgress ? m_liveProgress->position.load(std::memory_order_acquire)
                                                 : m_stopPosition;
        m_reader->limitPosition(std::min({live, m_stopPosition, m_limitPosition()}));
    }
    int workCount = 0;
    while (workCount < FRAMES_PER_CYCLE)
    {
        if (!m_hasPending)
        {
            const std::int32_t result = m_reader->poll(
                [this](const RecordedFrame& frame)
                {
                    m_pending = frame;
                    m_hasPending = true;
                },
                1);
            if (result < 0)
            {
                fail(std::string("replay of recording ") + std::to_string(m_recordingId) + " failed: " +
                     m_reader->lastErrorMessage());
                return workCount + 1;
            }
            if (result == 0)
            {
                break;
            }
        }
        if (!offerPending())
        {
            break;
        }
        ++workCount;
    }
    const bool liveDone = !m_liveProgress || !m_liveProgress->isActive.load(std::memory_order_acquire);
    if (!m_hasPending && m_reader->position() >= m_stopPosition)
    {
        m_state = State::DONE;
        ++workCount;
    }
    else if (!m_hasPending && liveDone && m_liveProgress &&
             m_reader->position() >= m_liveProgress->position.load(std::memory_order_acquire))
    {
        m_state = State::DONE; // the live recording stopped short of the requested stop
        ++workCount;
    }
    return workCount;
}

bool ReplaySession::offerPending()
{
    const RecordedFrame& frame = m_pending;
    if (frame.isPadding())
    {
        // Reproduce the recorded padding: the original publication padded before a message that did not
        // fit the rest of the term, and a replay must put that message's first fragment where it was.
        const std::int64_t padResult = m_publication->appendPadding(frame.frameLength - HEADER_LENGTH);
        if (padResult < 0)
        {
            if (padResult == transport::PublicationResult::CLOSED ||
                padResult == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
                padResult == transport::PublicationResult::ERROR)
            {
                fail("replay publication refused padding: result " + std::to_string(padResult));
            }
            return false;
        }
        m_hasPending = false;
        return true;
    }
    const std::int32_t payloadLength = frame.frameLength - HEADER_LENGTH;
    transport::BufferClaim claim;
    const std::int64_t result = m_publication->tryClaim(payloadLength, claim);
    if (result < 0)
    {
        if (result == transport::PublicationResult::CLOSED || result == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
            result == transport::PublicationResult::ERROR)
        {
            fail("replay publication refused a frame: result " + std::to_string(result));
        }
        return false; // back pressured, not connected yet, or rotating: retry this frame later
    }
    if (payloadLength > 0)
    {
        claim.putBytes(frame.frame + HEADER_LENGTH, payloadLength);
    }
    claim.flags(frame.flags);
    claim.reservedValue(frame.reservedValue);
    claim.commit();
    m_hasPending = false;
    return true;
}

void ReplaySession::fail(std::string message)
{
    m_errorMessage = std::move(message);
    m_state = State::DONE;
}

void ReplaySession::close()
{
    if (m_publication)
    {
        m_publication->close();
        m_publication.reset();
    }
}
} // namespace cox::archive

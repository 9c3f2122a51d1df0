#include "RecordingSession.hpp"

namespace cox::archive
{
RecordingSession::RecordingSession(
    std::int64_t recordingId,
    std::int64_t subscriptionId,
    std::int64_t controlSessionId,
    std::int64_t correlationId,
    std::shared_ptr<transport::Image> image,
    std::unique_ptr<RecordingWriter> writer,
    std::shared_ptr<transport::Counter> positionCounter,
    std::int32_t blockLengthLimit)
    : m_recordingId(recordingId),
      m_subscriptionId(subscriptionId),
      m_controlSessionId(controlSessionId),
      m_correlationId(correlationId),
      m_image(std::move(image)),
      m_writer(std::move(writer)),
      m_positionCounter(std::move(positionCounter)),
      m_progress(std::make_shared<RecordingProgress>(m_writer->position())),
      m_blockLengthLimit(blockLengthLimit)
{
    m_positionCounter->setOrdered(m_writer->position());
    m_publishedPosition = m_writer->position();
}

int RecordingSession::doWork()
{
    if (m_isDone)
    {
        return 0;
    }
    if (m_isAborted.load(std::memory_order_acquire))
    {
        m_isDone = true;
        return 1;
    }
    std::int64_t result = 0;
    const std::int32_t bytes = m_image->blockPoll(
        [&](const util::AtomicBuffer& termBuffer, std::int32_t termOffset, std::int32_t length, std::int32_t,
            std::int32_t)
        {
            const std::int64_t blockPosition = m_writer->writePosition();
            result = m_writer->onImageBlock(termBuffer.buffer() + termOffset, length, blockPosition);
        },
        m_blockLengthLimit);
    if (result >= 0)
    {
        result = m_writer->pollSync();
    }
    if (result < 0)
    {
        m_isStorageSpaceError = result == RecordingWriter::STORAGE_SPACE;
        m_errorMessage = std::string("recording ") + std::to_string(m_recordingId) +
            " failed to write: " + m_writer->lastErrorMessage();
        m_isDone = true;
        return 1;
    }
    if (const std::int64_t position = m_writer->position(); position != m_publishedPosition)
    {
        // Only once the writer has the bytes (synced per level) does the position move.
        publish(position);
        return bytes > 0 ? bytes : 1;
    }
    if (bytes > 0)
    {
        return bytes;
    }
    if (m_image->isClosed() || m_image->isEndOfStream())
    {
        m_isDone = true;
        return 1;
    }
    return 0;
}

void RecordingSession::publish(std::int64_t position) noexcept
{
    m_publishedPosition = position;
    m_progress->position.store(position, std::memory_order_release);
    m_positionCounter->setOrdered(position);
}

void RecordingSession::close() noexcept
{
    if (m_writer)
    {
        // What was written but not yet synced by the syncer is synced now, so the stop position covers it.
        if (m_writer->flushSync() >= 0 && m_writer->position() != m_publishedPosition)
        {
            publish(m_writer->position());
        }
        m_writer->close();
    }
    m_progress->isActive.store(false, std::memory_order_release);
}
} // namespace cox::archive

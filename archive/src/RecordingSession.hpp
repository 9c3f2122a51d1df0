#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "cox/archive/RecordingWriter.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/Image.hpp"

namespace cox::archive
{
/// What a recording shares with replays that follow it live: how far it has recorded, and whether
/// it still goes on. Written by the recorder thread, read by the replayer and conductor.
struct RecordingProgress
{
    std::atomic<std::int64_t> position;
    std::atomic<bool> isActive{true};

    explicit RecordingProgress(std::int64_t startPosition) : position(startPosition) {}
};

/// Records one image (one publisher session of a recorded stream) into its recording's segment files
/// (Aeron's RecordingSession): raw frames as the image holds them, block by block, the recording
/// position counter advancing only after the writer has written (and, per sync level, synced) them.
/// Recorder thread while active; the conductor creates it and closes it once done.
class RecordingSession
{
public:
    RecordingSession(
        std::int64_t recordingId,
        std::int64_t subscriptionId,
        std::int64_t controlSessionId,
        std::int64_t correlationId,
        std::shared_ptr<transport::Image> image,
        std::unique_ptr<RecordingWriter> writer,
        std::shared_ptr<transport::Counter> positionCounter,
        std::int32_t blockLengthLimit);

    /// Records what the image has; returns bytes written.
    int doWork();
    /// Ends the recording at the next duty cycle (stop request).
    void abort() noexcept { m_isAborted.store(true, std::memory_order_release); }
    [[nodiscard]] bool isDone() const noexcept { return m_isDone; }

    [[nodiscard]] std::int64_t recordingId() const noexcept { return m_recordingId; }
    [[nodiscard]] std::int64_t subscriptionId() const noexcept { return m_subscriptionId; }
    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_controlSessionId; }
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_correlationId; }
    [[nodiscard]] std::int64_t recordedPosition() const noexcept { return m_progress->position.load(); }
    [[nodiscard]] const std::shared_ptr<RecordingProgress>& progress() const noexcept { return m_progress; }
    [[nodiscard]] const std::shared_ptr<transport::Counter>& positionCounter() const noexcept
    {
        return m_positionCounter;
    }
    /// Set when the writer failed: the error to send to the session that started the recording.
    [[nodiscard]] const std::string& errorMessage() const noexcept { return m_errorMessage; }
    [[nodiscard]] bool isStorageSpaceError() const noexcept { return m_isStorageSpaceError; }
    /// Syncs what is left, publishes the final position and closes the writer; called by the conductor after
    /// isDone().
    void close() noexcept;

private:
    void publish(std::int64_t position) noexcept;

    std::int64_t m_recordingId;
    std::int64_t m_subscriptionId;
    std::int64_t m_controlSessionId;
    std::int64_t m_correlationId;
    std::shared_ptr<transport::Image> m_image;
    std::unique_ptr<RecordingWriter> m_writer;
    std::shared_ptr<transport::Counter> m_positionCounter;
    std::shared_ptr<RecordingProgress> m_progress;
    std::int32_t m_blockLengthLimit;
    std::int64_t m_publishedPosition = 0;
    std::atomic<bool> m_isAborted{false};
    bool m_isDone = false;
    bool m_isStorageSpaceError = false;
    std::string m_errorMessage;
};
} // namespace cox::archive

#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cox/archive/ControlResponsePoller.hpp"

namespace cox::archive
{
/// Polls a control response subscription for the signals and responses of one control session (Aeron's
/// RecordingSignalPoller), as the cluster's agents do between their requests. poll() stops after the first
/// ControlResponse or RecordingSignalEvent of that session.
class RecordingSignalPoller
{
public:
    RecordingSignalPoller(std::int64_t controlSessionId, std::shared_ptr<transport::Subscription> subscription,
                          int fragmentLimit = ControlResponsePoller::DEFAULT_FRAGMENT_LIMIT);

    int poll();

    [[nodiscard]] bool isPollComplete() const noexcept { return m_pollComplete; }
    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_poller.controlSessionId(); }
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_poller.correlationId(); }
    [[nodiscard]] std::uint16_t templateId() const noexcept { return m_poller.templateId(); }
    [[nodiscard]] bool isControlResponse() const noexcept { return m_poller.isControlResponse(); }
    [[nodiscard]] bool isRecordingSignal() const noexcept { return m_poller.isRecordingSignal(); }
    [[nodiscard]] std::int64_t relevantId() const noexcept { return m_poller.relevantId(); }
    [[nodiscard]] ControlResponseCode code() const noexcept { return m_poller.code(); }
    [[nodiscard]] const std::string& errorMessage() const noexcept { return m_poller.errorMessage(); }
    [[nodiscard]] std::int64_t recordingId() const noexcept { return m_poller.recordingId(); }
    [[nodiscard]] std::int64_t subscriptionId() const noexcept { return m_poller.subscriptionId(); }
    [[nodiscard]] std::int64_t position() const noexcept { return m_poller.position(); }
    [[nodiscard]] RecordingSignal recordingSignal() const noexcept { return m_poller.recordingSignal(); }

private:
    ControlResponsePoller m_poller;
    bool m_pollComplete = false;
};
} // namespace cox::archive

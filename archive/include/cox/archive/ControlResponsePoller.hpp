#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/archive/RecordingDescriptor.hpp"
#include "cox/codecs/archive/ControlResponseCode.hpp"
#include "cox/codecs/archive/RecordingSignal.hpp"
#include "cox/transport/Header.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace cox::transport
{
class Subscription;
}

namespace cox::archive
{
using codecs::archive::ControlResponseCode;
using codecs::archive::RecordingSignal;

/// Polls a control response subscription for one whole message at a time and exposes its fields (Aeron's
/// ControlResponsePoller, which here also takes RecordingDescriptors so one poller serves every blocking call).
///
/// poll() stops after the first complete ControlResponse, RecordingSignalEvent, Challenge or RecordingDescriptor
/// for the session filter (any session while it is NULL_SESSION); isPollComplete() then says so and templateId()
/// which it was. Messages of other sessions, other schemas and unknown templates are consumed and skipped, as are
/// malformed ones (counted in malformedCount()). Messages split into fragments are reassembled. The fields stay
/// valid until the next poll. One thread only; no allocation once the reassembly buffer and strings have grown.
class ControlResponsePoller
{
public:
    static constexpr int DEFAULT_FRAGMENT_LIMIT = 10;
    static constexpr std::int64_t NULL_SESSION = -1;

    explicit ControlResponsePoller(std::shared_ptr<transport::Subscription> subscription,
                                   int fragmentLimit = DEFAULT_FRAGMENT_LIMIT,
                                   std::int64_t controlSessionIdFilter = NULL_SESSION);
    ~ControlResponsePoller();

    ControlResponsePoller(const ControlResponsePoller&) = delete;
    ControlResponsePoller& operator=(const ControlResponsePoller&) = delete;

    /// Reads until one message of interest is complete or fragmentLimit fragments were read; returns fragments.
    int poll();

    [[nodiscard]] const std::shared_ptr<transport::Subscription>& subscription() const noexcept
    {
        return m_subscription;
    }
    void controlSessionIdFilter(std::int64_t controlSessionId) noexcept { m_sessionFilter = controlSessionId; }

    [[nodiscard]] bool isPollComplete() const noexcept { return m_pollComplete; }
    /// Template of the completed message (codecs::archive::TemplateId), 0 before one completed.
    [[nodiscard]] std::uint16_t templateId() const noexcept { return m_templateId; }
    [[nodiscard]] bool isControlResponse() const noexcept;
    [[nodiscard]] bool isRecordingSignal() const noexcept;
    [[nodiscard]] bool isRecordingDescriptor() const noexcept;
    [[nodiscard]] bool wasChallenged() const noexcept;

    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_controlSessionId; }
    [[nodiscard]] std::int64_t correlationId() const noexcept { return m_correlationId; }

    // ControlResponse.
    [[nodiscard]] std::int64_t relevantId() const noexcept { return m_relevantId; }
    [[nodiscard]] ControlResponseCode code() const noexcept { return m_code; }
    [[nodiscard]] bool isCodeOk() const noexcept { return isControlResponse() && m_code == ControlResponseCode::OK; }
    [[nodiscard]] bool isCodeError() const noexcept
    {
        return isControlResponse() && m_code == ControlResponseCode::ERROR;
    }
    /// The archive's protocol version (0 from senders older than schema version 4).
    [[nodiscard]] std::int32_t version() const noexcept { return m_version; }
    [[nodiscard]] const std::string& errorMessage() const noexcept { return m_errorMessage; }

    // RecordingSignalEvent.
    [[nodiscard]] std::int64_t recordingId() const noexcept { return m_recordingId; }
    [[nodiscard]] std::int64_t subscriptionId() const noexcept { return m_subscriptionId; }
    [[nodiscard]] std::int64_t position() const noexcept { return m_position; }
    [[nodiscard]] RecordingSignal recordingSignal() const noexcept { return m_recordingSignal; }

    // Challenge.
    [[nodiscard]] const std::vector<std::uint8_t>& encodedChallenge() const noexcept { return m_encodedChallenge; }

    // RecordingDescriptor.
    [[nodiscard]] const RecordingDescriptor& recordingDescriptor() const noexcept { return m_descriptor; }

    [[nodiscard]] std::int64_t malformedCount() const noexcept { return m_malformedCount; }

    /// Decodes one whole message as poll() would; for tests and for callers that assemble fragments themselves.
    /// Returns whether it completed the poll.
    bool onMessage(const std::uint8_t* message, std::size_t length);

private:
    static constexpr std::int64_t NULL_VALUE_ID = -1;

    void onFragment(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                    const transport::Header& header);

    std::shared_ptr<transport::Subscription> m_subscription;
    int m_fragmentLimit;
    std::int64_t m_sessionFilter;

    // Reassembly of one message at a time: a response stream carries one archive session per image.
    std::vector<std::uint8_t> m_assembly;
    std::int32_t m_assemblySessionId = 0;
    bool m_assembling = false;

    bool m_pollComplete = false;
    std::uint16_t m_templateId = 0;
    std::int64_t m_controlSessionId = NULL_VALUE_ID;
    std::int64_t m_correlationId = NULL_VALUE_ID;
    std::int64_t m_relevantId = NULL_VALUE_ID;
    ControlResponseCode m_code = ControlResponseCode::NULL_VALUE;
    std::int32_t m_version = 0;
    std::string m_errorMessage;
    std::int64_t m_recordingId = NULL_VALUE_ID;
    std::int64_t m_subscriptionId = NULL_VALUE_ID;
    std::int64_t m_position = NULL_VALUE_ID;
    RecordingSignal m_recordingSignal = RecordingSignal::NULL_VALUE;
    std::vector<std::uint8_t> m_encodedChallenge;
    RecordingDescriptor m_descriptor;
    std::int64_t m_malformedCount = 0;
};
} // namespace cox::archive

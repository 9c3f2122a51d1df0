#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ArchiveAgents.hpp"
#include "ControlSession.hpp"
#include "ReplicationSession.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/ArchiveStorage.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/AgentGroup.hpp"
#include "cox/util/CommandQueue.hpp"
#include "cox/util/StallDetector.hpp"

namespace cox::archive
{
/// Everything the archive's agents share; built by Archive::launch.
struct ArchiveResources
{
    ArchiveContext context;
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    std::shared_ptr<transport::Aeron> aeron;
    std::unique_ptr<ArchiveStorage> storage;
    std::int64_t archiveId = -1;
    util::ErrorHandler errorHandler;
    util::CommandQueue toConductor;
    util::CommandQueue toRecorder;
    util::CommandQueue toReplayer;
    std::unique_ptr<class ArchiveConductor> conductor;
    std::unique_ptr<Recorder> recorder;
    std::unique_ptr<Replayer> replayer;
    std::unique_ptr<util::AgentGroup> agents;
    bool isClosed = false;

    ArchiveResources();
    ~ArchiveResources();
};

/// The archive's control plane (Aeron's ArchiveConductor): reads control requests, keeps control
/// sessions, starts and stops recordings and replays, answers position and listing queries, and
/// truncates and purges through the storage. Recording and replay data move on the recorder and
/// replayer agents.
class ArchiveConductor final : public util::Agent, private ReplicationSession::Host
{
public:
    explicit ArchiveConductor(ArchiveResources& resources);
    ~ArchiveConductor() override;

    int doWork() override;
    void onClose() override;
    [[nodiscard]] std::string_view roleName() const noexcept override { return "archive-conductor"; }

    /// From the recorder and replayer (through the command queue): a session finished.
    void onRecordingDone(const std::shared_ptr<RecordingSession>& session);
    void onReplayDone(const std::shared_ptr<ReplaySession>& session);

private:
    struct RecordingSubscription
    {
        std::int64_t registrationId;
        std::string key;
        std::string channel;
        std::string strippedChannel;
        std::int32_t streamId;
        std::int64_t controlSessionId;
        std::int64_t correlationId;
        bool autoStop;
        std::optional<std::int64_t> extendRecordingId;
        std::shared_ptr<transport::Subscription> subscription;
        int activeSessions = 0;
        bool isClosing = false;
    };

    struct PendingImage
    {
        std::int64_t subscriptionRegistrationId;
        std::int32_t sessionId;
    };

    struct PendingReplay
    {
        std::int64_t publicationRegistrationId;
        std::int64_t controlSessionId;
        std::int64_t correlationId;
        std::int64_t recordingId;
        std::int64_t stopPosition;
        std::shared_ptr<RecordingProgress> liveProgress;
        std::unique_ptr<RecordingReader> reader;
        /// A bounded replay's limit counter in the driver's counters file, or -1.
        std::int32_t limitCounterId = -1;
    };

    void onFragment(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length);
    void onConnect(std::int64_t correlationId, std::int32_t responseStreamId, std::int32_t version,
                   std::string_view responseChannel);
    ControlSession* sessionFor(std::int64_t controlSessionId);
    void onRequest(std::int32_t templateId, const std::uint8_t* data, std::size_t length);

    /// Returns the recording subscription's registration id, or NULL_VALUE when refused (ERROR sent).
    std::int64_t startRecording(ControlSession& session, std::int64_t correlationId, std::int32_t streamId,
                                bool isLocal, bool autoStop, std::string_view channel,
                                std::optional<std::int64_t> extendRecordingId);
    void stopRecording(ControlSession& session, std::int64_t correlationId, std::string_view channel, std::int32_t streamId);
    void stopRecordingSubscription(ControlSession& session, std::int64_t correlationId, std::int64_t subscriptionId);
    void stopRecordingByIdentity(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId);
    void onRecordingImage(RecordingSubscription& subscription, const std::shared_ptr<transport::Image>& image);
    void closeRecordingSubscription(RecordingSubscription& subscription);
    void startReplay(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId,
                     std::int64_t position, std::int64_t length, std::int32_t replayStreamId,
                     std::string_view replayChannel, std::int32_t limitCounterId = -1);
    void stopReplay(ControlSession& session, std::int64_t correlationId, std::int64_t replaySessionId);
    [[nodiscard]] std::function<std::int64_t()> limitFunction(std::int32_t limitCounterId) const;
    void stopAllReplays(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId);
    void listRecordings(ControlSession& session, std::int64_t correlationId, std::int64_t fromRecordingId,
                        std::int32_t count, std::optional<std::pair<std::string, std::int32_t>> uriFilter);
    void findLastMatchingRecording(ControlSession& session, std::int64_t correlationId, std::int64_t minRecordingId,
                                   std::int32_t sessionId, std::int32_t streamId, std::string_view channel);
    void truncateRecording(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId,
                           std::int64_t position);
    void purgeRecording(ControlSession& session, std::int64_t correlationId, std::int64_t recordingId);
    [[nodiscard]] bool hasActiveReplay(std::int64_t recordingId) const;
    [[nodiscard]] std::int64_t livePosition(std::int64_t recordingId) const;

    // ---- replication (ReplicationSession drives the work; these start, stop and serve it) ----
    void replicate(ControlSession& session, std::int64_t correlationId, ReplicationSession::Params params,
                   std::string_view liveDestination, std::string_view srcResponseChannel);
    void stopReplication(ControlSession& session, std::int64_t correlationId, std::int64_t replicationId);
    int processReplications(std::int64_t nowNs);
    std::int64_t extendRecordingForReplication(
        std::int64_t controlSessionId, std::int64_t correlationId, std::int64_t recordingId, std::int32_t streamId,
        const std::string& channel) override;
    [[nodiscard]] std::int64_t replicationRecordingPosition(std::int64_t recordingId) const override;
    [[nodiscard]] std::shared_ptr<transport::Subscription> replicationSubscription(
        std::int64_t subscriptionId) override;
    [[nodiscard]] bool hasReplicationSubscription(std::int64_t subscriptionId) const override;
    void stopReplicationSubscription(std::int64_t subscriptionId) override;
    void sendReplicationSignal(
        std::int64_t controlSessionId, std::int64_t correlationId, std::int64_t recordingId,
        std::int64_t subscriptionId, std::int64_t position, codecs::archive::RecordingSignal signal) override;
    void sendReplicationError(std::int64_t controlSessionId, std::int64_t correlationId, ArchiveErrorCode code,
                              const std::string& message) override;

    int processPendingImages();
    int processPendingReplays(std::int64_t nowNs);
    int processSessions(std::int64_t nowNs);
    std::shared_ptr<transport::Counter> addRecordingPositionCounter(
        std::int64_t recordingId, std::int32_t sessionId, std::int32_t streamId, const std::string& strippedChannel,
        const std::string& sourceIdentity);

    ArchiveResources& m_resources;
    ArchiveContext& m_context;
    ArchiveStorage& m_storage;
    transport::Aeron& m_aeron;
    std::vector<std::shared_ptr<transport::Subscription>> m_controlSubscriptions;
    std::unique_ptr<transport::FragmentAssembler<std::function<void(
        const util::AtomicBuffer&, std::int32_t, std::int32_t, const transport::Header&)>>>
        m_assembler;
    std::map<std::int64_t, std::unique_ptr<ControlSession>> m_controlSessions;
    std::map<std::int64_t, RecordingSubscription> m_recordingSubscriptions;
    std::map<std::int64_t, std::shared_ptr<RecordingSession>> m_recordingSessions;
    std::map<std::int64_t, std::shared_ptr<ReplaySession>> m_replaySessions;
    std::vector<PendingImage> m_pendingImages;
    std::vector<PendingReplay> m_pendingReplays;
    std::map<std::int64_t, std::unique_ptr<ReplicationSession>> m_replicationSessions;
    std::int64_t m_nextSessionId;
    std::int64_t m_nextReplayId = 1;
    std::int64_t m_nowNs = 0;
    util::StallDetector m_stallDetector;
};
} // namespace cox::archive

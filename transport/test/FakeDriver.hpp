#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "cox/codecs/driver/DriverCodecs.hpp"
#include "cox/transport/AeronContext.hpp"
#include "cox/transport/CncFileDescriptor.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/util/BroadcastBufferDescriptor.hpp"
#include "cox/util/BroadcastTransmitter.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/MemoryMappedFile.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace cox::transport::test
{
/// A stand-in for the media driver that speaks the client protocol through real files in a temporary
/// directory: cnc.dat (to-driver ring, to-clients broadcast), counters.dat, and log buffer files. It
/// answers commands from doWork() (call it from the client's driverInvoker, or any thread that owns the
/// fake) and lets a test push image events and errors. Single-threaded: one thread drives it.
class FakeDriver
{
public:
    static constexpr std::int32_t TERM_LENGTH = 64 * 1024;
    static constexpr std::int32_t MTU = 1408;
    static constexpr std::int32_t INITIAL_TERM_ID = 7;
    static constexpr std::int32_t RING_CAPACITY = 64 * 1024;
    static constexpr std::int32_t BROADCAST_CAPACITY = 64 * 1024;

    struct Command
    {
        std::uint16_t templateId = 0;
        std::int64_t correlationId = -1;
        std::int64_t clientId = -1;
        std::int64_t registrationId = -1;
        std::int32_t streamId = 0;
        bool exclusive = false;
        std::string channel;
    };

    struct PublicationState
    {
        std::int64_t registrationId = -1;
        std::int32_t sessionId = 0;
        std::int32_t streamId = 0;
        bool exclusive = false;
        std::string channel;
        std::string logFile;
        std::unique_ptr<LogBuffers> log;
        util::Position limit;
        std::int64_t cleanPosition = 0;
    };

    /// publishCnc = false leaves cnc.dat's version at 0, as a driver still starting would.
    explicit FakeDriver(bool publishCnc = true) : m_dir(makeTempDir())
    {
        std::filesystem::create_directories(m_dir + "/publications");
        std::filesystem::create_directories(m_dir + "/images");
        m_counters = util::CountersManager::create(m_dir + "/" + CncFileDescriptor::COUNTERS_FILE, 256, m_epochClock);
        const std::size_t toDriverLength = RING_CAPACITY + util::RingBufferDescriptor::TRAILER_LENGTH;
        const std::size_t toClientsLength = BROADCAST_CAPACITY + util::BroadcastBufferDescriptor::TRAILER_LENGTH;
        const std::size_t errorLogLength = 4096;
        m_cnc = util::MemoryMappedFile::create(
            m_dir + "/" + CncFileDescriptor::CNC_FILE,
            CncFileDescriptor::computeCncFileLength(toDriverLength, toClientsLength, errorLogLength));
        util::AtomicBuffer cnc = m_cnc->buffer();
        cnc.putInt32(CncFileDescriptor::TO_DRIVER_BUFFER_LENGTH_OFFSET, static_cast<std::int32_t>(toDriverLength));
        cnc.putInt32(CncFileDescriptor::TO_CLIENTS_BUFFER_LENGTH_OFFSET, static_cast<std::int32_t>(toClientsLength));
        cnc.putInt32(CncFileDescriptor::ERROR_LOG_BUFFER_LENGTH_OFFSET, static_cast<std::int32_t>(errorLogLength));
        cnc.putInt64(CncFileDescriptor::CLIENT_LIVENESS_TIMEOUT_OFFSET, 10'000'000'000LL);
        const CncFileDescriptor::CncBuffers buffers = CncFileDescriptor::wrap(cnc);
        m_toDriver = std::make_unique<util::ManyToOneRingBuffer>(buffers.toDriver);
        m_toClients = std::make_unique<util::BroadcastTransmitter>(buffers.toClients);
        if (publishCnc)
        {
            publish();
        }
    }

    ~FakeDriver()
    {
        m_publications.clear();
        std::error_code error;
        std::filesystem::remove_all(m_dir, error);
    }

    FakeDriver(const FakeDriver&) = delete;
    FakeDriver& operator=(const FakeDriver&) = delete;

    /// Stores cnc.dat's version: the driver is ready.
    void publish() { m_cnc->buffer().putInt32Ordered(CncFileDescriptor::VERSION_OFFSET, CncFileDescriptor::CNC_VERSION); }

    [[nodiscard]] const std::string& dir() const noexcept { return m_dir; }

    /// A context for a client of this fake: invoker mode, the fake driven from every wait loop, a short
    /// driver timeout, and errors collected in errors().
    AeronContext context(bool useInvoker = true)
    {
        AeronContext context;
        context.aeronDirectoryName = m_dir;
        context.driverTimeoutMs = 1'000;
        context.useConductorAgentInvoker = useInvoker;
        if (useInvoker)
        {
            context.driverInvoker = [this] { return doWork(); };
        }
        context.errorHandler = [this](const std::exception& e) { m_errors.emplace_back(e.what()); };
        return context;
    }

    /// Reads and answers every pending command; returns how many there were.
    int doWork()
    {
        return m_toDriver->read(
            [this](std::int32_t msgTypeId, util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
            { onCommand(msgTypeId, buffer.buffer() + index, length); });
    }

    // ---- configuration ----
    /// When false, commands are recorded but not answered.
    bool autoRespond = true;
    /// AddPublication / AddSubscription of these channels are answered with Error(INVALID_CHANNEL).
    std::set<std::string> rejectedChannels;
    /// pub-lmt of new publications.
    std::int64_t initialPublicationLimit = TERM_LENGTH / 2;
    /// is_connected of new publication logs.
    bool connected = true;

    [[nodiscard]] const std::vector<Command>& commands() const noexcept { return m_commands; }
    [[nodiscard]] std::vector<Command> commandsOfType(std::uint16_t templateId) const
    {
        std::vector<Command> found;
        for (const auto& command : m_commands)
        {
            if (command.templateId == templateId)
            {
                found.push_back(command);
            }
        }
        return found;
    }
    [[nodiscard]] std::vector<std::string>& errors() noexcept { return m_errors; }

    PublicationState& publication(std::int64_t registrationId) { return *m_publications.at(registrationId); }
    util::CountersManager& counters() noexcept { return *m_counters; }
    util::Position position(std::int32_t counterId) const { return {m_counters->valuesBuffer(), counterId}; }

    /// Announces an image of a log file to a subscription, with a new subscriber position counter set to
    /// joinPosition; returns the image's correlation id.
    std::int64_t addImage(std::int64_t subscriptionRegistrationId, std::int32_t sessionId, std::int32_t streamId,
                          const std::string& logFile, std::int64_t joinPosition = 0,
                          const std::string& sourceIdentity = "aeron:ipc")
    {
        const std::int64_t correlationId = m_toDriver->nextCorrelationId();
        util::Position position = m_counters->newPosition("sub-pos: " + std::to_string(correlationId));
        position.setOrdered(joinPosition);
        m_subscriberPositions[correlationId] = position.id();
        using namespace codecs::driver;
        MessageHeaderEncoder header;
        AvailableImageEncoder encoder;
        encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
            .correlationId(correlationId)
            .subscriptionRegistrationId(subscriptionRegistrationId)
            .sessionId(sessionId)
            .streamId(streamId)
            .subscriberPositionId(position.id())
            .putLogFileName(logFile)
            .putSourceIdentity(sourceIdentity);
        transmit(AvailableImageEncoder::TEMPLATE_ID, encoder.encodedLength());
        return correlationId;
    }

    [[nodiscard]] std::int32_t subscriberPositionId(std::int64_t imageCorrelationId) const
    {
        return m_subscriberPositions.at(imageCorrelationId);
    }

    void removeImage(std::int64_t imageCorrelationId, std::int64_t subscriptionRegistrationId, std::int32_t streamId)
    {
        using namespace codecs::driver;
        MessageHeaderEncoder header;
        UnavailableImageEncoder encoder;
        encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
            .correlationId(imageCorrelationId)
            .subscriptionRegistrationId(subscriptionRegistrationId)
            .streamId(streamId);
        transmit(UnavailableImageEncoder::TEMPLATE_ID, encoder.encodedLength());
    }

    void sendError(std::int64_t correlationId, CncFileDescriptor::ErrorCode code, const std::string& message)
    {
        using namespace codecs::driver;
        MessageHeaderEncoder header;
        ErrorEncoder encoder;
        encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
            .offendingCorrelationId(correlationId)
            .errorCode(static_cast<std::int32_t>(code))
            .putErrorMessage(message);
        transmit(ErrorEncoder::TEMPLATE_ID, encoder.encodedLength());
    }

    void sendClientTimeout(std::int64_t clientId)
    {
        using namespace codecs::driver;
        MessageHeaderEncoder header;
        ClientTimeoutEncoder encoder;
        encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header).clientId(clientId);
        transmit(ClientTimeoutEncoder::TEMPLATE_ID, encoder.encodedLength());
    }

    /// Raw bytes on the broadcast buffer, e.g. a truncated message.
    void transmitRaw(std::int32_t msgTypeId, const std::vector<std::uint8_t>& bytes)
    {
        util::AtomicBuffer source(const_cast<std::uint8_t*>(bytes.data()), bytes.size());
        m_toClients->transmit(msgTypeId, source, 0, bytes.size());
    }

    /// What the IPC publication's conductor does on its duty cycle: zero the log behind the subscriber
    /// (everything but the first word, then that word with release), then raise pub-lmt to subscriber
    /// position + window.
    void updatePublicationLimit(PublicationState& publication, std::int64_t subscriberPosition, std::int64_t window)
    {
        cleanTo(publication, subscriberPosition);
        publication.limit.setOrdered(subscriberPosition + window);
    }

    static void cleanTo(PublicationState& publication, std::int64_t position)
    {
        const std::int32_t termLength = publication.log->termLength();
        const std::int32_t bits = LogBufferDescriptor::positionBitsToShift(termLength);
        while (publication.cleanPosition < position)
        {
            const std::int64_t at = publication.cleanPosition;
            const auto offset = static_cast<std::int32_t>(at & (termLength - 1));
            const std::int64_t length = std::min<std::int64_t>(position - at, termLength - offset);
            util::AtomicBuffer& term = publication.log->termBuffer(LogBufferDescriptor::indexByPosition(at, bits));
            term.setMemory(static_cast<std::size_t>(offset) + 8, static_cast<std::size_t>(length) - 8, 0);
            term.putInt64Ordered(static_cast<std::size_t>(offset), 0);
            publication.cleanPosition += length;
        }
    }

    /// Creates a log file laid out as the driver does for a new stream.
    std::unique_ptr<LogBuffers> createLog(const std::string& path, std::int32_t sessionId, std::int32_t streamId,
                                          std::int64_t registrationId)
    {
        auto log = LogBuffers::create(path, TERM_LENGTH);
        util::AtomicBuffer& meta = log->metaDataBuffer();
        LogBufferDescriptor::initialTermId(meta, INITIAL_TERM_ID);
        LogBufferDescriptor::mtuLength(meta, MTU);
        LogBufferDescriptor::correlationId(meta, registrationId);
        LogBufferDescriptor::storeDefaultFrameHeader(meta, sessionId, streamId, INITIAL_TERM_ID);
        LogBufferDescriptor::initialiseTails(meta, INITIAL_TERM_ID, INITIAL_TERM_ID, 0);
        LogBufferDescriptor::endOfStreamPosition(meta, std::numeric_limits<std::int64_t>::max());
        LogBufferDescriptor::isConnected(meta, connected);
        return log;
    }

private:
    static std::string makeTempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "cox-fake-driver-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
        {
            throw std::runtime_error("mkdtemp failed");
        }
        return pattern;
    }

    void transmit(std::uint16_t templateId, std::size_t blockAndDataLength)
    {
        const std::size_t length = codecs::driver::MessageHeaderEncoder::ENCODED_LENGTH + blockAndDataLength;
        util::AtomicBuffer source(m_scratch.data(), m_scratch.size());
        m_toClients->transmit(templateId, source, 0, length);
    }

    void onCommand(std::int32_t msgTypeId, const std::uint8_t* message, std::size_t length)
    {
        using namespace codecs::driver;
        using codecs::sbe::DecodeError;
        Command command;
        command.templateId = static_cast<std::uint16_t>(msgTypeId);
        switch (msgTypeId)
        {
            case AddPublicationDecoder::TEMPLATE_ID:
            {
                AddPublicationDecoder decoder;
                if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
                {
                    return;
                }
                command.correlationId = decoder.correlationId();
                command.clientId = decoder.clientId();
                command.streamId = decoder.streamId();
                command.exclusive = decoder.exclusive() == BooleanType::TRUE;
                command.channel = std::string(decoder.channel());
                break;
            }
            case AddSubscriptionDecoder::TEMPLATE_ID:
            {
                AddSubscriptionDecoder decoder;
                if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
                {
                    return;
                }
                command.correlationId = decoder.correlationId();
                command.clientId = decoder.clientId();
                command.streamId = decoder.streamId();
                command.channel = std::string(decoder.channel());
                break;
            }
            case RemovePublicationDecoder::TEMPLATE_ID:
            {
                RemovePublicationDecoder decoder;
                if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
                {
                    return;
                }
                command.correlationId = decoder.correlationId();
                command.clientId = decoder.clientId();
                command.registrationId = decoder.registrationId();
                break;
            }
            case RemoveSubscriptionDecoder::TEMPLATE_ID:
            {
                RemoveSubscriptionDecoder decoder;
                if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
                {
                    return;
                }
                command.correlationId = decoder.correlationId();
                command.clientId = decoder.clientId();
                command.registrationId = decoder.registrationId();
                break;
            }
            case ClientKeepaliveDecoder::TEMPLATE_ID:
            {
                ClientKeepaliveDecoder decoder;
                if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
                {
                    return;
                }
                command.clientId = decoder.clientId();
                break;
            }
            case ClientCloseDecoder::TEMPLATE_ID:
            {
                ClientCloseDecoder decoder;
                if (decoder.wrapWithHeader(message, 0, length) != DecodeError::NONE)
                {
                    return;
                }
                command.clientId = decoder.clientId();
                break;
            }
            default:
                return;
        }
        m_commands.push_back(command);
        if (autoRespond)
        {
            respond(command);
        }
    }

    void respond(const Command& command)
    {
        using namespace codecs::driver;
        if (!command.channel.empty() && rejectedChannels.count(command.channel) > 0)
        {
            sendError(command.correlationId, CncFileDescriptor::ErrorCode::INVALID_CHANNEL,
                      "invalid channel: " + command.channel);
            return;
        }
        switch (command.templateId)
        {
            case AddPublicationDecoder::TEMPLATE_ID:
                onAddPublication(command);
                break;
            case AddSubscriptionDecoder::TEMPLATE_ID:
            {
                MessageHeaderEncoder header;
                SubscriptionReadyEncoder encoder;
                encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
                    .correlationId(command.correlationId)
                    .channelStatusIndicatorId(-1);
                transmit(SubscriptionReadyEncoder::TEMPLATE_ID, encoder.encodedLength());
                break;
            }
            case RemovePublicationDecoder::TEMPLATE_ID:
            case RemoveSubscriptionDecoder::TEMPLATE_ID:
            {
                MessageHeaderEncoder header;
                OperationSuccessEncoder encoder;
                encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
                    .correlationId(command.correlationId);
                transmit(OperationSuccessEncoder::TEMPLATE_ID, encoder.encodedLength());
                break;
            }
            default:
                break;
        }
    }

    void onAddPublication(const Command& command)
    {
        PublicationState* state = nullptr;
        if (!command.exclusive)
        {
            for (auto& [id, existing] : m_publications)
            {
                if (!existing->exclusive && existing->channel == command.channel &&
                    existing->streamId == command.streamId)
                {
                    state = existing.get();
                }
            }
        }
        if (state == nullptr)
        {
            auto created = std::make_unique<PublicationState>();
            created->registrationId = command.correlationId;
            created->sessionId = m_nextSessionId++;
            created->streamId = command.streamId;
            created->exclusive = command.exclusive;
            created->channel = command.channel;
            created->logFile = CncFileDescriptor::publicationLogFile(m_dir, command.correlationId);
            created->log = createLog(created->logFile, created->sessionId, command.streamId, command.correlationId);
            created->limit = m_counters->newPosition("pub-lmt: " + std::to_string(command.correlationId));
            created->limit.setOrdered(initialPublicationLimit);
            state = created.get();
            m_publications[command.correlationId] = std::move(created);
        }
        using namespace codecs::driver;
        MessageHeaderEncoder header;
        PublicationReadyEncoder encoder;
        encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
            .correlationId(command.correlationId)
            .registrationId(state->registrationId)
            .sessionId(state->sessionId)
            .streamId(state->streamId)
            .publicationLimitCounterId(state->limit.id())
            .channelStatusIndicatorId(-1)
            .exclusive(state->exclusive ? BooleanType::TRUE : BooleanType::FALSE)
            .putLogFileName(state->logFile);
        transmit(PublicationReadyEncoder::TEMPLATE_ID, encoder.encodedLength());
    }

    std::string m_dir;
    util::SystemEpochClock m_epochClock;
    std::unique_ptr<util::CountersManager> m_counters;
    std::unique_ptr<util::MemoryMappedFile> m_cnc;
    std::unique_ptr<util::ManyToOneRingBuffer> m_toDriver;
    std::unique_ptr<util::BroadcastTransmitter> m_toClients;
    std::vector<std::uint8_t> m_scratch = std::vector<std::uint8_t>(4096);
    std::vector<Command> m_commands;
    std::vector<std::string> m_errors;
    std::map<std::int64_t, std::unique_ptr<PublicationState>> m_publications;
    std::map<std::int64_t, std::int32_t> m_subscriberPositions;
    std::int32_t m_nextSessionId = 1001;
};
} // namespace cox::transport::test

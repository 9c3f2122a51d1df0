#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cox/archive/RecordingDescriptorConsumer.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::transport
{
class Aeron;
}

namespace cox::archive
{
/// Supplies the credentials of the connect request and the answers to an archive's challenges (Aeron's
/// CredentialsSupplier). Both default to empty credentials.
struct CredentialsSupplier
{
    std::function<std::vector<std::uint8_t>()> encodedCredentials;
    std::function<std::vector<std::uint8_t>(const std::vector<std::uint8_t>& encodedChallenge)> onChallenge;
};

/// Configuration of an archive client (Aeron's AeronArchive.Context). Plain fields; AeronArchive::connect and
/// AsyncConnect call conclude().
struct AeronArchiveContext
{
    /// Semantic version of the control protocol this client speaks: 1.11.0 packed as (major<<16)|(minor<<8)|patch.
    static constexpr std::int32_t PROTOCOL_SEMANTIC_VERSION = (1 << 16) | (11 << 8) | 0;
    static constexpr std::int32_t PROTOCOL_MAJOR_VERSION = 1;
    static constexpr const char* LOCAL_CONTROL_CHANNEL = "aeron:ipc";
    static constexpr std::int32_t DEFAULT_CONTROL_STREAM_ID = 10;
    static constexpr const char* DEFAULT_CONTROL_RESPONSE_CHANNEL = "aeron:ipc";
    static constexpr std::int32_t DEFAULT_CONTROL_RESPONSE_STREAM_ID = 20;
    static constexpr std::int64_t DEFAULT_MESSAGE_TIMEOUT_NS = 10'000'000'000;

    /// Where requests go: the archive's local control channel by default, `aeron:udp?endpoint=host:8010` for a
    /// remote archive.
    std::string controlRequestChannel = LOCAL_CONTROL_CHANNEL;
    std::int32_t controlRequestStreamId = DEFAULT_CONTROL_STREAM_ID;
    /// Where this client's responses arrive; a remote client must name an explicit `aeron:udp?endpoint=host:port`.
    std::string controlResponseChannel = DEFAULT_CONTROL_RESPONSE_CHANNEL;
    std::int32_t controlResponseStreamId = DEFAULT_CONTROL_RESPONSE_STREAM_ID;
    /// Bound on the whole connect and on every blocking request's wait for its response.
    std::int64_t messageTimeoutNs = DEFAULT_MESSAGE_TIMEOUT_NS;

    /// The Aeron client to use. When empty, connect() creates one on aeronDirectoryName and closes it on close().
    std::shared_ptr<transport::Aeron> aeron;
    std::string aeronDirectoryName;

    CredentialsSupplier credentialsSupplier;
    /// Signals that arrive while a blocking call waits, or through pollForRecordingSignals(); dropped when empty.
    RecordingSignalConsumer recordingSignalConsumer;
    /// ERROR responses to other requests (asynchronous failures) seen while waiting; printErrorToStderr when empty.
    util::ErrorHandler errorHandler;
    /// Called in every wait loop next to the Aeron client's own invokers, so one thread can also run an archive
    /// in invoker mode. Returns a work count.
    std::function<int()> archiveInvoker;

    /// Checks the values and fills the defaults left empty; throws IllegalArgumentException.
    void conclude();
};
} // namespace cox::archive

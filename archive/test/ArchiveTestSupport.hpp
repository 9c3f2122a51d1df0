#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/util/BitUtil.hpp"

namespace cox::archive::test
{
/// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDirectory
{
public:
    TempDirectory()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/cox-archive-test-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
        {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        m_path = pattern;
    }

    ~TempDirectory()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }

    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    [[nodiscard]] std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

/// A media driver, an archive on a fresh directory and a connected AeronArchive client in one process: the set-up
/// the archive's end-to-end tests share. With the driver in invoker mode the client's waits drive the driver and the
/// archive, so a test runs on one thread. Fixtures derive from it, so their tests name m_driver, m_archive, m_aeron
/// and m_client directly, and pass the contexts they want (clocks, timeouts, threading); the harness fills in only
/// what ties the parts together and what a test left unset.
class ArchiveHarness
{
protected:
    ArchiveHarness() = default;
    ~ArchiveHarness() { closeHarness(); }

    ArchiveHarness(const ArchiveHarness&) = delete;
    ArchiveHarness& operator=(const ArchiveHarness&) = delete;

    void launchHarness(transport::MediaDriverContext driverContext, ArchiveContext archiveContext,
                       AeronArchiveContext clientContext, transport::AeronContext aeronContext = {})
    {
        m_isInvoker = driverContext.threadingMode == transport::ThreadingMode::INVOKER;
        m_driver = transport::MediaDriver::launch(driverContext);
        launchArchive(std::move(archiveContext));
        aeronContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        if (m_isInvoker)
        {
            aeronContext.useConductorAgentInvoker = true;
            if (!aeronContext.driverInvoker)
            {
                // The archive may be down between a close and a relaunch.
                aeronContext.driverInvoker = [this]
                { return m_driver->doWork() + (m_archive ? m_archive->doWork() : 0); };
            }
        }
        m_aeron = transport::Aeron::connect(aeronContext);
        clientContext.aeron = m_aeron;
        m_client = AeronArchive::connect(std::move(clientContext));
    }

    /// Launches (or relaunches) the archive on the harness's directory.
    void launchArchive(ArchiveContext context)
    {
        context.archiveDir = m_dir.path();
        context.aeronDirectoryName = m_driver->aeronDirectoryName();
        if (m_isInvoker && !context.driverInvoker)
        {
            context.driverInvoker = [this] { return m_driver->doWork(); };
        }
        m_archive = Archive::launch(context);
    }

    /// Client first and driver last, so nothing outlives what it talks to. Idempotent.
    void closeHarness()
    {
        m_client.reset();
        if (m_aeron)
        {
            m_aeron->close();
        }
        m_archive.reset();
        m_driver.reset();
    }

    /// One duty cycle of everything in invoker mode, then the client's recording signals.
    int pump()
    {
        return m_driver->doWork() + m_archive->doWork() + m_aeron->conductorAgentInvoker().invoke() +
            m_client->pollForRecordingSignals();
    }

    bool pumpUntil(const std::function<bool()>& condition, std::chrono::seconds timeout = std::chrono::seconds(10))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition())
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                return false;
            }
            if (pump() == 0)
            {
                std::this_thread::sleep_for(std::chrono::microseconds(20));
            }
        }
        return true;
    }

    TempDirectory m_dir;
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::unique_ptr<Archive> m_archive;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::unique_ptr<AeronArchive> m_client;

private:
    bool m_isInvoker = false;
};

/// One frame as it sits in a term buffer: full aligned bytes, PAD frames followed by zeros.
struct TestFrame
{
    std::int64_t position;
    std::vector<std::uint8_t> bytes;
    bool padding;
};

struct TestBlock
{
    std::int64_t position;
    std::vector<std::uint8_t> bytes;
};

/// The payload byte at index i of the frame at position: distinct per position and never all zero.
[[nodiscard]] inline std::uint8_t payloadByte(std::int64_t position, std::int32_t i)
{
    return static_cast<std::uint8_t>(((position / 32) * 131 + i * 7) % 251 + 1);
}

/// Lays out messages the way a publication's term appender would, from a start position: a message
/// that does not fit the rest of the term is preceded by a PAD frame to the term's end. Then groups
/// them into blocks as an image's block poll would (never crossing a term, at most maxBlockLength).
class StreamBuilder
{
public:
    StreamBuilder(std::int64_t startPosition, std::int32_t termLength, std::int32_t initialTermId, std::int32_t streamId,
        std::int32_t sessionId)
        : m_position(startPosition),
          m_termLength(termLength),
          m_initialTermId(initialTermId),
          m_streamId(streamId),
          m_sessionId(sessionId)
    {
    }

    /// Appends one unfragmented DATA frame with payloadLength bytes; returns its position.
    std::int64_t append(std::int32_t payloadLength)
    {
        const std::int32_t frameLength = 32 + payloadLength;
        const std::int32_t aligned = util::align(frameLength, 32);
        const auto termOffset = static_cast<std::int32_t>(m_position & (m_termLength - 1));
        if (termOffset + aligned > m_termLength)
        {
            const std::int32_t padLength = m_termLength - termOffset;
            m_frames.push_back({m_position, header(padLength, codecs::frames::HeaderFlyweight::HDR_TYPE_PAD, padLength), true});
            m_position += padLength;
        }
        auto bytes = header(frameLength, codecs::frames::HeaderFlyweight::HDR_TYPE_DATA, aligned);
        for (std::int32_t i = 0; i < payloadLength; ++i)
        {
            bytes[static_cast<std::size_t>(32 + i)] = payloadByte(m_position, i);
        }
        const std::int64_t at = m_position;
        m_frames.push_back({m_position, std::move(bytes), false});
        m_position += aligned;
        return at;
    }

    [[nodiscard]] std::vector<TestBlock> blocks(std::int32_t maxBlockLength) const
    {
        std::vector<TestBlock> result;
        for (const auto& frame : m_frames)
        {
            const bool newTerm = !result.empty() &&
                (frame.position / m_termLength) != (result.back().position / m_termLength);
            if (result.empty() || newTerm ||
                result.back().bytes.size() + frame.bytes.size() > static_cast<std::size_t>(maxBlockLength))
            {
                result.push_back({frame.position, {}});
            }
            auto& bytes = result.back().bytes;
            bytes.insert(bytes.end(), frame.bytes.begin(), frame.bytes.end());
        }
        return result;
    }

    [[nodiscard]] const std::vector<TestFrame>& frames() const noexcept { return m_frames; }
    [[nodiscard]] std::int64_t position() const noexcept { return m_position; }

private:
    [[nodiscard]] std::vector<std::uint8_t> header(std::int32_t frameLength, std::uint16_t type, std::int32_t length) const
    {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(length), 0);
        codecs::frames::DataHeaderFlyweight flyweight(bytes.data(), bytes.size());
        flyweight.writeDataHeader(frameLength, codecs::frames::DataHeaderFlyweight::BEGIN_AND_END_FLAGS, type,
            static_cast<std::int32_t>(m_position & (m_termLength - 1)), m_sessionId, m_streamId,
            m_initialTermId + static_cast<std::int32_t>(m_position / m_termLength));
        return bytes;
    }

    std::int64_t m_position;
    std::int32_t m_termLength;
    std::int32_t m_initialTermId;
    std::int32_t m_streamId;
    std::int32_t m_sessionId;
    std::vector<TestFrame> m_frames;
};

inline std::vector<std::uint8_t> readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Overwrites bytes at offset in an existing file (corruption and torn-write simulation).
inline void writeBytesAt(const std::string& path, std::int64_t offset, const std::uint8_t* data, std::size_t length)
{
    std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(offset);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(length));
}
} // namespace cox::archive::test

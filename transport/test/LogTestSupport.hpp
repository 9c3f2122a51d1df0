#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cox/transport/LogBuffers.hpp"

namespace cox::transport::test
{
/// A log over heap memory with tails initialised for a fresh stream.
struct InMemoryLog
{
    static constexpr std::int32_t TERM_LENGTH = 64 * 1024;
    static constexpr std::int32_t INITIAL_TERM_ID = 100;
    static constexpr std::int32_t SESSION_ID = 0x5E55;
    static constexpr std::int32_t STREAM_ID = 1001;

    std::vector<std::uint64_t> memory =
        std::vector<std::uint64_t>(static_cast<std::size_t>(3 * TERM_LENGTH + LogBufferDescriptor::LOG_META_DATA_LENGTH) / 8);
    LogBuffers log{reinterpret_cast<std::uint8_t*>(memory.data()), static_cast<std::int64_t>(memory.size() * 8), TERM_LENGTH};

    InMemoryLog()
    {
        LogBufferDescriptor::initialTermId(log.metaDataBuffer(), INITIAL_TERM_ID);
        LogBufferDescriptor::initialiseTails(log.metaDataBuffer(), INITIAL_TERM_ID, INITIAL_TERM_ID, 0);
        LogBufferDescriptor::storeDefaultFrameHeader(log.metaDataBuffer(), SESSION_ID, STREAM_ID, INITIAL_TERM_ID);
    }

    util::AtomicBuffer& term(std::int32_t index) { return log.termBuffer(index); }
    util::AtomicBuffer& meta() { return log.metaDataBuffer(); }
};
} // namespace cox::transport::test

#pragma once

#include <cstdint>

namespace cox::cluster
{
class ConsensusModuleAgent;

/// Decoders of the consensus module's four inputs (Aeron's IngressAdapter, ConsensusAdapter,
/// ConsensusModuleAdapter and LogAdapter). Each validates the whole message against the fragment's length
/// before reading a field; anything malformed is reported to the agent (counted and dropped), never trusted.
struct IngressAdapter
{
    static void onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length);
};

struct ConsensusAdapter
{
    static void onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length);
};

struct ConsensusModuleAdapter
{
    static void onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length);
};

struct LogAdapter
{
    /// position: the log position after this entry.
    static void onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length,
                          std::int64_t position);
};
} // namespace cox::cluster

// libFuzzer target: arbitrary bytes into every generated SBE message decoder (wrapWithHeader, then every
// accessor, every group entry and every var-data field) and, as text, into the channel URI parser.
//
// A decoder that accepted its input promises that every accessor stays in bounds; ASan checks the
// promise. A URI that parsed must print as one that parses back to the same text.
//
// COX_FUZZ_WRITE_SEEDS=<dir> writes a seed corpus (a minimal valid message per decoder and a set of
// channel URIs) to dir and exits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "cox/codecs/sbe/Sbe.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/util/Exceptions.hpp"

namespace
{
struct DecoderInfo
{
    std::uint16_t blockLength;
    std::uint16_t templateId;
    std::uint16_t schemaId;
    std::uint16_t version;
    std::string_view name;
};

/// Keeps a value alive to the optimiser and, for views, reads every byte so ASan checks the range.
template <typename T> void sink(const T& value)
{
    if constexpr (std::is_same_v<T, std::string_view>)
    {
        volatile std::uint8_t sum = 0;
        for (const char c : value)
        {
            sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(c));
        }
    }
    else
    {
        asm volatile("" : : "m"(value) : "memory");
    }
}
} // namespace

#include "CodecVisitors.inc"

namespace
{
void writeFile(const std::string& path, const void* data, std::size_t length)
{
    std::ofstream out(path, std::ios::binary);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(length));
}

void writeSeeds(const std::string& directory)
{
    for (const DecoderInfo& info : DECODERS)
    {
        // Header, a zeroed block, then zeroes that read as empty groups and empty var data.
        std::string message(8 + info.blockLength + 64, '\0');
        const std::uint16_t header[4] = {info.blockLength, info.templateId, info.schemaId, info.version};
        std::memcpy(message.data(), header, sizeof(header));
        writeFile(directory + "/sbe-" + std::to_string(info.schemaId) + "-" + std::string(info.name), message.data(),
                  message.size());
    }
    const char* uris[] = {
        "aeron:ipc",
        "aeron:ipc?term-length=65536|mtu=1408",
        "aeron:udp?endpoint=127.0.0.1:40123",
        "aeron:udp?endpoint=[::1]:40123|interface=127.0.0.1",
        "aeron:udp?control=127.0.0.1:40124|control-mode=dynamic|fc=min,g:3/2,t:5s",
        "aeron:udp?endpoint=127.0.0.1:40125|control=127.0.0.1:40124|session-id=7|term-length=131072",
        "aeron-spy:aeron:udp?endpoint=127.0.0.1:40123",
        "aeron:udp?control-mode=manual|linger=0|init-term-id=5|term-id=6|term-offset=64",
    };
    int n = 0;
    for (const char* uri : uris)
    {
        writeFile(directory + "/uri-" + std::to_string(n++), uri, std::strlen(uri));
    }
}

void fuzzChannelUri(const std::uint8_t* data, std::size_t length)
{
    const std::string_view text(reinterpret_cast<const char*>(data), length);
    std::string printed;
    try
    {
        printed = cox::transport::ChannelUri::parse(text).toString();
    }
    catch (const cox::util::IllegalArgumentException&)
    {
        return; // rejected with a message: what the parser is for
    }
    try
    {
        const std::string reprinted = cox::transport::ChannelUri::parse(printed).toString();
        if (reprinted != printed)
        {
            std::fprintf(stderr, "round trip changed '%s' into '%s'\n", printed.c_str(), reprinted.c_str());
            std::abort();
        }
    }
    catch (const cox::util::IllegalArgumentException& e)
    {
        std::fprintf(stderr, "'%s' parsed, but its printed form '%s' did not: %s\n", std::string(text).c_str(),
                     printed.c_str(), e.what());
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (const char* directory = std::getenv("COX_FUZZ_WRITE_SEEDS"))
    {
        writeSeeds(directory);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    visitEveryDecoder(data, size);
    fuzzChannelUri(data, size);
    return 0;
}

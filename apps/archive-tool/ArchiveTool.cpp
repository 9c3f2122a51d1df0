#include "ArchiveTool.hpp"

#include <charconv>
#include <filesystem>
#include <memory>

#include "cox/archive/ArchiveVerifier.hpp"
#include "cox/archive/Catalog.hpp"

namespace cox::apps
{
namespace
{
using archive::Catalog;
using archive::RecordingDescriptor;

void describe(const RecordingDescriptor& d, std::ostream& out)
{
    out << "id=" << d.recordingId << " state=" << codecs::archive::toString(d.state) << " start=" << d.startPosition
        << " stop=" << d.stopPosition << " startTimestamp=" << d.startTimestamp << " stopTimestamp=" << d.stopTimestamp
        << " initialTermId=" << d.initialTermId << " segmentFileLength=" << d.segmentFileLength
        << " termBufferLength=" << d.termBufferLength << " mtuLength=" << d.mtuLength << " sessionId=" << d.sessionId
        << " streamId=" << d.streamId << " strippedChannel=" << d.strippedChannel
        << " originalChannel=" << d.originalChannel << " sourceIdentity=" << d.sourceIdentity << '\n';
}

bool parseId(const std::string& text, std::int64_t& id)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    return ec == std::errc() && end == text.data() + text.size() && id >= 0;
}

int verify(const std::string& dir, const std::vector<std::string>& options, std::ostream& out, std::ostream& err)
{
    archive::ArchiveVerifier::Options verifyOptions;
    for (const auto& option : options)
    {
        if (option == "--all")
        {
            verifyOptions.allSegments = true;
        }
        else if (option == "--checksum")
        {
            verifyOptions.frameChecksums = true;
        }
        else
        {
            err << "cox-archive-tool: unknown verify option: " << option << "\n\n" << archiveToolUsage();
            return 2;
        }
    }
    Catalog::Options catalogOptions;
    catalogOptions.readOnly = true;
    const Catalog catalog(dir, catalogOptions);
    const auto results = archive::ArchiveVerifier::verify(dir, catalog, verifyOptions);
    int failures = 0;
    for (const auto& result : results)
    {
        out << "recording " << result.recordingId << ": " << result.reason << '\n';
        failures += result.ok ? 0 : 1;
    }
    out << results.size() << " recordings checked, " << failures << " with errors\n";
    return failures == 0 ? 0 : 1;
}

int changeState(const std::string& dir, const std::string& idText, archive::RecordingState state, std::ostream& out,
    std::ostream& err)
{
    std::int64_t id = -1;
    if (!parseId(idText, id))
    {
        err << "cox-archive-tool: not a recording id: " << idText << '\n';
        return 2;
    }
    Catalog catalog(dir, Catalog::Options{});
    catalog.changeState(id, state);
    out << "recording " << id << " marked " << codecs::archive::toString(state) << '\n';
    return 0;
}
} // namespace

std::string archiveToolUsage()
{
    return "Usage: cox-archive-tool <archive-dir> <command>\n"
           "  verify [--all] [--checksum]  check catalog invariants, segment files and frame headers (the last\n"
           "                               segment of each recording, or all with --all) and, with --checksum,\n"
           "                               the CRC-32C recorded in each frame; exit 0 only if all VALID\n"
           "                               recordings pass. Read-only.\n"
           "  describe                     print the catalog, one line per recording\n"
           "  mark-invalid <id>            set a recording's state to INVALID (hidden from listings)\n"
           "  mark-valid <id>              set a recording's state back to VALID\n"
           "Stop the archive first: mark-* change the catalog in place.\n";
}

int runArchiveTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h"))
    {
        out << archiveToolUsage();
        return 0;
    }
    if (args.size() < 2)
    {
        err << archiveToolUsage();
        return 2;
    }
    const std::string& dir = args[0];
    const std::string& command = args[1];
    const std::vector<std::string> rest(args.begin() + 2, args.end());
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
    {
        err << "cox-archive-tool: not a directory: " << dir << '\n';
        return 1;
    }
    if (!std::filesystem::exists(dir + "/" + Catalog::FILE_NAME, ec))
    {
        err << "cox-archive-tool: not an archive directory (no " << Catalog::FILE_NAME << "): " << dir << '\n';
        return 1;
    }
    try
    {
        if (command == "verify")
        {
            return verify(dir, rest, out, err);
        }
        if (command == "describe" && rest.empty())
        {
            Catalog::Options options;
            options.readOnly = true;
            const Catalog catalog(dir, options);
            out << "nextRecordingId=" << catalog.nextRecordingId() << '\n';
            catalog.forEach([&](const RecordingDescriptor& d) { describe(d, out); });
            return 0;
        }
        if ((command == "mark-invalid" || command == "mark-valid") && rest.size() == 1)
        {
            return changeState(dir, rest[0],
                command == "mark-valid" ? archive::RecordingState::VALID : archive::RecordingState::INVALID, out, err);
        }
    }
    catch (const std::exception& e)
    {
        err << "cox-archive-tool: " << e.what() << '\n';
        return 1;
    }
    err << "cox-archive-tool: unknown command or wrong arguments: " << command << "\n\n" << archiveToolUsage();
    return 2;
}
} // namespace cox::apps

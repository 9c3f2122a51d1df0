#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cox::apps
{
/// The usage text of cox-archive-tool.
[[nodiscard]] std::string archiveToolUsage();

/// Runs `cox-archive-tool <archive-dir> <command> [args]` (args excludes the program name): verify
/// [--all] [--checksum], describe, mark-invalid <id>, mark-valid <id>. Writes results to out and
/// problems to err. Returns 0 only if the command succeeded and, for verify, every VALID recording
/// passed; 1 for failures; 2 for bad usage.
int runArchiveTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
} // namespace cox::apps

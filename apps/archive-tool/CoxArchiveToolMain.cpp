// cox-archive-tool: offline checks and edits of an archive directory (Aeron's ArchiveTool). See
// archiveToolUsage() in ArchiveTool.cpp.
#include <iostream>
#include <string>
#include <vector>

#include "ArchiveTool.hpp"

int main(int argc, char** argv)
{
    return cox::apps::runArchiveTool(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}

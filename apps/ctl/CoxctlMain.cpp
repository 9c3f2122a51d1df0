// coxctl: the cluster tool (Aeron's ClusterTool). See clusterToolUsage() in ClusterTool.cpp.
#include <iostream>
#include <string>
#include <vector>

#include "ClusterTool.hpp"

int main(int argc, char** argv)
{
    return cox::apps::ctl::runClusterTool(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}

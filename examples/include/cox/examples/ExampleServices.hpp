#pragma once

#include <memory>
#include <string_view>

#include "cox/cluster/service/ClusteredService.hpp"

namespace cox::examples
{
/// The example services a node can host by name: "kv" or "key-value" (KeyValueService) and "echo"
/// (EchoService). Throws util::IllegalArgumentException, listing the known names, for any other name.
[[nodiscard]] std::unique_ptr<cluster::ClusteredService> newExampleService(std::string_view name);

/// The names newExampleService accepts, comma separated, for help texts.
[[nodiscard]] std::string_view exampleServiceNames() noexcept;
} // namespace cox::examples

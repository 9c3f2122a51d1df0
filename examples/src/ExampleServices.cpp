#include "cox/examples/ExampleServices.hpp"

#include <string>

#include "cox/examples/EchoService.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::examples
{
std::unique_ptr<cluster::ClusteredService> newExampleService(std::string_view name)
{
    if (name == "kv" || name == "key-value")
    {
        return std::make_unique<KeyValueService>();
    }
    if (name == "echo")
    {
        return std::make_unique<EchoService>();
    }
    throw util::IllegalArgumentException("unknown example service '" + std::string(name) +
                                         "' (known: " + std::string(exampleServiceNames()) + ")");
}

std::string_view exampleServiceNames() noexcept
{
    return "kv, key-value, echo";
}
} // namespace cox::examples

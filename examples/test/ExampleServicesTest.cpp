#include <gtest/gtest.h>

#include <string>

#include "cox/examples/EchoService.hpp"
#include "cox/examples/ExampleServices.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Exceptions.hpp"

namespace
{
using cox::examples::newExampleService;

TEST(ExampleServicesTest, shouldCreateTheKeyValueServiceUnderBothItsNames)
{
    EXPECT_NE(nullptr, dynamic_cast<cox::examples::KeyValueService*>(newExampleService("kv").get()));
    EXPECT_NE(nullptr, dynamic_cast<cox::examples::KeyValueService*>(newExampleService("key-value").get()));
}

TEST(ExampleServicesTest, shouldCreateTheEchoService)
{
    EXPECT_NE(nullptr, dynamic_cast<cox::examples::EchoService*>(newExampleService("echo").get()));
}

TEST(ExampleServicesTest, shouldListTheKnownNamesWhenTheNameIsUnknown)
{
    try
    {
        static_cast<void>(newExampleService("matching-engine"));
        FAIL() << "expected IllegalArgumentException";
    }
    catch (const cox::util::IllegalArgumentException& e)
    {
        const std::string message = e.what();
        EXPECT_NE(std::string::npos, message.find("'matching-engine'")) << message;
        EXPECT_NE(std::string::npos, message.find("kv, key-value, echo")) << message;
    }
}
} // namespace

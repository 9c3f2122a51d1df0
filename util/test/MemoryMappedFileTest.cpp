#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "cox/util/MemoryMappedFile.hpp"

using namespace cox::util;

TEST(MemoryMappedFileTest, shouldCreateWriteAndReopen)
{
    const std::string path = (std::filesystem::temp_directory_path() / ("cox-mmf-" + std::to_string(::getpid()))).string();
    {
        auto file = MemoryMappedFile::create(path, 8192, true);
        EXPECT_EQ(8192u, file->length());
        file->buffer().putInt64(4096, 77);
        EXPECT_TRUE(file->sync());
    }
    {
        auto file = MemoryMappedFile::open(path, true);
        EXPECT_EQ(77, file->buffer().getInt64(4096));
    }
    std::filesystem::remove(path);
}

TEST(MemoryMappedFileTest, shouldNameThePathWhenOpenFails)
{
    try
    {
        (void)MemoryMappedFile::open("/nonexistent-dir/cox.dat");
        FAIL() << "expected IoException";
    }
    catch (const IoException& e)
    {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/cox.dat"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
    }
}

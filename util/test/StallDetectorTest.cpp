#include <gtest/gtest.h>

#include "cox/util/StallDetector.hpp"

using cox::util::StallDetector;

TEST(StallDetectorTest, shouldReportOnlyGapsLongerThanTheThreshold)
{
    StallDetector detector(100);
    EXPECT_EQ(detector.onDutyCycle(1'000), 0) << "the first cycle has nothing to compare with";
    EXPECT_EQ(detector.onDutyCycle(1'100), 0) << "a gap of exactly the threshold is ordinary";
    EXPECT_EQ(detector.onDutyCycle(1'350), 250);
    EXPECT_EQ(detector.onDutyCycle(1'360), 0);
    EXPECT_EQ(detector.stallCount(), 1);
}

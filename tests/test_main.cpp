// The test programs' main: the process-wide image limits first, as every
// tunggal program sets them (see ensure_opencv_pixel_limit), then GoogleTest.
#include <gtest/gtest.h>

#include "tunggal/image.h"

int main(int argc, char** argv) {
  tunggal::ensure_opencv_pixel_limit(argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

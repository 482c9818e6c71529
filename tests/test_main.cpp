// The test programs' main: the process-wide image limits first, as every
// tunggal program sets them (see limit_opencv_for_children), then GoogleTest.
#include <gtest/gtest.h>

#include "tunggal/image.h"

int main(int argc, char** argv) {
  tunggal::limit_opencv_for_children();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

# Every dependency comes from Debian's packages (scripts/setup installs them).
find_package(Threads REQUIRED)
find_package(TBB REQUIRED)
find_package(Eigen3 REQUIRED NO_MODULE)
# Debian's FAISS 1.7.3 is a static, PIC archive whose exported target needs
# OpenMP::OpenMP_CXX (for its parallel loops) and the system BLAS (OpenBLAS
# through the Debian alternatives) for batched search.
find_package(OpenMP REQUIRED)
find_package(BLAS REQUIRED)
find_package(faiss REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs dnn videoio)
find_package(nlohmann_json 3 REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)
# Inflating PDF streams when uploaded documents are checked for active content.
find_package(ZLIB REQUIRED)
pkg_check_modules(FPRINT REQUIRED IMPORTED_TARGET libfprint-2)
# Card rendering: cairo (PDF and image surfaces) with pango for text layout.
pkg_check_modules(PANGOCAIRO REQUIRED IMPORTED_TARGET pangocairo cairo-pdf cairo-png)
# HTTP clients (the SDK's remote mode, tests): Debian's cpp-httplib, built
# with OpenSSL. HTTP servers (tunggal::net): Boost.Beast, header-only.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
find_package(Boost 1.74 REQUIRED)
# Printing.
find_package(Cups REQUIRED)
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  set_target_properties(CLI11::CLI11 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${CLI11_INCLUDE_DIR})
endif()

# Compiler warnings and sanitizers, applied through one interface target so
# every tunggal target gets the same flags and outside consumers get none.
add_library(tunggal_build_flags INTERFACE)
target_compile_options(tunggal_build_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wpedantic>
  # GCC 12's -Wrestrict misfires on `"literal" + std::string` once inlined
  # (GCC bug 105651, fixed in 13): a false alarm, not a finding.
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
if(TUNGGAL_WERROR)
  target_compile_options(tunggal_build_flags INTERFACE -Werror)
endif()

if(TUNGGAL_SANITIZE)
  # Applied globally: every object in the process must be instrumented
  # consistently for ASan's container annotations and UBSan's vptr checks.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

if(TUNGGAL_BUILD_FUZZERS)
  # Instrument everything for coverage and memory errors; the fuzz targets
  # add -fsanitize=fuzzer for libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -g -O1)
  add_link_options(-fsanitize=address,undefined)
endif()

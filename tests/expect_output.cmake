# Runs CMD (a ;-list) and passes only when it exits 0 AND its output (stdout
# and stderr together) matches every regular expression in EXPECT (a
# ;-list). ctest's PASS_REGULAR_EXPRESSION alone ignores the exit code, so a
# program that printed the right words and then failed would pass.
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit code ${rc}")
endif()
foreach(re IN LISTS EXPECT)
  if(NOT "${out}${err}" MATCHES "${re}")
    message(FATAL_ERROR "output does not match: ${re}")
  endif()
endforeach()

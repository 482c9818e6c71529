# Installs the build tree into a scratch prefix, then configures, builds and
# runs tests/consumer against it with find_package(tunggal).
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK}/build -G ${GENERATOR}
                        -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK}/build/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer ok")
  message(FATAL_ERROR "the consumer did not run: ${rc}")
endif()
execute_process(COMMAND ${WORK}/build/consumer_c RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "c consumer ok")
  message(FATAL_ERROR "the C consumer did not run: ${rc}")
endif()
# The Python package installed with it imports from the prefix.
if(PYTHON AND EXISTS ${WORK}/prefix/lib/python3/dist-packages/tunggal/__init__.py)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${WORK}/prefix/lib/python3/dist-packages
                          ${PYTHON} -c "import tunggal; print('python ok', tunggal.__version__, tunggal.__file__)"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "python ok" OR NOT out MATCHES "prefix")
    message(FATAL_ERROR "the installed Python package does not import: ${out}${err}")
  endif()
  message("${out}")
elseif(PYTHON)
  message(FATAL_ERROR "the Python package was not installed")
endif()

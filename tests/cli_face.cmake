# tunggal face and match --modality face on shared AT&T faces (skipped, code
# 77, when ../shared/data or the face models are absent).
set(S ${SHARED}/att_faces)
include(${CMAKE_CURRENT_LIST_DIR}/skip_or_fail.cmake)
if(NOT EXISTS ${S}/s1/1.pgm OR NOT EXISTS ${MODELS})
  tunggal_skip_or_fail("shared faces or face models absent")
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${TUNGGAL} face ${S}/s1/1.pgm -o ${WORK}/s1_1.tgf
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/s1_1.tgf OR NOT out MATCHES "quality [0-9]+")
  message(FATAL_ERROR "face: ${rc} ${out} ${err}")
endif()
file(WRITE ${WORK}/notimage.png "not an image")
file(WRITE ${WORK}/pairs.txt
  "${S}/s1/1.pgm ${S}/s1/2.pgm\n"
  "${S}/s1/1.pgm ${S}/s2/1.pgm\n"
  "${WORK}/s1_1.tgf ${S}/s1/3.pgm\n"
  "${WORK}/notimage.png ${S}/s1/1.pgm\n")
execute_process(COMMAND ${TUNGGAL} match --modality face --pairs ${WORK}/pairs.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REPLACE "\n" ";" lines "${out}")
list(FILTER lines EXCLUDE REGEX "^$")
list(LENGTH lines n)
if(NOT rc EQUAL 0 OR NOT n EQUAL 4)
  message(FATAL_ERROR "match --modality face: ${rc} ${out} ${err}")
endif()
list(GET lines 0 genuine)
list(GET lines 1 impostor)
list(GET lines 2 from_file)
list(GET lines 3 bad)
string(REGEX MATCH "[0-9.]+$" g "${genuine}")
string(REGEX MATCH "[0-9.]+$" i "${impostor}")
if(NOT g GREATER i OR NOT from_file MATCHES " [0-9.]+$" OR NOT bad MATCHES " ERROR .+")
  message(FATAL_ERROR "face scores: ${out}")
endif()

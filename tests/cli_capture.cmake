# tunggal capture finger through libfprint's virtual_image driver fed with
# shared FVC prints, and tunggal capture face from the shared AT&T faces as
# an image sequence: the templates written parse and match.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(DB ${SHARED}/fvc2002/DB1_B)
include(${CMAKE_CURRENT_LIST_DIR}/skip_or_fail.cmake)
if(NOT EXISTS ${DB}/101_1.tif OR NOT EXISTS ${SHARED}/att_faces/s1/1.pgm)
  tunggal_skip_or_fail("shared data absent")
endif()
execute_process(COMMAND ${TUNGGAL} capture finger --virtual ${DB}/101_1.tif ${DB}/101_2.tif --position 2 -o ${WORK}/a.iso
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "captured right index: quality [0-9]+" OR NOT err MATCHES "500 dpi assumed")
  message(FATAL_ERROR "capture finger: ${rc} ${out} ${err}")
endif()
execute_process(COMMAND ${TUNGGAL} capture finger --virtual ${DB}/101_4.tif --position 2 -o ${WORK}/b.iso
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
execute_process(COMMAND ${TUNGGAL} capture finger --virtual ${DB}/102_1.tif --position 2 -o ${WORK}/c.iso
                RESULT_VARIABLE rc2 OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "capture finger b/c: ${rc} ${rc2}")
endif()
file(WRITE ${WORK}/pairs "${WORK}/a.iso ${WORK}/b.iso\n${WORK}/a.iso ${WORK}/c.iso\n")
execute_process(COMMAND ${TUNGGAL} match --pairs ${WORK}/pairs RESULT_VARIABLE rc OUTPUT_VARIABLE out)
string(REGEX MATCHALL "[0-9.]+\n" scores "${out}")
list(GET scores 0 same)
list(GET scores 1 other)
if(NOT rc EQUAL 0 OR same LESS 30 OR NOT other LESS 30)
  message(FATAL_ERROR "captured templates: same finger ${same}, other finger ${other}\n${out}")
endif()
# A touch that is not a finger: libfprint asks again, nothing is written.
file(WRITE ${WORK}/flat.pgm "P5\n64 64\n255\n")
execute_process(COMMAND sh -c "head -c 4096 /dev/zero | tr '\\000' '\\200' >> '${WORK}/flat.pgm'")
execute_process(COMMAND ${TUNGGAL} capture finger --virtual ${WORK}/flat.pgm -o ${WORK}/flat.iso
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR EXISTS ${WORK}/flat.iso OR NOT err MATCHES "no touch passed")
  message(FATAL_ERROR "capture of a flat image: ${rc} ${out} ${err}")
endif()
if(EXISTS ${MODELS})
  execute_process(COMMAND ${TUNGGAL} capture face --images ${SHARED}/att_faces/s1/%d.pgm -o ${WORK}/face.tgf
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "captured face \\(frame [0-9]+, quality [0-9]+\\)")
    message(FATAL_ERROR "capture face: ${rc} ${out} ${err}")
  endif()
  execute_process(COMMAND ${TUNGGAL} capture face --video ${WORK}/none.avi -o ${WORK}/none.tgf
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "no such file")
    message(FATAL_ERROR "capture face from a missing video: ${rc} ${err}")
  endif()
elseif("$ENV{CI}" STREQUAL "true")
  message(FATAL_ERROR "face models absent at ${MODELS} (CI=true: not a skip)")
endif()

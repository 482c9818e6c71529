# tunggal enroll / identify / dedup on a generated population: the JSON line
# interface, planted duplicates found, durability across runs.
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${TUNGGAL} gen --people 30 --probes 8 --duplicates 0.5 --seed 12 --out ${WORK}/pop
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen failed")
endif()
execute_process(COMMAND ${TUNGGAL} enroll --gallery ${WORK}/gallery --population ${WORK}/pop
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "gallery now holds 30 people")
  message(FATAL_ERROR "enroll: ${rc} ${out} ${err}")
endif()
# Enrolling the same records again is refused record by record (exit 1).
file(GLOB some ${WORK}/pop/records/R0000000[1-2].tgr)
execute_process(COMMAND ${TUNGGAL} enroll --gallery ${WORK}/gallery ${some}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "already enrolled")
  message(FATAL_ERROR "re-enrol: ${rc} ${out} ${err}")
endif()
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/gallery --population ${WORK}/pop --max-results 3
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "FNIR 0.0000" OR NOT err MATCHES "FPIR 0.0000")
  message(FATAL_ERROR "identify: ${rc} ${out} ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
list(FILTER lines EXCLUDE REGEX "^$")
list(LENGTH lines n)
if(NOT n EQUAL 8)
  message(FATAL_ERROR "expected 8 JSON lines:\n${out}")
endif()
foreach(l ${lines})
  if(NOT l MATCHES "^{\"probe\": \"R[0-9]+\", \"decision\": \"(unique|duplicate)\", \"candidates\": \\[.*\\]}$")
    message(FATAL_ERROR "not the interface: ${l}")
  endif()
endforeach()
if(NOT out MATCHES "\"decision\": \"duplicate\", \"candidates\": \\[{\"ref\": \"R[0-9]+\", \"score\": [0-9.]+, \"fingers\": [0-9.]+, \"face\": [0-9.]+}")
  message(FATAL_ERROR "no duplicate with per-modality scores:\n${out}")
endif()
# A snapshot: the next start-up reads it, and answers the same.
set(before "${out}")
execute_process(COMMAND ${TUNGGAL} snapshot --gallery ${WORK}/gallery
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "snapshot of 30 people")
  message(FATAL_ERROR "snapshot: ${rc} ${out} ${err}")
endif()
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/gallery --population ${WORK}/pop --max-results 3
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "30 from the snapshot, 0 log entries replayed" OR NOT out STREQUAL before)
  message(FATAL_ERROR "identify after the snapshot: ${rc} ${out} ${err}")
endif()
# The MOSIP convention and dedup: duplicates are not enrolled.
execute_process(COMMAND ${TUNGGAL} dedup --gallery ${WORK}/gallery --population ${WORK}/pop --target-fpir 30
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "4 of 8 enrolled as unique; gallery now holds 34 people")
  message(FATAL_ERROR "dedup: ${rc} ${out} ${err}")
endif()

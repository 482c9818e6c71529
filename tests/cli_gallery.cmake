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
# Damage: a byte of the first entry's length field. Before, a read-only
# identify took this for a torn tail and cut the log to its header; now it
# refuses, names the offset, and the log is unchanged.
set(log ${WORK}/gallery/gallery.wal)
file(SHA256 ${log} before)
execute_process(COMMAND sh -c "printf '\\000' | dd of='${log}' bs=1 seek=20 count=1 conv=notrunc 2>/dev/null")
file(SHA256 ${log} damaged)
if(damaged STREQUAL before)
  message(FATAL_ERROR "the test did not damage the log")
endif()
# The snapshot covers the damaged part: start-up reads the snapshot and the
# log after it, so the gallery still opens; `check` reads the whole log and
# finds the damage.
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/gallery --population ${WORK}/pop
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "30 from the snapshot")
  message(FATAL_ERROR "identify from the snapshot over a damaged log: ${rc} ${err}")
endif()
# check reads both whole, says opening loses nothing, and advises no cut
# (a cut would set the intact snapshot aside with the people only it holds).
execute_process(COMMAND ${TUNGGAL} check --gallery ${WORK}/gallery RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1 OR NOT out MATCHES "damaged" OR NOT out MATCHES "snapshot: intact, 30 people"
   OR NOT out MATCHES "below what the intact snapshot covers" OR NOT out MATCHES "opening loads [0-9]+ people \\(30 people from the snapshot"
   OR out MATCHES "--set-aside-from")
  message(FATAL_ERROR "check on a damaged log under a snapshot: ${rc} ${out}")
endif()
execute_process(COMMAND ${TUNGGAL} repair --gallery ${WORK}/gallery --set-aside-from 8
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(SHA256 ${log} now)
if(rc EQUAL 0 OR NOT err MATCHES "intact snapshot" OR NOT now STREQUAL damaged OR NOT EXISTS ${WORK}/gallery/gallery.snap)
  message(FATAL_ERROR "repair below an intact snapshot was not refused: ${rc} ${out} ${err}")
endif()
file(RENAME ${WORK}/gallery/gallery.snap ${WORK}/gallery.snap.moved)
foreach(verb identify dedup)
  execute_process(COMMAND ${TUNGGAL} ${verb} --gallery ${WORK}/gallery --population ${WORK}/pop
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(SHA256 ${log} now)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "entry at byte 8" OR NOT err MATCHES "Nothing was changed" OR NOT now STREQUAL damaged)
    message(FATAL_ERROR "${verb} on a damaged log: ${rc} ${out} ${err}")
  endif()
endforeach()
execute_process(COMMAND ${TUNGGAL} check --gallery ${WORK}/gallery RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1 OR NOT out MATCHES "damaged" OR NOT out MATCHES "--set-aside-from 8` keeps 0 people"
   OR NOT out MATCHES "opening refuses")
  message(FATAL_ERROR "check on a damaged log: ${rc} ${out}")
endif()
# Or keeps every intact entry: on a copy, `--skip-damaged` drops the one
# damaged entry (its person is lost), keeps the old log beside the new one,
# and the gallery opens with everyone else.
file(REMOVE_RECURSE ${WORK}/salvage)
file(COPY ${WORK}/gallery/ DESTINATION ${WORK}/salvage)
if(NOT out MATCHES "--skip-damaged` keeps 33 people")
  message(FATAL_ERROR "check does not advise skipping the damaged entry: ${out}")
endif()
execute_process(COMMAND ${TUNGGAL} repair --gallery ${WORK}/salvage --skip-damaged
                RESULT_VARIABLE rc OUTPUT_VARIABLE sout ERROR_VARIABLE serr)
file(SHA256 ${WORK}/salvage/gallery.wal.salvaged-8 old_copy)
if(NOT rc EQUAL 0 OR NOT sout MATCHES "skipped [0-9]+ damaged bytes in 1 place" OR NOT sout MATCHES "opens with 33 people"
   OR NOT old_copy STREQUAL damaged)
  message(FATAL_ERROR "repair --skip-damaged: ${rc} ${sout} ${serr}")
endif()
execute_process(COMMAND ${TUNGGAL} repair --gallery ${WORK}/salvage --skip-damaged
                RESULT_VARIABLE rc OUTPUT_VARIABLE sout ERROR_VARIABLE serr)
if(rc EQUAL 0 OR NOT serr MATCHES "opens as it is")
  message(FATAL_ERROR "a second --skip-damaged was not refused: ${rc} ${sout} ${serr}")
endif()
# The operator sets everything from byte 8 on aside: kept, and reported.
execute_process(COMMAND ${TUNGGAL} repair --gallery ${WORK}/gallery --set-aside-from 8
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/gallery/gallery.wal.set-aside-8)
  message(FATAL_ERROR "repair: ${rc} ${out} ${err}")
endif()
file(SIZE ${WORK}/gallery/gallery.wal.set-aside-8 kept)
file(SIZE ${log} left)
if(NOT left EQUAL 8 OR kept LESS 100000)
  message(FATAL_ERROR "repair kept ${kept} bytes, left ${left}")
endif()
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/gallery --population ${WORK}/pop
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "0 people" OR NOT err MATCHES "quarantined log bytes kept in .*set-aside-8")
  message(FATAL_ERROR "identify after repair: ${rc} ${err}")
endif()
# A torn tail: the last entry cut short. A reader loads what precedes and
# leaves the file alone; a writer moves the bytes beside the log first.
file(REMOVE_RECURSE ${WORK}/torn)
execute_process(COMMAND ${TUNGGAL} enroll --gallery ${WORK}/torn ${some} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
file(SIZE ${WORK}/torn/gallery.wal full)
execute_process(COMMAND truncate -s -10 ${WORK}/torn/gallery.wal)
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/torn ${some} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(SIZE ${WORK}/torn/gallery.wal cut)
math(EXPR expect "${full} - 10")
if(NOT rc EQUAL 0 OR NOT err MATCHES "unfinished write" OR NOT err MATCHES "left in place" OR NOT cut EQUAL expect)
  message(FATAL_ERROR "identify on a torn log: ${rc} ${err} (${cut} bytes)")
endif()
file(GLOB one ${WORK}/pop/records/R00000003.tgr)
execute_process(COMMAND ${TUNGGAL} enroll --gallery ${WORK}/torn ${one} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(GLOB aside ${WORK}/torn/gallery.wal.torn-*)
if(NOT rc EQUAL 0 OR NOT aside OR NOT err MATCHES "moved to")
  message(FATAL_ERROR "enroll on a torn log: ${rc} ${out} ${err}")
endif()
# Templates at rest: a gallery enrolled with --key-file does not open
# without it, and opens (snapshot included) with it.
execute_process(COMMAND ${TUNGGAL} enroll --gallery ${WORK}/sealed --key-file ${WORK}/sealed.key --population ${WORK}/pop
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "gallery now holds 30 people")
  message(FATAL_ERROR "sealed enroll: ${rc} ${out} ${err}")
endif()
execute_process(COMMAND ${TUNGGAL} snapshot --gallery ${WORK}/sealed --key-file ${WORK}/sealed.key
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sealed snapshot: ${rc} ${out} ${err}")
endif()
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/sealed --population ${WORK}/pop
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "encrypted: open the gallery with its key")
  message(FATAL_ERROR "sealed gallery opened without its key: ${rc} ${err}")
endif()
execute_process(COMMAND ${TUNGGAL} identify --gallery ${WORK}/sealed --key-file ${WORK}/sealed.key --population ${WORK}/pop
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "30 people \\(30 from the snapshot" OR NOT err MATCHES "FNIR 0.0000")
  message(FATAL_ERROR "sealed identify: ${rc} ${out} ${err}")
endif()

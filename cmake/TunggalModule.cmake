# tunggal_add_module(NAME <name> SOURCES ... [PUBLIC ...] [PRIVATE ...]
#                    [INCLUDE_DIR <dir>])
# One library target per module: tunggal_<name>, alias and export name
# tunggal::<name>, public headers in <dir>/tunggal/..., installed with it.
function(tunggal_add_module)
  cmake_parse_arguments(M "" "NAME;INCLUDE_DIR" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  if(NOT M_INCLUDE_DIR)
    set(M_INCLUDE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/include)
  endif()
  set(target tunggal_${M_NAME})
  add_library(${target} ${M_SOURCES})
  add_library(tunggal::${M_NAME} ALIAS ${target})
  # Installed, the libraries find each other in their own folder.
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${M_NAME}
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
                        INSTALL_RPATH "$ORIGIN")
  target_compile_definitions(${target} PRIVATE TUNGGAL_VERSION_STRING="${PROJECT_VERSION}")
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${M_INCLUDE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC ${M_PUBLIC} PRIVATE tunggal_build_flags ${M_PRIVATE})
  install(DIRECTORY ${M_INCLUDE_DIR}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# Install rules and the exported package: an outside project does
#   find_package(tunggal REQUIRED)
#   target_link_libraries(app PRIVATE tunggal::sdk)
include(CMakePackageConfigHelpers)
install(TARGETS tunggal_engine tunggal_datasets tunggal_sdk tunggal_store tunggal_net tunggal_workflow tunggal_abis tunggal_abis_http tunggal_c
                tunggal_build_flags
        EXPORT tunggalTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tunggalTargets NAMESPACE tunggal::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tunggal)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tunggalConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tunggalConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tunggal)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tunggalConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tunggalConfig.cmake ${PROJECT_BINARY_DIR}/tunggalConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tunggal)

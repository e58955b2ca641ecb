# Install layout and the Debian package (CPack). Included last from the top-level CMakeLists.txt.
#
#   <prefix>/sbin            oomguard-core, oomguard-extended (found next to the core), oomguardctl
#   <prefix>/bin             hog
#   /etc/oomguard            oomguard.toml, the sample configuration; an existing file is never
#                            overwritten by `cmake --install` (the package marks it a conffile)
#   <unit dir>               oomguard.service, oomguard.slice (systemd's systemdsystemunitdir,
#                            else /lib/systemd/system)
#   <prefix>/share/man       oomguard-core(8) oomguard-extended(8) oomguardctl(8) oomguard.toml(5)
#                            hog(1)
#   <prefix>/share/doc/oomguard   README, docs/*.md, examples/ (sample config, Kubernetes preset
#                            and DaemonSet, Prometheus alert rules)
#
# `cpack -G DEB` in a build directory builds oomguard_<version>_<arch>.deb with prefix /usr.
# The unit's ExecStart= path is filled in at install time from the prefix actually used.
include(GNUInstallDirs)

if(NOT DEFINED CACHE{OOMGUARD_SYSTEMD_UNIT_DIR})
  pkg_get_variable(_oomguard_unit_dir systemd systemdsystemunitdir)
  if(NOT _oomguard_unit_dir)
    set(_oomguard_unit_dir /lib/systemd/system)
  endif()
  set(OOMGUARD_SYSTEMD_UNIT_DIR "${_oomguard_unit_dir}" CACHE PATH
      "Where oomguard.service and oomguard.slice are installed")
endif()
set(OOMGUARD_CONFIG_DIR /etc/oomguard CACHE PATH
    "Configuration directory (oomguard-core's default is /etc/oomguard/oomguard.toml)")

set(_dist ${PROJECT_SOURCE_DIR}/tools/dist)

install(TARGETS oomguard-core oomguard-extended oomguardctl RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS hog RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The sample configuration, unless one is already there (never clobber an admin's file).
install(CODE "
  set(_conf \"\$ENV{DESTDIR}${OOMGUARD_CONFIG_DIR}/oomguard.toml\")
  if(EXISTS \"\${_conf}\")
    message(STATUS \"Keeping existing \${_conf} (the sample is in \${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}/examples)\")
  else()
    file(INSTALL DESTINATION \"${OOMGUARD_CONFIG_DIR}\" TYPE FILE
         FILES \"${PROJECT_SOURCE_DIR}/config/oomguard.toml\")
  endif()")

# Units: the service's paths come from the install-time prefix (cpack installs with /usr).
install(CODE "
  set(OOMGUARD_SBINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
  set(OOMGUARD_CONFIG_FILE \"${OOMGUARD_CONFIG_DIR}/oomguard.toml\")
  configure_file(\"${_dist}/systemd/oomguard.service.in\"
                 \"${CMAKE_BINARY_DIR}/oomguard-install/oomguard.service\" @ONLY)
  file(INSTALL DESTINATION \"${OOMGUARD_SYSTEMD_UNIT_DIR}\" TYPE FILE
       FILES \"${CMAKE_BINARY_DIR}/oomguard-install/oomguard.service\"
             \"${_dist}/systemd/oomguard.slice\")")

# Man pages, written in roff (tools/dist/man), gzip'ed as Debian policy wants when gzip exists.
set(_man_pages oomguard-core.8 oomguard-extended.8 oomguardctl.8 oomguard.toml.5 hog.1)
find_program(OOMGUARD_GZIP gzip)
set(_man_outputs)
foreach(page IN LISTS _man_pages)
  string(REGEX MATCH "[0-9]$" _section ${page})
  if(OOMGUARD_GZIP)
    set(_out ${CMAKE_BINARY_DIR}/man/${page}.gz)
    add_custom_command(OUTPUT ${_out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${OOMGUARD_GZIP} -9n -c ${_dist}/man/${page} > ${_out}
      DEPENDS ${_dist}/man/${page} VERBATIM)
    list(APPEND _man_outputs ${_out})
  else()
    set(_out ${_dist}/man/${page})
  endif()
  install(FILES ${_out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
endforeach()
add_custom_target(oomguard_man ALL DEPENDS ${_man_outputs})

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(FILES config/oomguard.toml
              ${_dist}/kubernetes/oomguard-kubernetes.toml
              ${_dist}/kubernetes/oomguard-daemonset.yaml
              ${_dist}/prometheus/oomguard-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# ---- Debian package ---------------------------------------------------------------------------
configure_file(${_dist}/debian/conffiles.in ${CMAKE_BINARY_DIR}/debian/conffiles @ONLY)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME oomguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "oomguard developers <oomguard@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "userspace OOM killer with a guaranteed-reserve core")
# The control file's long description: CPack puts the summary first and indents these lines.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "oomguard acts on memory pressure (PSI) before the machine thrashes. A small, mlocked,
allocation-free real-time core decides and kills (pidfd + process_mrelease); an extended
process ranks victims by administrator policy (cgroup and process rules, priorities), writes a
JSON kill log and Prometheus metrics and runs hooks. oomguardctl shows their state.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the binaries' NEEDED libraries (dpkg-shlibdeps): libc6, libstdc++6, libgcc-s1,
# libjemalloc2, liburing2, libtomlplusplus3 with the versions the build used.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus-node-exporter")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/debian/conffiles ${_dist}/debian/postinst ${_dist}/debian/prerm
    ${_dist}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

# install() rules and the .deb (CPack). scripts/package.sh builds it; docs/deploy.md explains it.
# Binaries in <prefix>/bin, configs in /etc/dragonfly (conffiles), systemd units, tmpfiles.d.
include(GNUInstallDirs)

install(TARGETS dfdaemon dfget dfscheduler dfmanager dfcert RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The units and the daemons' defaults name /etc/dragonfly, whatever the prefix.
set(DF_CONFIG_DIR /etc/dragonfly)
install(FILES configs/dfdaemon.yaml configs/dfscheduler.yaml configs/dfmanager.yaml DESTINATION ${DF_CONFIG_DIR})
install(FILES packaging/systemd/dfdaemon.service packaging/systemd/dfscheduler.service
              packaging/systemd/dfmanager.service
        DESTINATION lib/systemd/system)
install(FILES packaging/tmpfiles/dragonfly.conf DESTINATION lib/tmpfiles.d)
install(PROGRAMS scripts/certs.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/dragonfly-cpp RENAME dragonfly-certs)
# The web console (docs/console.md), built by scripts/console.sh (scripts/build.sh and package.sh run
# it); dfmanager's console.dir names this directory.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/console/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/dragonfly/console OPTIONAL)
install(FILES README.md docs/deploy.md docs/manager.md docs/security.md docs/console.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/dragonfly-cpp)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dragonfly-cpp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Dragonfly C++ maintainers <dragonfly@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "P2P distribution of files and container images (dfdaemon, dfget, dfscheduler, dfmanager)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)  # the package's layout, whatever CMAKE_INSTALL_PREFIX says
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the shared libraries' packages, as dpkg-shlibdeps finds them
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssl, curl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/deb/postinst ${PROJECT_SOURCE_DIR}/packaging/deb/postrm
    ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# Finds every dependency from Debian's packages. A missing one stops the configure with the apt
# package to install (tools/install_deps.sh installs them all).
include(FindPackageHandleStandardArgs)

macro(lineage_require found apt_package what)
  if(NOT ${found})
    message(FATAL_ERROR "Lineage needs ${what}: install it with `apt-get install ${apt_package}` "
                        "(or run tools/install_deps.sh)")
  endif()
endmacro()

find_package(Eigen3 3.4 QUIET NO_MODULE)
lineage_require(Eigen3_FOUND libeigen3-dev "Eigen 3.4")

find_package(simdjson QUIET)
lineage_require(simdjson_FOUND libsimdjson-dev "simdjson")

find_package(CLI11 QUIET)
lineage_require(CLI11_FOUND libcli11-dev "CLI11")

find_package(doctest QUIET)
lineage_require(doctest_FOUND doctest-dev "doctest")

find_package(OpenSSL QUIET)
lineage_require(OPENSSL_FOUND libssl-dev "OpenSSL (SHA-256)")

set(BLA_VENDOR OpenBLAS)
find_package(BLAS QUIET)
lineage_require(BLAS_FOUND libopenblas-dev "OpenBLAS")
set(LINEAGE_BLAS_LIBRARIES ${BLAS_LIBRARIES})

find_package(HDF5 QUIET COMPONENTS C)
lineage_require(HDF5_FOUND libhdf5-dev "HDF5")
if(NOT TARGET lineage::hdf5)
  add_library(lineage::hdf5 INTERFACE IMPORTED)
  target_include_directories(lineage::hdf5 INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(lineage::hdf5 INTERFACE ${HDF5_LIBRARIES})
  target_compile_definitions(lineage::hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

find_package(PkgConfig QUIET)
lineage_require(PKG_CONFIG_FOUND pkg-config "pkg-config")
pkg_check_modules(PCRE2 QUIET IMPORTED_TARGET libpcre2-8)
lineage_require(PCRE2_FOUND libpcre2-dev "PCRE2")
if(NOT TARGET lineage::pcre2)
  add_library(lineage::pcre2 INTERFACE IMPORTED)
  target_link_libraries(lineage::pcre2 INTERFACE PkgConfig::PCRE2)
endif()

find_package(Threads REQUIRED)

# toml++ 3.3 (audit policies are TOML data files). Debian builds it as a shared library and ships the
# CMake config that defines tomlplusplus::tomlplusplus.
find_package(tomlplusplus 3.3 QUIET)
lineage_require(tomlplusplus_FOUND libtomlplusplus-dev "toml++ 3.3 (audit policy files)")

# Helpers that turn each top-level folder into one static library, the tests into one doctest
# binary, and the fuzz targets into libFuzzer executables.
#
# Source conventions inside a layer folder:
#   *.cpp              always compiled
#   *.cu               compiled into lineage_<layer>_cuda only when the CUDA backend is built
#   *_cuda_stub.cpp    compiled only when it is not (same entry points, throw DeviceError)
#   fuzz/*.cpp         libFuzzer entry points (LINEAGE_FUZZ=ON)

function(lineage_add_layer name)
  cmake_parse_arguments(L "" "" "DEPS;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/fuzz/")
  foreach(ex IN LISTS L_EXCLUDE)
    list(REMOVE_ITEM srcs ${CMAKE_CURRENT_SOURCE_DIR}/${ex})
  endforeach()
  if(LINEAGE_CUDA_BUILT)
    list(FILTER srcs EXCLUDE REGEX "_cuda_stub\\.cpp$")
  endif()
  if(NOT srcs)  # a layer not written yet still links
    set(srcs ${CMAKE_CURRENT_BINARY_DIR}/generated/empty_layer.cpp)
    file(WRITE ${srcs} "// placeholder for a layer with no sources yet\n")
  endif()
  add_library(lineage_${name} STATIC ${srcs})
  target_include_directories(lineage_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  # Shipped data files (verdict rules, null ranges) are found beside their sources; __FILE__ is
  # relative under ccache's base_dir, so the source root is given explicitly.
  target_compile_definitions(lineage_${name} PRIVATE LINEAGE_SOURCE_ROOT="${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(lineage_${name} PUBLIC ${L_DEPS} Threads::Threads)
endfunction()

# CUDA sources of a layer become their own target, linked into the layer.
function(lineage_attach_cuda name)
  if(NOT LINEAGE_CUDA_BUILT)
    return()
  endif()
  file(GLOB_RECURSE cu CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cu)
  if(NOT cu)
    return()
  endif()
  add_library(lineage_${name}_cuda STATIC ${cu})
  # .cu files include the layer's C++20 headers (std::span in backend.h); LineageCuda.cmake
  # teaches CMake 3.25 nvcc's -std=c++20.
  set_target_properties(lineage_${name}_cuda PROPERTIES CUDA_STANDARD 20 CUDA_STANDARD_REQUIRED ON
                        CUDA_SEPARABLE_COMPILATION OFF POSITION_INDEPENDENT_CODE ON)
  target_include_directories(lineage_${name}_cuda PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
                             ${CMAKE_CURRENT_BINARY_DIR}/generated)
  # The CUDA code uses the layer (Tensor, dtype conversion): a cycle of two static libraries, which
  # CMake resolves by repeating them on the link line.
  target_link_libraries(lineage_${name}_cuda PUBLIC CUDA::cudart CUDA::cublas lineage_${name})
  target_link_libraries(lineage_${name} PUBLIC lineage_${name}_cuda)
endfunction()

# One doctest binary, lineage_tests, holding every CPU test under tests/<layer>/. CTest runs it once
# per layer (doctest's --source-file filter) so layers run in parallel and report separately.
# Per-layer binaries (lineage_tests_<layer>, not built by default) let one layer be built and run
# alone while another is being edited.
function(lineage_add_tests)
  set(layers weights reference_model probes reports audit)
  set(all_objs)
  foreach(layer IN LISTS layers)
    file(GLOB_RECURSE tsrcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/${layer}/*_test.cpp)
    if(NOT tsrcs)
      continue()
    endif()
    add_library(lineage_tests_${layer}_obj OBJECT ${tsrcs})
    target_link_libraries(lineage_tests_${layer}_obj PUBLIC lineage_${layer} doctest::doctest)
    target_include_directories(lineage_tests_${layer}_obj PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
    target_compile_definitions(lineage_tests_${layer}_obj PUBLIC
      LINEAGE_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
      LINEAGE_SHARED_TESTDATA="${CMAKE_CURRENT_SOURCE_DIR}/../shared/testdata"
      LINEAGE_BINARY="$<TARGET_FILE:lineage>")
    add_dependencies(lineage_tests_${layer}_obj lineage)
    add_executable(lineage_tests_${layer} EXCLUDE_FROM_ALL tests/test_main.cpp)
    target_link_libraries(lineage_tests_${layer} PRIVATE lineage_tests_${layer}_obj lineage_audit)
    list(APPEND all_objs lineage_tests_${layer}_obj)
    add_test(NAME ${layer} COMMAND lineage_tests --source-file=*/tests/${layer}/*)
    set_tests_properties(${layer} PROPERTIES SKIP_RETURN_CODE 77)
  endforeach()
  add_executable(lineage_tests tests/test_main.cpp)
  target_link_libraries(lineage_tests PRIVATE ${all_objs} lineage_audit)

  # Shell-level end-to-end tests of the CLI (tests/cli/*.sh), each one CTest test.
  file(GLOB cli_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli/*.sh)
  foreach(t IN LISTS cli_tests)
    get_filename_component(tname ${t} NAME_WE)
    add_test(NAME cli_${tname} COMMAND bash ${t} $<TARGET_FILE:lineage> ${CMAKE_CURRENT_SOURCE_DIR})
    set_tests_properties(cli_${tname} PROPERTIES SKIP_RETURN_CODE 77)
  endforeach()

  # The CUDA tests are their own binary: it exits 77 (skipped) where no GPU is present.
  file(GLOB_RECURSE cuda_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/cuda/*_test.cpp)
  if(LINEAGE_CUDA_BUILT AND cuda_tests)
    add_executable(lineage_cuda_tests ${cuda_tests})
    target_link_libraries(lineage_cuda_tests PRIVATE lineage_audit doctest::doctest)
    target_include_directories(lineage_cuda_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
    add_test(NAME cuda COMMAND lineage_cuda_tests)
    set_tests_properties(cuda PROPERTIES SKIP_RETURN_CODE 77)
  endif()
endfunction()

# libFuzzer targets: every <layer>/fuzz/*.cpp becomes fuzz_<name> (build with clang, LINEAGE_FUZZ=ON).
function(lineage_add_fuzzers)
  file(GLOB_RECURSE fsrcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*/fuzz/*.cpp)
  foreach(f IN LISTS fsrcs)
    get_filename_component(fname ${f} NAME_WE)
    add_executable(fuzz_${fname} ${f})
    target_compile_options(fuzz_${fname} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_${fname} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_${fname} PRIVATE lineage_audit)
  endforeach()
endfunction()

# LINEAGE_CUDA=AUTO|ON|OFF. AUTO builds the CUDA backend whenever nvcc is found, on PATH or in the
# toolkit's standard location; ON fails without it; OFF never builds it. The result is printed.
# Without CUDA the stub sources (*_cuda_stub.cpp) define the same entry points and throw
# "CUDA backend not built", so no header needs a build flag.
set(LINEAGE_CUDA_BUILT false)
set(LINEAGE_CUDA_STATUS "OFF")
if(NOT LINEAGE_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER)
    find_program(LINEAGE_NVCC nvcc PATHS /usr/local/cuda/bin /usr/local/cuda-13.0/bin
                 /usr/local/cuda-12/bin /opt/cuda/bin)
    if(LINEAGE_NVCC)
      set(CMAKE_CUDA_COMPILER ${LINEAGE_NVCC})
    endif()
  endif()
  if(CMAKE_CUDA_COMPILER)
    # An explicit, short list: "native" fails on machines without a GPU, and every architecture
    # adds a full device compile of each .cu file to CI (2 cores). A100 (sm_80) and H100/H200
    # (sm_90) get SASS; 90-virtual embeds PTX that the driver JIT-compiles for newer GPUs
    # (Blackwell). sm_86/sm_89 cards run the sm_80 SASS. Override with -DCMAKE_CUDA_ARCHITECTURES.
    if(NOT CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90-real;90-virtual")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit QUIET)
    # CMake 3.25 predates nvcc's C++20 support and refuses CUDA_STANDARD 20 ("does not know the
    # flags"); nvcc 12+ takes -std=c++20. The .cu files include the layers' C++20 headers.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
  endif()
  file(GLOB_RECURSE lineage_cu_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*/*.cu)
  list(FILTER lineage_cu_sources EXCLUDE REGEX "/build[^/]*/")
  if(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND AND NOT lineage_cu_sources)
    # The toolchain is here but this version has no CUDA sources yet: the stubs stay in.
    set(LINEAGE_CUDA_STATUS "OFF (nvcc found, but this version has no CUDA sources; CPU backend only)")
  elseif(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND)
    set(LINEAGE_CUDA_BUILT true)
    set(LINEAGE_CUDA_STATUS "ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(LINEAGE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LINEAGE_CUDA=ON but nvcc/the CUDA Toolkit was not found "
                        "(looked on PATH and in /usr/local/cuda/bin)")
  else()
    set(LINEAGE_CUDA_STATUS "OFF (nvcc not found; CPU backend only)")
  endif()
endif()
message(STATUS "Lineage CUDA backend: ${LINEAGE_CUDA_STATUS}")

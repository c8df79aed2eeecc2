# sumbench_add_benchmark(NAME [SOURCES file...] [NO_BUILTIN_KERNELS])
#
# The executable NAME: sumbench's driver, so every mode, flag, --list=json, validation,
# placement and JSON context of sumbench, with the kernels that SOURCES add through
# sumbench::extra_kernel_rows() (<sumbench/kernel.hpp>) after sumbench's own kernels, or
# alone with NO_BUILTIN_KERNELS. sumbench itself is made by it (CMakeLists.txt), as is the
# tests' sumbench_extra; installed, find_package(sumbench) provides it (docs/DESIGN.md,
# "Your own kernel").
#
# A generated main (benchmark_main.cpp.in) gives the driver the binary's facts: its name,
# whether the built-in kernels came along, and the flags and build type SOURCES were
# compiled with (the JSON context's binary_* keys). SOURCES get what sumbench's kernels get:
# C++20, OpenMP, sumbench's architecture flags (through sumbench::kernel: -march=native
# for a native sumbench, so its "native" holds for all the binary's code) and hot loops
# aligned to 64 bytes (CMakeLists.txt says why).
include_guard(GLOBAL)
set(_SUMBENCH_MAIN_TEMPLATE "${CMAKE_CURRENT_LIST_DIR}/benchmark_main.cpp.in")

function(sumbench_add_benchmark name)
  cmake_parse_arguments(PARSE_ARGV 1 _sb "NO_BUILTIN_KERNELS" "" "SOURCES")
  if(_sb_UNPARSED_ARGUMENTS OR _sb_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "sumbench_add_benchmark(${name}): unexpected '${_sb_UNPARSED_ARGUMENTS}"
                        "${_sb_KEYWORDS_MISSING_VALUES}'; it takes SOURCES file... and NO_BUILTIN_KERNELS")
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
    message(FATAL_ERROR "sumbench_add_benchmark(${name}): a name is letters, digits and _ . + -")
  endif()
  if(_sb_NO_BUILTIN_KERNELS AND NOT _sb_SOURCES)
    message(FATAL_ERROR "sumbench_add_benchmark(${name}): NO_BUILTIN_KERNELS without SOURCES leaves no kernel; "
                        "give the sources that define sumbench::extra_kernel_rows()")
  endif()
  if(_sb_SOURCES AND NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
    message(WARNING "sumbench_add_benchmark(${name}): no CMAKE_BUILD_TYPE, so its kernels are compiled without "
                    "optimisation: configure with -DCMAKE_BUILD_TYPE=Release")
  endif()

  # The facts of the generated main, as C++ string literals.
  string(TOUPPER "${CMAKE_BUILD_TYPE}" _type)
  string(JOIN " " _flags ${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_type}} ${SUMBENCH_ARCH_FLAGS}
         ${SUMBENCH_SANITIZE_FLAGS} -fopenmp)
  set(SUMBENCH_BENCHMARK_NAME "${name}")
  set(SUMBENCH_BENCHMARK_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
  set(SUMBENCH_BENCHMARK_BUILTIN true)
  if(_sb_NO_BUILTIN_KERNELS)
    set(SUMBENCH_BENCHMARK_BUILTIN false)
  endif()
  foreach(_var SUMBENCH_BENCHMARK_BUILD_TYPE _flags)
    string(REPLACE "\\" "\\\\" ${_var} "${${_var}}")
    string(REPLACE "\"" "\\\"" ${_var} "${${_var}}")
  endforeach()
  set(SUMBENCH_BENCHMARK_CXX_FLAGS "${_flags}")
  set(_main "${CMAKE_CURRENT_BINARY_DIR}/${name}_sumbench_main.cpp")
  configure_file("${_SUMBENCH_MAIN_TEMPLATE}" "${_main}" @ONLY)

  add_executable(${name} "${_main}" ${_sb_SOURCES})
  target_link_libraries(${name} PRIVATE sumbench::driver sumbench::kernel)
  if(_sb_SOURCES AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    set_property(SOURCE ${_sb_SOURCES} TARGET_DIRECTORY ${name} APPEND PROPERTY COMPILE_OPTIONS -falign-loops=64)
  endif()
  # The run path of the libraries it is linked with (the MPI's) from the start, as for
  # sumbench: CMake's install-time rewrite of the build run path fails with some MPIs.
  set_target_properties(${name} PROPERTIES BUILD_WITH_INSTALL_RPATH ON INSTALL_RPATH_USE_LINK_PATH ON)
endfunction()

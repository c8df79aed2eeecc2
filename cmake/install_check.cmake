# The first step of `cmake --install` (install(SCRIPT) in CMakeLists.txt), before any file
# is copied: nothing sumbench did not install is ever overwritten. A path the install
# would write that already exists must be
#   - listed, unchanged since, in the record of an earlier install of sumbench
#     (share/sumbench/installed-files.txt, written by install_finish.cmake), or
#   - one of the command links in bin pointing where this install points it, or
#   - byte for byte the file this install would copy there (nothing would change).
# Otherwise the install stops before writing anything and names every such file.
# Input (install(CODE) before this script): SUMBENCH_SOURCE_DIR, SUMBENCH_BINDIR,
# SUMBENCH_SHAREDIR, SUMBENCH_MODULEDIR, SUMBENCH_DOCDIR, SUMBENCH_INCLUDEDIR,
# SUMBENCH_LIBDIR, SUMBENCH_CMAKEDIR, SUMBENCH_VERSION, SUMBENCH_COMMANDS,
# SUMBENCH_ENTRY_SCRIPTS, SUMBENCH_BINARY (the built binary), SUMBENCH_LIBRARIES (the
# built libraries of the CMake package), SUMBENCH_BUILD_DIR.
cmake_policy(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/install_paths.cmake")

set(_src "${SUMBENCH_SOURCE_DIR}")
# every path this install writes, and what may be there already: _ok_<path> lists the
# sha256 of each acceptable content, or link:TARGET for a link
set(_dest "")
macro(_want dest)
  list(APPEND _dest "${dest}")
  set("_ok_${dest}" "")
  foreach(_source ${ARGN})
    if(_source MATCHES "^link:")
      list(APPEND "_ok_${dest}" "${_source}")
    elseif(EXISTS "${_source}")
      file(SHA256 "${_source}" _sum)
      list(APPEND "_ok_${dest}" "${_sum}")
    endif()
  endforeach()
endmacro()
function(_want_text dest text)
  string(SHA256 _sum "${text}")
  set(_list "${_ok_${dest}}")
  list(APPEND _list "${_sum}")
  set("_ok_${dest}" "${_list}" PARENT_SCOPE)
endfunction()

_want("${_bin}/sumbench" "${SUMBENCH_BINARY}")
foreach(pair IN LISTS SUMBENCH_COMMANDS)
  _sumbench_command_links("${pair}")
  foreach(_link IN LISTS _links)
    _want("${_link}" "link:${_target_of_${_link}}")
  endforeach()
endforeach()
foreach(_script IN LISTS SUMBENCH_ENTRY_SCRIPTS)
  _want("${_share}/python/${_script}" "${_src}/python/${_script}")
endforeach()
file(GLOB_RECURSE _package RELATIVE "${_src}/python/sumbench" "${_src}/python/sumbench/*")
foreach(_rel IN LISTS _package)
  if(NOT _rel MATCHES "(^|/)__pycache__/|\\.pyc$|^_installed\\.py$")
    _want("${_package_dir}/${_rel}" "${_src}/python/sumbench/${_rel}")
  endif()
endforeach()
_want("${_installed_py_name}")
_want_text("${_installed_py_name}" "${_installed_py_text}")
foreach(pair IN LISTS _sbatch_lines)        # as shipped, or filled in by an earlier install
  string(REGEX REPLACE "=.*" "" _script "${pair}")
  string(REGEX REPLACE ".*=" "" _var "${pair}")
  _want("${_share}/slurm/${_script}" "${_src}/slurm/${_script}")
  file(READ "${_src}/slurm/${_script}" _text)
  _sumbench_fill_sbatch(_text "${_var}" "${_text}")
  _want_text("${_share}/slurm/${_script}" "${_text}")
endforeach()
foreach(_f site.sh.example README.md)
  _want("${_share}/slurm/${_f}" "${_src}/slurm/${_f}")
endforeach()
foreach(_f sumbench.yaml platform.xml submit.job.in README.md)
  _want("${_share}/jube/${_f}" "${_src}/jube/${_f}")
endforeach()
foreach(_f README.md BENCHMARKS.md docs/DESIGN.md)
  get_filename_component(_name "${_f}" NAME)
  _want("${_doc}/${_name}" "${_src}/${_f}")
endforeach()
_want("${_doc}/REPORTS.md" "${_src}/reports/README.md")
_want("${_modulefile}")
_want_text("${_modulefile}" "${_modulefile_text}")
# The CMake package (a user's own kernels): the kernel API header, the libraries, the
# package's files, and the exported targets as the build generated them.
_want("${_include}/sumbench/kernel.hpp" "${_src}/include/sumbench/kernel.hpp")
foreach(_library IN LISTS SUMBENCH_LIBRARIES)
  get_filename_component(_name "${_library}" NAME)
  _want("${_lib}/${_name}" "${_library}")
endforeach()
foreach(_f sumbenchConfig.cmake sumbenchConfigVersion.cmake)
  _want("${_cmake}/${_f}" "${SUMBENCH_BUILD_DIR}/${_f}")
endforeach()
foreach(_f sumbench_add_benchmark.cmake benchmark_main.cpp.in)
  _want("${_cmake}/${_f}" "${_src}/cmake/${_f}")
endforeach()
string(TOLOWER "${CMAKE_INSTALL_CONFIG_NAME}" _config)
if(NOT _config)
  set(_config noconfig)
endif()
foreach(_f sumbenchTargets.cmake "sumbenchTargets-${_config}.cmake")
  file(GLOB _exported "${SUMBENCH_BUILD_DIR}/CMakeFiles/Export/*/${_f}")
  _want("${_cmake}/${_f}" ${_exported})
endforeach()
# (the bytecode of the package's modules, in its own __pycache__, is a cache of our
# sources: compileall replaces it when stale, as Python itself would)

# The record of the last install: "<sha256 or link:TARGET> <path under the prefix>".
if(EXISTS "${_stage}${_record}")
  file(STRINGS "${_stage}${_record}" _lines)
  list(GET _lines 0 _first)
  if(NOT _first MATCHES "^# sumbench install record")
    message(FATAL_ERROR "sumbench: will not overwrite ${_stage}${_record}, which sumbench did not "
            "write; move it away or choose another --prefix. Nothing was installed.")
  endif()
  foreach(_line IN LISTS _lines)
    if(_line MATCHES "^([^ #][^ ]*) (/.+)$")
      set("_rec_${CMAKE_MATCH_2}" "${CMAKE_MATCH_1}")
    elseif(_line MATCHES "^([^ #][^ ]*) (.+)$")
      set("_rec_${CMAKE_INSTALL_PREFIX}/${CMAKE_MATCH_2}" "${CMAKE_MATCH_1}")
    endif()
  endforeach()
endif()

set(_foreign "")
foreach(_d IN LISTS _dest)
  set(_path "${_stage}${_d}")
  if(NOT EXISTS "${_path}" AND NOT IS_SYMLINK "${_path}")
    continue()
  endif()
  if(IS_SYMLINK "${_path}")
    file(READ_SYMLINK "${_path}" _t)
    set(_have "link:${_t}")
  elseif(IS_DIRECTORY "${_path}")
    set(_have "directory")
  else()
    file(SHA256 "${_path}" _have)
  endif()
  if(DEFINED "_rec_${_d}" AND "${_rec_${_d}}" STREQUAL "${_have}")
    continue()                                   # installed by sumbench, unchanged since
  endif()
  if("${_have}" IN_LIST "_ok_${_d}")
    continue()                                   # what this install puts there
  endif()
  list(APPEND _foreign "${_path}")
endforeach()

if(_foreign)
  list(JOIN _foreign ", " _names)
  message(FATAL_ERROR "sumbench: will not overwrite files that sumbench did not install (or that "
          "were changed since): ${_names}; move them away or choose another --prefix. Nothing was installed.")
endif()

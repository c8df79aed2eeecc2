# The last step of `cmake --install` (install(SCRIPT) in CMakeLists.txt), after the files
# are copied. Works with --prefix and with DESTDIR (a staged install for a package):
# every path written into a file is the final one, every file goes under $DESTDIR.
#   - bin/sumbench-sweep etc. and share/sumbench/runners/sweep.py etc.: relative links to
#     share/sumbench/python/entry.py, one for each row of the table of commands
#     (install(FILES) of a link would copy the link itself, dangling in the prefix);
#   - share/sumbench/python/sumbench/_installed.py: where bin/sumbench is, relative to
#     the package (sumbench.paths reads it);
#   - share/sumbench/slurm/*.sbatch: the share folder, since Slurm runs a copy of a batch
#     script and its own path says nothing;
#   - the package's bytecode, so that running from a prefix writes nothing there.
#   - share/modulefiles/sumbench/<version>: an environment module that puts bin on PATH.
# Input (install(CODE) before this script): SUMBENCH_BINDIR, SUMBENCH_SHAREDIR,
# SUMBENCH_MODULEDIR, SUMBENCH_DOCDIR, SUMBENCH_VERSION, SUMBENCH_COMMANDS
# (path=installed;...), SUMBENCH_PYTHON, SUMBENCH_SOURCE_DIR.
# Last, share/sumbench/installed-files.txt: what it wrote, for the next install's check.

cmake_policy(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/install_paths.cmake")
set(_written "")

if(_share MATCHES "'" OR _share MATCHES "\n")
  message(FATAL_ERROR "sumbench: the install folder ${_share} has a quote or a newline; "
                      "the Slurm scripts cannot name it: choose another --prefix")
endif()

# The commands (sumbench.commands): links to python/entry.py in bin and in share.
foreach(pair IN LISTS SUMBENCH_COMMANDS)
  _sumbench_command_links("${pair}")
  foreach(_final IN LISTS _links)
    set(_link "${_stage}${_final}")
    get_filename_component(_dir "${_link}" DIRECTORY)
    file(MAKE_DIRECTORY "${_dir}")
    message(STATUS "Installing: ${_link} -> ${_target_of_${_final}}")
    file(REMOVE "${_link}")
    file(CREATE_LINK "${_target_of_${_final}}" "${_link}" SYMBOLIC)
    list(APPEND _written "${_link}")
  endforeach()
endforeach()

# Where the binary is, for sumbench.paths.
set(_package "${_package_dir}")
set(_file "${_stage}${_installed_py_name}")
message(STATUS "Installing: ${_file}")
file(WRITE "${_file}" "${_installed_py_text}")
list(APPEND _written "${_file}")

# The Slurm scripts: their share folder, on the one line each leaves empty for it.
foreach(pair IN LISTS _sbatch_lines)
  string(REGEX REPLACE "=.*" "" _script "${pair}")
  string(REGEX REPLACE ".*=" "" _var "${pair}")
  set(_file "${_stage}${_share}/slurm/${_script}")
  file(READ "${_file}" _text)
  _sumbench_fill_sbatch(_text "${_var}" "${_text}")
  if(_text STREQUAL "")
    message(FATAL_ERROR "sumbench: ${_file} has no line ${_var}='' to fill in")
  endif()
  file(WRITE "${_file}" "${_text}")
  file(CHMOD "${_file}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
  message(STATUS "Installing: ${_file} (SUMBENCH_ROOT defaults to ${_share})")
endforeach()

# An environment module (Tcl; Lmod reads it too): module use <prefix>/share/modulefiles.
set(_file "${_stage}${_modulefile}")
message(STATUS "Installing: ${_file}")
file(WRITE "${_file}" "${_modulefile_text}")
list(APPEND _written "${_file}")

# Bytecode for the python that the build found (other pythons compile in memory: the
# entry scripts never write bytecode), of the package's own modules only.
if(SUMBENCH_PYTHON)
  set(_strip "")
  if(_stage)
    set(_strip -s "${_stage}" -p /)
  endif()
  file(GLOB_RECURSE _modules_py RELATIVE "${SUMBENCH_SOURCE_DIR}/python/sumbench"
       "${SUMBENCH_SOURCE_DIR}/python/sumbench/*.py")
  list(APPEND _modules_py _installed.py)
  list(TRANSFORM _modules_py PREPEND "${_stage}${_package}/")
  execute_process(COMMAND "${SUMBENCH_PYTHON}" -m compileall -q ${_strip} ${_modules_py}
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(WARNING "sumbench: compiling the package's bytecode failed (${_rc}); it runs without")
  endif()
  file(GLOB_RECURSE _pyc "${_stage}${_package}/*.pyc")
  foreach(_p IN LISTS _pyc)   # __pycache__/NAME.cpython-XY.pyc of a module of ours
    get_filename_component(_dir "${_p}" DIRECTORY)
    get_filename_component(_dir "${_dir}" DIRECTORY)
    get_filename_component(_name "${_p}" NAME)
    string(REGEX REPLACE "\\..*" ".py" _name "${_name}")
    if("${_dir}/${_name}" IN_LIST _modules_py)
      list(APPEND _written "${_p}")
    endif()
  endforeach()
endif()

# `cmake --install` lists what it wrote in install_manifest.txt: these too.
list(APPEND CMAKE_INSTALL_MANIFEST_FILES ${_written})

# The record for the next install's check (install_check.cmake): every file this install
# wrote, with its hash (a link: its target), under the prefix.
set(_lines "# sumbench install record (${SUMBENCH_VERSION}): <sha256 or link:TARGET> <path under the prefix>\n")
list(REMOVE_DUPLICATES CMAKE_INSTALL_MANIFEST_FILES)
string(LENGTH "${_stage}" _n)
foreach(_p IN LISTS CMAKE_INSTALL_MANIFEST_FILES)
  if(IS_SYMLINK "${_p}")
    file(READ_SYMLINK "${_p}" _t)
    set(_have "link:${_t}")
  elseif(EXISTS "${_p}" AND NOT IS_DIRECTORY "${_p}")
    file(SHA256 "${_p}" _have)
  else()
    continue()
  endif()
  string(SUBSTRING "${_p}" ${_n} -1 _final)
  file(RELATIVE_PATH _rel "${CMAKE_INSTALL_PREFIX}" "${_final}")
  if(_rel MATCHES "^\\.\\./")
    set(_rel "${_final}")
  endif()
  string(APPEND _lines "${_have} ${_rel}\n")
endforeach()
message(STATUS "Installing: ${_stage}${_record}")
file(WRITE "${_stage}${_record}" "${_lines}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_stage}${_record}")

# The last step of `cmake --install` (install(SCRIPT) in CMakeLists.txt), after the files
# are copied. Works with --prefix and with DESTDIR (a staged install for a package):
# every path written into a file is the final one, every file goes under $DESTDIR.
#   - bin/sumbench-sweep etc.: relative links to share/sumbench/python/<script>.py
#     (install(FILES) of a link would copy the link itself, dangling in the prefix);
#   - share/sumbench/python/sumbench/_installed.py: where bin/sumbench is, relative to
#     the package (sumbench.paths reads it);
#   - share/sumbench/slurm/*.sbatch: the share folder, since Slurm runs a copy of a batch
#     script and its own path says nothing;
#   - the package's bytecode, so that running from a prefix writes nothing there.
#   - share/modulefiles/sumbench/<version>: an environment module that puts bin on PATH.
# Input (install(CODE) before this script): SUMBENCH_BINDIR, SUMBENCH_SHAREDIR,
# SUMBENCH_MODULEDIR, SUMBENCH_DOCDIR, SUMBENCH_VERSION, SUMBENCH_COMMANDS
# (script.py=command;...), SUMBENCH_PYTHON.

function(_sumbench_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

_sumbench_full(_bin "${SUMBENCH_BINDIR}")
_sumbench_full(_share "${SUMBENCH_SHAREDIR}")
_sumbench_full(SUMBENCH_DOCDIR_FULL "${SUMBENCH_DOCDIR}")
set(_stage "$ENV{DESTDIR}")
set(_written "")

if(_share MATCHES "'" OR _share MATCHES "\n")
  message(FATAL_ERROR "sumbench: the install folder ${_share} has a quote or a newline; "
                      "the Slurm scripts cannot name it: choose another --prefix")
endif()

# The commands in bin.
file(MAKE_DIRECTORY "${_stage}${_bin}")
foreach(pair IN LISTS SUMBENCH_COMMANDS)
  string(REGEX REPLACE "=.*" "" _script "${pair}")
  string(REGEX REPLACE ".*=" "" _command "${pair}")
  file(RELATIVE_PATH _target "${_bin}" "${_share}/python/${_script}")
  set(_link "${_stage}${_bin}/${_command}")
  message(STATUS "Installing: ${_link} -> ${_target}")
  file(REMOVE "${_link}")
  file(CREATE_LINK "${_target}" "${_link}" SYMBOLIC)
  list(APPEND _written "${_link}")
endforeach()

# Where the binary is, for sumbench.paths.
set(_package "${_share}/python/sumbench")
file(RELATIVE_PATH _binary "${_package}" "${_bin}/sumbench")
set(_file "${_stage}${_package}/_installed.py")
message(STATUS "Installing: ${_file}")
file(WRITE "${_file}" "\"\"\"Written by cmake --install: this installation's sumbench binary, \
relative to this package (sumbench.paths).\"\"\"\nBINARY = \"${_binary}\"\n")
list(APPEND _written "${_file}")

# The Slurm scripts: their share folder, on the one line each leaves empty for it.
foreach(pair "sumbench.sbatch=SB_INSTALLED_SHARE" "combine.sbatch=CB_INSTALLED_SHARE")
  string(REGEX REPLACE "=.*" "" _script "${pair}")
  string(REGEX REPLACE ".*=" "" _var "${pair}")
  set(_file "${_stage}${_share}/slurm/${_script}")
  file(READ "${_file}" _text)
  # '' as shipped; a path when the copy was already filled in (a reinstall it left alone)
  set(_line "\n${_var}='[^'\n]*'\n")
  if(NOT _text MATCHES "${_line}")
    message(FATAL_ERROR "sumbench: ${_file} has no line ${_var}='' to fill in")
  endif()
  string(REGEX REPLACE "${_line}" "\n${_var}='${_share}'\n" _text "${_text}")
  file(WRITE "${_file}" "${_text}")
  file(CHMOD "${_file}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
  message(STATUS "Installing: ${_file} (SUMBENCH_ROOT defaults to ${_share})")
endforeach()

# An environment module (Tcl; Lmod reads it too): module use <prefix>/share/modulefiles.
_sumbench_full(_modules "${SUMBENCH_MODULEDIR}")
set(_file "${_stage}${_modules}/sumbench/${SUMBENCH_VERSION}")
message(STATUS "Installing: ${_file}")
file(WRITE "${_file}" "#%Module1.0
## sumbench ${SUMBENCH_VERSION}, installed by cmake --install (docs: ${SUMBENCH_DOCDIR_FULL})
module-whatis \"sumbench ${SUMBENCH_VERSION}: threads, processes and a GIL on the same CPU work\"
prepend-path PATH {${_bin}}
")
list(APPEND _written "${_file}")

# Bytecode for the python that the build found (other pythons compile in memory: the
# entry scripts never write bytecode).
if(SUMBENCH_PYTHON)
  set(_strip "")
  if(_stage)
    set(_strip -s "${_stage}" -p /)
  endif()
  execute_process(COMMAND "${SUMBENCH_PYTHON}" -m compileall -q ${_strip} "${_stage}${_share}/python/sumbench"
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(WARNING "sumbench: compiling the package's bytecode failed (${_rc}); it runs without")
  endif()
  file(GLOB_RECURSE _pyc "${_stage}${_package}/*.pyc")
  list(APPEND _written ${_pyc})
endif()

# `cmake --install` lists what it wrote in install_manifest.txt: these too.
list(APPEND CMAKE_INSTALL_MANIFEST_FILES ${_written})

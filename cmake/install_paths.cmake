# The paths of an installation, for install_check.cmake and install_finish.cmake (both
# run inside `cmake --install`): full paths under the final prefix; every file goes under
# _stage ($DESTDIR) in front of them.
# A relative --prefix is taken from the current folder, as CMake's own rules take it;
# made absolute here (for the rules after this one too), since the links, _installed.py
# and the Slurm scripts need full paths to compute from.
get_filename_component(CMAKE_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
function(_sumbench_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

_sumbench_full(_bin "${SUMBENCH_BINDIR}")
_sumbench_full(_share "${SUMBENCH_SHAREDIR}")
_sumbench_full(_doc "${SUMBENCH_DOCDIR}")
_sumbench_full(_modules "${SUMBENCH_MODULEDIR}")
_sumbench_full(_include "${SUMBENCH_INCLUDEDIR}")
_sumbench_full(_lib "${SUMBENCH_LIBDIR}")
_sumbench_full(_cmake "${SUMBENCH_CMAKEDIR}")
set(_package_dir "${_share}/python/sumbench")
set(_modulefile "${_modules}/sumbench/${SUMBENCH_VERSION}")
# what an install wrote, for the next one's check
set(_record "${_share}/installed-files.txt")
set(_stage "$ENV{DESTDIR}")
# The files install_finish.cmake writes, as text (install_check.cmake compares with them).
set(_installed_py_name "${_package_dir}/_installed.py")
file(RELATIVE_PATH _binary_rel "${_package_dir}" "${_bin}/sumbench")
set(_installed_py_text "\"\"\"Written by cmake --install: this installation's sumbench binary, \
relative to this package, and its version (sumbench.paths).\"\"\"\nBINARY = \"${_binary_rel}\"\n\
VERSION = \"${SUMBENCH_VERSION}\"\n")
# The links of one command, from its row PATH=INSTALLED of the table of commands
# (SUMBENCH_COMMANDS, from sumbench.commands): _links, the full paths of share/PATH and
# of bin/INSTALLED (when it has one), and _target_of_<link>, each one's relative target.
macro(_sumbench_command_links pair)
  string(REGEX REPLACE "=.*" "" _path "${pair}")
  string(REGEX REPLACE ".*=" "" _installed "${pair}")
  set(_links "${_share}/${_path}")
  if(_installed)
    list(APPEND _links "${_bin}/${_installed}")
  endif()
  foreach(_l IN LISTS _links)
    get_filename_component(_d "${_l}" DIRECTORY)
    file(RELATIVE_PATH "_target_of_${_l}" "${_d}" "${_share}/python/entry.py")
  endforeach()
endmacro()
set(_installed_commands sumbench)
foreach(pair IN LISTS SUMBENCH_COMMANDS)
  string(REGEX REPLACE ".*=" "" _installed "${pair}")
  if(_installed)
    list(APPEND _installed_commands "${_installed}")
  endif()
endforeach()
list(JOIN _installed_commands ", " _installed_commands)
# The modulefile: `module help sumbench` (ModulesHelp), one sumbench at a time (conflict),
# SUMBENCH_ROOT (the installation's share/sumbench, as the Slurm scripts read it), bin on PATH.
set(_modulefile_text "#%Module1.0
## sumbench ${SUMBENCH_VERSION}, installed by cmake --install (docs: ${_doc})
proc ModulesHelp {} {
    puts stderr {sumbench ${SUMBENCH_VERSION}: what threads, processes and a GIL-like lock do to the same CPU work.}
    puts stderr {Commands: ${_installed_commands}; each takes --help and --version.}
    puts stderr {Sets SUMBENCH_ROOT=${_share} and puts ${_bin} on PATH. Docs: ${_doc}/README.md}
}
module-whatis \"sumbench ${SUMBENCH_VERSION}: threads, processes and a GIL on the same CPU work\"
conflict sumbench
setenv SUMBENCH_ROOT {${_share}}
prepend-path PATH {${_bin}}
")
# the Slurm scripts, each with the one line it leaves empty for the share folder
set(_sbatch_lines "sumbench.sbatch=SB_INSTALLED_SHARE" "combine.sbatch=CB_INSTALLED_SHARE")
# out: the script's text `text` with its share line filled in; "" when it has no such line
function(_sumbench_fill_sbatch out var text)
  set(_line "\n${var}='[^'\n]*'\n")   # '' as shipped; a path when filled in before
  if(NOT text MATCHES "${_line}")
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  string(REGEX REPLACE "${_line}" "\n${var}='${_share}'\n" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

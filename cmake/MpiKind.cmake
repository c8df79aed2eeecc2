# sumbench_mpi_kind(OUT USER_GAVE_MPIEXEC): after find_package(MPI) with
# MPI_DETERMINE_LIBRARY_VERSION, sets OUT to the kind of MPI found (openmpi, mpich or
# unknown, by sumbench's rule: driver/world.cpp mpi_kind) and makes MPIEXEC_EXECUTABLE that
# MPI's own launcher. FindMPI keeps the default mpiexec (Open MPI's, through Debian's
# alternatives) when MPICH's wrappers are chosen (-DMPI_CXX_COMPILER=mpicxx.mpich); that
# mpiexec would start N singletons of an MPICH binary and exit 0. A -DMPIEXEC_EXECUTABLE the
# user gave is kept (with a warning when it is another MPI's).
# Also sets SUMBENCH_MPI_LIBRARY (the library's first line) and SUMBENCH_MPIEXEC_HOW.
function(sumbench_mpi_kind out user_gave)
  string(REGEX REPLACE "[\n,].*" "" _first "${MPI_CXX_LIBRARY_VERSION_STRING}")
  string(REGEX REPLACE "[ \t]+" " " _first "${_first}")
  set(_kind unknown)
  set(_says "")
  if(MPI_CXX_LIBRARY_VERSION_STRING MATCHES "Open ?MPI")
    set(_kind openmpi)
    set(_want mpiexec.openmpi mpirun.openmpi orterun)
    set(_says "Open ?(MPI|RTE)")
  elseif(MPI_CXX_LIBRARY_VERSION_STRING MATCHES "MPICH|Intel\\(R\\) MPI|MVAPICH")
    set(_kind mpich)
    set(_want mpiexec.mpich mpiexec.hydra mpirun.mpich)
    set(_says "HYDRA")
  endif()
  set(_how "")
  execute_process(COMMAND "${MPIEXEC_EXECUTABLE}" --version OUTPUT_VARIABLE _v ERROR_VARIABLE _e
                  TIMEOUT 20 RESULT_VARIABLE _rc)
  if(_says AND NOT "${_v}${_e}" MATCHES "${_says}")
    if(user_gave)
      message(WARNING "MPIEXEC_EXECUTABLE=${MPIEXEC_EXECUTABLE} is not the launcher of ${_first}: "
                      "it would start each rank of sumbench alone (the MPI tests then fail)")
      set(_how " (given; not ${_kind}'s own)")
    else()
      get_filename_component(_dir "${MPI_CXX_COMPILER}" DIRECTORY)
      find_program(_found NAMES ${_want} HINTS "${_dir}" NO_CACHE)
      if(_found)
        set(MPIEXEC_EXECUTABLE "${_found}" CACHE FILEPATH "Executable for running MPI programs." FORCE)
        set(MPIEXEC_EXECUTABLE "${_found}" PARENT_SCOPE)
        set(_how " (${_kind}'s own launcher, for ${_first})")
      else()
        message(WARNING "no launcher of ${_first} (${_want}) found; MPIEXEC_EXECUTABLE stays "
                        "${MPIEXEC_EXECUTABLE}: pass -DMPIEXEC_EXECUTABLE=PATH")
      endif()
    endif()
  endif()
  set(SUMBENCH_MPIEXEC_CHOSEN "${MPIEXEC_EXECUTABLE}" CACHE INTERNAL "the mpiexec sumbench chose or kept")
  if(_found)
    set(SUMBENCH_MPIEXEC_CHOSEN "${_found}" CACHE INTERNAL "the mpiexec sumbench chose or kept")
  endif()
  set(${out} ${_kind} PARENT_SCOPE)
  set(SUMBENCH_MPI_LIBRARY "${_first}" PARENT_SCOPE)
  set(SUMBENCH_MPIEXEC_HOW "${_how}" PARENT_SCOPE)
endfunction()

# The bare-metal GCC a board's toolchain file selects (boards/<board>/toolchain.cmake): Debian's
# <triple>-gcc from the PATH, and the objcopy beside it, become the C and assembler compilers
# and CMAKE_OBJCOPY; a missing one stops the configure with the packages to install.
#   wasmcu_cross_gcc(<cache var prefix> <triple> <board> <what> <gcc packages> <binutils package>)
# Results are cached in <prefix>_GCC and <prefix>_OBJCOPY.
macro(wasmcu_cross_gcc var triple board what packages binutils)
  set(CMAKE_SYSTEM_NAME Generic)
  find_program(${var}_GCC ${triple}-gcc)
  if(NOT ${var}_GCC)
    message(FATAL_ERROR
      "${triple}-gcc not found: the ${board} board is built with ${what}.\n"
      "  Debian/Ubuntu: apt-get install ${packages}\n"
      "  (scripts/apt-packages.txt lists every package the project needs).")
  endif()
  get_filename_component(_wasmcu_cross_bin "${${var}_GCC}" DIRECTORY)
  find_program(${var}_OBJCOPY ${triple}-objcopy HINTS "${_wasmcu_cross_bin}")
  if(NOT ${var}_OBJCOPY)
    message(FATAL_ERROR "${triple}-objcopy not found next to ${${var}_GCC} (package ${binutils})")
  endif()

  set(CMAKE_C_COMPILER "${${var}_GCC}")
  set(CMAKE_ASM_COMPILER "${${var}_GCC}")
  set(CMAKE_OBJCOPY "${${var}_OBJCOPY}" CACHE FILEPATH "objcopy for the ${board} images")
  # No host linking in compiler checks: there is no C runtime start-up until ours is linked.
  set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
endmacro()

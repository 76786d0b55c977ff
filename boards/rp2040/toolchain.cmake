# Cross compiler for the RP2040 (Cortex-M0+): Debian's arm-none-eabi-gcc with newlib-nano.
# Selected by the root CMakeLists.txt for -DWASMCU_BOARD=rp2040.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m0plus)

find_program(WASMCU_ARM_GCC arm-none-eabi-gcc)
if(NOT WASMCU_ARM_GCC)
  message(FATAL_ERROR
    "arm-none-eabi-gcc not found: the rp2040 board is built with the Arm bare-metal toolchain.\n"
    "  Debian/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi\n"
    "  (scripts/apt-packages.txt lists every package the project needs).")
endif()
get_filename_component(_wasmcu_arm_bin "${WASMCU_ARM_GCC}" DIRECTORY)
find_program(WASMCU_ARM_OBJCOPY arm-none-eabi-objcopy HINTS "${_wasmcu_arm_bin}")
if(NOT WASMCU_ARM_OBJCOPY)
  message(FATAL_ERROR "arm-none-eabi-objcopy not found next to ${WASMCU_ARM_GCC} (package binutils-arm-none-eabi)")
endif()

set(CMAKE_C_COMPILER "${WASMCU_ARM_GCC}")
set(CMAKE_ASM_COMPILER "${WASMCU_ARM_GCC}")
set(CMAKE_OBJCOPY "${WASMCU_ARM_OBJCOPY}" CACHE FILEPATH "objcopy for the rp2040 images")
# No host linking in compiler checks: there is no C runtime start-up until ours is linked.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m0plus -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-mcpu=cortex-m0plus -mthumb")
# Release: CMake adds its -O3 -DNDEBUG after this, so every rp2040 cycle figure is -O3
# (the interpreter and kernels are measured in cycles); -g costs no flash.
set(CMAKE_C_FLAGS_RELEASE_INIT "-g")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-mcpu=cortex-m0plus -mthumb --specs=nano.specs --specs=nosys.specs -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# Cross compiler for the RP2040 (Cortex-M0+): Debian's arm-none-eabi-gcc with newlib-nano.
# Selected by the root CMakeLists.txt for -DWASMCU_BOARD=rp2040.
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/cross-gcc.cmake")
wasmcu_cross_gcc(WASMCU_ARM arm-none-eabi rp2040 "the Arm bare-metal toolchain"
                 "gcc-arm-none-eabi libnewlib-arm-none-eabi" binutils-arm-none-eabi)
set(CMAKE_SYSTEM_PROCESSOR cortex-m0plus)

set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m0plus -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-mcpu=cortex-m0plus -mthumb")
# Release: CMake adds its -O3 -DNDEBUG after this, so every rp2040 cycle figure is -O3
# (the interpreter and kernels are measured in cycles); -g costs no flash.
set(CMAKE_C_FLAGS_RELEASE_INIT "-g")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-mcpu=cortex-m0plus -mthumb --specs=nano.specs --specs=nosys.specs -nostartfiles -Wl,--gc-sections")

# Cross compiler for the ESP32-C3 (RV32IMC): Debian's riscv64-unknown-elf-gcc with picolibc.
# Selected by the root CMakeLists.txt for -DWASMCU_BOARD=esp32c3.
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/cross-gcc.cmake")
wasmcu_cross_gcc(WASMCU_RISCV riscv64-unknown-elf esp32c3 "the RISC-V bare-metal toolchain"
                 "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" binutils-riscv64-unknown-elf)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

# Compile with Zicsr (the CSR instructions of start-up, interrupts and the cycle counter);
# link with plain rv32imc: GCC 12 chooses the multilib from the link's -march, and only
# "rv32imc" maps to picolibc's rv32im build (no atomics: the C3 has no A extension).
set(CMAKE_C_FLAGS_INIT "-march=rv32imc_zicsr -mabi=ilp32 --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-march=rv32imc_zicsr -mabi=ilp32")
set(CMAKE_C_FLAGS_RELEASE_INIT "-g")
# --specs=picolibc.specs comes with the C flags, which CMake puts on the link line too.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-march=rv32imc -mabi=ilp32 -nostartfiles -Wl,--gc-sections")

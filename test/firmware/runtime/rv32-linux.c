/*
 * picolibc's system interface over Linux rv32 system calls, for wasmcu-vm built
 * with riscv64-unknown-elf-gcc -march=rv32imc and run by qemu-riscv32 (user
 * mode): the same runtime code as the esp32c3 firmware, checked against the
 * spec suite. Test-only: the firmware itself has no system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio-bufio.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

/* Linux's generic syscall numbers (asm-generic/unistd.h); rv32 has only 64-bit time calls. */
enum {
    SYS_CLOSE = 57,
    SYS_LSEEK = 62,
    SYS_READ = 63,
    SYS_WRITE = 64,
    SYS_EXIT_GROUP = 94,
    SYS_BRK = 214,
    SYS_OPENAT = 56,
    SYS_CLOCK_GETTIME64 = 403,
};
#define AT_FDCWD_LINUX (-100)

static long sys3(long n, long a, long b, long c)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

static long sys4(long n, long a, long b, long c, long d)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a7) : "memory");
    return a0;
}

/* A negative result in -4095..-1 is -errno. */
static long ret(long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
    return ret(sys3(SYS_READ, fd, (long)buf, (long)n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
    return ret(sys3(SYS_WRITE, fd, (long)buf, (long)n));
}

int close(int fd)
{
    return (int)ret(sys3(SYS_CLOSE, fd, 0, 0));
}

off_t lseek(int fd, off_t off, int whence)
{
    return ret(sys3(SYS_LSEEK, fd, (long)off, whence));
}

/* picolibc's O_* flags are newlib's; only read-only opens are needed (module files). */
int open(const char *path, int flags, ...)
{
    if ((flags & O_ACCMODE) != O_RDONLY) {
        errno = EACCES;
        return -1;
    }
    return (int)ret(sys4(SYS_OPENAT, AT_FDCWD_LINUX, (long)path, 0, 0));
}

int fstat(int fd, struct stat *st);
int fstat(int fd, struct stat *st)
{
    (void)fd;
    (void)st;
    errno = ENOSYS;
    return -1;
}

void _exit(int code)
{
    for (;;) {
        sys3(SYS_EXIT_GROUP, code, 0, 0);
    }
}

void *sbrk(ptrdiff_t incr)
{
    static uintptr_t cur;
    if (cur == 0) {
        cur = (uintptr_t)sys3(SYS_BRK, 0, 0, 0);
    }
    uintptr_t want = cur + (uintptr_t)incr;
    if ((uintptr_t)sys3(SYS_BRK, (long)want, 0, 0) != want) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t prev = cur;
    cur = want;
    return (void *)prev;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    int64_t ts[2] = { 0, 0 }; /* struct __kernel_timespec: 64-bit seconds, 64-bit nanoseconds */
    if (ret(sys3(SYS_CLOCK_GETTIME64, 0 /* CLOCK_REALTIME */, (long)ts, 0)) < 0) {
        return -1;
    }
    if (tv != NULL) {
        tv->tv_sec = (time_t)ts[0];
        tv->tv_usec = (suseconds_t)(ts[1] / 1000);
    }
    return 0;
}

/* The standard streams, buffered over file descriptors 0..2; stdout and stderr by line, as
 * the REPL's answers must reach the runner before it sends the next command. */
static char in_buf[512], out_buf[512], err_buf[128];
static struct __file_bufio in_file = FDEV_SETUP_BUFIO(0, in_buf, sizeof in_buf, read, write, lseek, close, __SRD, 0);
static struct __file_bufio out_file =
    FDEV_SETUP_BUFIO(1, out_buf, sizeof out_buf, read, write, lseek, close, __SWR, __BLBF);
static struct __file_bufio err_file =
    FDEV_SETUP_BUFIO(2, err_buf, sizeof err_buf, read, write, lseek, close, __SWR, __BLBF);
FILE *const stdin = &in_file.xfile.cfile.file;
FILE *const stdout = &out_file.xfile.cfile.file;
FILE *const stderr = &err_file.xfile.cfile.file;

/* picolibc keeps errno in thread-local storage (local-exec: tp + offset); its TLS is a few
 * bytes of .tbss, no .tdata, so a zeroed block is the whole initial image. */
__attribute__((used, aligned(16))) static uint32_t tls_block[64];

/* The kernel's initial stack: argc, then argv[]. gp for linker relaxation, tp, then main. */
int main(int argc, char **argv);
__attribute__((naked, noreturn, section(".text.start"))) void _start(void);
void _start(void)
{
    __asm__ volatile(".option push\n"
                     ".option norelax\n"
                     "la gp, __global_pointer$\n"
                     ".option pop\n"
                     "la tp, tls_block\n"
                     "lw a0, 0(sp)\n"
                     "addi a1, sp, 4\n"
                     "andi sp, sp, -16\n"
                     "call rv32_linux_main\n");
}

__attribute__((noreturn, used)) void rv32_linux_main(int argc, char **argv);
void rv32_linux_main(int argc, char **argv)
{
    int code = main(argc, argv);
    fflush(stdout);
    _exit(code);
}

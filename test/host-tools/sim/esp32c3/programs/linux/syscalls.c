/* The picolibc back end over Linux system calls (rv32 numbers) for running a freestanding
 * build as a Linux-user-ABI process, under qemu-riscv32 or esp32c3-sim's Linux-user machine:
 * POSIX read/write/open (read-only: picolibc's O_* values are not Linux's beyond the access
 * mode)/close/lseek/_exit, gettimeofday, and buffered stdin/stdout/stderr. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static long sys5(long n, long a, long b, long c, long d, long e)
{
    register long a0 __asm__("a0") = a, a1 __asm__("a1") = b, a2 __asm__("a2") = c, a3 __asm__("a3") = d,
                     a4 __asm__("a4") = e;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a7) : "memory");
    return a0;
}
static long sys(long n, long a, long b, long c, long d)
{
    return sys5(n, a, b, c, d, 0);
}

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
    return ret(sys(63, fd, (long)buf, (long)n, 0));
}
ssize_t write(int fd, const void *buf, size_t n)
{
    return ret(sys(64, fd, (long)buf, (long)n, 0));
}
int close(int fd)
{
    return (int)ret(sys(57, fd, 0, 0, 0));
}
off_t lseek(int fd, off_t off, int whence)
{
    long long at; /* rv32 Linux has only _llseek (62): offset as high and low words, result by pointer */
    long r = ret(sys5(62, fd, (long)((long long)off >> 32), (long)off, (long)&at, whence));
    return r < 0 ? (off_t)-1 : (off_t)at;
}
void _exit(int code)
{
    sys(94, code, 0, 0, 0);
    for (;;) {
    }
}
int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return (int)ret(sys(56, -100 /* AT_FDCWD */, (long)path, flags, mode));
}
int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    long long ts[2];
    long r = sys(403 /* clock_gettime64 */, 0 /* CLOCK_REALTIME */, (long)ts, 0, 0);
    if (r < 0) return (int)ret(r);
    tv->tv_sec = (time_t)ts[0];
    tv->tv_usec = (suseconds_t)(ts[1] / 1000);
    return 0;
}

/* stdout/stderr collect a line before the system call; stdin reads ahead up to a line. */
struct line {
    int fd;
    int n;
    char buf[512];
};
static struct line out1 = { 1, 0, { 0 } }, out2 = { 2, 0, { 0 } };
static int flush_line(struct line *l)
{
    int r = l->n ? (int)write(l->fd, l->buf, (size_t)l->n) : 0;
    l->n = 0;
    return r < 0 ? -1 : 0;
}
static int put1(char c, FILE *f)
{
    (void)f;
    out1.buf[out1.n++] = c;
    if (c == '\n' || out1.n == (int)sizeof out1.buf) flush_line(&out1);
    return (unsigned char)c;
}
static int put2(char c, FILE *f)
{
    (void)f;
    out2.buf[out2.n++] = c;
    if (c == '\n' || out2.n == (int)sizeof out2.buf) flush_line(&out2);
    return (unsigned char)c;
}
static int flush1(FILE *f)
{
    (void)f;
    return flush_line(&out1);
}
static int flush2(FILE *f)
{
    (void)f;
    return flush_line(&out2);
}
static char inbuf[4096];
static int inpos, inlen;
static int get0(FILE *f)
{
    (void)f;
    if (inpos == inlen) {
        flush_line(&out1);
        long r = read(0, inbuf, sizeof inbuf);
        if (r <= 0) return EOF;
        inpos = 0;
        inlen = (int)r;
    }
    return (unsigned char)inbuf[inpos++];
}
static FILE f_in = FDEV_SETUP_STREAM(NULL, get0, NULL, _FDEV_SETUP_READ);
static FILE f_out = FDEV_SETUP_STREAM(put1, NULL, flush1, _FDEV_SETUP_WRITE);
static FILE f_err = FDEV_SETUP_STREAM(put2, NULL, flush2, _FDEV_SETUP_WRITE);
FILE *const stdin = &f_in;
FILE *const stdout = &f_out;
FILE *const stderr = &f_err;

/* exit() runs these: what is buffered goes out. */
static void __attribute__((destructor)) flush_all(void)
{
    flush_line(&out1);
    flush_line(&out2);
}

#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdio.h>
#include <errno.h>
#include "CIngestSystem.h"

ssize_t ingest_copy_file_range(int input, int64_t *input_offset, int output, int64_t *output_offset, size_t length) {
    loff_t in = input_offset ? (loff_t)*input_offset : 0;
    loff_t out = output_offset ? (loff_t)*output_offset : 0;
    ssize_t copied = syscall(SYS_copy_file_range, input, input_offset ? &in : NULL, output, output_offset ? &out : NULL, length, 0);
    if (input_offset) *input_offset = in;
    if (output_offset) *output_offset = out;
    return copied;
}

int ingest_open_tmpfile(const char *directory, int mode) {
    return open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
}

int ingest_link_tmpfile(int descriptor, const char *path) {
    char procPath[64];
    snprintf(procPath, sizeof procPath, "/proc/self/fd/%d", descriptor);
    return linkat(AT_FDCWD, procPath, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

/* 1 while linkat(AT_EMPTY_PATH) may work, 0 once the kernel has refused it. */
static int emptyPathLinks = 1;

int ingest_link_tmpfile_at(int descriptor, int directory, const char *name) {
    if (__atomic_load_n(&emptyPathLinks, __ATOMIC_RELAXED)) {
        if (linkat(descriptor, "", directory, name, AT_EMPTY_PATH) == 0) return 0;
        if (errno != ENOENT && errno != EPERM && errno != EINVAL) return -1;
        /* Refused for want of the capability (or unknown flag): or did `name`'s directory vanish?
           The /proc form below answers the same then, so nothing is lost by asking it. */
        int saved = errno;
        char procPath[64];
        snprintf(procPath, sizeof procPath, "/proc/self/fd/%d", descriptor);
        int result = linkat(AT_FDCWD, procPath, directory, name, AT_SYMLINK_FOLLOW);
        if (result == 0) __atomic_store_n(&emptyPathLinks, 0, __ATOMIC_RELAXED);
        else if (errno == ENOENT) errno = saved;
        return result;
    }
    char procPath[64];
    snprintf(procPath, sizeof procPath, "/proc/self/fd/%d", descriptor);
    return linkat(AT_FDCWD, procPath, directory, name, AT_SYMLINK_FOLLOW);
}

int ingest_open_tmpfile_at(int directory, int mode) {
    return openat(directory, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
}

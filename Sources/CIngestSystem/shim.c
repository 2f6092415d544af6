#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdio.h>
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

#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include "CIngestSystem.h"

ssize_t ingest_copy_file_range(int input, int64_t *input_offset, int output, int64_t *output_offset, size_t length) {
    loff_t in = input_offset ? (loff_t)*input_offset : 0;
    loff_t out = output_offset ? (loff_t)*output_offset : 0;
    ssize_t copied = syscall(SYS_copy_file_range, input, input_offset ? &in : NULL, output, output_offset ? &out : NULL, length, 0);
    if (input_offset) *input_offset = in;
    if (output_offset) *output_offset = out;
    return copied;
}

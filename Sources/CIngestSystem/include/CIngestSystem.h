#ifndef C_INGEST_SYSTEM_H
#define C_INGEST_SYSTEM_H

#include <sys/types.h>
#include <stdint.h>

/// copy_file_range(2): an in-kernel copy between two files, which Swift's Glibc module does not
/// export. Returns the bytes copied, 0 at end of input, or -1 with errno set (ENOSYS, EXDEV and
/// EINVAL mean "fall back to read and write").
ssize_t ingest_copy_file_range(int input, int64_t *input_offset, int output, int64_t *output_offset, size_t length);

/// open(2) with O_TMPFILE: an unnamed file in `directory`, which `ingest_link_tmpfile` gives a name
/// once it is complete, so a half-written file never appears under any name. Returns -1 with errno
/// set (EOPNOTSUPP, EISDIR or EINVAL: the file system cannot; fall back to a temporary name).
int ingest_open_tmpfile(const char *directory, int mode);

/// The same in the directory open as `directory` (no path walk).
int ingest_open_tmpfile_at(int directory, int mode);

/// Names an O_TMPFILE file (linkat through /proc/self/fd). Fails with EEXIST if `path` exists.
int ingest_link_tmpfile(int descriptor, const char *path);

/// Names an O_TMPFILE file `name` in the directory open as `directory`. Tries linkat with
/// AT_EMPTY_PATH first, which needs no path walk through /proc (about a third of a small copy's
/// kernel time); where the kernel refuses it (without CAP_DAC_READ_SEARCH it fails with ENOENT) it
/// remembers that and links through /proc/self/fd from then on. Fails with EEXIST if `name` exists.
int ingest_link_tmpfile_at(int descriptor, int directory, const char *name);

#endif

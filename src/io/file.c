/*
 * file.c: the only place the I/O module touches the file system.
 *
 * Reading takes a whole file into memory (the readers decode buffers).
 * Writing is atomic: the bytes go to a fresh temporary file beside the target
 * (same folder, hence same file system), which is flushed to disk and then
 * renamed over the target. rename() replaces a file in one step, so a reader
 * sees the old file or the new one, never half of one; on any failure the
 * temporary file is removed and the target is untouched.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

static bool read_all(FILE *f, unsigned char **bytes, size_t *len)
{
    size_t cap = 1 << 16;
    *len = 0;
    *bytes = malloc(cap);
    while (*bytes != NULL) {
        *len += fread(*bytes + *len, 1, cap - *len, f);
        if (*len < cap)
            return !ferror(f);
        unsigned char *grown = cap <= SIZE_MAX / 2 ? realloc(*bytes, cap * 2) : NULL;
        if (grown == NULL)
            break;
        *bytes = grown;
        cap *= 2;
    }
    errno = ENOMEM;
    return false;
}

bool wh__file_read(const char *path, unsigned char **bytes, size_t *len, wh__io_error *err)
{
    *bytes = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return wh__io_fail(err, "cannot open: %s", strerror(errno));
    bool ok = read_all(f, bytes, len);
    if (!ok) {
        wh__io_fail(err, "cannot read: %s", strerror(errno));
        free(*bytes);
        *bytes = NULL;
    }
    fclose(f);
    return ok;
}

static bool write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* "<dir>/.<name>.XXXXXX": hidden, beside the target. */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const size_t dir = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    const size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (tmp != NULL)
        snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dir, path, path + dir);
    return tmp;
}

/*
 * After the rename, flush the folder too: until its entry is on disk a power
 * cut may bring back the old file (or none), which matters for checkpoints.
 * Best effort: some file systems refuse fsync on a folder, and the data
 * itself is already safe.
 */
static void sync_folder(const char *tmp)
{
    const char *slash = strrchr(tmp, '/');
    char *dir = slash == NULL ? NULL : malloc((size_t)(slash - tmp) + 2);
    if (slash != NULL && dir == NULL)
        return;
    if (dir != NULL)
        snprintf(dir, (size_t)(slash - tmp) + 2, "%.*s", (int)(slash - tmp + 1), tmp);
    const int fd = open(dir != NULL ? dir : ".", O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* mkstemp() creates mode 0600; give the file the mode open() would have. */
static void usual_mode(int fd)
{
    const mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
}

bool wh__file_write_atomic(const char *path, const wh__buf *buf, wh__io_error *err)
{
    char *tmp = temp_name(path);
    if (tmp == NULL)
        return wh__io_fail(err, "out of memory");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        wh__io_fail(err, "cannot create a temporary file beside it: %s", strerror(errno));
        free(tmp);
        return false;
    }
    usual_mode(fd);
    bool ok = write_all(fd, buf->data, buf->len) && fsync(fd) == 0;
    int saved = ok ? 0 : errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        wh__io_fail(err, "cannot write: %s", strerror(saved));
        unlink(tmp);
    } else {
        sync_folder(tmp);
    }
    free(tmp);
    return ok;
}

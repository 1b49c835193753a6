/*
 * file.c: the only place the I/O module touches the file system.
 *
 * Reading takes a whole file into memory (the readers decode buffers).
 * Writing is atomic, and every output of the tool goes through the one writer
 * below (wh__file_out_*): the bytes go to a temporary file created exclusively
 * (mkstemp: O_CREAT | O_EXCL, a fresh random name, mode 0600 until it is done)
 * beside the target (same folder, hence same file system), which is flushed,
 * fsync'd and checked, then renamed over the target. rename() replaces a file
 * in one step, so a reader sees the old file or the new one, never half of
 * one; on any failure the temporary file is removed and the target untouched.
 *
 * By design:
 * - a file replaced keeps its permission bits (a 0600 file stays 0600); a new
 *   file gets 0666 less the umask, as open() would give it;
 * - a symbolic link as target is followed: the file it points to is replaced
 *   (through a temporary beside that file) and the link stays a link; a link
 *   to nothing is refused;
 * - a FIFO, character or block device as target (a pipe, /dev/stdout,
 *   /dev/null) is written to directly, never replaced;
 * - a folder as target is refused.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "io/io.h"

static bool read_all(FILE *f, unsigned char **bytes, size_t *len)
{
    size_t cap = 1 << 16;
    *len = 0;
    *bytes = wh__alloc(cap, 1);
    while (*bytes != NULL) {
        *len += fread(*bytes + *len, 1, cap - *len, f);
        if (*len < cap)
            return !ferror(f);
        unsigned char *grown = cap <= SIZE_MAX / 2 ? wh__realloc(*bytes, cap * 2, 1) : NULL;
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
        wh__free(*bytes);
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
    char *tmp = wh__alloc(len, 1);
    if (tmp != NULL)
        snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dir, path, path + dir);
    return tmp;
}

/*
 * After the rename, flush the folder too: until its entry is on disk a power
 * cut may bring back the old file (or none), which matters for checkpoints.
 * Best effort: some file systems refuse fsync on a folder, and the data
 * itself is already safe. The temporary name is cut to its folder in place, so
 * that this step needs no allocation that could fail after the rename.
 */
static void sync_folder(char *tmp)
{
    char *slash = strrchr(tmp, '/');
    if (slash != NULL)
        slash[1] = '\0';
    const int fd = open(slash != NULL ? tmp : ".", O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static bool special(mode_t mode)
{
    return S_ISFIFO(mode) || S_ISCHR(mode) || S_ISBLK(mode);
}

bool wh__file_out_open(wh__file_out *o, const char *path, wh__io_error *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    struct stat lst, st;
    const bool exists = lstat(path, &lst) == 0;
    if (!exists && errno != ENOENT)
        return wh__io_fail(err, "cannot write: %s", strerror(errno));
    if (exists && S_ISLNK(lst.st_mode)) {
        if (stat(path, &st) != 0)
            return wh__io_fail(err, "a symbolic link to a file that cannot be reached (%s); "
                                    "refused", strerror(errno));
        if (!special(st.st_mode) && !S_ISDIR(st.st_mode)) {
            /* Follow the link: replace the file it points to, keep the link. */
            o->target = realpath(path, NULL);
            if (o->target == NULL)
                return wh__io_fail(err, "cannot follow the symbolic link: %s", strerror(errno));
        }
    } else if (exists) {
        st = lst;
    }
    if (exists && S_ISDIR(st.st_mode))
        return wh__io_fail(err, "is a folder, not a file");
    if (exists && special(st.st_mode)) {
        o->direct = true;
        o->fd = open(path, O_WRONLY | O_NOCTTY);
        if (o->fd < 0)
            return wh__io_fail(err, "cannot open: %s", strerror(errno));
        return true;
    }
    if (o->target == NULL && (o->target = strdup(path)) == NULL)
        return wh__io_fail(err, "out of memory");
    o->tmp = temp_name(o->target);
    if (o->tmp == NULL) {
        wh__file_out_abort(o);
        return wh__io_fail(err, "out of memory");
    }
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        wh__io_fail(err, "cannot create a temporary file beside it: %s", strerror(errno));
        wh__free(o->tmp);
        o->tmp = NULL;
        wh__file_out_abort(o);
        return false;
    }
    if (exists) {
        o->mode = st.st_mode & 07777;
    } else {
        const mode_t mask = umask(0);
        umask(mask);
        o->mode = 0666 & ~mask;
    }
    return true;
}

bool wh__file_out_write(wh__file_out *o, const void *data, size_t len, wh__io_error *err)
{
    if (!write_all(o->fd, data, len))
        return wh__io_fail(err, "cannot write: %s", errno != 0 ? strerror(errno) : "short write");
    return true;
}

bool wh__file_out_commit(wh__file_out *o, wh__io_error *err)
{
    bool ok = true;
    int saved = 0;
    if (!o->direct && (fsync(o->fd) != 0 || fchmod(o->fd, o->mode) != 0)) {
        ok = false;
        saved = errno;
    }
    if (close(o->fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    o->fd = -1;
    if (ok && !o->direct && rename(o->tmp, o->target) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok)
        wh__io_fail(err, "cannot write: %s", strerror(saved));
    else if (!o->direct)
        sync_folder(o->tmp);
    if (ok) {
        wh__free(o->tmp); /* renamed: nothing to remove */
        o->tmp = NULL;
    }
    wh__file_out_abort(o);
    return ok;
}

void wh__file_out_abort(wh__file_out *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp != NULL)
        unlink(o->tmp);
    wh__free(o->tmp);
    free(o->target); /* from realpath() or strdup() */
    o->tmp = o->target = NULL;
}

bool wh__file_write_atomic(const char *path, const wh__buf *buf, wh__io_error *err)
{
    if (buf->failed)
        return wh__io_fail(err, "out of memory while composing it");
    wh__file_out o;
    if (!wh__file_out_open(&o, path, err))
        return false;
    if (!wh__file_out_write(&o, buf->data, buf->len, err)) {
        wh__file_out_abort(&o);
        return false;
    }
    return wh__file_out_commit(&o, err);
}

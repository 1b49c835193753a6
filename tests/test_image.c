/*
 * test_image.c: E7's photograph loader (src/repro/e7_image.c) on files made here.
 *
 * A grey PNG with known pixels comes back normalised to mean 0 and variance 1,
 * equal to the same normalisation computed here in long double; every file it
 * must refuse (not a PNG, cut short, smaller than one 8x8 patch, one grey level,
 * missing) is refused with nothing leaked; so is each allocation made to fail.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "repro/e7_image.h"
#include "support.h"

#define W 16
#define H 12

static char dir[] = "/tmp/wh_test_image_XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void path_of(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", dir, name);
}

/* A w x h grey PNG with pixel (r, c) = value(r, c). */
static void write_png(const char *path, size_t w, size_t h, unsigned (*value)(size_t, size_t))
{
    unsigned char *px = malloc(w * h);
    for (size_t r = 0; r < h; r++)
        for (size_t c = 0; c < w; c++)
            px[r * w + c] = (unsigned char)value(r, c);
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)w, png.height = (png_uint_32)h;
    png.format = PNG_FORMAT_GRAY;
    cr_assert(png_image_write_to_file(&png, path, 0, px, 0, NULL), "%s", png.message);
    free(px);
}

static unsigned ramp(size_t r, size_t c) { return (unsigned)((37 * r + 11 * c + 5) % 256); }
static unsigned flat(size_t r, size_t c) { return (void)r, (void)c, 93u; }

Test(image, a_grey_png_comes_back_normalised, .init = setup, .fini = teardown)
{
    char path[256];
    path_of(path, sizeof path, "ramp.png");
    write_png(path, W, H, ramp);
    wh__image img;
    cr_assert_eq(wh__image_read_png(path, &img), 0);
    cr_assert_eq(img.width, W);
    cr_assert_eq(img.height, H);
    long double mean = 0.0L, var = 0.0L;
    for (size_t r = 0; r < H; r++)
        for (size_t c = 0; c < W; c++)
            mean += ramp(r, c);
    mean /= W * H;
    for (size_t r = 0; r < H; r++)
        for (size_t c = 0; c < W; c++)
            var += (ramp(r, c) - mean) * (ramp(r, c) - mean);
    var /= W * H;
    for (size_t r = 0; r < H; r++)
        for (size_t c = 0; c < W; c++)
            assert_close(img.pixels[r * W + c], (double)((ramp(r, c) - mean) / sqrtl(var)), 1e-13);
    wh__image_free(&img);
    cr_assert_eq(wh__alloc_live(), 0, "the loader leaked %ld blocks", wh__alloc_live());
}

static void expect_refused(const char *path)
{
    wh__image img;
    cr_assert_eq(wh__image_read_png(path, &img), -1, "%s was accepted", path);
    cr_assert_null(img.pixels);
    cr_assert_eq(wh__alloc_live(), 0, "%s: %ld blocks leaked", path, wh__alloc_live());
}

Test(image, files_it_cannot_use_are_refused, .init = setup, .fini = teardown)
{
    char path[256];
    path_of(path, sizeof path, "missing.png");
    expect_refused(path);

    path_of(path, sizeof path, "text.png");
    FILE *f = fopen(path, "w");
    fputs("P2 16 12 255 not a png at all\n", f);
    fclose(f);
    expect_refused(path);

    path_of(path, sizeof path, "tiny.png"); /* 7 x 9: no 8 x 8 patch fits */
    write_png(path, 7, 9, ramp);
    expect_refused(path);

    path_of(path, sizeof path, "flat.png");
    write_png(path, W, H, flat);
    expect_refused(path);

    char whole[256];
    path_of(whole, sizeof whole, "whole.png");
    write_png(whole, 64, 64, ramp);
    f = fopen(whole, "rb");
    unsigned char bytes[4096];
    const size_t size = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    cr_assert_gt(size, 60);
    path_of(path, sizeof path, "cut.png"); /* the signature and header, then nothing */
    f = fopen(path, "wb");
    fwrite(bytes, 1, 45, f);
    fclose(f);
    expect_refused(path);
}

Test(image, every_allocation_failure_is_refused_cleanly, .init = setup, .fini = teardown)
{
    char path[256];
    path_of(path, sizeof path, "ramp.png");
    write_png(path, W, H, ramp);
    size_t failures = 0;
    for (size_t nth = 0; nth < 10; nth++) {
        wh__alloc_fail_at(nth);
        wh__image img;
        const int rc = wh__image_read_png(path, &img);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        if (!fired) { /* fewer allocations than nth: the load succeeded */
            cr_assert_eq(rc, 0);
            wh__image_free(&img);
            break;
        }
        cr_assert_eq(rc, -1, "allocation %zu failed but the load succeeded", nth);
        failures++;
        cr_assert_eq(wh__alloc_live(), 0, "allocation %zu: %ld blocks leaked", nth,
                     wh__alloc_live());
    }
    cr_assert_eq(failures, 2, "the loader makes %zu allocations, expected 2", failures);
}

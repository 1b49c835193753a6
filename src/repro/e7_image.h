/*
 * e7_image.h: the images whose 8 x 8 patches E7 whitens.
 *
 * Either a seeded synthetic image with a 1/f amplitude spectrum, the spectrum
 * photographs of natural scenes have on average, or the user's photographs
 * read from PNG files and turned grey. Every image is normalised to zero mean
 * and unit variance, so that each photograph weighs the same whatever its
 * exposure, and the learning rate means the same for every source.
 */
#ifndef WH_REPRO_E7_IMAGE_H
#define WH_REPRO_E7_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* A grey image, row-major, width values to a row; pixels is malloc'd. */
typedef struct wh__image {
    size_t width, height;
    double *pixels;
} wh__image;

/*
 * A size x size image (size a power of two, >= 8) whose Fourier amplitudes
 * are exactly 1/|f| (0 at f = 0) with phases drawn from `seed`: the phases
 * are Hermitian-symmetric, so the inverse 2-D FFT (GSL's 1-D radix-2 FFT
 * along the rows, then along the columns) is real. Returns 0, or -1 after
 * printing why.
 */
int wh__image_one_over_f(size_t size, uint64_t seed, wh__image *out);

/*
 * Read a PNG file (any colour type and bit depth) as 8-bit grey through
 * libpng, normalised. Returns 0, or -1 after printing a message that names
 * the file: unreadable, not a PNG, smaller than 8 x 8, or of one grey level.
 */
int wh__image_read_png(const char *path, wh__image *out);

void wh__image_free(wh__image *img);

#endif

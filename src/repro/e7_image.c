/*
 * e7_image.c: the synthetic 1/f image (GSL's FFT) and photographs (libpng).
 */
#include "core/alloc.h"
#include "repro/e7_image.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_complex.h>
#include <gsl/gsl_math.h> /* M_PI, which strict C17 lacks */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wh__image_free(wh__image *img)
{
    if (img == NULL)
        return;
    wh__free(img->pixels);
    memset(img, 0, sizeof *img);
}

/* Shift to zero mean and scale to unit variance; -1 if all pixels are equal. */
static int normalise(wh__image *img)
{
    const size_t count = img->width * img->height;
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < count; i++)
        mean += img->pixels[i];
    mean /= (double)count;
    for (size_t i = 0; i < count; i++)
        var += (img->pixels[i] - mean) * (img->pixels[i] - mean);
    var /= (double)count;
    if (!(var > 0.0))
        return -1;
    const double scale = 1.0 / sqrt(var);
    for (size_t i = 0; i < count; i++)
        img->pixels[i] = (img->pixels[i] - mean) * scale;
    return 0;
}

/* Signed frequency of FFT index i of `size` points, in cycles per pixel. */
static double frequency(size_t i, size_t size)
{
    return (i <= size / 2 ? (double)i : (double)i - (double)size) / (double)size;
}

/*
 * Amplitudes 1/|f| with random phases, interleaved complex, size x size.
 * The coefficient at -f is the conjugate of the one at f (the first of the
 * pair in row-major order draws the phase), so the image is real.
 */
static void spectrum(size_t size, gsl_rng *rng, double *z)
{
    for (size_t i = 0; i < size; i++) {
        for (size_t j = 0; j < size; j++) {
            const size_t at = i * size + j;
            const size_t mirror = ((size - i) % size) * size + (size - j) % size;
            if (mirror < at)
                continue; /* set with its partner */
            const double fx = frequency(j, size), fy = frequency(i, size);
            const double f = sqrt(fx * fx + fy * fy);
            const double amp = f > 0.0 ? 1.0 / f : 0.0;
            const double phase = 2.0 * M_PI * gsl_rng_uniform(rng);
            if (mirror == at) { /* f = 0 or a Nyquist frequency: the coefficient is real */
                z[2 * at] = phase < M_PI ? amp : -amp;
                z[2 * at + 1] = 0.0;
                continue;
            }
            z[2 * at] = z[2 * mirror] = amp * cos(phase);
            z[2 * at + 1] = amp * sin(phase);
            z[2 * mirror + 1] = -amp * sin(phase);
        }
    }
}

/* The inverse 2-D FFT in place: GSL has 1-D transforms only, so rows then columns. */
static int inverse_fft_2d(size_t size, double *z)
{
    int st = GSL_SUCCESS;
    for (size_t r = 0; r < size && st == GSL_SUCCESS; r++)
        st = gsl_fft_complex_radix2_inverse(z + 2 * r * size, 1, size);
    for (size_t c = 0; c < size && st == GSL_SUCCESS; c++)
        st = gsl_fft_complex_radix2_inverse(z + 2 * c, size, size);
    return st == GSL_SUCCESS ? 0 : -1;
}

int wh__image_one_over_f(size_t size, uint64_t seed, wh__image *out)
{
    memset(out, 0, sizeof *out);
    if (size < 8 || (size & (size - 1)) != 0 || size > 8192) {
        fprintf(stderr, "whiten reproduce: E7: image size %zu is not a power of two in "
                        "[8, 8192]\n", size);
        return -1;
    }
    double *z = wh__alloc(2 * size * size, sizeof *z);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    out->pixels = wh__alloc(size * size, sizeof *out->pixels);
    int rc = z != NULL && rng != NULL && out->pixels != NULL ? 0 : -1;
    if (rc == 0) {
        gsl_rng_set(rng, (unsigned long)seed);
        spectrum(size, rng, z);
        rc = inverse_fft_2d(size, z);
    }
    if (rc == 0) {
        out->width = out->height = size;
        for (size_t i = 0; i < size * size; i++)
            out->pixels[i] = z[2 * i]; /* the imaginary parts are rounding only */
        rc = normalise(out);
    }
    if (rc != 0) {
        fprintf(stderr, "whiten reproduce: E7: cannot make the 1/f image (out of memory)\n");
        wh__image_free(out);
    }
    gsl_rng_free(rng);
    wh__free(z);
    return rc;
}

/* Open `path` and check the PNG signature, so that other files get a clear message. */
static FILE *open_png(const char *path, png_image *png)
{
    FILE *f = fopen(path, "rb");
    png_byte sig[8];
    if (f == NULL) {
        snprintf(png->message, sizeof png->message, "%s", strerror(errno));
        return NULL;
    }
    if (fread(sig, 1, sizeof sig, f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        snprintf(png->message, sizeof png->message, "not a PNG file (no PNG signature)");
        fclose(f);
        return NULL;
    }
    rewind(f);
    return f;
}

/* Decode with libpng's simplified API, which converts every PNG type to 8-bit grey. */
static int decode_png(FILE *f, png_image *png, unsigned char **grey)
{
    if (!png_image_begin_read_from_stdio(png, f))
        return -1;
    png->format = PNG_FORMAT_GRAY; /* alpha, if any, is composited onto black */
    if (png->width < 8 || png->height < 8) {
        png_image_free(png);
        snprintf(png->message, sizeof png->message, "%ux%u pixels, smaller than one 8x8 patch",
                 (unsigned)png->width, (unsigned)png->height);
        return -1;
    }
    *grey = wh__alloc(PNG_IMAGE_SIZE(*png), 1);
    if (*grey == NULL) {
        png_image_free(png);
        snprintf(png->message, sizeof png->message, "out of memory");
        return -1;
    }
    return png_image_finish_read(png, NULL, *grey, 0, NULL) ? 0 : -1;
}

int wh__image_read_png(const char *path, wh__image *out)
{
    memset(out, 0, sizeof *out);
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    unsigned char *grey = NULL;
    FILE *f = open_png(path, &png);
    int rc = f != NULL ? decode_png(f, &png, &grey) : -1;
    if (f != NULL)
        fclose(f);
    const size_t count = (size_t)png.width * png.height;
    if (rc == 0 && (out->pixels = wh__alloc(count, sizeof *out->pixels)) == NULL) {
        snprintf(png.message, sizeof png.message, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        out->width = png.width;
        out->height = png.height;
        for (size_t i = 0; i < count; i++)
            out->pixels[i] = (double)grey[i];
        if (normalise(out) != 0) {
            snprintf(png.message, sizeof png.message, "every pixel has the same grey level");
            rc = -1;
        }
    }
    if (rc != 0) {
        fprintf(stderr, "whiten reproduce: E7: cannot use image %s: %s\n", path,
                png.message[0] != '\0' ? png.message : "not a readable PNG file");
        wh__image_free(out);
    }
    wh__free(grey);
    return rc;
}

/*
 * ridge.c: the ridge's noise, N(0, ridge) added to each learned sample (whiten/center.h).
 */
#include <math.h>

#include "whiten/center.h"

/* splitmix64: a counter-based stream, so that sample `index`'s noise needs no saved state. */
static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* A uniform in (0, 1) from the top 53 bits. */
static double uniform(uint64_t bits)
{
    return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

void wh_ridge_noise(double *x, size_t n, double ridge, uint64_t seed, uint64_t index)
{
    if (x == NULL || !(ridge > 0.0))
        return;
    const double sd = sqrt(ridge), two_pi = 6.283185307179586;
    const uint64_t base = mix(seed ^ mix(index));
    for (size_t j = 0; j < n; j += 2) {
        /* Box-Muller: two independent standard normals per pair of uniforms. */
        const double r = sqrt(-2.0 * log(uniform(mix(base + 2 * j)))),
                     a = two_pi * uniform(mix(base + 2 * j + 1));
        x[j] += sd * r * cos(a);
        if (j + 1 < n)
            x[j + 1] += sd * r * sin(a);
    }
}

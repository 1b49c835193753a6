/*
 * plot.h: figures as passive data, rendered by PLplot (cairo) to PNG and SVG.
 *
 * A figure is one or more panels side by side; a panel holds axes and
 * series. Callers describe what to draw; only plot.c talks to PLplot, whose
 * "current stream" and colour state never leave that file. Rendering is not
 * thread-safe (PLplot is not): render figures from one thread.
 */
#ifndef WH_PLOT_PLOT_H
#define WH_PLOT_PLOT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum wh__series_style {
    WH__LINE,    /* a solid line: closed forms, theory */
    WH__DASHED,  /* a dashed line: guides, thresholds */
    WH__MARKERS, /* markers only: numerical results */
    WH__LINE_MARKERS,
    WH__DOTTED   /* a thin dotted line: levels (noise floors) */
} wh__series_style;

typedef struct wh__series {
    const char *label; /* legend text; NULL keeps it out of the legend */
    wh__series_style style;
    int color;         /* palette index 0..7 */
    size_t count;
    const double *x, *y;
    const double *lo, *hi; /* optional spread (e.g. interquartile range), drawn as a band */
} wh__series;

/* Where a panel's legend goes. */
typedef enum wh__legend_place {
    WH__LEGEND_TOP_LEFT = 0, /* inside the axes */
    WH__LEGEND_TOP_RIGHT,
    WH__LEGEND_BOTTOM_LEFT,
    WH__LEGEND_BOTTOM_RIGHT,
    WH__LEGEND_OUTSIDE_RIGHT, /* beside the axes, which shrink to make room */
    WH__LEGEND_BELOW          /* under the axes in two columns; the axes shrink upwards */
} wh__legend_place;

typedef struct wh__panel {
    const char *title;
    const char *xlabel, *ylabel; /* quantity and unit */
    bool xlog, ylog;
    double xmin, xmax, ymin, ymax; /* limits; xmin == xmax (or ymin == ymax) means automatic */
    size_t nseries;
    const wh__series *series;
    const char *note; /* optional one-line annotation under the title */
    wh__legend_place legend;
} wh__panel;

typedef struct wh__figure {
    size_t npanels;
    const wh__panel *panels;
    int width, height; /* pixels of the PNG; 0 = 1000 x 650 (800 per panel when several) */
} wh__figure;

/*
 * Write `base`.png and `base`.svg, each through a temporary file renamed into
 * place. Returns 0, or -1 after printing why to stderr.
 */
int wh__plot_write(const wh__figure *fig, const char *base);

/*
 * A grid of grey-scale tiles (e.g. whitening filters as 8 x 8 patches):
 * `count` tiles of rows x cols values each, laid out `per_row` to a row, each
 * scaled to its own symmetric range around zero. Writes `base`.png and .svg.
 */
int wh__plot_tiles(const char *title, size_t count, size_t rows, size_t cols, const double *tiles,
                   size_t per_row, const char *base);

#endif

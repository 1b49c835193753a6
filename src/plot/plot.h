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
 * Groups of tiles side by side (e.g. three sets of whitening filters as 8 x 8
 * patches), each group under its heading: `count` tiles of rows x cols values
 * per group, laid out `per_row` to a row, square cells. All tiles share one
 * diverging colour scale, symmetric around zero (blue negative, white zero,
 * red positive) up to the largest |value| of all groups, drawn as a colour bar
 * labelled `scale_label`. Writes `base`.png and .svg.
 */
typedef struct wh__tiles {
    const char *title, *scale_label;
    size_t groups;
    const char *const *headings; /* one per group */
    const double *const *values; /* one per group: count x rows x cols values */
    size_t count, rows, cols, per_row;
} wh__tiles;

int wh__plot_tiles(const wh__tiles *t, const char *base);

#endif

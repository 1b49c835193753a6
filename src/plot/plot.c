/*
 * plot.c: the only file that talks to PLplot.
 *
 * Each rendering opens a fresh PLplot stream (plmkstrm) and ends it
 * (plend1), so no PLplot state outlives a call. Log axes are drawn the
 * PLplot way: data are plotted as log10 values and the axis is labelled in
 * powers of ten.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/alloc.h"
#include "plot/plot.h"

#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"

enum { COLOR_BG = 0, COLOR_FG = 1, COLOR_SERIES = 2, COLOR_BAND = 10, COLOR_GRID = 18 };

/* A palette that stays distinguishable in print and for common colour blindness. */
static const unsigned char palette[8][3] = {
    {0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167},
    {86, 180, 233}, {230, 159, 0}, {90, 90, 90}, {240, 228, 66},
};

static const char *const marker_glyph[8] = {"●", "■", "▲", "◆", "▼", "○", "□", "△"};

static void set_colors(void)
{
    plscmap0n(COLOR_GRID + 1);
    plscol0(COLOR_BG, 255, 255, 255);
    plscol0(COLOR_FG, 0, 0, 0);
    for (int i = 0; i < 8; i++) {
        plscol0(COLOR_SERIES + i, palette[i][0], palette[i][1], palette[i][2]);
        plscol0a(COLOR_BAND + i, palette[i][0], palette[i][1], palette[i][2], 0.22);
    }
    plscol0(COLOR_GRID, 215, 215, 215);
}

static bool usable(bool log, double v)
{
    return isfinite(v) && (!log || v > 0.0);
}

static double axis_value(bool log, double v)
{
    return log ? log10(v) : v;
}

static void widen(double *lo, double *hi, bool log, double v)
{
    if (!usable(log, v))
        return;
    v = axis_value(log, v);
    *lo = fmin(*lo, v);
    *hi = fmax(*hi, v);
}

/* The data range of one axis over all series (bands included), padded by 4 %. */
static void axis_range(const wh__panel *p, bool y_axis, double *lo, double *hi)
{
    const bool log = y_axis ? p->ylog : p->xlog;
    const double user_lo = y_axis ? p->ymin : p->xmin, user_hi = y_axis ? p->ymax : p->xmax;
    if (user_lo != user_hi) {
        *lo = axis_value(log, user_lo);
        *hi = axis_value(log, user_hi);
        return;
    }
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t s = 0; s < p->nseries; s++) {
        const wh__series *ser = &p->series[s];
        for (size_t i = 0; i < ser->count; i++) {
            if (!y_axis) {
                widen(lo, hi, log, ser->x[i]);
                continue;
            }
            widen(lo, hi, log, ser->y[i]);
            if (ser->lo != NULL && ser->hi != NULL) {
                widen(lo, hi, log, ser->lo[i]);
                widen(lo, hi, log, ser->hi[i]);
            }
        }
    }
    if (!(*lo <= *hi)) {
        *lo = 0.0;
        *hi = 1.0;
    }
    const double pad = *hi > *lo ? 0.04 * (*hi - *lo) : 0.5;
    *lo -= pad;
    *hi += pad;
}

/* Copy the plottable points of a series, in axis coordinates, into xs, ys. */
static size_t plottable(const wh__panel *p, const wh__series *s, const double *y, PLFLT *xs,
                        PLFLT *ys)
{
    size_t m = 0;
    for (size_t i = 0; i < s->count; i++)
        if (usable(p->xlog, s->x[i]) && usable(p->ylog, y[i])) {
            xs[m] = axis_value(p->xlog, s->x[i]);
            ys[m++] = axis_value(p->ylog, y[i]);
        }
    return m;
}

/* The spread as a filled polygon: the lower edge forward, then the upper edge back. */
static void draw_band(const wh__panel *p, const wh__series *s, PLFLT *xs, PLFLT *ys)
{
    PLFLT *hx = wh__alloc(2 * (s->count + 1), sizeof *hx), *hy = hx + s->count + 1;
    if (hx == NULL)
        return;
    const size_t m = plottable(p, s, s->lo, xs, ys), k = plottable(p, s, s->hi, hx, hy);
    if (m >= 2 && k == m) {
        for (size_t i = 0; i < m; i++) {
            xs[m + i] = hx[m - 1 - i];
            ys[m + i] = hy[m - 1 - i];
        }
        plcol0(COLOR_BAND + s->color);
        plfill((PLINT)(2 * m), xs, ys);
    }
    wh__free(hx);
}

static PLINT line_style(wh__series_style style)
{
    return style == WH__DASHED ? 2 : style == WH__DOTTED ? 4 : 1;
}

static PLFLT line_width(wh__series_style style)
{
    return style == WH__DASHED ? 1.5 : style == WH__DOTTED ? 1.2 : 2.5;
}

static void draw_series(const wh__panel *p, const wh__series *s)
{
    PLFLT *xs = wh__alloc(4 * (s->count + 1), sizeof *xs), *ys = xs + 2 * (s->count + 1);
    if (xs == NULL)
        return;
    if (s->lo != NULL && s->hi != NULL)
        draw_band(p, s, xs, ys);
    size_t m = plottable(p, s, s->y, xs, ys);
    plcol0(COLOR_SERIES + s->color);
    if (s->style != WH__MARKERS && m >= 2) {
        plwidth(line_width(s->style));
        pllsty(line_style(s->style));
        plline((PLINT)m, xs, ys);
        pllsty(1);
    }
    if (s->style == WH__MARKERS || s->style == WH__LINE_MARKERS) {
        /* Markers at 70 % of the text size: data points that hide less of the lines. */
        plschr(0.0, 0.7);
        plstring((PLINT)m, xs, ys, marker_glyph[s->color % 8]);
        plschr(0.0, 1.0);
    }
    wh__free(xs);
}

static PLINT legend_position(wh__legend_place place)
{
    static const PLINT table[] = {
        PL_POSITION_TOP | PL_POSITION_LEFT | PL_POSITION_INSIDE,
        PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE,
        PL_POSITION_BOTTOM | PL_POSITION_LEFT | PL_POSITION_INSIDE,
        PL_POSITION_BOTTOM | PL_POSITION_RIGHT | PL_POSITION_INSIDE,
        PL_POSITION_RIGHT | PL_POSITION_OUTSIDE,
        PL_POSITION_BOTTOM | PL_POSITION_OUTSIDE,
    };
    return (size_t)place < sizeof table / sizeof *table ? table[place] : table[0];
}

static void draw_legend(const wh__panel *p, double height)
{
    enum { MAX_ENTRIES = 16 };
    PLINT opt[MAX_ENTRIES], colors[MAX_ENTRIES], styles[MAX_ENTRIES], numbers[MAX_ENTRIES];
    PLFLT widths[MAX_ENTRIES], scales[MAX_ENTRIES];
    const char *text[MAX_ENTRIES], *symbols[MAX_ENTRIES];
    PLINT n = 0;
    for (size_t i = 0; i < p->nseries && n < MAX_ENTRIES; i++) {
        const wh__series *s = &p->series[i];
        if (s->label == NULL)
            continue;
        opt[n] = (s->style == WH__MARKERS ? 0 : PL_LEGEND_LINE) |
                 (s->style == WH__MARKERS || s->style == WH__LINE_MARKERS ? PL_LEGEND_SYMBOL : 0);
        colors[n] = COLOR_SERIES + s->color;
        styles[n] = line_style(s->style);
        widths[n] = line_width(s->style);
        numbers[n] = 3;
        scales[n] = 0.6;
        symbols[n] = marker_glyph[s->color % 8];
        text[n++] = s->label;
    }
    if (n == 0)
        return;
    PLFLT w, h;
    const bool below = p->legend == WH__LEGEND_BELOW;
    const PLINT columns = n > 4 ? 2 : 1;
    /* Below the axes: under the tick labels and the x label (0.14 of the page, in units
     * of the viewport's height), in two columns. */
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, legend_position(p->legend),
             0.0, below ? 0.14 / height : 0.02, below ? 0.04 : 0.08, COLOR_BG, COLOR_FG, 1,
             below ? (n + columns - 1) / columns : 0, below ? columns : 0, n, opt, 0.8, below ? 0.55 : 0.6, 2.0, 0.0,
             colors, text,
             NULL, NULL, NULL, NULL,
             colors, styles, widths, colors, scales, numbers, symbols);
}

/* Panel `index` of `count` side by side on one page. Panels are viewports, not
 * PLplot subpages: text outside a subpage (the y-axis label) would be clipped. */
static void draw_panel(const wh__panel *p, size_t index, size_t count)
{
    double xlo, xhi, ylo, yhi;
    axis_range(p, false, &xlo, &xhi);
    axis_range(p, true, &ylo, &yhi);
    const double w = 1.0 / (double)count, x0 = w * (double)index;
    const double right = p->legend == WH__LEGEND_OUTSIDE_RIGHT ? 0.70 : 0.93;
    size_t entries = 0;
    for (size_t s = 0; s < p->nseries; s++)
        entries += p->series[s].label != NULL;
    const size_t legend_rows = entries > 4 ? (entries + 1) / 2 : entries;
    const double bottom =
        p->legend == WH__LEGEND_BELOW ? 0.22 + 0.04 * (double)legend_rows : 0.13;
    plvpor(x0 + w * (count > 1 ? 0.19 : 0.13), x0 + w * right, bottom, 0.82);
    plwind(xlo, xhi, ylo, yhi);
    plcol0(COLOR_GRID);
    plwidth(0.5);
    plbox(p->xlog ? "gl" : "g", 0.0, 0, p->ylog ? "gl" : "g", 0.0, 0);
    plcol0(COLOR_FG);
    plwidth(1.0);
    plbox(p->xlog ? "bcnstl" : "bcnst", 0.0, 0, p->ylog ? "bcnstvl" : "bcnstv", 0.0, 0);
    pllab(p->xlabel, p->ylabel, "");
    plmtex("t", p->note != NULL ? 2.9 : 1.4, 0.5, 0.5, p->title);
    if (p->note != NULL) {
        plschr(0.0, 0.75);
        plmtex("t", 1.6, 0.5, 0.5, p->note);
        plschr(0.0, 1.0);
    }
    for (size_t s = 0; s < p->nseries; s++)
        draw_series(p, &p->series[s]);
    draw_legend(p, 0.82 - bottom);
}

/* Open a fresh stream on `device` writing to `path`. */
static void begin(const char *device, const char *path, PLINT width, PLINT height)
{
    PLINT stream;
    plmkstrm(&stream);
    plsdev(device);
    plsfnam(path);
    plspage(0.0, 0.0, width, height, 0, 0);
    plscolbg(255, 255, 255);
    plinit();
    set_colors();
    plfontld(1);
    plschr(0.0, 1.0);
}

/*
 * Whether the rendered file is whole: cairo reports a failed write (a full
 * disk) to PLplot, which ignores it, so look at how the file ends instead. A
 * PNG ends with its IEND chunk, an SVG with its closing tag.
 */
static bool complete(int fd, int device)
{
    static const unsigned char iend[8] = {'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    unsigned char tail[64];
    const off_t size = lseek(fd, 0, SEEK_END);
    const size_t want = device == 0 ? sizeof iend : sizeof tail;
    if (size < (off_t)want || pread(fd, tail, want, size - (off_t)want) != (ssize_t)want)
        return false;
    if (device == 0)
        return memcmp(tail, iend, sizeof iend) == 0;
    for (size_t i = 0; i + 6 <= want; i++)
        if (memcmp(tail + i, "</svg>", 6) == 0)
            return true;
    return false;
}

typedef void (*draw_fn)(const void *what);

/*
 * Each file goes through the tool's one safe writer (src/io/file.c): PLplot
 * renders into the temporary it created exclusively beside the target (never
 * a fixed name a planted symlink could redirect), then the file is checked,
 * fsync'd and renamed into place with the replaced file's permissions.
 */
static int render(const char *base, PLINT width, PLINT height, draw_fn draw, const void *what)
{
    static const char *const devices[2] = {"pngcairo", "svgcairo"}, *const ext[2] = {"png", "svg"};
    for (int d = 0; d < 2; d++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s.%s", base, ext[d]) >= (int)sizeof path) {
            fprintf(stderr, "whiten: figure path too long: %s\n", base);
            return -1;
        }
        wh__file_out out;
        wh__io_error err = {0};
        /* PLplot calls exit() when it cannot open its output: the file exists before. */
        if (!wh__file_out_open(&out, path, &err)) {
            fprintf(stderr, "whiten: %s: %s\n", path, err.message);
            return -1;
        }
        begin(devices[d], out.direct ? path : out.tmp, width, height);
        draw(what);
        plend1();
        if (!out.direct && !complete(out.fd, d)) {
            fprintf(stderr, "whiten: %s: the rendered figure is incomplete (a full disk?); "
                            "the previous file is kept\n", path);
            wh__file_out_abort(&out);
            return -1;
        }
        if (!wh__file_out_commit(&out, &err)) {
            fprintf(stderr, "whiten: %s: %s\n", path, err.message);
            return -1;
        }
    }
    return 0;
}

static void draw_figure(const void *what)
{
    const wh__figure *fig = what;
    pladv(0);
    for (size_t i = 0; i < fig->npanels; i++)
        draw_panel(&fig->panels[i], i, fig->npanels);
}

int wh__plot_write(const wh__figure *fig, const char *base)
{
    const PLINT n = (PLINT)fig->npanels;
    const PLINT width = fig->width > 0 ? fig->width : (n > 1 ? 800 * n : 1000);
    const PLINT height = fig->height > 0 ? fig->height : 650;
    return render(base, width, height, draw_figure, fig);
}

typedef struct tile_grid {
    const char *title;
    size_t count, rows, cols, per_row;
    const double *tiles;
} tile_grid;

static void draw_tile(const tile_grid *g, size_t t, PLFLT **img)
{
    const double *v = g->tiles + t * g->rows * g->cols;
    double range = 0.0;
    for (size_t i = 0; i < g->rows * g->cols; i++)
        range = fmax(range, fabs(v[i]));
    if (range == 0.0)
        range = 1.0;
    for (size_t c = 0; c < g->cols; c++) /* plimage wants [x][y] with y upwards */
        for (size_t r = 0; r < g->rows; r++)
            img[c][g->rows - 1 - r] = v[r * g->cols + c];
    const double x0 = (double)(t % g->per_row) * ((double)g->cols + 1.0);
    const double y0 = -(double)(t / g->per_row + 1) * ((double)g->rows + 1.0);
    /* plimagefr maps values through [-range, range] (plimage would stretch each tile to
     * its own extremes) and places cell centres on the corners, so tiles keep a gap. */
    plimagefr((PLFLT_MATRIX)img, (PLINT)g->cols, (PLINT)g->rows, x0, x0 + (double)g->cols - 1.0,
              y0, y0 + (double)g->rows - 1.0, -range, range, -range, range, NULL, NULL);
}

static void draw_tiles(const void *what)
{
    const tile_grid *g = what;
    const size_t grid_rows = (g->count + g->per_row - 1) / g->per_row;
    PLFLT gray[2] = {0.0, 1.0}, pos[2] = {0.0, 1.0};
    plscmap1l(1, 2, pos, gray, gray, gray, NULL);
    pladv(0);
    plvpor(0.03, 0.97, 0.03, 0.90);
    plwind(-1.0, (double)g->per_row * ((double)g->cols + 1.0),
           -(double)grid_rows * ((double)g->rows + 1.0) - 1.0, 0.0);
    plcol0(COLOR_FG);
    plmtex("t", 1.5, 0.5, 0.5, g->title);
    PLFLT **img = wh__alloc(g->cols, sizeof *img);
    PLFLT *cells = wh__alloc(g->cols * g->rows, sizeof *cells);
    if (img != NULL && cells != NULL) {
        for (size_t c = 0; c < g->cols; c++)
            img[c] = cells + c * g->rows;
        for (size_t t = 0; t < g->count; t++)
            draw_tile(g, t, img);
    }
    wh__free(img);
    wh__free(cells);
}

int wh__plot_tiles(const char *title, size_t count, size_t rows, size_t cols, const double *tiles,
                   size_t per_row, const char *base)
{
    const tile_grid g = {title, count, rows, cols, per_row == 0 ? 8 : per_row, tiles};
    const size_t grid_rows = (count + g.per_row - 1) / g.per_row;
    const double aspect = (double)(grid_rows * (rows + 1)) / (double)(g.per_row * (cols + 1));
    return render(base, 1200, (PLINT)(1200.0 * aspect / 0.87 + 60.0), draw_tiles, &g);
}

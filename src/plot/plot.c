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

/*
 * Linear axes print their numbers in full up to this many digits (450000, not
 * 4.5 with a "(x10^5)" that crowds the axis's end).
 */
#define WH__PLAIN_DIGITS 8

/*
 * PLplot labels every decade of a log axis, whatever the tick interval asked
 * for, and beyond 8 decades the labels run into each other: then the axis is
 * drawn without numbers and every step-th decade is labelled here.
 */
static bool many_decades(bool log, double lo, double hi)
{
    return log && hi - lo > 8.0;
}

static void label_decades(bool y_axis, double lo, double hi)
{
    const double step = ceil((hi - lo) / 7.0);
    for (double k = step * ceil(lo / step); k <= hi; k += step) {
        char text[32];
        snprintf(text, sizeof text, "10#u%.0f#d", k);
        const double at = (k - lo) / (hi - lo);
        if (y_axis)
            plmtex("lv", 0.6, at, 1.0, text);
        else
            plmtex("b", 1.8, at, 0.5, text);
    }
}

/* Code points of a UTF-8 string: its length in glyphs. */
static size_t glyphs(const char *s)
{
    size_t count = 0;
    for (; *s != '\0'; s++)
        count += ((unsigned char)*s & 0xC0) != 0x80;
    return count;
}

/*
 * The y label, centred on the axis and shrunk if it would be longer than the
 * axis (it would run into the title or off the page): a glyph is at most
 * about 0.72 character heights wide.
 */
static void draw_ylabel(const char *label)
{
    PLFLT def, ht, vx0, vx1, vy0, vy1, px0, px1, py0, py1;
    plgchr(&def, &ht);
    plgvpd(&vx0, &vx1, &vy0, &vy1);
    plgspa(&px0, &px1, &py0, &py1);
    const double room = 1.05 * (vy1 - vy0) * (py1 - py0); /* mm: clear of title and legend */
    const double length = 0.72 * ht * (double)glyphs(label);                 /* mm */
    const double scale = length > room ? room / length : 1.0;
    plschr(0.0, scale);
    plmtex("l", 5.0 / scale, 0.5, 0.5, label);
    plschr(0.0, 1.0);
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
    plsxax(WH__PLAIN_DIGITS, 0);
    plsyax(WH__PLAIN_DIGITS, 0);
    const bool xmany = many_decades(p->xlog, xlo, xhi), ymany = many_decades(p->ylog, ylo, yhi);
    plbox(!p->xlog ? "bcnst" : xmany ? "bcstl" : "bcnstl", 0.0, 0,
          !p->ylog ? "bcnstv" : ymany ? "bcstvl" : "bcnstvl", 0.0, 0);
    if (xmany)
        label_decades(false, xlo, xhi);
    if (ymany)
        label_decades(true, ylo, yhi);
    plmtex("b", 3.2, 0.5, 0.5, p->xlabel);
    draw_ylabel(p->ylabel);
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

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * The colour scale's end: twice the 98th percentile of |value| over all tiles,
 * or the largest |value| if that is smaller (1 if all are zero). A few large
 * weights (the centres of whitening filters) would otherwise wash out all the
 * rest; they are drawn in the colour of the scale's end, and *clipped says so.
 */
static double tiles_range(const wh__tiles *t, bool *clipped)
{
    const size_t per = t->count * t->rows * t->cols, total = t->groups * per;
    double *a = wh__alloc(total, sizeof *a), top = 0.0, range = 1.0;
    *clipped = false;
    if (a == NULL)
        return range;
    for (size_t g = 0; g < t->groups; g++)
        for (size_t i = 0; i < per; i++)
            a[g * per + i] = fabs(t->values[g][i]);
    qsort(a, total, sizeof *a, compare_doubles);
    top = a[total - 1];
    range = fmin(top, 2.0 * a[(size_t)(0.98 * (double)(total - 1))]);
    *clipped = range < top;
    wh__free(a);
    return range > 0.0 ? range : 1.0;
}

/* Colour map 1: blue (-range) through white (0) to red (+range). */
static void diverging_colors(void)
{
    PLFLT pos[3] = {0.0, 0.5, 1.0}, r[3] = {0.02, 1.0, 0.70}, g[3] = {0.19, 1.0, 0.09},
          b[3] = {0.38, 1.0, 0.17};
    plscmap1l(1, 3, pos, r, g, b, NULL);
}

/*
 * Tile `at` of a group whose grid starts at x0: one filled unit square per value
 * (plimagefr renders the same ten times slower, and as a 2 MB SVG), then a thin
 * grey frame so that white (zero) weights at a tile's edge stay inside its tile.
 */
static void draw_tile(const wh__tiles *t, const double *v, double x0, size_t at, double range)
{
    const double left = x0 + (double)(at % t->per_row) * ((double)t->cols + 1.0);
    const double bottom = -(double)(at / t->per_row + 1) * ((double)t->rows + 1.0);
    const double right = left + (double)t->cols, top = bottom + (double)t->rows;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            const double value = fmax(-range, fmin(range, v[r * t->cols + c]));
            const double x = left + (double)c, y = top - (double)r - 1.0;
            PLFLT cx[4] = {x, x + 1.0, x + 1.0, x}, cy[4] = {y, y, y + 1.0, y + 1.0};
            plcol1(0.5 + 0.5 * value / range);
            plfill(4, cx, cy);
        }
    PLFLT fx[5] = {left, right, right, left, left}, fy[5] = {bottom, bottom, top, top, bottom};
    plcol0(COLOR_GRID);
    plwidth(0.8);
    plline(5, fx, fy);
}

/* A vertical colour bar from -range to range at the right of the page. */
static void draw_colorbar(const wh__tiles *t, double range, bool clipped, double top)
{
    enum { STEPS = 101 };
    PLFLT column[STEPS], *ptr[2] = {column, column}; /* two identical columns: [x][y] */
    for (size_t i = 0; i < STEPS; i++)
        column[i] = -range + 2.0 * range * (double)i / (STEPS - 1);
    plvpor(0.925, 0.94, 0.12, top);
    plwind(0.0, 1.0, -range, range);
    plimagefr((PLFLT_MATRIX)ptr, 2, STEPS, 0.0, 1.0, -range, range, -range, range, -range, range,
              NULL, NULL);
    plcol0(COLOR_FG);
    plwidth(1.0);
    plschr(0.0, 0.8);
    plbox("bc", 0.0, 0, "bcmstv", 0.0, 0);
    char label[160];
    if (clipped)
        snprintf(label, sizeof label, "%s (clipped at ±%.2g)", t->scale_label,
                 range);
    else
        snprintf(label, sizeof label, "%s", t->scale_label);
    plmtex("r", 4.2, 0.5, 0.5, label);
    plschr(0.0, 1.0);
}

static void draw_tiles(const void *what)
{
    const wh__tiles *t = what;
    const size_t grid_rows = (t->count + t->per_row - 1) / t->per_row;
    const double group_w = (double)t->per_row * ((double)t->cols + 1.0), gap = 0.25 * group_w;
    const double width = (double)t->groups * group_w + (double)(t->groups - 1) * gap;
    const double height = (double)grid_rows * ((double)t->rows + 1.0);
    bool clipped;
    const double range = tiles_range(t, &clipped), top = 0.84;
    diverging_colors();
    pladv(0);
    plvpor(0.02, 0.89, 0.03, top);
    plwind(-1.0, width, -height - 1.0, 0.0);
    plcol0(COLOR_FG);
    plmtex("t", 3.2, 0.5, 0.5, t->title);
    for (size_t g = 0; g < t->groups; g++) {
        const double x0 = (double)g * (group_w + gap);
        plcol0(COLOR_FG);
        plmtex("t", 0.8, (x0 + 0.5 * group_w + 1.0) / (width + 1.0), 0.5, t->headings[g]);
        for (size_t i = 0; i < t->count; i++)
            draw_tile(t, t->values[g] + i * t->rows * t->cols, x0, i, range);
    }
    draw_colorbar(t, range, clipped, top);
}

int wh__plot_tiles(const wh__tiles *t, const char *base)
{
    if (t->groups == 0 || t->count == 0 || t->per_row == 0) {
        fprintf(stderr, "whiten: %s: no tiles to draw\n", base);
        return -1;
    }
    /* Square cells: the page's aspect follows the grid's, with room for title and bar. */
    const size_t grid_rows = (t->count + t->per_row - 1) / t->per_row;
    const double group_w = (double)t->per_row * ((double)t->cols + 1.0);
    const double width = (double)t->groups * group_w + (double)(t->groups - 1) * 0.25 * group_w;
    const double height = (double)grid_rows * ((double)t->rows + 1.0);
    const PLINT page_w = 2400;
    const double px = 0.87 * page_w / (width + 1.0); /* pixels per cell */
    return render(base, page_w, (PLINT)(px * (height + 1.0) / 0.81), draw_tiles, t);
}

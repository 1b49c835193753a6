/*
 * test_io.c: the readers and writers of src/io/ on memory buffers, and on the
 * small NPY files numpy wrote (tests/data/, made by tests/data/make_npy.py).
 *
 * Oracles: values written by hand into byte strings; round trips that must be
 * bit-exact; numpy's own files against the CSV numpy wrote beside them; and
 * every malformed input, each with the position its message must name.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/alloc.h"
#include "io/io.h"
#include "whiten/network.h"

/* A hand-built NPY: preamble for version `major`, the dict, padding, then the data. */
static size_t make_npy(unsigned char *out, unsigned major, const char *dict, const void *data,
                       size_t data_len)
{
    const size_t pre = major == 1 ? 10 : 12, dict_len = strlen(dict);
    const size_t header_len = (pre + dict_len + 1 + 63) / 64 * 64 - pre;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    wh__put_uint_le(out + 8, header_len, major == 1 ? 2 : 4);
    memset(out + pre, ' ', header_len);
    memcpy(out + pre, dict, dict_len);
    out[pre + header_len - 1] = '\n';
    memcpy(out + pre + header_len, data, data_len);
    return pre + header_len + data_len;
}

static const double values6[6] = {2.385, -0.125, 1e-300, 7.5, -3.25, 0.0625};

Test(npy, reads_every_version_little_endian_f8)
{
    for (unsigned major = 1; major <= 3; major++) {
        unsigned char file[256], data[48];
        for (size_t i = 0; i < 6; i++)
            wh__put_float_le(data + 8 * i, values6[i], 8);
        size_t len =
            make_npy(file, major, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                     data, sizeof data);
        wh__matrix m;
        wh__npy_info info;
        wh__io_error err = {0};
        cr_assert(wh__npy_decode(file, len, &m, &info, &err), "version %u: %s", major, err.message);
        cr_assert_eq(m.rows, 2);
        cr_assert_eq(m.cols, 3);
        cr_assert_eq(info.major, major);
        cr_assert(memcmp(m.data, values6, sizeof values6) == 0, "values differ (version %u)",
                  major);
        wh__matrix_free(&m);
    }
}

Test(npy, reads_big_endian_float32_in_fortran_order)
{
    /* A 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] * 0.5 stored column by column, big-endian. */
    const float column_major[6] = {0.5f, 2.0f, 1.0f, 2.5f, 1.5f, 3.0f};
    unsigned char data[24], file[256];
    for (size_t i = 0; i < 6; i++) {
        uint32_t bits;
        memcpy(&bits, &column_major[i], 4);
        for (size_t b = 0; b < 4; b++)
            data[4 * i + b] = (unsigned char)(bits >> (8 * (3 - b)));
    }
    size_t len = make_npy(file, 1, "{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3), }",
                          data, sizeof data);
    wh__matrix m;
    wh__npy_info info;
    wh__io_error err = {0};
    cr_assert(wh__npy_decode(file, len, &m, &info, &err), "%s", err.message);
    cr_assert(info.big_endian && info.fortran_order && info.word == 4);
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(m.data[i], 0.5 * (double)(i + 1), "element %zu is %g, want %g", i, m.data[i],
                     0.5 * (double)(i + 1));
    wh__matrix_free(&m);
}

Test(npy, vector_and_scalar_shapes)
{
    unsigned char data[24], file[256];
    for (size_t i = 0; i < 3; i++)
        wh__put_float_le(data + 8 * i, values6[i], 8);
    size_t len =
        make_npy(file, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data, 24);
    wh__matrix m;
    wh__io_error err = {0};
    cr_assert(wh__npy_decode(file, len, &m, NULL, &err), "%s", err.message);
    cr_assert(m.rows == 3 && m.cols == 1);
    wh__matrix_free(&m);
    len = make_npy(file, 1, "{'shape': (), 'fortran_order': False, 'descr': '<f8'}", data, 8);
    cr_assert(wh__npy_decode(file, len, &m, NULL, &err), "%s", err.message);
    cr_assert(m.rows == 1 && m.cols == 1 && m.data[0] == values6[0]);
    wh__matrix_free(&m);
}

Test(npy, round_trip_is_bit_exact)
{
    wh__matrix m;
    cr_assert(wh__matrix_alloc(&m, 7, 5));
    for (size_t i = 0; i < 35; i++)
        m.data[i] = sin(2.385 * (double)i) * pow(10.0, (double)i - 17.0);
    m.data[3] = -0.0;
    m.data[4] = 4.9e-324; /* the smallest subnormal */
    wh__buf b = {0};
    cr_assert(wh__npy_encode(&m, 8, 2, &b));
    cr_assert_eq((b.len - 35 * 8) % 64, 0, "the data must start on a 64-byte boundary");
    wh__matrix back;
    wh__io_error err = {0};
    cr_assert(wh__npy_decode(b.data, b.len, &back, NULL, &err), "%s", err.message);
    cr_assert(back.rows == 7 && back.cols == 5);
    cr_assert(memcmp(back.data, m.data, 35 * sizeof(double)) == 0, "round trip changed bits");
    wh__buf_free(&b);
    wh__matrix_free(&back);
    wh__matrix_free(&m);
}

/* Decoding must fail, and the message must contain `needle`. */
static void refuses(const unsigned char *bytes, size_t len, const char *needle)
{
    wh__matrix m = {0};
    wh__io_error err = {0};
    cr_assert_not(wh__npy_decode(bytes, len, &m, NULL, &err), "accepted input for '%s'", needle);
    cr_assert_null(m.data);
    cr_assert(strstr(err.message, needle) != NULL, "message '%s' lacks '%s'", err.message, needle);
}

Test(npy, malformed_inputs)
{
    unsigned char file[256], data[48] = {0};
    const char *good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    size_t len = make_npy(file, 1, good, data, 48);
    refuses(file, 0, "not an NPY file");
    refuses((const unsigned char *)"PK\x03\x04 not npy", 14, "not an NPY file");
    refuses(file, 9, "truncated NPY header");
    refuses(file, 40, "truncated NPY header");
    refuses(file, len - 8, "NPY data truncated");
    unsigned char bad[256];
    len = make_npy(bad, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", data, 24);
    refuses(bad, len, "unsupported NPY dtype '<i4'");
    len = make_npy(bad, 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", data, 16);
    refuses(bad, len, "unsupported NPY dtype");
    len = make_npy(bad, 1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }",
                   data, 16);
    refuses(bad, len, "unsupported NPY dtype: a structured array");
    len = make_npy(bad, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 1), }", data,
                   48);
    refuses(bad, len, "more than 2 dimensions");
    len = make_npy(bad, 1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 3), }", data, 48);
    refuses(bad, len, "byte 44: NPY header: expected True or False");
    len = make_npy(bad, 1, "{'descr': '<f8', 'shape': (2, 3), }", data, 48);
    refuses(bad, len, "missing one of descr");
    file[6] = 4;
    refuses(file, len, "unsupported NPY format version 4.0");
}

Test(npy, refuses_nan_and_infinity_naming_the_element)
{
    unsigned char file[256], data[48] = {0};
    wh__put_float_le(data + 8 * 4, NAN, 8);
    size_t len =
        make_npy(file, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 48);
    refuses(file, len, "element (1, 1) is NaN");
    wh__put_float_le(data + 8 * 4, 0.0, 8);
    wh__put_float_le(data + 8 * 2, -INFINITY, 8);
    len =
        make_npy(file, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 48);
    refuses(file, len, "element (0, 2) is infinite");
}

/* CSV decoding must succeed with the given shape. */
static wh__matrix csv_ok(const char *text, size_t rows, size_t cols)
{
    wh__matrix m;
    wh__io_error err = {0};
    cr_assert(wh__csv_decode(text, strlen(text), &m, &err), "'%s': %s", text, err.message);
    cr_assert(m.rows == rows && m.cols == cols, "'%s' is %zu x %zu, want %zu x %zu", text, m.rows,
              m.cols, rows, cols);
    return m;
}

static void csv_refuses(const char *text, const char *needle)
{
    wh__matrix m = {0};
    wh__io_error err = {0};
    cr_assert_not(wh__csv_decode(text, strlen(text), &m, &err), "accepted '%s'", text);
    cr_assert(strstr(err.message, needle) != NULL, "message '%s' lacks '%s'", err.message, needle);
}

Test(csv, header_comments_and_separators)
{
    wh__matrix m =
        csv_ok("# made by hand\nx0,x1,x2\n2.385, -1e-3 ,7\n\n4,5,6 # trailing\r\n", 2, 3);
    cr_assert(m.data[0] == 2.385 && m.data[1] == -1e-3 && m.data[5] == 6.0);
    wh__matrix_free(&m);
    m = csv_ok("  1.5\t2.5   3.5\n4 5 6", 2, 3);
    cr_assert(m.data[2] == 3.5 && m.data[3] == 4.0);
    wh__matrix_free(&m);
    m = csv_ok("0.25\n-0.5\n", 2, 1);
    wh__matrix_free(&m);
    m = csv_ok("\xEF\xBB\xBF"
               "a,b\n1,2\n",
               1, 2); /* a byte-order mark before the header */
    wh__matrix_free(&m);
}

Test(csv, malformed_inputs_name_line_and_column)
{
    csv_refuses("1,2,3\n4,5\n", "line 2, column 4: 2 fields where line 1 has 3 (ragged rows; "
                                "the line ends here)");
    csv_refuses("1,2\n3, 4 ,  5.5 # note\n", "line 2, column 9: 3 fields where line 1 has 2 "
                                             "(ragged rows; the first extra field starts here)");
    csv_refuses("1 2 3\n4 5\t\n", "line 2, column 4: 2 fields where line 1 has 3");
    csv_refuses("a,b\n1,2\n3,x7\n", "line 3, column 3: 'x7' is not a number");
    csv_refuses("1,2\n3,nan\n", "line 2, column 3: 'nan' is not finite");
    csv_refuses("1 2\n-inf 3\n", "line 2, column 1: '-inf' is not finite");
    csv_refuses("1,2\n1e999,3\n", "line 2, column 1: '1e999' is out of the range");
    csv_refuses("1,,3\n", "line 1, column 3: empty field");
    csv_refuses("1,2,\n", "line 1, column 5: empty field");
    csv_refuses("1,x,3\n", "line 1, column 3: 'x' is not a number");
    csv_refuses("", "no data rows");
    csv_refuses("# only a comment\n\n", "no data rows");
    csv_refuses("a,b,c\n", "no data rows");
}

Test(csv, round_trip_is_bit_exact)
{
    wh__matrix m;
    cr_assert(wh__matrix_alloc(&m, 4, 3));
    for (size_t i = 0; i < 12; i++)
        m.data[i] = cos(2.385 * (double)i) / 3.0 * pow(10.0, 40.0 * sin((double)i));
    const char *names[3] = {"y0", "y1", "y2"};
    wh__buf b = {0};
    cr_assert(wh__csv_encode(&m, names, &b));
    wh__matrix back = csv_ok((const char *)b.data, 4, 3); /* encode leaves a NUL after the text */
    cr_assert(memcmp(back.data, m.data, 12 * sizeof(double)) == 0, "CSV round trip changed bits");
    wh__matrix_free(&back);
    wh__matrix_free(&m);
    wh__buf_free(&b);
}

Test(csv, one_line_at_a_time)
{
    wh__csv_sep sep = WH__CSV_AUTO;
    double v[3];
    size_t count;
    wh__io_error err = {0};
    cr_assert(wh__csv_line("# comment", 9, 1, &sep, v, 3, &count, &err) && count == 0);
    cr_assert(wh__csv_line("1 2 3\r", 6, 2, &sep, v, 3, &count, &err) && count == 3);
    cr_assert_eq(sep, WH__CSV_SPACE);
    cr_assert(v[2] == 3.0);
    cr_assert_not(wh__csv_line("1 2 zz", 6, 3, &sep, v, 3, &count, &err));
    cr_assert(strstr(err.message, "line 3, column 5") != NULL, "%s", err.message);
}

Test(raw, decode_encode_and_refusals)
{
    wh__matrix m;
    cr_assert(wh__matrix_alloc(&m, 3, 2));
    memcpy(m.data, values6, sizeof values6);
    for (size_t word = 4; word <= 8; word += 4) {
        wh__buf b = {0};
        cr_assert(wh__raw_encode(&m, word, &b));
        cr_assert_eq(b.len, 6 * word);
        wh__matrix back;
        wh__io_error err = {0};
        cr_assert(wh__raw_decode(b.data, b.len, 2, word, &back, &err), "%s", err.message);
        for (size_t i = 0; i < 6; i++) {
            const double want = word == 4 ? (double)(float)values6[i] : values6[i];
            cr_assert_eq(back.data[i], want, "word %zu element %zu: %g != %g", word, i,
                         back.data[i], want);
        }
        wh__matrix_free(&back);
        cr_assert_not(wh__raw_decode(b.data, b.len - 1, 2, word, &back, &err));
        cr_assert(strstr(err.message, "not a whole number of samples") != NULL, "%s", err.message);
        wh__buf_free(&b);
    }
    wh__matrix_free(&m);
    unsigned char nan_bytes[8];
    wh__put_float_le(nan_bytes, NAN, 8);
    wh__io_error err = {0};
    cr_assert_not(wh__raw_decode(nan_bytes, 8, 1, 8, &m, &err));
    cr_assert(strstr(err.message, "NaN") != NULL, "%s", err.message);
}

Test(zip, entries_round_trip_and_crc_is_checked)
{
    const unsigned char a[] = "first entry", b[] = {0, 1, 2, 3, 255};
    wh__zip_entry e[2] = {{"a.txt", a, sizeof a}, {"b.bin", b, sizeof b}};
    wh__buf z = {0};
    cr_assert(wh__zip_encode(e, 2, &z));
    const unsigned char *data;
    size_t len;
    wh__io_error err = {0};
    cr_assert(wh__zip_find(z.data, z.len, "b.bin", &data, &len, &err), "%s", err.message);
    cr_assert(len == sizeof b && memcmp(data, b, len) == 0);
    cr_assert_not(wh__zip_find(z.data, z.len, "c.bin", &data, &len, &err));
    cr_assert(strstr(err.message, "no entry 'c.bin'") != NULL, "%s", err.message);
    z.data[30 + 5 + 2] ^= 1; /* one bit of a.txt's data */
    cr_assert_not(wh__zip_find(z.data, z.len, "a.txt", &data, &len, &err));
    cr_assert(strstr(err.message, "CRC-32") != NULL, "%s", err.message);
    cr_assert_not(wh__zip_find(z.data, 10, "a.txt", &data, &len, &err));
    wh__buf_free(&z);
}

static wh__state sample_state(int kind)
{
    wh__state s = {.kind = kind,
                   .n = 3,
                   .k = kind == 0 ? 3 : 5,
                   .eta = 0.0123456789012345678,
                   .samples = UINT64_C(9007199254740993)};
    cr_assert(wh__matrix_alloc(&s.M, 3, 3));
    for (size_t i = 0; i < 9; i++)
        s.M.data[i] = 1.0 / (double)(i + 3);
    if (kind == 1) {
        cr_assert(wh__matrix_alloc(&s.W, 3, 5));
        for (size_t i = 0; i < 15; i++)
            s.W.data[i] = sin((double)i + 0.385);
    }
    s.solver = kind == 1 ? WH_SOLVER_FAST : WH_SOLVER_EXACT;
    s.refresh = kind == 1 ? 77 : 0;
    if (kind == 1) {
        cr_assert(wh__matrix_alloc(&s.solver_state, 31, 1));
        for (size_t i = 0; i < 31; i++)
            s.solver_state.data[i] = exp(-0.385 * (double)i);
    }
    s.has_source = true;
    s.source_samples = 12345;
    for (size_t i = 0; i < WH__MT_WORDS; i++)
        s.mt[i] = (uint32_t)(i * 2654435761u);
    return s;
}

Test(state, round_trip_is_exact_for_both_kinds)
{
    for (int kind = 0; kind <= 1; kind++) {
        wh__state s = sample_state(kind), back;
        wh__buf b = {0};
        wh__io_error err = {0};
        cr_assert(wh__state_encode(&s, "test", &b));
        cr_assert(wh__state_decode(b.data, b.len, &back, &err), "%s", err.message);
        cr_assert(back.kind == kind && back.n == 3 && back.k == s.k);
        cr_assert(back.eta == s.eta && back.samples == s.samples);
        cr_assert(memcmp(back.M.data, s.M.data, 9 * sizeof(double)) == 0);
        if (kind == 1) {
            cr_assert(memcmp(back.W.data, s.W.data, 15 * sizeof(double)) == 0);
            cr_assert(back.solver == WH_SOLVER_FAST && back.refresh == 77);
            cr_assert(back.solver_state.rows == 31 &&
                      memcmp(back.solver_state.data, s.solver_state.data, 31 * sizeof(double)) ==
                          0);
        } else {
            cr_assert(back.solver == WH_SOLVER_EXACT && back.solver_state.rows == 0);
        }
        cr_assert(back.has_source && back.source_samples == 12345);
        cr_assert(memcmp(back.mt, s.mt, sizeof s.mt) == 0);
        wh__state_free(&back);
        wh__state_free(&s);
        wh__buf_free(&b);
    }
}

Test(state, refuses_another_version_and_bad_shapes)
{
    const char *meta = "{\"format\": \"whiten-state\", \"version\": 2}";
    wh__zip_entry e = {"meta.json", (const unsigned char *)meta, strlen(meta)};
    wh__buf b = {0};
    cr_assert(wh__zip_encode(&e, 1, &b));
    wh__state s;
    wh__io_error err = {0};
    cr_assert_not(wh__state_decode(b.data, b.len, &s, &err));
    cr_assert(strstr(err.message, "state version 2; this whiten reads version 1") != NULL, "%s",
              err.message);
    wh__buf_free(&b);
    meta = "{\"format\": \"whiten-state\", \"version\": 1, \"net\": \"direct\", \"n\": 2, "
           "\"k\": 2, \"eta\": 0.01, \"samples\": \"5\"}";
    wh__matrix M;
    cr_assert(wh__matrix_alloc(&M, 3, 3));
    wh__buf npy = {0};
    cr_assert(wh__npy_encode(&M, 8, 2, &npy));
    wh__zip_entry two[2] = {{"meta.json", (const unsigned char *)meta, strlen(meta)},
                            {"M.npy", npy.data, npy.len}};
    cr_assert(wh__zip_encode(two, 2, &b));
    cr_assert_not(wh__state_decode(b.data, b.len, &s, &err));
    cr_assert(strstr(err.message, "M.npy is 3 x 3; meta.json says 2 x 2") != NULL, "%s",
              err.message);
    wh__buf_free(&b);
    wh__buf_free(&npy);
    wh__matrix_free(&M);
}

/*
 * The checkpoint members of a state file (meta.json "checkpoint", record.npy):
 * what `simulate` and `fit` need to finish an interrupted run bit for bit.
 */
static void sample_run(wh__state *s, bool converged, size_t rows)
{
    s->has_run = true;
    strcpy(s->run_command, "simulate");
    s->run_done = UINT64_C(9007199254740993); /* 2^53 + 1: not exact as a JSON number */
    s->run_total = UINT64_C(18446744073709551557);
    s->run_converged = converged;
    s->run_convergence = converged ? UINT64_C(9007199254740995) : 0;
    if (rows == 0)
        return;
    cr_assert(wh__matrix_alloc(&s->run_record, rows, 5));
    for (size_t i = 0; i < rows * 5; i++)
        s->run_record.data[i] = i % 5 == 0 ? 2.385e3 * (double)i : cos(0.385 * (double)i) / 7.0;
    s->run_record.data[3] = 4.9e-324; /* the smallest subnormal */
    s->run_record.data[4] = -0.0;
}

Test(state, checkpoint_members_round_trip_exactly)
{
    const struct {
        int kind;
        bool converged;
        size_t rows;
    } cases[] = {{0, true, 4}, {1, false, 7}, {1, true, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        wh__state s = sample_state(cases[c].kind), back;
        sample_run(&s, cases[c].converged, cases[c].rows);
        wh__buf b = {0};
        wh__io_error err = {0};
        cr_assert(wh__state_encode(&s, "test", &b));
        cr_assert(wh__state_decode(b.data, b.len, &back, &err), "case %zu: %s", c, err.message);
        cr_assert(back.has_run && strcmp(back.run_command, "simulate") == 0, "case %zu: '%s'", c,
                  back.run_command);
        cr_assert(back.run_done == s.run_done && back.run_total == s.run_total,
                  "case %zu: done %llu total %llu, wrote %llu %llu", c,
                  (unsigned long long)back.run_done, (unsigned long long)back.run_total,
                  (unsigned long long)s.run_done, (unsigned long long)s.run_total);
        cr_assert(back.run_converged == s.run_converged &&
                      back.run_convergence == s.run_convergence,
                  "case %zu: convergence %d %llu", c, back.run_converged,
                  (unsigned long long)back.run_convergence);
        cr_assert(back.run_record.rows == cases[c].rows, "case %zu: %zu rows", c,
                  back.run_record.rows);
        if (cases[c].rows > 0)
            cr_assert(back.run_record.cols == 5 &&
                          memcmp(back.run_record.data, s.run_record.data,
                                 cases[c].rows * 5 * sizeof(double)) == 0,
                      "case %zu: record differs", c);
        /* The network and source members are unchanged beside them. */
        cr_assert(memcmp(back.M.data, s.M.data, 9 * sizeof(double)) == 0);
        cr_assert(back.has_source && memcmp(back.mt, s.mt, sizeof s.mt) == 0);
        wh__state_free(&back);
        wh__state_free(&s);
        wh__buf_free(&b);
    }
}

/* A direct n = 2 state whose meta.json has this "checkpoint" object, and record.npy bytes. */
static void encode_with_checkpoint(const char *checkpoint, const wh__buf *record, wh__buf *out)
{
    char meta[512];
    snprintf(meta, sizeof meta,
             "{\"format\": \"whiten-state\", \"version\": 1, \"net\": \"direct\", \"n\": 2, "
             "\"k\": 2, \"eta\": 0.01, \"samples\": \"5\", \"checkpoint\": %s}",
             checkpoint);
    wh__matrix M;
    cr_assert(wh__matrix_alloc(&M, 2, 2));
    M.data[0] = M.data[3] = 2.385;
    wh__buf npy = {0};
    cr_assert(wh__npy_encode(&M, 8, 2, &npy));
    wh__zip_entry e[3] = {{"meta.json", (const unsigned char *)meta, strlen(meta)},
                          {"M.npy", npy.data, npy.len},
                          {"record.npy", record != NULL ? record->data : NULL,
                           record != NULL ? record->len : 0}};
    cr_assert(wh__zip_encode(e, record != NULL ? 3 : 2, out));
    wh__buf_free(&npy);
    wh__matrix_free(&M);
}

/* The decoder refused `input` (shown on failure) with a message that says needle. */
static void refused_saying(bool decoded, const wh__io_error *err, const char *input,
                           const char *needle)
{
    cr_assert_not(decoded, "accepted %s", input);
    cr_assert(strstr(err->message, needle) != NULL, "%s: message '%s' lacks '%s'", input,
              err->message, needle);
}

static void state_refuses(const char *checkpoint, const wh__buf *record, const char *needle)
{
    wh__buf b = {0};
    encode_with_checkpoint(checkpoint, record, &b);
    wh__state s;
    wh__io_error err = {0};
    refused_saying(wh__state_decode(b.data, b.len, &s, &err), &err, checkpoint, needle);
    wh__buf_free(&b);
}

Test(state, damaged_checkpoint_members_are_refused)
{
    const char *good = "{\"command\": \"fit\", \"done\": \"3\", \"total\": \"9\"}";
    wh__buf b = {0};
    wh__state s;
    wh__io_error err = {0};
    encode_with_checkpoint(good, NULL, &b);
    cr_assert(wh__state_decode(b.data, b.len, &s, &err), "the control case: %s", err.message);
    cr_assert(s.has_run && s.run_done == 3 && s.run_total == 9 && !s.run_converged);
    wh__state_free(&s);
    wh__buf_free(&b);
    state_refuses("{\"done\": \"3\", \"total\": \"9\"}", NULL, "needs a \"command\"");
    state_refuses("{\"command\": \"a-command-too-long\", \"done\": \"3\", \"total\": \"9\"}", NULL,
                  "needs a \"command\"");
    state_refuses("{\"command\": \"fit\", \"done\": 3, \"total\": \"9\"}", NULL,
                  "\"done\" must be a whole number written as a string");
    state_refuses("{\"command\": \"fit\", \"done\": \"3\"}", NULL, "\"total\" must be a whole");
    state_refuses("{\"command\": \"fit\", \"done\": \"10\", \"total\": \"9\"}", NULL,
                  "\"done\" exceeds \"total\"");
    state_refuses("{\"command\": \"simulate\", \"done\": \"3\", \"total\": \"9\", "
                  "\"convergence\": \"2x\"}",
                  NULL, "\"convergence\" must be a whole number");
    /* record.npy cut short by 8 bytes (its zip entry is sound, its NPY is not). */
    wh__matrix rec;
    cr_assert(wh__matrix_alloc(&rec, 3, 5));
    wh__buf npy = {0};
    cr_assert(wh__npy_encode(&rec, 8, 2, &npy));
    npy.len -= 8;
    state_refuses(good, &npy, "record.npy: ");
    wh__buf_free(&npy);
    wh__matrix_free(&rec);
}

Test(state, truncated_checkpoint_file_is_refused)
{
    wh__state s = sample_state(1), back;
    sample_run(&s, true, 6);
    wh__buf b = {0};
    cr_assert(wh__state_encode(&s, "test", &b));
    for (size_t cut = 1; cut < b.len; cut += b.len / 97 + 1) {
        wh__io_error err = {0};
        cr_assert_not(wh__state_decode(b.data, b.len - cut, &back, &err),
                      "accepted with the last %zu of %zu bytes cut", cut, b.len);
        cr_assert(err.message[0] != '\0', "no reason given (cut %zu)", cut);
    }
    wh__state_free(&s);
    wh__buf_free(&b);
}

/* The checkpoint of `whiten reproduce`: settings, finished experiments, units done. */
static wh__repro_ckpt sample_repro_ckpt(void)
{
    static const char *const names[2] = {"mode", "seed"}, *const values[2] = {"quick", "7"};
    wh__repro_ckpt c = {.options = 2, .seconds = 2.385, .sessions = 3, .finished = 2,
                        .sweeps = 2};
    for (size_t i = 0; i < 2; i++) {
        c.option_name[i] = wh__alloc(strlen(names[i]) + 1, 1);
        c.option_value[i] = wh__alloc(strlen(values[i]) + 1, 1);
        strcpy(c.option_name[i], names[i]);
        strcpy(c.option_value[i], values[i]);
    }
    strcpy(c.finished_id[0], "E1");
    strcpy(c.finished_id[1], "E3");
    c.sweep = wh__alloc(2, sizeof *c.sweep);
    cr_assert_not_null(c.sweep);
    for (size_t k = 0; k < 2; k++) {
        wh__repro_sweep *w = &c.sweep[k];
        strcpy(w->experiment, "E4");
        w->index = k;
        cr_assert(wh__repro_sweep_alloc(w, 5 + k, 3));
        for (size_t i = 0; i < w->count; i += 2) { /* units 0, 2, 4 (, 6) done */
            w->done[i] = 1;
            for (size_t v = 0; v < 3; v++)
                w->values[i * 3 + v] = sin(0.385 * (double)(i * 3 + v)) * 1e-300;
        }
    }
    c.sweep[0].values[0] = (double)NAN; /* a run that never converged */
    c.sweep[0].values[1] = -0.0;
    c.sweep[0].values[2] = 4.9e-324;
    return c;
}

Test(repro_ckpt, round_trip_is_exact)
{
    wh__repro_ckpt c = sample_repro_ckpt(), back;
    wh__buf b = {0};
    wh__io_error err = {0};
    cr_assert(wh__repro_ckpt_encode(&c, "test", &b));
    cr_assert(wh__repro_ckpt_decode(b.data, b.len, &back, &err), "%s", err.message);
    cr_assert(back.options == 2 && strcmp(back.option_name[1], "seed") == 0 &&
              strcmp(back.option_value[1], "7") == 0 && strcmp(back.option_value[0], "quick") == 0);
    cr_assert(back.seconds == c.seconds && back.sessions == 3, "%.17g %llu", back.seconds,
              (unsigned long long)back.sessions);
    cr_assert(back.finished == 2 && strcmp(back.finished_id[1], "E3") == 0);
    cr_assert(back.sweeps == 2);
    for (size_t k = 0; k < 2; k++) {
        const wh__repro_sweep *w = &back.sweep[k], *o = &c.sweep[k];
        cr_assert(strcmp(w->experiment, "E4") == 0 && w->index == k && w->count == o->count &&
                  w->width == 3);
        cr_assert(memcmp(w->done, o->done, o->count) == 0, "sweep %zu: units done differ", k);
        /* Bit for bit, NaN and the sign of zero included. */
        cr_assert(memcmp(w->values, o->values, o->count * 3 * sizeof(double)) == 0,
                  "sweep %zu: values differ", k);
    }
    wh__repro_ckpt_free(&back);
    wh__repro_ckpt_free(&c);
    wh__buf_free(&b);
}

/* checkpoint.json as given, in a sound zip: the reader must refuse it, saying needle. */
static void repro_ckpt_refuses(const char *json, const char *needle)
{
    wh__zip_entry e = {"checkpoint.json", (const unsigned char *)json, strlen(json)};
    wh__buf b = {0};
    cr_assert(wh__zip_encode(&e, 1, &b));
    wh__repro_ckpt c;
    wh__io_error err = {0};
    refused_saying(wh__repro_ckpt_decode(b.data, b.len, &c, &err), &err, json, needle);
    wh__buf_free(&b);
}

#define CKPT_HEAD                                                                              \
    "{\"format\": \"whiten-reproduce-checkpoint\", \"version\": 1, \"seconds\": 1.5, "       \
    "\"sessions\": \"1\", \"options\": {\"seed\": \"7\"}, \"finished\": [\"E1\"], "
#define ONE_VALUE "\"0000000000000000\""

Test(repro_ckpt, damaged_files_are_refused_with_the_reason)
{
    wh__repro_ckpt c = sample_repro_ckpt(), back;
    wh__buf b = {0};
    wh__io_error err = {0};
    cr_assert(wh__repro_ckpt_encode(&c, "test", &b));
    for (size_t cut = 1; cut < b.len; cut += b.len / 61 + 1)
        cr_assert_not(wh__repro_ckpt_decode(b.data, b.len - cut, &back, &err),
                      "accepted with %zu bytes cut", cut);
    b.data[b.len / 2] ^= 4; /* one bit inside checkpoint.json: the CRC-32 sees it */
    cr_assert_not(wh__repro_ckpt_decode(b.data, b.len, &back, &err));
    cr_assert(strstr(err.message, "CRC-32") != NULL, "%s", err.message);
    wh__repro_ckpt_free(&c);
    wh__buf_free(&b);
    repro_ckpt_refuses("{\"format\": \"whiten-state\", \"version\": 1}", "not a checkpoint of");
    repro_ckpt_refuses("{\"format\": \"whiten-reproduce-checkpoint\", \"version\": 2}",
                       "checkpoint version 2; this whiten reads version 1");
    repro_ckpt_refuses("{\"format\": \"whiten-reproduce-checkpoint\", \"version\": 1, "
                       "\"seconds\": -1, \"sessions\": \"1\"}",
                       "\"seconds\" and \"sessions\"");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\", \"sweep\": 0, \"count\": "
                                 "3, \"width\": 1, \"done\": [0, 1], \"values\": " ONE_VALUE "}]}",
                       "16 hex digits for 2 units of 1 values");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\", \"sweep\": 0, \"count\": "
                                 "3, \"width\": 1, \"done\": [2, 1], \"values\": "
                                 "\"00000000000000000000000000000000\"}]}",
                       "increasing order");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\", \"sweep\": 0, \"count\": "
                                 "3, \"width\": 1, \"done\": [3], \"values\": " ONE_VALUE "}]}",
                       "units below 3");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\", \"sweep\": 0, \"count\": "
                                 "3, \"width\": 1, \"done\": [0], \"values\": "
                                 "\"000000000000000g\"}]}",
                       "lower-case hex");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\", \"sweep\": 0, \"count\": "
                                 "100000, \"width\": 100000, \"done\": [], \"values\": \"\"}]}",
                       "too large");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\", \"sweep\": 0, \"count\": "
                                 "3, \"width\": 1.5, \"done\": [], \"values\": \"\"}]}",
                       "\"width\" must be a whole number");
    repro_ckpt_refuses(CKPT_HEAD "\"sweeps\": [{\"experiment\": \"E4\"", "not valid JSON");
}

Test(file, atomic_write_replaces_and_leaves_no_temporary)
{
    char dir[] = "/tmp/whiten-io-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    wh__buf b = {0};
    cr_assert(wh__buf_printf(&b, "1,2\n"));
    wh__io_error err = {0};
    cr_assert(wh__file_write_atomic(path, &b, &err), "%s", err.message);
    unsigned char *bytes;
    size_t len;
    cr_assert(wh__file_read(path, &bytes, &len, &err), "%s", err.message);
    cr_assert(len == 4 && memcmp(bytes, "1,2\n", 4) == 0);
    free(bytes);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-folder/out.csv", dir);
    cr_assert_not(wh__file_write_atomic(missing, &b, &err));
    cr_assert(strstr(err.message, "temporary file") != NULL, "%s", err.message);
    cr_assert(unlink(path) == 0);
    cr_assert(rmdir(dir) == 0, "the folder should be empty: no temporary file may remain");
    wh__buf_free(&b);
}

/* numpy's own files (tests/data/make_npy.py) against the CSV of the same values. */
static void numpy_file_matches(const char *name, bool big, bool fortran, size_t word)
{
    char path[512], csv_path[512];
    snprintf(path, sizeof path, "%s/%s.npy", WH_TEST_DATA_DIR, name);
    snprintf(csv_path, sizeof csv_path, "%s/expected.csv", WH_TEST_DATA_DIR);
    unsigned char *bytes, *text;
    size_t len, text_len;
    wh__io_error err = {0};
    cr_assert(wh__file_read(path, &bytes, &len, &err), "%s: %s", path, err.message);
    cr_assert(wh__file_read(csv_path, &text, &text_len, &err), "%s: %s", csv_path, err.message);
    wh__matrix m, want;
    wh__npy_info info;
    cr_assert(wh__npy_decode(bytes, len, &m, &info, &err), "%s: %s", path, err.message);
    cr_assert(wh__csv_decode((const char *)text, text_len, &want, &err), "%s", err.message);
    cr_assert(info.big_endian == big && info.fortran_order == fortran && info.word == word,
              "%s: unexpected layout", name);
    cr_assert(m.rows == want.rows && m.cols == want.cols, "%s: %zu x %zu", name, m.rows, m.cols);
    for (size_t i = 0; i < m.rows * m.cols; i++) {
        const double w = word == 4 ? (double)(float)want.data[i] : want.data[i];
        cr_assert_eq(m.data[i], w, "%s element %zu: %.17g, want %.17g", name, i, m.data[i], w);
    }
    wh__matrix_free(&m);
    wh__matrix_free(&want);
    free(bytes);
    free(text);
}

Test(numpy_files, every_layout_numpy_wrote)
{
    numpy_file_matches("f8_c", false, false, 8);
    numpy_file_matches("f4_c", false, false, 4);
    numpy_file_matches("f8_big", true, false, 8);
    numpy_file_matches("f4_big_fortran", true, true, 4);
    numpy_file_matches("f8_fortran", false, true, 8);
    numpy_file_matches("f8_v2", false, false, 8);
    numpy_file_matches("f8_v3", false, false, 8);
}

Test(numpy_files, state_assembled_by_numpy)
{
    char path[512];
    snprintf(path, sizeof path, "%s/state_numpy.npz", WH_TEST_DATA_DIR);
    unsigned char *bytes;
    size_t len;
    wh__io_error err = {0};
    cr_assert(wh__file_read(path, &bytes, &len, &err), "%s: %s", path, err.message);
    wh__state s;
    cr_assert(wh__state_decode(bytes, len, &s, &err), "%s", err.message);
    cr_assert(s.kind == 1 && s.n == 2 && s.k == 3 && s.eta == 0.002 && s.samples == 1234);
    const double W[6] = {1.5, 0.25, -0.5, 0.0, 2.0, 0.125};
    cr_assert(memcmp(s.W.data, W, sizeof W) == 0, "W differs");
    cr_assert(s.M.data[1] == 1.5 * 0.0 + 0.25 * 2.0 + -0.5 * 0.125, "M[0][1] = %g", s.M.data[1]);
    cr_assert_not(s.has_source);
    wh__state_free(&s);
    free(bytes);
}

Test(csv, header_detection_and_shortest_text)
{
    cr_assert(wh__csv_is_header("a, b ,c", 7));
    cr_assert_not(wh__csv_is_header("a,2,c", 5));
    cr_assert_not(wh__csv_is_header("# x y", 5));
    char text[WH__DOUBLE_TEXT];
    cr_assert_str_eq(wh__format_double(text, 2.385), "2.385");
    cr_assert_str_eq(wh__format_double(text, 0.1 + 0.2), "0.30000000000000004");
    cr_assert_str_eq(wh__format_double(text, -0.0), "-0");
    cr_assert_str_eq(wh__format_double(text, 1e-300 / 3.0), "3.3333333333333334e-301");
}

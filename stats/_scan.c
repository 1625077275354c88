/* The clean-file scanner of the per-user CSV engine (stats._scanner calls it).

   scan(path, start, end, first, columns, i_var, i_conv, i_value, delimiter, decimal,
        names, shifts) reads the lines that begin in the byte range [start, end) of a file
   (the first line of the range is a whole line when `first` is true, else the line that
   crosses `start` belongs to the range before) and sums, per known variant name, the row
   count, the conversions and the values' deviations (value - shift) and their squares.

   It takes only what it can read with certainty: every line ends with "\n" or "\r\n",
   has exactly `columns` fields split by `delimiter`, holds no quote, no lone "\r", no NUL
   and no byte above 0x7F outside the variant field; the variant is one of `names` as is
   (no spaces around it); the conversion is "0" or "1"; the value is digits with at most
   one decimal separator, an optional leading "-", whose digits fit in 2^53 and whose
   fraction has at most 22 digits (then mantissa / 10^k is the correctly rounded double,
   as every correct decimal reader gives). On any other line it returns None at once and
   the caller hands the file to the engine that judges rows one by one.

   The GIL is released while the range is read, so threads scan ranges in parallel. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NAMES 100
#define MAX_COLUMNS 4096
#define WINDOW (1 << 20)

typedef struct {
    const char *bytes;
    Py_ssize_t size;
} Name;

typedef struct {
    int64_t n, conversions;
    double sum, squares;
} Sums;

typedef struct {
    int columns, i_var, i_conv, i_value;
    char delimiter, decimal;
    Name names[MAX_NAMES];
    int n_names;
    double shifts[MAX_NAMES];
    Sums sums[MAX_NAMES];
} Job;

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* 1 and the value for a plain decimal within the exact range, else 0. */
static int parse_value(const char *p, const char *end, char decimal, double *out) {
    int negative = 0, digits = 0, fraction = -1;
    uint64_t mantissa = 0;
    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
    if (p == end) return 0;
    for (; p < end; p++) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            if (mantissa > (UINT64_C(1) << 53) / 10) return 0;
            mantissa = mantissa * 10 + (uint64_t)(c - '0');
            if (mantissa > (UINT64_C(1) << 53)) return 0;
            digits++;
            if (fraction >= 0) fraction++;
        } else if (c == decimal && fraction < 0) {
            fraction = 0;
        } else {
            return 0;
        }
    }
    if (digits == 0 || fraction == 0 || fraction > 22) return 0; /* "", "-", "5." */
    double value = (double)mantissa;
    if (fraction > 0) value /= POW10[fraction];
    *out = negative ? -value : value;
    return 1;
}

static int find_name(const Job *job, const char *p, Py_ssize_t size) {
    for (int k = 0; k < job->n_names; k++) {
        if (job->names[k].size == size && memcmp(job->names[k].bytes, p, (size_t)size) == 0)
            return k;
    }
    return -1;
}

/* 1 when the line [p, end) (without its line end) was taken, 0 when it is not clean. */
static int take_line(Job *job, const char *p, const char *end) {
    const char *field = p;
    int column = 0, code = -1, flag = 0, have_value = 0;
    double value = 0.0;
    if (p == end) return 0; /* blank line */
    for (const char *q = p;; q++) {
        if (q == end || *q == job->delimiter) {
            if (column == job->i_var) {
                code = find_name(job, field, q - field);
                if (code < 0) return 0;
            } else {
                for (const char *r = field; r < q; r++) {
                    unsigned char c = (unsigned char)*r;
                    if (c == '"' || c == '\r' || c == 0 || c > 0x7F) return 0;
                }
                if (column == job->i_conv) {
                    if (q - field != 1 || (*field != '0' && *field != '1')) return 0;
                    flag = *field - '0';
                } else if (column == job->i_value) {
                    if (!parse_value(field, q, job->decimal, &value)) return 0;
                    have_value = 1;
                }
            }
            column++;
            if (q == end) break;
            if (column >= job->columns) return 0; /* too many fields */
            field = q + 1;
        }
    }
    if (column != job->columns) return 0;
    Sums *s = &job->sums[code];
    s->n++;
    s->conversions += flag;
    if (have_value) {
        double d = value - job->shifts[code];
        s->sum += d;
        s->squares += d * d;
    }
    return 1;
}

typedef struct {
    int fd;
    int64_t size;
    char *data;     /* window of the file: data[0] is at file offset `at` */
    int64_t at, have, capacity;
} Window;

/* Drop the bytes before `keep`, then read more after what is held; 1 if some bytes were
   read, 0 at the end of the file, -1 on an error (errno set). */
static int refill(Window *w, const char **keep) {
    int64_t dropped = *keep - w->data;
    memmove(w->data, *keep, (size_t)(w->have - dropped));
    w->at += dropped;
    w->have -= dropped;
    *keep = w->data;
    if (w->have == w->capacity) { /* one line longer than the window: make it wider */
        char *grown = realloc(w->data, (size_t)(w->capacity * 2));
        if (grown == NULL) {
            errno = ENOMEM;
            return -1;
        }
        *keep = w->data = grown;
        w->capacity *= 2;
    }
    for (;;) {
        int64_t room = w->capacity - w->have;
        if (w->at + w->have + room > w->size) room = w->size - (w->at + w->have);
        if (room <= 0) return 0;
        ssize_t got = pread(w->fd, w->data + w->have, (size_t)room, (off_t)(w->at + w->have));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) return 0;
        w->have += got;
        return 1;
    }
}

/* 1 when every line beginning in the range was taken, 0 when one is not clean, -1 on an
   error (errno set). Reads through a window of WINDOW bytes: memory does not grow with
   the range. */
static int scan_range(Job *job, int fd, int64_t start, int64_t end, int first, int64_t size) {
    Window w = {fd, size, malloc(WINDOW), first ? start : start - 1, 0, WINDOW};
    if (w.data == NULL) {
        errno = ENOMEM;
        return -1;
    }
    const char *p = w.data;
    int result = 1, got = 1, skipping = !first; /* the line crossing `start` is not ours */
    for (;;) {
        if (!skipping && w.at + (p - w.data) >= end) break; /* the next line is not ours */
        const char *limit = w.data + w.have;
        const char *nl = memchr(p, '\n', (size_t)(limit - p));
        if (nl == NULL && got > 0) {
            got = refill(&w, &p);
            if (got < 0) {
                result = -1;
                break;
            }
            continue;
        }
        if (p == limit) break; /* the end of the file */
        const char *line_end = nl ? nl : limit; /* the file's last line may lack "\n" */
        if (skipping) {
            skipping = 0;
        } else {
            const char *text_end = line_end;
            if (nl && text_end > p && text_end[-1] == '\r') text_end--;
            if (!take_line(job, p, text_end)) {
                result = 0;
                break;
            }
        }
        p = nl ? nl + 1 : limit;
    }
    free(w.data);
    return result;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    const char *path;
    long long start, end;
    int first, columns, i_var, i_conv, i_value;
    int delimiter, decimal;
    PyObject *names, *shifts;
    (void)self;
    if (!PyArg_ParseTuple(args, "sLLpiiiiCCO!O!", &path, &start, &end, &first, &columns, &i_var,
                          &i_conv, &i_value, &delimiter, &decimal, &PyTuple_Type, &names,
                          &PyTuple_Type, &shifts))
        return NULL;
    Py_ssize_t n_names = PyTuple_GET_SIZE(names);
    if (n_names < 1 || n_names > MAX_NAMES || PyTuple_GET_SIZE(shifts) != n_names ||
        columns < 1 || columns > MAX_COLUMNS || i_var < 0 || i_var >= columns ||
        i_conv >= columns || i_value >= columns || delimiter > 0x7F || decimal > 0x7F ||
        start < 0 || end < start) {
        PyErr_SetString(PyExc_ValueError, "scan: arguments out of range");
        return NULL;
    }
    Job *job = calloc(1, sizeof(Job));
    if (job == NULL) return PyErr_NoMemory();
    job->columns = columns;
    job->i_var = i_var;
    job->i_conv = i_conv;
    job->i_value = i_value;
    job->delimiter = (char)delimiter;
    job->decimal = (char)decimal;
    job->n_names = (int)n_names;
    for (Py_ssize_t k = 0; k < n_names; k++) {
        PyObject *name = PyTuple_GET_ITEM(names, k);
        double shift = PyFloat_AsDouble(PyTuple_GET_ITEM(shifts, k));
        if (!PyBytes_Check(name) || (shift == -1.0 && PyErr_Occurred())) {
            free(job);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "scan: names are bytes");
            return NULL;
        }
        job->names[k].bytes = PyBytes_AS_STRING(name); /* the tuple keeps them alive */
        job->names[k].size = PyBytes_GET_SIZE(name);
        job->shifts[k] = shift;
    }
    int outcome = -1, fd = -1;
    Py_BEGIN_ALLOW_THREADS
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        off_t size = lseek(fd, 0, SEEK_END);
        if (size >= 0) {
            int64_t stop = end < (int64_t)size ? end : (int64_t)size;
            outcome = scan_range(job, fd, start, stop, first, (int64_t)size);
        }
        close(fd);
    }
    Py_END_ALLOW_THREADS
    if (outcome < 0) {
        free(job);
        return PyErr_SetFromErrnoWithFilename(PyExc_OSError, path);
    }
    if (outcome == 0) {
        free(job);
        Py_RETURN_NONE;
    }
    PyObject *result = PyTuple_New(n_names);
    for (Py_ssize_t k = 0; result != NULL && k < n_names; k++) {
        Sums *s = &job->sums[k];
        PyObject *item = Py_BuildValue("(LLdd)", (long long)s->n, (long long)s->conversions,
                                       s->sum, s->squares);
        if (item == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyTuple_SET_ITEM(result, k, item);
    }
    free(job);
    return result;
}

static PyMethodDef METHODS[] = {
    {"scan", scan, METH_VARARGS, "Sum the clean lines that begin in a byte range."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&MODULE); }

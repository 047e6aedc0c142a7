/* Compiled fast paths of adhere.text.langid: a word's n-grams, an n-gram's probability
 * vector, and one trial of the estimation.  The module is optional; without it langid runs the
 * same steps in Python, and the tests compare the two bit for bit.
 *
 * Exactness: every floating point operation is one the Python code (and langdetect) performs,
 * on the same operands and in the same order.  The build compiles this file with
 * -ffp-contract=off, because a fused multiply-add would round differently; nothing here may
 * be reordered or vectorised across operations (no -ffast-math).
 *
 * A probability vector is kept as `bytes`: n_langs native doubles.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <float.h>
#include <stdint.h>
#include <string.h>

/* Refuse to build where double arithmetic would not round as CPython's floats do on the
 * platforms this was made for (the install then falls back to the Python code). */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "double expressions must be evaluated in double precision (e.g. SSE2, not x87)"
#endif
#ifdef __FAST_MATH__
#error "must not be compiled with -ffast-math"
#endif

#define MAX_LANGS 256
#define ITERATION_LIMIT 1000
#define CONV_THRESHOLD 0.99999
#define BLOCK 5

/* ---- decode ------------------------------------------------------------------------- */

PyDoc_STRVAR(decode_doc,
"decode(lang_index, freqs, start, end, n_words) -> bytes\n\n"
"The probability vector of one n-gram: entry lang_index[k] is freqs[k] / n_words[lang]\n"
"for k in start..end-1, the other entries 0.0.  lang_index: bytes (one language index per\n"
"entry); freqs: a buffer of unsigned 16- or 32-bit ints; n_words: bytes of native doubles,\n"
"one per language (the n-gram length's word counts, exact integers).  The division is\n"
"Python's int / int true division for operands below 2**53.");

static PyObject *
decode(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "decode() takes exactly 5 arguments");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[2]);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t end = PyLong_AsSsize_t(args[3]);
    if (end == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer index_view, freq_view, words_view;
    if (PyObject_GetBuffer(args[0], &index_view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &freq_view, PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&index_view);
        return NULL;
    }
    if (PyObject_GetBuffer(args[4], &words_view, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&index_view);
        PyBuffer_Release(&freq_view);
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t n = words_view.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t itemsize = freq_view.itemsize;
    const char *format = freq_view.format ? freq_view.format : "B";
    if (n < 1 || n > MAX_LANGS || words_view.len % (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "n_words must hold 1 to 256 doubles");
        goto done;
    }
    if (!((itemsize == 2 && strcmp(format, "H") == 0)
          || (itemsize == 4 && (strcmp(format, "I") == 0 || strcmp(format, "L") == 0)))) {
        PyErr_SetString(PyExc_ValueError, "freqs must hold unsigned 16- or 32-bit ints");
        goto done;
    }
    if (start < 0 || end < start || end > index_view.len
        || end > freq_view.len / itemsize) {
        PyErr_SetString(PyExc_IndexError, "decode(): start..end out of range");
        goto done;
    }
    double n_words[MAX_LANGS];
    memcpy(n_words, words_view.buf, (size_t)n * sizeof(double));
    double vector[MAX_LANGS];
    for (Py_ssize_t i = 0; i < n; i++) {
        vector[i] = 0.0;
    }
    const unsigned char *langs = (const unsigned char *)index_view.buf;
    for (Py_ssize_t k = start; k < end; k++) {
        unsigned int lang = langs[k];
        double freq;
        if (itemsize == 2) {
            freq = (double)((const unsigned short *)freq_view.buf)[k];
        }
        else {
            freq = (double)((const unsigned int *)freq_view.buf)[k];
        }
        if (lang >= (unsigned int)n) {
            PyErr_SetString(PyExc_ValueError, "decode(): language index out of range");
            goto done;
        }
        vector[lang] = freq / n_words[lang];
    }
    result = PyBytes_FromStringAndSize((const char *)vector, n * (Py_ssize_t)sizeof(double));
done:
    PyBuffer_Release(&index_view);
    PyBuffer_Release(&freq_view);
    PyBuffer_Release(&words_view);
    return result;
}

/* ---- trial -------------------------------------------------------------------------- */

/* An index below `count`, drawn as Random._randbelow_with_getrandbits draws it. */
static Py_ssize_t
draw(PyObject *getrandbits, PyObject *bits, Py_ssize_t count)
{
    for (;;) {
        PyObject *r = PyObject_CallOneArg(getrandbits, bits);
        if (r == NULL) {
            return -1;
        }
        Py_ssize_t value = PyLong_AsSsize_t(r);
        Py_DECREF(r);
        if (value == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (value >= 0 && value < count) {
            return value;
        }
    }
}

/* The vector of a random n-gram of `grams` (vectors[gram]: bytes of n doubles) into out. */
static int
draw_vector(PyObject *getrandbits, PyObject *bits, PyObject *grams, PyObject *vectors,
            double *out, Py_ssize_t n)
{
    Py_ssize_t count = PyList_GET_SIZE(grams);
    if (count == 0) {
        PyErr_SetString(PyExc_ValueError, "grams must be a non-empty list");
        return -1;
    }
    Py_ssize_t index = draw(getrandbits, bits, count);
    if (index < 0) {
        return -1;
    }
    /* Held while vectors.__missing__ may run Python code. */
    PyObject *gram = PyList_GET_ITEM(grams, index);
    Py_INCREF(gram);
    PyObject *vector = PyObject_GetItem(vectors, gram);
    Py_DECREF(gram);
    if (vector == NULL) {
        return -1;
    }
    if (!PyBytes_Check(vector) || PyBytes_GET_SIZE(vector) != n * (Py_ssize_t)sizeof(double)) {
        PyErr_Format(PyExc_ValueError, "an n-gram's vector must be bytes of %zd doubles", n);
        Py_DECREF(vector);
        return -1;
    }
    memcpy(out, PyBytes_AS_STRING(vector), (size_t)n * sizeof(double));
    Py_DECREF(vector);
    return 0;
}

/* Python 3.11's sum() of a list of floats: 0.0 plus each value, left to right. */
static double
total_of(const double *values, Py_ssize_t n)
{
    double total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        total += values[i];
    }
    return total;
}

PyDoc_STRVAR(trial_doc,
"trial(getrandbits, grams, vectors, weight, uniform, n_langs) -> list[float]\n\n"
"One trial of langdetect's _detect_block with multipliers weight + p (weight = alpha /\n"
"10000): the final normalised probability vector.  grams: a non-empty list of n-grams,\n"
"drawn with getrandbits as Random.choice draws; vectors[gram]: bytes of n_langs doubles.");

static PyObject *
trial(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "trial() takes exactly 6 arguments");
        return NULL;
    }
    PyObject *getrandbits = args[0];
    PyObject *grams = args[1];
    PyObject *vectors = args[2];
    if (!PyList_Check(grams) || PyList_GET_SIZE(grams) == 0) {
        PyErr_SetString(PyExc_ValueError, "grams must be a non-empty list");
        return NULL;
    }
    double w = PyFloat_AsDouble(args[3]);
    if (w == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    double uniform = PyFloat_AsDouble(args[4]);
    if (uniform == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t n = PyLong_AsSsize_t(args[5]);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n < 1 || n > MAX_LANGS) {
        PyErr_Format(PyExc_ValueError, "n_langs must be in 1..%d", MAX_LANGS);
        return NULL;
    }
    int bit_length = 0;
    for (size_t rest = (size_t)PyList_GET_SIZE(grams); rest; rest >>= 1) {
        bit_length++;
    }
    PyObject *bits = PyLong_FromLong(bit_length);
    if (bits == NULL) {
        return NULL;
    }

    double prob[MAX_LANGS];
    double v[BLOCK][MAX_LANGS];
    PyObject *result = NULL;

    if (draw_vector(getrandbits, bits, grams, vectors, v[0], n) < 0) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        prob[i] = uniform * (w + v[0][i]);
    }
    double total = total_of(prob, n);
    /* The Python loop: check convergence (the largest normalised entry is the largest entry
     * divided by the total: rounded division is monotone), draw five n-grams, multiply each
     * normalised entry by their five multipliers in turn, sum. */
    for (int iteration = 0; iteration < ITERATION_LIMIT; iteration += BLOCK) {
        double largest = prob[0];
        for (Py_ssize_t i = 1; i < n; i++) {
            if (prob[i] > largest) {
                largest = prob[i];
            }
        }
        if (largest / total > CONV_THRESHOLD) {
            break;
        }
        for (int k = 0; k < BLOCK; k++) {
            if (draw_vector(getrandbits, bits, grams, vectors, v[k], n) < 0) {
                goto done;
            }
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            prob[i] = prob[i] / total * (w + v[0][i]) * (w + v[1][i]) * (w + v[2][i])
                      * (w + v[3][i]) * (w + v[4][i]);
        }
        total = total_of(prob, n);
    }
    result = PyList_New(n);
    if (result == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyFloat_FromDouble(prob[i] / total);
        if (value == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, value);
    }
done:
    Py_DECREF(bits);
    return result;
}

/* ---- the known n-grams ------------------------------------------------------------- */

/* A set of n-grams of 1 to 3 characters, looked up by code points without building a str:
 * an open-addressing hash table from a packed key (each code point + 1 in 21 bits, 0 for
 * no character) to the n-gram's str. */
typedef struct {
    uint64_t key; /* 0: empty slot */
    PyObject *gram;
} Slot;

typedef struct {
    PyObject_HEAD
    Slot *slots;
    Py_ssize_t capacity; /* a power of two */
    Py_ssize_t size;
} GramIndex;

static uint64_t
pack(const Py_UCS4 *chars, Py_ssize_t size)
{
    uint64_t key = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        key |= (uint64_t)(chars[i] + 1) << (21 * i);
    }
    return key;
}

static Slot *
find_slot(Slot *slots, Py_ssize_t capacity, uint64_t key)
{
    size_t mask = (size_t)capacity - 1;
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
    while (slots[i].key != 0 && slots[i].key != key) {
        i = (i + 1) & mask;
    }
    return &slots[i];
}

static PyObject *
lookup(GramIndex *index, const Py_UCS4 *chars, Py_ssize_t size)
{
    if (index->capacity == 0) {
        return NULL;
    }
    return find_slot(index->slots, index->capacity, pack(chars, size))->gram;
}

static int
grow(GramIndex *index, Py_ssize_t needed)
{
    if (2 * needed <= index->capacity) {
        return 0;
    }
    Py_ssize_t capacity = index->capacity ? index->capacity : 1024;
    while (2 * needed > capacity) {
        capacity *= 2;
    }
    Slot *slots = PyMem_Calloc((size_t)capacity, sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < index->capacity; i++) {
        if (index->slots[i].key != 0) {
            *find_slot(slots, capacity, index->slots[i].key) = index->slots[i];
        }
    }
    PyMem_Free(index->slots);
    index->slots = slots;
    index->capacity = capacity;
    return 0;
}

static PyObject *
gram_index_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)) {
        PyErr_SetString(PyExc_TypeError, "GramIndex() takes no arguments");
        return NULL;
    }
    GramIndex *index = (GramIndex *)type->tp_alloc(type, 0);
    if (index != NULL) {
        index->slots = NULL;
        index->capacity = 0;
        index->size = 0;
    }
    return (PyObject *)index;
}

static void
gram_index_dealloc(GramIndex *index)
{
    for (Py_ssize_t i = 0; i < index->capacity; i++) {
        Py_XDECREF(index->slots[i].gram);
    }
    PyMem_Free(index->slots);
    Py_TYPE(index)->tp_free((PyObject *)index);
}

/* The code points of an n-gram of 1 to 3 characters, or -1 with an exception set. */
static Py_ssize_t
code_points(PyObject *gram, Py_UCS4 *chars)
{
    if (!PyUnicode_Check(gram)) {
        PyErr_SetString(PyExc_TypeError, "n-grams must be str");
        return -1;
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(gram);
    if (size < 1 || size > 3) {
        PyErr_SetString(PyExc_ValueError, "n-grams must have 1 to 3 characters");
        return -1;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        chars[i] = PyUnicode_READ_CHAR(gram, i);
    }
    return size;
}

PyDoc_STRVAR(update_doc, "update(grams) -> None\n\nAdd n-grams (str of 1 to 3 characters).");

static PyObject *
gram_index_update(GramIndex *index, PyObject *grams)
{
    PyObject *items = PySequence_Fast(grams, "update() needs an iterable of str");
    if (items == NULL) {
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    if (grow(index, index->size + count) < 0) {
        Py_DECREF(items);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *gram = PySequence_Fast_GET_ITEM(items, k);
        Py_UCS4 chars[3];
        Py_ssize_t size = code_points(gram, chars);
        if (size < 0) {
            Py_DECREF(items);
            return NULL;
        }
        uint64_t key = pack(chars, size);
        Slot *slot = find_slot(index->slots, index->capacity, key);
        if (slot->key == 0) {
            slot->key = key;
            Py_INCREF(gram);
            slot->gram = gram;
            index->size++;
        }
    }
    Py_DECREF(items);
    Py_RETURN_NONE;
}

static int
gram_index_contains(GramIndex *index, PyObject *gram)
{
    Py_UCS4 chars[3];
    if (!PyUnicode_Check(gram)) {
        return 0;
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(gram);
    if (size < 1 || size > 3) {
        return 0;
    }
    if (code_points(gram, chars) < 0) {
        return -1;
    }
    return lookup(index, chars, size) != NULL;
}

static Py_ssize_t
gram_index_length(GramIndex *index)
{
    return index->size;
}

static PyObject *
gram_index_iter(GramIndex *index)
{
    PyObject *grams = PyList_New(0);
    if (grams == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < index->capacity; i++) {
        if (index->slots[i].key != 0 && PyList_Append(grams, index->slots[i].gram) < 0) {
            Py_DECREF(grams);
            return NULL;
        }
    }
    PyObject *iterator = PyObject_GetIter(grams);
    Py_DECREF(grams);
    return iterator;
}

static PyMethodDef gram_index_methods[] = {
    {"update", (PyCFunction)gram_index_update, METH_O, update_doc},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods gram_index_as_sequence = {
    .sq_length = (lenfunc)gram_index_length,
    .sq_contains = (objobjproc)gram_index_contains,
};

static PyTypeObject GramIndexType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "adhere.text._langid_speedups.GramIndex",
    .tp_doc = PyDoc_STR("GramIndex() -> a set of n-grams (1 to 3 characters) for word_ngrams."),
    .tp_basicsize = sizeof(GramIndex),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = gram_index_new,
    .tp_dealloc = (destructor)gram_index_dealloc,
    .tp_methods = gram_index_methods,
    .tp_as_sequence = &gram_index_as_sequence,
    .tp_iter = (getiterfunc)gram_index_iter,
};

/* ---- n-grams of a word --------------------------------------------------------------- */

/* Append the n-gram of the `size` code points at `chars` to `out` if `known` holds it. */
static int
keep_if_known(GramIndex *known, const Py_UCS4 *chars, Py_ssize_t size, PyObject *out)
{
    PyObject *gram = lookup(known, chars, size);
    return gram == NULL ? 0 : PyList_Append(out, gram);
}

PyDoc_STRVAR(word_ngrams_doc,
"word_ngrams(word, known, spaced) -> tuple[str, ...]\n\n"
"The n-grams of `known` (a GramIndex) that langdetect extracts from one normalised word\n"
"without spaces, in its order, followed when `spaced` by the two that the space after the\n"
"word produces: what adhere.text.langid._word_ngrams returns.");

static PyObject *
word_ngrams(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "word_ngrams() takes exactly 3 arguments");
        return NULL;
    }
    PyObject *word = args[0];
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "word must be a str");
        return NULL;
    }
    if (!PyObject_TypeCheck(args[1], &GramIndexType)) {
        PyErr_SetString(PyExc_TypeError, "known must be a GramIndex");
        return NULL;
    }
    GramIndex *known = (GramIndex *)args[1];
    int spaced = PyObject_IsTrue(args[2]);
    if (spaced < 0) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    Py_ssize_t length = PyUnicode_GET_LENGTH(word);
    /* window: the two characters before the current one and the current one; a word is
     * preceded by a space in langdetect's buffer. */
    Py_UCS4 window[3] = {' ', ' ', ' '};
    int prev_upper = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int upper = Py_UNICODE_ISUPPER(ch);
        window[0] = window[1];
        window[1] = window[2];
        window[2] = ch;
        /* capitalword: an upper case character after an upper case one adds nothing. */
        if (!(upper && prev_upper)) {
            if (keep_if_known(known, window + 2, 1, out) < 0
                || keep_if_known(known, window + 1, 2, out) < 0
                || (window[1] != ' ' && keep_if_known(known, window, 3, out) < 0)) {
                Py_DECREF(out);
                return NULL;
            }
        }
        prev_upper = upper;
    }
    if (spaced && length > 0) {
        Py_UCS4 tail[3] = {window[1], window[2], ' '};
        if (keep_if_known(known, tail + 1, 2, out) < 0
            || keep_if_known(known, tail, 3, out) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    PyObject *grams = PyList_AsTuple(out);
    Py_DECREF(out);
    return grams;
}

/* ---- module ------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"decode", (PyCFunction)(void (*)(void))decode, METH_FASTCALL, decode_doc},
    {"trial", (PyCFunction)(void (*)(void))trial, METH_FASTCALL, trial_doc},
    {"word_ngrams", (PyCFunction)(void (*)(void))word_ngrams, METH_FASTCALL, word_ngrams_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "adhere.text._langid_speedups",
    "Compiled fast paths of adhere.text.langid (the same operations in the same order).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__langid_speedups(void)
{
    if (PyType_Ready(&GramIndexType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&GramIndexType);
    if (PyModule_AddObject(module, "GramIndex", (PyObject *)&GramIndexType) < 0) {
        Py_DECREF(&GramIndexType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

/*
 * menshen.text._scan: one-pass normalise + Aho-Corasick match with offsets into the original text.
 *
 * Why C: the keyword tier must sustain tens of MB/s per core with spans in the *original* string.
 * Doing normalisation and matching in one pass over the code points avoids building a normalised
 * copy and an offset list for every message; offsets are kept in a small ring buffer and only
 * materialised for the (rare) hits.
 *
 * The semantics are defined by the pure-Python reference in menshen/text/scanner.py; property
 * tests check that both agree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CP 0x110000u
#define DELETE_MARK 0xFFFFFFFFu
#define EXPAND_FLAG 0x80000000u

/* ---------------------------------------------------------------- Normalizer */

typedef struct {
    PyObject_HEAD
    uint32_t *map;      /* MAX_CP entries: replacement cp, DELETE_MARK, or EXPAND_FLAG|offset */
    uint32_t *pool;     /* expansions: pool[off] = length, then the code points */
    Py_ssize_t pool_len;
    int collapse;       /* runs of >= 3 identical normalised code points count as 2 */
} NormalizerObject;

static void Normalizer_dealloc(NormalizerObject *self) {
    free(self->map);
    free(self->pool);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int add_expansion(NormalizerObject *self, Py_ssize_t *cap, PyObject *s, uint32_t *out) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (self->pool_len + n + 1 > *cap) {
        Py_ssize_t ncap = (*cap + n + 1) * 2;
        uint32_t *np = realloc(self->pool, (size_t)ncap * sizeof(uint32_t));
        if (!np) { PyErr_NoMemory(); return -1; }
        self->pool = np;
        *cap = ncap;
    }
    *out = EXPAND_FLAG | (uint32_t)self->pool_len;
    self->pool[self->pool_len++] = (uint32_t)n;
    for (Py_ssize_t i = 0; i < n; i++) self->pool[self->pool_len++] = PyUnicode_READ_CHAR(s, i);
    return 0;
}

/* Normalizer(delete_ranges: list[tuple[int, int]], mapping: dict[int, str], collapse: bool) */
static int Normalizer_init(NormalizerObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"delete_ranges", "mapping", "collapse", NULL};
    PyObject *ranges, *mapping;
    int collapse = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!|p", kwlist, &PyList_Type, &ranges,
                                     &PyDict_Type, &mapping, &collapse))
        return -1;
    free(self->map);
    free(self->pool);
    self->pool = NULL;
    self->pool_len = 0;
    self->collapse = collapse;
    self->map = malloc(MAX_CP * sizeof(uint32_t));
    if (!self->map) { PyErr_NoMemory(); return -1; }
    for (uint32_t cp = 0; cp < MAX_CP; cp++) self->map[cp] = cp;
    Py_ssize_t nr = PyList_GET_SIZE(ranges);
    for (Py_ssize_t i = 0; i < nr; i++) {
        unsigned long lo, hi;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(ranges, i), "kk", &lo, &hi)) return -1;
        if (lo > hi || hi >= MAX_CP) {
            PyErr_Format(PyExc_ValueError, "bad delete range %lx-%lx", lo, hi);
            return -1;
        }
        for (unsigned long cp = lo; cp <= hi; cp++) self->map[cp] = DELETE_MARK;
    }
    Py_ssize_t cap = 0, pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(mapping, &pos, &key, &value)) {
        unsigned long cp = PyLong_AsUnsignedLong(key);
        if (PyErr_Occurred()) return -1;
        if (cp >= MAX_CP || !PyUnicode_Check(value)) {
            PyErr_SetString(PyExc_ValueError, "mapping must be {code point: str}");
            return -1;
        }
        Py_ssize_t n = PyUnicode_GET_LENGTH(value);
        if (n == 0) self->map[cp] = DELETE_MARK;
        else if (n == 1) self->map[cp] = PyUnicode_READ_CHAR(value, 0);
        else if (add_expansion(self, &cap, value, &self->map[cp]) < 0) return -1;
    }
    return 0;
}

/* Emits normalised code points of one original code point; the callback sees (cp, orig index). */
typedef struct {
    uint32_t last;
    int run;
} CollapseState;

static inline int collapse_keep(const NormalizerObject *nz, CollapseState *st, uint32_t c) {
    if (!nz->collapse) return 1;
    if (c == st->last) {
        if (st->run >= 2) return 0;
        st->run++;
    } else {
        st->last = c;
        st->run = 1;
    }
    return 1;
}

static PyObject *Normalizer_normalize(NormalizerObject *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "normalize() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t cap = n + 16, len = 0;
    Py_UCS4 *buf = malloc((size_t)cap * sizeof(Py_UCS4));
    Py_ssize_t *idx = malloc((size_t)cap * sizeof(Py_ssize_t));
    if (!buf || !idx) { free(buf); free(idx); return PyErr_NoMemory(); }
    CollapseState st = {DELETE_MARK, 0};
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t v = self->map[PyUnicode_READ(kind, data, i)];
        if (v == DELETE_MARK) continue;
        const uint32_t *seq = &v;
        uint32_t cnt = 1;
        if (v & EXPAND_FLAG) {
            cnt = self->pool[v & ~EXPAND_FLAG];
            seq = &self->pool[(v & ~EXPAND_FLAG) + 1];
        }
        for (uint32_t k = 0; k < cnt; k++) {
            if (!collapse_keep(self, &st, seq[k])) continue;
            if (len == cap) {
                cap *= 2;
                Py_UCS4 *nb = realloc(buf, (size_t)cap * sizeof(Py_UCS4));
                if (nb) buf = nb;
                Py_ssize_t *ni = nb ? realloc(idx, (size_t)cap * sizeof(Py_ssize_t)) : NULL;
                if (!nb || !ni) { free(buf); free(idx); return PyErr_NoMemory(); }
                idx = ni;
            }
            buf[len] = seq[k];
            idx[len++] = i;
        }
    }
    PyObject *s = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, len);
    PyObject *offsets = s ? PyList_New(len) : NULL;
    if (offsets) {
        for (Py_ssize_t j = 0; j < len; j++) {
            PyObject *o = PyLong_FromSsize_t(idx[j]);
            if (!o) { Py_CLEAR(offsets); break; }
            PyList_SET_ITEM(offsets, j, o);
        }
    }
    free(buf);
    free(idx);
    if (!offsets) { Py_XDECREF(s); return NULL; }
    PyObject *res = PyTuple_Pack(2, s, offsets);
    Py_DECREF(s);
    Py_DECREF(offsets);
    return res;
}

static PyMethodDef Normalizer_methods[] = {
    {"normalize", (PyCFunction)Normalizer_normalize, METH_O,
     "normalize(text) -> (normalised text, original index of each normalised code point)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject NormalizerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "menshen.text._scan.Normalizer",
    .tp_basicsize = sizeof(NormalizerObject),
    .tp_dealloc = (destructor)Normalizer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Per-code-point normalisation table with deletions, expansions and run collapsing.",
    .tp_methods = Normalizer_methods,
    .tp_init = (initproc)Normalizer_init,
    .tp_new = PyType_GenericNew,
};

/* ---------------------------------------------------------------- Matcher */

typedef struct {
    uint64_t key;  /* key and value share a cache line: one miss per probe */
    int32_t val;
    int32_t pad;
} HEntry;

typedef struct {
    uint64_t cmask;     /* one bit per child edge (hashed): most failed gotos cost no hash probe */
    int32_t fail;
    int32_t out_head;   /* first pattern ending at the node, -1 if none */
    int32_t dict_link;  /* nearest proper suffix node with output, 0 if none */
    int32_t pad;
} Node;

typedef struct {
    PyObject_HEAD
    NormalizerObject *nz;
    uint16_t *alpha;        /* MAX_CP entries: alphabet id (1-based) or 0 */
    int32_t *root_next;     /* alphabet_size + 1 */
    HEntry *htab;           /* goto hash for non-root nodes: key = node << 21 | alpha */
    uint64_t hmask;
    int hbits;
    Node *nodes;
    int32_t *out_next;      /* per pattern: next pattern ending at the same node */
    int32_t *plen;          /* per pattern: length in normalised code points */
    int32_t n_nodes;
    int32_t n_patterns;
    int32_t ring_mask;
} MatcherObject;

static inline uint64_t hslot(const MatcherObject *m, uint64_t key) {
    return (key * 0x9E3779B97F4A7C15ull) >> (64 - m->hbits);
}

static inline uint64_t abit(uint32_t a) { return 1ull << ((a * 0x9E3779B1u) >> 26); }

static inline int32_t hget(const MatcherObject *m, int32_t node, uint32_t a) {
    if (!(m->nodes[node].cmask & abit(a))) return -1;
    uint64_t key = ((uint64_t)node << 21) | a;
    uint64_t s = hslot(m, key);
    for (;;) {
        uint64_t k = m->htab[s].key;
        if (k == key) return m->htab[s].val;
        if (k == 0) return -1;
        s = (s + 1) & m->hmask;
    }
}

static void hput(MatcherObject *m, int32_t node, uint32_t a, int32_t child) {
    uint64_t key = ((uint64_t)node << 21) | a;
    uint64_t s = hslot(m, key);
    while (m->htab[s].key != 0) s = (s + 1) & m->hmask;
    m->htab[s].key = key;
    m->htab[s].val = child;
    m->nodes[node].cmask |= abit(a);
}

/* Rebuild the goto hash at a load factor of at most 0.7 for n_nodes edges (best effort). */
static void rehash(MatcherObject *self, int32_t n_nodes) {
    int bits = 4;
    while ((double)(1ull << bits) * 0.7 < (double)n_nodes) bits++;
    if (bits >= self->hbits) return;
    HEntry *old = self->htab;
    uint64_t old_size = self->hmask + 1;
    self->htab = calloc(1ull << bits, sizeof(HEntry));
    if (!self->htab) { self->htab = old; return; } /* out of memory: keep the larger table */
    self->hbits = bits;
    self->hmask = (1ull << bits) - 1;
    for (uint64_t i = 0; i < old_size; i++) {
        if (old[i].key == 0) continue;
        uint64_t s = hslot(self, old[i].key);
        while (self->htab[s].key != 0) s = (s + 1) & self->hmask;
        self->htab[s] = old[i];
    }
    free(old);
}

static void Matcher_free_arrays(MatcherObject *self) {
    free(self->alpha); free(self->root_next); free(self->htab);
    free(self->nodes); free(self->out_next); free(self->plen);
    self->alpha = NULL; self->root_next = NULL; self->htab = NULL;
    self->nodes = NULL; self->out_next = NULL; self->plen = NULL;
}

static void Matcher_dealloc(MatcherObject *self) {
    Matcher_free_arrays(self);
    Py_XDECREF(self->nz);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static inline int32_t step_goto(const MatcherObject *m, int32_t node, uint32_t a) {
    return node == 0 ? m->root_next[a] : hget(m, node, a);
}

/* Matcher(normalizer, patterns: list[str]); patterns must already be normalised. */
static int Matcher_init(MatcherObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"normalizer", "patterns", NULL};
    PyObject *nz, *patterns;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!", kwlist, &NormalizerType, &nz,
                                     &PyList_Type, &patterns))
        return -1;
    Matcher_free_arrays(self);
    Py_XDECREF(self->nz);
    Py_INCREF(nz);
    self->nz = (NormalizerObject *)nz;

    Py_ssize_t np = PyList_GET_SIZE(patterns);
    Py_ssize_t total = 0;
    int32_t maxlen = 1;
    for (Py_ssize_t i = 0; i < np; i++) {
        PyObject *p = PyList_GET_ITEM(patterns, i);
        if (!PyUnicode_Check(p) || PyUnicode_GET_LENGTH(p) == 0) {
            PyErr_Format(PyExc_ValueError, "pattern %zd is not a non-empty str", i);
            return -1;
        }
        total += PyUnicode_GET_LENGTH(p);
        if (PyUnicode_GET_LENGTH(p) > maxlen) maxlen = (int32_t)PyUnicode_GET_LENGTH(p);
    }
    if (total >= INT32_MAX / 2) { PyErr_SetString(PyExc_ValueError, "too many patterns"); return -1; }

    self->alpha = calloc(MAX_CP, sizeof(uint16_t));
    Py_ssize_t cap_nodes = total + 1;
    self->nodes = calloc((size_t)cap_nodes, sizeof(Node));
    int32_t *first_child = malloc((size_t)cap_nodes * sizeof(int32_t));
    int32_t *next_sib = malloc((size_t)cap_nodes * sizeof(int32_t));
    uint32_t *edge = calloc((size_t)cap_nodes, sizeof(uint32_t));
    self->out_next = malloc((size_t)(np + 1) * sizeof(int32_t));
    self->plen = malloc((size_t)(np + 1) * sizeof(int32_t));
    int hbits = 4;
    while ((1ull << hbits) < (uint64_t)(total * 2 + 16)) hbits++;
    self->hbits = hbits;
    self->hmask = (1ull << hbits) - 1;
    self->htab = calloc(1ull << hbits, sizeof(HEntry));
    if (!self->alpha || !self->nodes || !first_child ||
        !next_sib || !edge || !self->out_next || !self->plen || !self->htab) {
        free(first_child); free(next_sib); free(edge);
        PyErr_NoMemory();
        return -1;
    }
    /* alphabet */
    uint32_t asize = 0;
    for (Py_ssize_t i = 0; i < np; i++) {
        PyObject *p = PyList_GET_ITEM(patterns, i);
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(p); j++) {
            Py_UCS4 c = PyUnicode_READ_CHAR(p, j);
            if (!self->alpha[c]) {
                if (asize == UINT16_MAX - 1) {
                    PyErr_SetString(PyExc_ValueError,
                                    "patterns use more than 65534 distinct characters");
                    goto fail;
                }
                self->alpha[c] = (uint16_t)++asize;
            }
        }
    }
    self->root_next = calloc(asize + 1, sizeof(int32_t));
    if (!self->root_next) { PyErr_NoMemory(); goto fail; }
    /* trie */
    int32_t n_nodes = 1;
    first_child[0] = -1; next_sib[0] = -1; self->nodes[0].out_head = -1;
    for (Py_ssize_t i = 0; i < np; i++) {
        PyObject *p = PyList_GET_ITEM(patterns, i);
        int32_t node = 0;
        Py_ssize_t L = PyUnicode_GET_LENGTH(p);
        for (Py_ssize_t j = 0; j < L; j++) {
            uint32_t a = self->alpha[PyUnicode_READ_CHAR(p, j)];
            int32_t nxt = step_goto(self, node, a);
            if (nxt <= 0) {
                nxt = n_nodes++;
                first_child[nxt] = -1; self->nodes[nxt].out_head = -1; edge[nxt] = a;
                next_sib[nxt] = first_child[node];
                first_child[node] = nxt;
                if (node == 0) self->root_next[a] = nxt; else hput(self, node, a, nxt);
            }
            node = nxt;
        }
        self->plen[i] = (int32_t)L;
        self->out_next[i] = self->nodes[node].out_head;
        self->nodes[node].out_head = (int32_t)i;
    }
    /* failure and dictionary links, breadth first */
    int32_t *queue = malloc((size_t)n_nodes * sizeof(int32_t));
    if (!queue) { PyErr_NoMemory(); goto fail; }
    Py_ssize_t qh = 0, qt = 0;
    for (int32_t c = first_child[0]; c >= 0; c = next_sib[c]) {
        self->nodes[c].fail = 0; self->nodes[c].dict_link = 0; queue[qt++] = c;
    }
    while (qh < qt) {
        int32_t u = queue[qh++];
        for (int32_t v = first_child[u]; v >= 0; v = next_sib[v]) {
            uint32_t a = edge[v];
            int32_t f = self->nodes[u].fail;
            int32_t t;
            while ((t = step_goto(self, f, a)) <= 0 && f != 0) f = self->nodes[f].fail;
            if (t < 0) t = 0;
            self->nodes[v].fail = (t == v) ? 0 : t;
            int32_t fv = self->nodes[v].fail;
            self->nodes[v].dict_link = self->nodes[fv].out_head >= 0 ? fv : self->nodes[fv].dict_link;
            queue[qt++] = v;
        }
    }
    free(queue);
    free(first_child); free(next_sib); free(edge);
    /* Shrink to what the trie uses: tables were sized for the worst case (no shared prefixes). */
    Node *fitted = realloc(self->nodes, (size_t)n_nodes * sizeof(Node));
    if (fitted) self->nodes = fitted;
    rehash(self, n_nodes);
    int32_t ring = 1;
    while (ring <= maxlen) ring <<= 1;
    self->ring_mask = ring - 1;
    self->n_nodes = n_nodes;
    self->n_patterns = (int32_t)np;
    return 0;
fail:
    free(first_child); free(next_sib); free(edge);
    return -1;
}

typedef struct {
    int32_t *v;  /* triples: pattern, start, end */
    Py_ssize_t len, cap;
    int oom;
} Hits;

static inline void hits_push(Hits *h, int32_t p, Py_ssize_t s, Py_ssize_t e) {
    if (h->len + 3 > h->cap) {
        Py_ssize_t ncap = h->cap ? h->cap * 2 : 48;
        int32_t *nv = realloc(h->v, (size_t)ncap * sizeof(int32_t));
        if (!nv) { h->oom = 1; return; }
        h->v = nv; h->cap = ncap;
    }
    h->v[h->len++] = p; h->v[h->len++] = (int32_t)s; h->v[h->len++] = (int32_t)e;
}

#define SCAN_LOOP(TYPE)                                                                        \
    {                                                                                          \
        const TYPE *txt = (const TYPE *)data;                                                  \
        for (Py_ssize_t i = 0; i < n; i++) {                                                   \
            uint32_t v = map[txt[i]];                                                          \
            if (v == DELETE_MARK) continue;                                                    \
            const uint32_t *seq = &v;                                                          \
            uint32_t cnt = 1;                                                                  \
            if (v & EXPAND_FLAG) {                                                             \
                cnt = nz->pool[v & ~EXPAND_FLAG];                                              \
                seq = &nz->pool[(v & ~EXPAND_FLAG) + 1];                                       \
            }                                                                                  \
            for (uint32_t k = 0; k < cnt; k++) {                                               \
                uint32_t c = seq[k];                                                           \
                if (!collapse_keep(nz, &cs, c)) continue;                                      \
                ring[npos & rmask] = i;                                                        \
                npos++;                                                                        \
                uint32_t a = alpha[c];                                                         \
                if (!a) { state = 0; continue; }                                               \
                int32_t t;                                                                     \
                while ((t = step_goto(self, state, a)) <= 0 && state != 0) state = nodes[state].fail; \
                state = t > 0 ? t : 0;                                                         \
                int32_t node = nodes[state].out_head >= 0 ? state : nodes[state].dict_link;                \
                while (node > 0) {                                                             \
                    for (int32_t p = nodes[node].out_head; p >= 0; p = self->out_next[p])            \
                        hits_push(&hits, p, ring[(npos - plen[p]) & rmask], i + 1);           \
                    node = nodes[node].dict_link;                                                    \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

static PyObject *Matcher_scan(MatcherObject *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "scan() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    if (n >= INT32_MAX) { PyErr_SetString(PyExc_ValueError, "text too long"); return NULL; }
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    const NormalizerObject *nz = self->nz;
    const uint32_t *map = nz->map;
    const uint16_t *alpha = self->alpha;
    const Node *nodes = self->nodes;
    const int32_t *plen = self->plen;
    Py_ssize_t ring_buf[64];
    Py_ssize_t *ring = ring_buf;
    uint32_t rmask = (uint32_t)self->ring_mask;
    if (rmask >= 64) {
        ring = malloc((rmask + 1) * sizeof(Py_ssize_t));
        if (!ring) return PyErr_NoMemory();
    }
    Hits hits = {NULL, 0, 0, 0};
    uint64_t npos = 0;
    int32_t state = 0;
    CollapseState cs = {DELETE_MARK, 0};
    Py_BEGIN_ALLOW_THREADS
    if (kind == PyUnicode_1BYTE_KIND) SCAN_LOOP(Py_UCS1)
    else if (kind == PyUnicode_2BYTE_KIND) SCAN_LOOP(Py_UCS2)
    else SCAN_LOOP(Py_UCS4)
    Py_END_ALLOW_THREADS
    if (ring != ring_buf) free(ring);
    if (hits.oom) { free(hits.v); return PyErr_NoMemory(); }
    PyObject *res = PyList_New(hits.len / 3);
    for (Py_ssize_t j = 0; res && j < hits.len / 3; j++) {
        PyObject *t = Py_BuildValue("(iii)", hits.v[3 * j], hits.v[3 * j + 1], hits.v[3 * j + 2]);
        if (!t) { Py_CLEAR(res); break; }
        PyList_SET_ITEM(res, j, t);
    }
    free(hits.v);
    return res;
}

static PyObject *Matcher_stats(MatcherObject *self, PyObject *Py_UNUSED(ignored)) {
    size_t bytes = MAX_CP * sizeof(uint16_t) + (size_t)(self->hmask + 1) * sizeof(HEntry) +
                   (size_t)self->n_nodes * sizeof(Node) + (size_t)self->n_patterns * 8;
    return Py_BuildValue("{s:i,s:i,s:n}", "nodes", self->n_nodes, "patterns", self->n_patterns,
                         "bytes", (Py_ssize_t)bytes);
}

static PyMethodDef Matcher_methods[] = {
    {"scan", (PyCFunction)Matcher_scan, METH_O,
     "scan(text) -> list of (pattern index, start, end) in original code point offsets"},
    {"stats", (PyCFunction)Matcher_stats, METH_NOARGS, "Sizes of the compiled automaton."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "menshen.text._scan.Matcher",
    .tp_basicsize = sizeof(MatcherObject),
    .tp_dealloc = (destructor)Matcher_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Aho-Corasick automaton scanning through a Normalizer.",
    .tp_methods = Matcher_methods,
    .tp_init = (initproc)Matcher_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef scanmodule = {
    PyModuleDef_HEAD_INIT, "_scan", "Normalise-and-match scanner (C accelerator).", -1, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&NormalizerType) < 0 || PyType_Ready(&MatcherType) < 0) return NULL;
    PyObject *m = PyModule_Create(&scanmodule);
    if (!m) return NULL;
    Py_INCREF(&NormalizerType);
    Py_INCREF(&MatcherType);
    if (PyModule_AddObject(m, "Normalizer", (PyObject *)&NormalizerType) < 0 ||
        PyModule_AddObject(m, "Matcher", (PyObject *)&MatcherType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

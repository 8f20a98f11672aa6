#include "CPolyphonyKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define POLYPHONY_HAS_X86_KERNELS 1
#include <immintrin.h>
#else
#define POLYPHONY_HAS_X86_KERNELS 0
#endif

// Query rows share each loaded panel: 4 rows × 32 candidates (AVX-512) or 4 × 16 (AVX2) keep
// 8 accumulators, two panel vectors and a broadcast in registers.
enum { PANEL = POLYPHONY_BOUND_PANEL, GROUP = 4 };

/// Candidates [first, first + 16) that row `limit` admits, as a bit mask.
static unsigned admitted(int first, int limit) {
    int count = limit - first;
    if (count <= 0) return 0;
    if (count >= PANEL) return 0xffffu;
    return (1u << count) - 1u;
}

/// Appends the set bits of `mask` (candidates first + bit) for query `query`, ascending.
static size_t emit(unsigned mask, int query, int first, int32_t *out_query, int32_t *out_candidate, size_t found) {
    while (mask) {
        int bit = __builtin_ctz(mask);
        out_query[found] = query;
        out_candidate[found] = first + bit;
        found++;
        mask &= mask - 1;
    }
    return found;
}

static size_t bound_pass_scalar(
    const float *heads, const float *query_norms, const int32_t *limits, int queries,
    const float *panels, const float *norms, int start, int prefix, float level,
    int32_t *out_query, int32_t *out_candidate) {
    size_t found = 0;
    for (int q = 0; q < queries; q++) {
        const float *x = heads + (size_t)q * prefix;
        for (int y = start; y < limits[q]; y++) {
            const float *panel = panels + (size_t)(y / PANEL) * prefix * PANEL + y % PANEL;
            float sum = 0;
            for (int j = 0; j < prefix; j++) sum += x[j] * panel[(size_t)j * PANEL];
            if (sum + query_norms[q] * norms[y] >= level) {
                out_query[found] = q;
                out_candidate[found] = y;
                found++;
            }
        }
    }
    return found;
}

#if POLYPHONY_HAS_X86_KERNELS

/// The rows, rest norms and limits of the query group starting at `q0`; a short group repeats
/// its last row with nothing admitted. Returns the end of the candidates any row admits.
static inline int load_group(
    const float *heads, const float *query_norms, const int32_t *limits, int queries, int q0, int start, int prefix,
    const float *x[GROUP], float x_norm[GROUP], int limit[GROUP]) {
    int end = start;
    for (int r = 0; r < GROUP; r++) {
        int q = q0 + r < queries ? q0 + r : queries - 1;
        x[r] = heads + (size_t)q * prefix;
        x_norm[r] = query_norms[q];
        limit[r] = q0 + r < queries ? limits[q] : start;
        if (limit[r] > end) end = limit[r];
    }
    return end;
}

__attribute__((target("avx512f")))
static size_t bound_pass_avx512(
    const float *heads, const float *query_norms, const int32_t *limits, int queries,
    const float *panels, const float *norms, int start, int prefix, float level,
    int32_t *out_query, int32_t *out_candidate) {
    size_t found = 0;
    const __m512 threshold = _mm512_set1_ps(level);
    for (int q0 = 0; q0 < queries; q0 += GROUP) {
        const float *x[GROUP];
        float x_norm[GROUP];
        int limit[GROUP];
        int end = load_group(heads, query_norms, limits, queries, q0, start, prefix, x, x_norm, limit);
        for (int first = start; first < end; first += 2 * PANEL) {
            const float *p0 = panels + (size_t)(first / PANEL) * prefix * PANEL;
            const float *p1 = p0 + (size_t)prefix * PANEL;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
            __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), d0 = _mm512_setzero_ps(), d1 = _mm512_setzero_ps();
            for (int j = 0; j < prefix; j++) {
                __m512 v0 = _mm512_loadu_ps(p0 + (size_t)j * PANEL);
                __m512 v1 = _mm512_loadu_ps(p1 + (size_t)j * PANEL);
                __m512 h = _mm512_set1_ps(x[0][j]);
                a0 = _mm512_fmadd_ps(h, v0, a0);
                a1 = _mm512_fmadd_ps(h, v1, a1);
                h = _mm512_set1_ps(x[1][j]);
                b0 = _mm512_fmadd_ps(h, v0, b0);
                b1 = _mm512_fmadd_ps(h, v1, b1);
                h = _mm512_set1_ps(x[2][j]);
                c0 = _mm512_fmadd_ps(h, v0, c0);
                c1 = _mm512_fmadd_ps(h, v1, c1);
                h = _mm512_set1_ps(x[3][j]);
                d0 = _mm512_fmadd_ps(h, v0, d0);
                d1 = _mm512_fmadd_ps(h, v1, d1);
            }
            __m512 n0 = _mm512_loadu_ps(norms + first), n1 = _mm512_loadu_ps(norms + first + PANEL);
            __m512 sums[GROUP][2] = {{a0, a1}, {b0, b1}, {c0, c1}, {d0, d1}};
            for (int r = 0; r < GROUP; r++) {
                __m512 scale = _mm512_set1_ps(x_norm[r]);
                unsigned m0 = _mm512_cmp_ps_mask(_mm512_fmadd_ps(scale, n0, sums[r][0]), threshold, _CMP_GE_OQ);
                unsigned m1 = _mm512_cmp_ps_mask(_mm512_fmadd_ps(scale, n1, sums[r][1]), threshold, _CMP_GE_OQ);
                m0 &= admitted(first, limit[r]);
                m1 &= admitted(first + PANEL, limit[r]);
                found = emit(m0, q0 + r, first, out_query, out_candidate, found);
                found = emit(m1, q0 + r, first + PANEL, out_query, out_candidate, found);
            }
        }
    }
    return found;
}

__attribute__((target("avx2,fma")))
static size_t bound_pass_avx2(
    const float *heads, const float *query_norms, const int32_t *limits, int queries,
    const float *panels, const float *norms, int start, int prefix, float level,
    int32_t *out_query, int32_t *out_candidate) {
    size_t found = 0;
    const __m256 threshold = _mm256_set1_ps(level);
    for (int q0 = 0; q0 < queries; q0 += GROUP) {
        const float *x[GROUP];
        float x_norm[GROUP];
        int limit[GROUP];
        int end = load_group(heads, query_norms, limits, queries, q0, start, prefix, x, x_norm, limit);
        for (int first = start; first < end; first += PANEL) {
            const float *p = panels + (size_t)(first / PANEL) * prefix * PANEL;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
            __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
            for (int j = 0; j < prefix; j++) {
                __m256 v0 = _mm256_loadu_ps(p + (size_t)j * PANEL);
                __m256 v1 = _mm256_loadu_ps(p + (size_t)j * PANEL + 8);
                __m256 h = _mm256_set1_ps(x[0][j]);
                a0 = _mm256_fmadd_ps(h, v0, a0);
                a1 = _mm256_fmadd_ps(h, v1, a1);
                h = _mm256_set1_ps(x[1][j]);
                b0 = _mm256_fmadd_ps(h, v0, b0);
                b1 = _mm256_fmadd_ps(h, v1, b1);
                h = _mm256_set1_ps(x[2][j]);
                c0 = _mm256_fmadd_ps(h, v0, c0);
                c1 = _mm256_fmadd_ps(h, v1, c1);
                h = _mm256_set1_ps(x[3][j]);
                d0 = _mm256_fmadd_ps(h, v0, d0);
                d1 = _mm256_fmadd_ps(h, v1, d1);
            }
            __m256 n0 = _mm256_loadu_ps(norms + first), n1 = _mm256_loadu_ps(norms + first + 8);
            __m256 sums[GROUP][2] = {{a0, a1}, {b0, b1}, {c0, c1}, {d0, d1}};
            for (int r = 0; r < GROUP; r++) {
                __m256 scale = _mm256_set1_ps(x_norm[r]);
                unsigned low = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_fmadd_ps(scale, n0, sums[r][0]), threshold, _CMP_GE_OQ));
                unsigned high = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_fmadd_ps(scale, n1, sums[r][1]), threshold, _CMP_GE_OQ));
                unsigned mask = (low | high << 8) & admitted(first, limit[r]);
                found = emit(mask, q0 + r, first, out_query, out_candidate, found);
            }
        }
    }
    return found;
}

#endif

typedef size_t (*bound_pass_kernel)(
    const float *, const float *, const int32_t *, int, const float *, const float *, int, int, float, int32_t *, int32_t *);

static bound_pass_kernel chosen_kernel(int *level) {
#if POLYPHONY_HAS_X86_KERNELS
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    if (__builtin_cpu_supports("avx512f")) {
        *level = 2;
        return bound_pass_avx512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *level = 1;
        return bound_pass_avx2;
    }
#endif
    *level = 0;
    return bound_pass_scalar;
}

int polyphony_bound_kernel_level(void) {
    int level;
    chosen_kernel(&level);
    return level;
}

int polyphony_bound_padded_rows(int rows) {
    return (rows + 2 * PANEL - 1) / (2 * PANEL) * (2 * PANEL);
}

void polyphony_bound_pack_panels(const float *heads, int rows, int prefix, float *panels) {
    size_t count = (size_t)polyphony_bound_padded_rows(rows) * prefix;
    for (size_t k = 0; k < count; k++) panels[k] = 0;
    for (int y = 0; y < rows; y++) {
        float *panel = panels + (size_t)(y / PANEL) * prefix * PANEL + y % PANEL;
        for (int j = 0; j < prefix; j++) panel[(size_t)j * PANEL] = heads[(size_t)y * prefix + j];
    }
}

size_t polyphony_bound_pass(
    const float *heads, const float *query_norms, const int32_t *limits, int queries,
    const float *panels, const float *norms, int start, int prefix, float level, int kernel,
    int32_t *out_query, int32_t *out_candidate) {
    if (queries <= 0) return 0;
    int best;
    bound_pass_kernel fastest = chosen_kernel(&best);
    if (kernel < 0 || kernel >= best) return fastest(heads, query_norms, limits, queries, panels, norms, start, prefix, level, out_query, out_candidate);
#if POLYPHONY_HAS_X86_KERNELS
    if (kernel == 1) return bound_pass_avx2(heads, query_norms, limits, queries, panels, norms, start, prefix, level, out_query, out_candidate);
#endif
    return bound_pass_scalar(heads, query_norms, limits, queries, panels, norms, start, prefix, level, out_query, out_candidate);
}

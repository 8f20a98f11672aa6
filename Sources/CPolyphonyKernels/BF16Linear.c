#include "CPolyphonyKernels.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define POLYPHONY_HAS_BF16_KERNELS 1
#include <immintrin.h>
#include "VectorMath.h"
#else
#define POLYPHONY_HAS_BF16_KERNELS 0
#endif

// A panel is 64 outputs (four zmm registers of 16 floats); a tile is up to TILE_ROWS rows of it,
// so one tile keeps 6 × 4 accumulators, 4 weight vectors and a broadcast in 29 of 32 registers.
enum { PANEL = 64, TILE_ROWS = 6, BLOCK_ROWS = 96 };

int polyphony_bf16_supported(void) {
#if POLYPHONY_HAS_BF16_KERNELS
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the zmm registers (XCR0).
    // Every CPU with AVX512_BF16 so far also has BW and VL, which the masked bf16 stores use.
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

/// float32 → bfloat16, round to nearest even; NaN stays a (quiet) NaN.
static uint16_t to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static int even(int count) { return (count + 1) & ~1; }

size_t polyphony_bf16_packed_count(int outputs, int inputs) {
    size_t panels = (size_t)(outputs + PANEL - 1) / PANEL;
    return panels * PANEL * (size_t)even(inputs);
}

void polyphony_bf16_pack_weights(const float *weight, int outputs, int inputs, uint16_t *packed) {
    int pairs = even(inputs) / 2;
    int panels = (outputs + PANEL - 1) / PANEL;
    for (int panel = 0; panel < panels; panel++) {
        uint16_t *out = packed + (size_t)panel * PANEL * 2 * pairs;
        for (int pair = 0; pair < pairs; pair++) {
            for (int lane = 0; lane < PANEL; lane++) {
                int row = panel * PANEL + lane;
                int column = 2 * pair;
                float first = row < outputs ? weight[(size_t)row * inputs + column] : 0;
                float second = row < outputs && column + 1 < inputs ? weight[(size_t)row * inputs + column + 1] : 0;
                out[(size_t)pair * 2 * PANEL + 2 * lane] = to_bf16(first);
                out[(size_t)pair * 2 * PANEL + 2 * lane + 1] = to_bf16(second);
            }
        }
    }
}

#if POLYPHONY_HAS_BF16_KERNELS
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

BF16_TARGET static void convert_rows_avx512(const float *input, int rows, int columns, int stride, uint16_t *output) {
    int width = even(columns);
    for (int row = 0; row < rows; row++) {
        const float *in = input + (size_t)row * stride;
        uint16_t *out = output + (size_t)row * width;
        int column = 0;
        for (; column + 16 <= columns; column += 16) {
            __m256bh half = _mm512_cvtneps_pbh(_mm512_loadu_ps(in + column));
            _mm256_storeu_si256((__m256i *)(out + column), (__m256i)half);
        }
        for (; column < columns; column++) out[column] = to_bf16(in[column]);
        if (width > columns) out[columns] = 0;
    }
}

/// The exact-form GELU x·Φ(x), with erf by Abramowitz & Stegun 7.1.26 as in the Swift DenseKernels.gelu.
BF16_TARGET static inline __m512 gelu_ps(__m512 x) {
    __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
    __m512 a = _mm512_abs_ps(z);
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 poly = _mm512_set1_ps(1.061405429f);
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-1.453152027f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(1.421413741f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-0.284496736f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(0.254829592f));
    __m512 e = exp_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a));
    __m512 magnitude = _mm512_fnmadd_ps(_mm512_mul_ps(poly, t), e, _mm512_set1_ps(1.0f));
    // erf has the sign of z (and of x): copy x's sign bit onto the magnitude.
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    __m512 erf = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(magnitude), sign));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(_mm512_set1_ps(1.0f), erf));
}

/// One tile: `rows` (≤ 6) rows × one 64-output panel, accumulated over all input pairs. `valid`
/// is how many of the panel's 64 outputs exist (fewer only in the last panel); float32 results go
/// to `output` with row stride `ldo`. Always inlined with a constant `rows`, so each call site
/// becomes a kernel with fixed registers.
BF16_TARGET __attribute__((always_inline)) static inline void tile(
    const int rows, const uint16_t *input, int width, const uint16_t *panel, int pairs,
    const float *bias, int valid, float *output, int ldo) {
    __mmask16 masks[4];
    for (int j = 0; j < 4; j++) {
        int left = valid - 16 * j;
        masks[j] = left >= 16 ? (__mmask16)0xffff : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
    }
    __m512 acc[TILE_ROWS][4];
    for (int j = 0; j < 4; j++) {
        __m512 b = _mm512_maskz_loadu_ps(masks[j], bias + 16 * j);
        for (int r = 0; r < rows; r++) acc[r][j] = b;
    }
    const uint32_t *pairsIn = (const uint32_t *)input;
    int step = width / 2;
    for (int pair = 0; pair < pairs; pair++) {
        const uint16_t *w = panel + (size_t)pair * 2 * PANEL;
        __m512bh w0 = (__m512bh)_mm512_loadu_si512(w);
        __m512bh w1 = (__m512bh)_mm512_loadu_si512(w + 32);
        __m512bh w2 = (__m512bh)_mm512_loadu_si512(w + 64);
        __m512bh w3 = (__m512bh)_mm512_loadu_si512(w + 96);
        for (int r = 0; r < rows; r++) {
            __m512bh a = (__m512bh)_mm512_set1_epi32((int)pairsIn[(size_t)r * step + pair]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], a, w0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], a, w1);
            acc[r][2] = _mm512_dpbf16_ps(acc[r][2], a, w2);
            acc[r][3] = _mm512_dpbf16_ps(acc[r][3], a, w3);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < 4; j++) _mm512_mask_storeu_ps(output + (size_t)r * ldo + 16 * j, masks[j], acc[r][j]);
}

/// GELU of a finished `rows` × `valid` tile (row stride PANEL), stored as bf16 rows of stride `ldo`.
/// Kept out of line: inlined, the compiler hoists GELU's two dozen constants out of the loops and
/// they crowd the tile's accumulators out of registers (spills measured at half speed).
BF16_TARGET __attribute__((noinline)) static void gelu_tile(const float *tile, int rows, int valid, uint16_t *rounded, int ldo) {
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < 4; j++) {
            int left = valid - 16 * j;
            if (left <= 0) break;
            __m256bh half = _mm512_cvtneps_pbh(gelu_ps(_mm512_loadu_ps(tile + r * PANEL + 16 * j)));
            uint16_t *out = rounded + (size_t)r * ldo + 16 * j;
            if (left >= 16) {
                _mm256_storeu_si256((__m256i *)out, (__m256i)half);
            } else {
                _mm256_mask_storeu_epi16(out, (__mmask16)((1u << left) - 1), (__m256i)half);
            }
        }
    }
}

#define TILE_CASES(OUT, LDO)                                                                \
    switch (tileRows) {                                                                     \
    case 6: tile(6, in, width, weights, pairs, bias + first, valid, OUT, LDO); break;       \
    case 5: tile(5, in, width, weights, pairs, bias + first, valid, OUT, LDO); break;       \
    case 4: tile(4, in, width, weights, pairs, bias + first, valid, OUT, LDO); break;       \
    case 3: tile(3, in, width, weights, pairs, bias + first, valid, OUT, LDO); break;       \
    case 2: tile(2, in, width, weights, pairs, bias + first, valid, OUT, LDO); break;       \
    default: tile(1, in, width, weights, pairs, bias + first, valid, OUT, LDO); break;      \
    }

/// The blocked product behind both entry points: float32 out (`gelu` 0) or GELU'd bf16 rows (`gelu` 1).
BF16_TARGET __attribute__((always_inline)) static inline void linear_avx512(
    const int gelu, const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs,
    const float *bias, float *output, uint16_t *rounded) {
    int width = even(inputs);
    int pairs = width / 2;
    int panels = (outputs + PANEL - 1) / PANEL;
    int ldo = gelu ? even(outputs) : outputs;
    float scratch[TILE_ROWS * PANEL];
    // Rows in blocks so a block's inputs (≤ 96 × 1536 bf16 = 288 KiB) and one weight panel stay in L2.
    for (int block = 0; block < rows; block += BLOCK_ROWS) {
        int blockEnd = block + BLOCK_ROWS < rows ? block + BLOCK_ROWS : rows;
        for (int panel = 0; panel < panels; panel++) {
            const uint16_t *weights = packed + (size_t)panel * PANEL * width;
            int first = panel * PANEL;
            int valid = outputs - first < PANEL ? outputs - first : PANEL;
            for (int row = block; row < blockEnd; row += TILE_ROWS) {
                const uint16_t *in = input + (size_t)row * width;
                int tileRows = blockEnd - row < TILE_ROWS ? blockEnd - row : TILE_ROWS;
                if (gelu) {
                    TILE_CASES(scratch, PANEL)
                    gelu_tile(scratch, tileRows, valid, rounded + (size_t)row * ldo + first, ldo);
                } else {
                    TILE_CASES(output + (size_t)row * ldo + first, ldo)
                }
            }
        }
    }
    if (gelu && ldo > outputs)
        for (int row = 0; row < rows; row++) rounded[(size_t)row * ldo + outputs] = 0;
}

BF16_TARGET static void linear_plain(
    const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs, const float *bias, float *output) {
    linear_avx512(0, input, rows, inputs, packed, outputs, bias, output, NULL);
}

BF16_TARGET static void linear_gelu(
    const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs, const float *bias, uint16_t *output) {
    linear_avx512(1, input, rows, inputs, packed, outputs, bias, NULL, output);
}
#endif

void polyphony_bf16_convert_rows(const float *input, int rows, int columns, int stride, uint16_t *output) {
#if POLYPHONY_HAS_BF16_KERNELS
    convert_rows_avx512(input, rows, columns, stride, output);
#else
    (void)input; (void)rows; (void)columns; (void)stride; (void)output;
#endif
}

void polyphony_bf16_linear(
    const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs, const float *bias,
    float *output) {
#if POLYPHONY_HAS_BF16_KERNELS
    linear_plain(input, rows, inputs, packed, outputs, bias, output);
#else
    (void)input; (void)rows; (void)inputs; (void)packed; (void)outputs; (void)bias; (void)output;
#endif
}

void polyphony_bf16_linear_gelu(
    const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs, const float *bias,
    uint16_t *output) {
#if POLYPHONY_HAS_BF16_KERNELS
    linear_gelu(input, rows, inputs, packed, outputs, bias, output);
#else
    (void)input; (void)rows; (void)inputs; (void)packed; (void)outputs; (void)bias; (void)output;
#endif
}

#include "CPolyphonyKernels.h"

#include <math.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define POLYPHONY_HAS_AVX512_ATTENTION 1
#include "VectorMath.h"
#else
#define POLYPHONY_HAS_AVX512_ATTENTION 0
#endif

// Short sequences make attention a swarm of tiny products: a 15-token idea has 15 × 15 scores per
// head, and a BLAS call per head and product costs more in set-up than in arithmetic. This kernel
// does a whole sequence's heads in one call, on 16 keys at a time.

int polyphony_avx512_supported(void) {
#if POLYPHONY_HAS_AVX512_ATTENTION
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

static int padded(int length) { return (length + 15) & ~15; }

size_t polyphony_attention_scratch_count(int length, int heads, int headSize) {
    return (size_t)(padded(heads * headSize) + length) * (size_t)padded(length);
}

#if POLYPHONY_HAS_AVX512_ATTENTION
POLYPHONY_AVX512_TARGET static __mmask16 lanes(int count) {
    return count >= 16 ? (__mmask16)0xffff : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/// Transposes a 16 × 16 block held as 16 row registers, in place.
POLYPHONY_AVX512_TARGET __attribute__((always_inline)) static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

/// Scores of `rows` (≤ 8) consecutive queries against 16 transposed keys: independent
/// accumulators, so the multiply-adds do not wait on each other.
POLYPHONY_AVX512_TARGET __attribute__((always_inline)) static inline void score_block(
    const int rows, const float *query, int stride, const float *keys, int width, int headSize, float scale, float *scores) {
    __m512 acc[8];
    for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
    for (int d = 0; d < headSize; d++) {
        __m512 k = _mm512_loadu_ps(keys + (size_t)d * width);
        for (int r = 0; r < rows; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(query[(size_t)r * stride + d]), k, acc[r]);
    }
    for (int r = 0; r < rows; r++) _mm512_storeu_ps(scores + (size_t)r * width, _mm512_mul_ps(acc[r], _mm512_set1_ps(scale)));
}

/// Context rows of `rows` (≤ 8) consecutive queries: their softmax weights (row stride `width`)
/// times the values, 16 value columns at a time, each value vector loaded once for all rows.
POLYPHONY_AVX512_TARGET __attribute__((always_inline)) static inline void context_block(
    const int rows, const float *weights, int width, int length, const float *value, int stride, int headSize, float *out,
    int contextStride) {
    for (int chunk = 0; chunk < headSize; chunk += 16) {
        __mmask16 mask = lanes(headSize - chunk);
        __m512 acc[8];
        for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
        for (int j = 0; j < length; j++) {
            __m512 v = _mm512_maskz_loadu_ps(mask, value + (size_t)j * stride + chunk);
            for (int r = 0; r < rows; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(weights[(size_t)r * width + j]), v, acc[r]);
        }
        for (int r = 0; r < rows; r++) _mm512_mask_storeu_ps(out + (size_t)r * contextStride + chunk, mask, acc[r]);
    }
}

POLYPHONY_AVX512_TARGET static void attention_avx512(
    const float *qkv, int length, int heads, int headSize, int stride, float scale, float *scratch, float *context,
    int contextStride) {
    int hidden = heads * headSize;
    int width = padded(length);
    float *keys = scratch;                                      // [padded(hidden) × width]: all keys, transposed
    float *scores = scratch + (size_t)padded(hidden) * width;  // [length × width]
    // Transposed in 16 × 16 blocks in registers; scalar copies measured ten cycles an element and
    // gathers three. Rows past the sequence are zero, so their scores are finite (and then masked).
    for (int block = 0; block < width; block += 16) {
        for (int column = 0; column < hidden; column += 16) {
            __mmask16 mask = lanes(hidden - column);
            __m512 r[16];
            for (int k = 0; k < 16; k++)
                r[k] = block + k < length ? _mm512_maskz_loadu_ps(mask, qkv + (size_t)(block + k) * stride + hidden + column)
                                          : _mm512_setzero_ps();
            transpose16(r);
            for (int k = 0; k < 16; k++) _mm512_storeu_ps(keys + (size_t)(column + k) * width + block, r[k]);
        }
    }
    for (int head = 0; head < heads; head++) {
        const float *query = qkv + (size_t)head * headSize;
        const float *value = query + 2 * hidden;
        const float *headKeys = keys + (size_t)head * headSize * width;
        for (int block = 0; block < width; block += 16) {
            for (int i = 0; i < length; i += 8) {
                const float *q = query + (size_t)i * stride;
                float *out = scores + (size_t)i * width + block;
                switch (length - i < 8 ? length - i : 8) {
                case 8: score_block(8, q, stride, headKeys + block, width, headSize, scale, out); break;
                case 7: score_block(7, q, stride, headKeys + block, width, headSize, scale, out); break;
                case 6: score_block(6, q, stride, headKeys + block, width, headSize, scale, out); break;
                case 5: score_block(5, q, stride, headKeys + block, width, headSize, scale, out); break;
                case 4: score_block(4, q, stride, headKeys + block, width, headSize, scale, out); break;
                case 3: score_block(3, q, stride, headKeys + block, width, headSize, scale, out); break;
                case 2: score_block(2, q, stride, headKeys + block, width, headSize, scale, out); break;
                default: score_block(1, q, stride, headKeys + block, width, headSize, scale, out); break;
                }
            }
        }
        for (int i = 0; i < length; i++) {
            float *row = scores + (size_t)i * width;
            __m512 largest = _mm512_set1_ps(-INFINITY);
            for (int block = 0; block < width; block += 16)
                largest = _mm512_mask_max_ps(largest, lanes(length - block), largest, _mm512_loadu_ps(row + block));
            __m512 top = _mm512_set1_ps(_mm512_reduce_max_ps(largest));
            __m512 total = _mm512_setzero_ps();
            for (int block = 0; block < width; block += 16) {
                __m512 e = _mm512_maskz_mov_ps(lanes(length - block), exp_ps(_mm512_sub_ps(_mm512_loadu_ps(row + block), top)));
                _mm512_storeu_ps(row + block, e);
                total = _mm512_add_ps(total, e);
            }
            __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(total));
            for (int block = 0; block < width; block += 16)
                _mm512_storeu_ps(row + block, _mm512_mul_ps(_mm512_loadu_ps(row + block), inverse));
        }
        for (int i = 0; i < length; i += 8) {
            const float *weights = scores + (size_t)i * width;
            float *out = context + (size_t)i * contextStride + (size_t)head * headSize;
            switch (length - i < 8 ? length - i : 8) {
            case 8: context_block(8, weights, width, length, value, stride, headSize, out, contextStride); break;
            case 7: context_block(7, weights, width, length, value, stride, headSize, out, contextStride); break;
            case 6: context_block(6, weights, width, length, value, stride, headSize, out, contextStride); break;
            case 5: context_block(5, weights, width, length, value, stride, headSize, out, contextStride); break;
            case 4: context_block(4, weights, width, length, value, stride, headSize, out, contextStride); break;
            case 3: context_block(3, weights, width, length, value, stride, headSize, out, contextStride); break;
            case 2: context_block(2, weights, width, length, value, stride, headSize, out, contextStride); break;
            default: context_block(1, weights, width, length, value, stride, headSize, out, contextStride); break;
            }
        }
    }
}
#endif

void polyphony_attention(
    const float *qkv, int length, int heads, int headSize, int stride, float scale, float *scratch, float *context,
    int contextStride) {
#if POLYPHONY_HAS_AVX512_ATTENTION
    attention_avx512(qkv, length, heads, headSize, stride, scale, scratch, context, contextStride);
#else
    (void)qkv; (void)length; (void)heads; (void)headSize; (void)stride; (void)scale; (void)scratch; (void)context;
    (void)contextStride;
#endif
}

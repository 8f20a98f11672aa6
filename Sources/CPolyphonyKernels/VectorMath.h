#ifndef POLYPHONY_VECTOR_MATH_H
#define POLYPHONY_VECTOR_MATH_H

// Elementwise AVX-512 math shared by the kernels. Only included where immintrin.h is available.

#include <immintrin.h>

#define POLYPHONY_AVX512_TARGET __attribute__((target("avx512f")))

/// e^x on 16 lanes; the same branch-free method and constants as the Swift VectorMath.exp
/// (relative error below 5·10⁻⁷, inputs clamped to [−87.3, 88]).
POLYPHONY_AVX512_TARGET static inline __m512 exp_ps(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.0f));
    __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), _mm512_set1_ps(12582912.0f));
    __m512 k = _mm512_sub_ps(shifted, _mm512_set1_ps(12582912.0f));
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.69314575f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.4286068e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i integer = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    __m512i scale = _mm512_slli_epi32(_mm512_add_epi32(integer, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(scale));
}

#endif

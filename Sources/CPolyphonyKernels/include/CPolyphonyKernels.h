#ifndef POLYPHONY_KERNELS_H
#define POLYPHONY_KERNELS_H

// Matrix kernels the system BLAS lacks: a fused attention for short sequences (AVX-512F), and a bfloat16 linear layer with float32 accumulation for
// CPUs with AVX512_BF16 (vdpbf16ps). Debian's OpenBLAS 0.3.21 has no sbgemm, and the MiniLM
// encoder spends most of its time in float32 GEMMs that run near this kind of core's fp32 peak;
// the bf16 dot-product instruction does twice the multiply-adds per cycle.
//
// Every bf16 entry point other than polyphony_bf16_supported must only be called when it returns 1,
// and polyphony_attention only when polyphony_avx512_supported does.
//
// Also SHA-256's block compression with the x86 SHA extensions, for PolyphonyCore's SHA256, and
// similarity bounds for the near-duplicate search in PolyphonyScoring.

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU and OS can run the bf16 kernels (AVX512F and AVX512_BF16), else 0.
int polyphony_bf16_supported(void);

/// Number of uint16 values polyphony_bf16_pack_weights writes for an [outputs × inputs] weight
/// (outputs rounded up to the 64-column panel, inputs up to an even count).
size_t polyphony_bf16_packed_count(int outputs, int inputs);

/// Converts a float32 weight stored [outputs × inputs] row-major (PyTorch's Linear layout) into
/// bf16 panels of 64 outputs, with input pairs interleaved as vdpbf16ps reads them. Rounds to
/// nearest even; padding is zero.
void polyphony_bf16_pack_weights(const float *weight, int outputs, int inputs, uint16_t *packed);

/// Converts `rows` rows of `columns` floats (row stride `stride` floats) to bf16 rows of
/// `(columns + 1) & ~1` values each, rounding to nearest even and padding an odd row with zero.
void polyphony_bf16_convert_rows(const float *input, int rows, int columns, int stride, uint16_t *output);

/// output[rows × outputs] = input[rows × inputs] · weightᵀ + bias, with `input` in bf16 rows as
/// polyphony_bf16_convert_rows writes them and `packed` from polyphony_bf16_pack_weights; the
/// products accumulate in float32. Row stride of `output` is `outputs`.
void polyphony_bf16_linear(
    const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs, const float *bias,
    float *output);

/// Like polyphony_bf16_linear, then the exact-form GELU (x·Φ(x), erf within 1.5·10⁻⁷), written as
/// bf16 rows of `(outputs + 1) & ~1` values: the input format of the next product, so the
/// feed-forward block's wide middle never exists in float32.
void polyphony_bf16_linear_gelu(
    const uint16_t *input, int rows, int inputs, const uint16_t *packed, int outputs, const float *bias,
    uint16_t *output);

/// Runs SHA-256's compression over `blocks` 64-byte blocks of `data`, updating `state` (the
/// eight working words, native order), with the CPU's SHA instructions. Returns 1 when it did,
/// 0 (touching nothing) when this CPU or build has none: the caller then compresses portably.
int polyphony_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// SHA-256 round constant `index` (0–63; 0 outside), one table for both the SHA-instruction
/// kernel and the portable rounds.
uint32_t polyphony_sha256_round_constant(int index);

// Similarity bounds for near-duplicate search: for query rows x and candidate rows y, the bound
// head(x)·head(y) + |rest(x)|·|rest(y)| (see NearDuplicateClustering.Index) over many candidates at
// once, with FMA in whatever order is fastest. The bound only prunes; the caller decides every pair
// with its own exact dot product, so the kernels' rounding only has to stay inside the caller's slack.

/// Candidates per panel: heads are packed as [panel][prefix][16] so one vector load holds one head
/// coordinate of 16 candidates.
#define POLYPHONY_BOUND_PANEL 16

/// Which kernel polyphony_bound_pass runs when asked for the fastest: 2 AVX-512F, 1 AVX2+FMA, 0 scalar.
int polyphony_bound_kernel_level(void);

/// `rows` rounded up to a multiple of 32: the rows polyphony_bound_pack_panels writes (the padding is
/// zero) and the length the candidates' `norms` array must have.
int polyphony_bound_padded_rows(int rows);

/// Packs `rows` heads of `prefix` floats (row-major) into panels of POLYPHONY_BOUND_PANEL candidates;
/// `panels` holds polyphony_bound_padded_rows(rows) × prefix floats.
void polyphony_bound_pack_panels(const float *heads, int rows, int prefix, float *panels);

/// For each query q < `queries` (heads row-major, `prefix` floats each) and each candidate y with
/// start ≤ y < limits[q], appends (q, y) to the outputs when
/// heads[q]·head(y) + query_norms[q]·norms[y] ≥ level. Pairs of one query come out in ascending y.
/// `start` must be a multiple of 32 and every limit at most the packed row count; the outputs need room
/// for Σ (limits[q] − start) pairs. `kernel` picks an implementation (−1: the fastest available; a
/// lower level forces that one, for tests). Returns the number of pairs written.
size_t polyphony_bound_pass(
    const float *heads, const float *query_norms, const int32_t *limits, int queries,
    const float *panels, const float *norms, int start, int prefix, float level, int kernel,
    int32_t *out_query, int32_t *out_candidate);

/// 1 when this CPU and OS can run the AVX-512F kernels (polyphony_attention), else 0.
int polyphony_avx512_supported(void);

/// Number of floats of scratch polyphony_attention needs for a sequence of `length` tokens.
size_t polyphony_attention_scratch_count(int length, int heads, int headSize);

/// BERT self-attention of one sequence, all heads: for each head h and token i, writes
/// softmax(scale · q_i · Kᵀ) · V to context[i · contextStride + h · headSize ...]. `qkv` holds
/// `length` rows of stride `stride`, each the queries of all heads, then the keys, then the values
/// (heads × headSize floats each). `scratch` holds polyphony_attention_scratch_count floats.
/// Softmax uses e^x within 5·10⁻⁷ (relative); sums run in float32.
void polyphony_attention(
    const float *qkv, int length, int heads, int headSize, int stride, float scale, float *scratch, float *context,
    int contextStride);

#endif

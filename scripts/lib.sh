# Shared set-up steps for scripts/serve and scripts/test. Each step checks first and installs only
# what is missing, so a second run is quick.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

CARGO_LEPTOS_VERSION="0.3.10"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# Phases of a long script, timed: `phase NAME` ends the running phase and starts NAME;
# `phase_report` ends the last one and prints where the time went (seconds, slowest first).
PHASES=()
PHASE_NAME=""
PHASE_START=$SECONDS
phase() {
  if [ -n "$PHASE_NAME" ]; then
    PHASES+=("$(printf '%6d s  %s' $((SECONDS - PHASE_START)) "$PHASE_NAME")")
  fi
  PHASE_NAME="$1"
  PHASE_START=$SECONDS
  [ -z "$1" ] || say "$1"
}
phase_report() {
  phase ""
  say "where the time went ($SECONDS s in all)"
  printf '%s\n' "${PHASES[@]}" | sort -rn
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# Free space in MiB on the filesystem that holds path $1 (or its nearest existing parent).
free_mib() {
  local p="$1"
  while [ ! -e "$p" ]; do p="$(dirname "$p")"; done
  df -Pk "$p" | awk 'NR==2 { print int($4 / 1024) }'
}

# Make room for a build step that needs about $1 GiB more in the cargo target directory. The
# directory grows with every dependency change and consecutive runs reuse it, so on a nearly full
# disk a build would die halfway ("No space left on device"). Caches that can be rebuilt go first,
# in this order: incremental state and the fuzzers' build, then the build profiles named in $2…
# (e.g. `debug` once the debug tests have run), then the whole directory. Exits with a clear
# message if even an empty target directory leaves too little room.
ensure_disk() {
  local need_mib=$(( $1 * 1024 )) free
  shift
  free="$(free_mib "$TARGET_DIR")"
  [ "$free" -ge "$need_mib" ] && return 0
  say "only $free MiB free for the build (about $need_mib MiB needed): removing rebuildable caches"
  rm -rf "$TARGET_DIR"/debug/incremental "$TARGET_DIR"/release/incremental "$TARGET_DIR/fuzz"
  for profile in "$@"; do
    [ "$(free_mib "$TARGET_DIR")" -ge "$need_mib" ] && return 0
    rm -rf "${TARGET_DIR:?}/$profile"
  done
  free="$(free_mib "$TARGET_DIR")"
  if [ "$free" -lt "$need_mib" ] && [ -d "$TARGET_DIR" ]; then
    say "still $free MiB free: removing the whole cargo target directory (a cold build follows)"
    rm -rf "${TARGET_DIR:?}"
    free="$(free_mib "$TARGET_DIR")"
  fi
  if [ "$free" -lt "$need_mib" ]; then
    echo "not enough disk space: $free MiB free where $TARGET_DIR lives, about $need_mib MiB needed" >&2
    exit 1
  fi
}

# Debian packages, installed only when missing.
ensure_debs() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_rust_tools() {
  command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup first" >&2; exit 1; }
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes 10-20 minutes once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  # wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
  local want
  want="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# npm packages: wasm-opt (binaryen 132; Debian's breaks hydration) and playwright-core.
ensure_npm() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/playwright-core ] \
     || [ ! -d end2end/node_modules/smpp ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing npm packages in end2end/"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
  export PATH="$ROOT/end2end/node_modules/.bin:$PATH"
}

build_release() {
  say "building the release server and browser bundle"
  # --precompress: a brotli and a gzip copy beside every file of the site, served as they are.
  # wasm-opt through its cache (scripts/cache-bin/wasm-opt): an unchanged bundle is not optimised
  # again.
  PATH="$ROOT/scripts/cache-bin:$PATH" WASM_OPT_CACHE="$TARGET_DIR/wasm-opt-cache" \
    cargo leptos build --release --precompress
}

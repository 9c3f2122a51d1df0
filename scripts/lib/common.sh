# Shared by scripts/test and scripts/demo: package installation and the CMake build.
# shellcheck shell=bash

COX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COX_JOBS="${COX_JOBS:-$(nproc)}"

# Debian packages the build and tests need; each is named in the README with its reason.
COX_PACKAGES=(g++ cmake ninja-build python3 libgtest-dev libgmock-dev libbenchmark-dev libtomlplusplus-dev)

log() { printf '==> %s\n' "$*"; }

# Installs whatever is missing, quietly when everything is already there. Needs root (or sudo)
# only when something is missing.
ensure_packages() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# cox_build <build-dir> [extra cmake args...]: configure (once) and build everything.
cox_build() {
    local dir="$1"
    shift
    log "configuring $dir"
    cmake -S "$COX_ROOT" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 || {
        # To stderr: callers that hide the build's progress (bench-report) must still show why it failed.
        cat "$dir.configure.log" >&2
        return 1
    }
    log "building $dir with $COX_JOBS jobs"
    cmake --build "$dir" --parallel "$COX_JOBS"
}

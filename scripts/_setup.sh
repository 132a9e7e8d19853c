# Shared set-up for scripts/run and scripts/test: system libraries, .venv, the package.
# Sourced, not run. Sets GUIDEMO_PY to the venv's python.
# GUIDEMO_PYTHON=3.12 (or scripts/test --python 3.12) uses that Python, in its own venv
# (.venv-3.12); without it, .venv with the newest Python >= 3.11 found.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GUIDEMO_PYTHON="${GUIDEMO_PYTHON:-}"
VENV="$ROOT/.venv${GUIDEMO_PYTHON:+-$GUIDEMO_PYTHON}"

# Libraries Qt needs on a bare Debian: the first set for offscreen rendering (tests,
# screenshots), the second for a real X11 window (scripts/run).
QT_LIBS_OFFSCREEN=(libegl1 libgl1 libopengl0 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0)
QT_LIBS_X11=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
             libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libx11-xcb1)

ensure_system_libs() {
    command -v dpkg >/dev/null 2>&1 || return 0   # not Debian: trust the system
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo "guidemo: installing system libraries for Qt: ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    else
        echo "guidemo: Qt needs these system libraries; install them with:" >&2
        echo "    sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
}

find_python() {
    if [ -n "$GUIDEMO_PYTHON" ]; then
        find_python_version "$GUIDEMO_PYTHON"; return 0
    fi
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "guidemo: Python >= 3.11 is required" >&2
    exit 1
}

# The interpreter of Python $1 (e.g. 3.13): on PATH, or one of pyenv's versions (its
# python3.13 shim fails unless that version is active, so look in its folder directly).
find_python_version() {
    local want="$1" candidate
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root)"
    for candidate in "python$want" "$pyenv_root"/versions/"$want".*/bin/"python$want"; do
        if "$candidate" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$want'" \
            >/dev/null 2>&1; then
            command -v "$candidate"; return 0
        fi
    done
    echo "guidemo: Python $want not found (on PATH or under $pyenv_root/versions)" >&2
    exit 1
}

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "guidemo: creating $VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    # Reinstall only when the project's metadata changed since the last install.
    local stamp="$VENV/.guidemo-installed"
    local want
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "guidemo: installing dependencies into ${VENV#"$ROOT"/}"
        # pip fetches uv, uv the rest: 5-6 s where pip alone took 14-16 s for these 460 MB
        # (December 7). The venv keeps its pip for whoever wants it. Byte-compiled at
        # install: with PYTHONDONTWRITEBYTECODE set, nothing would cache it later.
        "$VENV/bin/python" -m pip install -q uv 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
        "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" --compile-bytecode -e "$ROOT[test]"
        echo "$want" > "$stamp"
    fi
    GUIDEMO_PY="$VENV/bin/python"
}

#!/usr/bin/env bash
# The interpreter the Makefile builds the virtualenv with: PYTHON as given when it runs
# (python3, python3.13, a path), else the newest pyenv-installed version that provides that
# command (pyenv's shims refuse versions not selected with `pyenv global`).
set -euo pipefail
name="${1:-python3}"
if "$name" -c "pass" >/dev/null 2>&1; then
    command -v "$name"
    exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(ls -d "$(pyenv root)"/versions/*/bin/"$name" 2>/dev/null | sort -V -r); do
        if "$candidate" -c "pass" >/dev/null 2>&1; then
            echo "$candidate"
            exit 0
        fi
    done
fi
echo "make: no working '$name' (install it, or set PYTHON=/path/to/python3.x)" >&2
exit 1

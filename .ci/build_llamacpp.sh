#!/usr/bin/env bash
# Install llama-cpp-python[server] (llama.cpp's OpenAI-compatible server) into the active venv.
#
# PyPI ships llama-cpp-python only as an sdist, which compiles llama.cpp (about 4 minutes on 2
# cores). The built wheel is cached, so a kept machine installs it again in seconds. The build
# targets a generic x86-64 CPU (GGML_NATIVE=OFF) so a cached wheel also runs on another host.
#
# Environment: ADHERE_CI_WHEELS overrides the cache folder (default ~/.cache/adhere-ci/wheels).
set -euo pipefail

version="0.3.36"
wheels="${ADHERE_CI_WHEELS:-$HOME/.cache/adhere-ci/wheels}"
mkdir -p "$wheels"

find_wheel() {
    find "$wheels" -maxdepth 1 -name "llama_cpp_python-${version}-*.whl" -print -quit
}

wheel="$(find_wheel)"
if [[ -z "$wheel" ]]; then
    echo "build_llamacpp: building llama-cpp-python ${version} from its sdist (minutes)" >&2
    tmp="$(mktemp -d "$wheels/.build.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" \
        CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        python -m pip wheel --quiet --no-deps --no-binary llama-cpp-python \
        "llama-cpp-python==${version}" -w "$tmp"
    built="$(find "$tmp" -maxdepth 1 -name "llama_cpp_python-${version}-*.whl" -print -quit)"
    if [[ -z "$built" ]]; then
        echo "build_llamacpp: pip wheel produced no llama_cpp_python wheel" >&2
        exit 1
    fi
    # Move into place only once complete, so an interrupted build never leaves a bad cache entry.
    mv "$built" "$wheels/"
    wheel="$wheels/$(basename "$built")"
else
    echo "build_llamacpp: using cached wheel $wheel" >&2
fi

python -m pip install --quiet "${wheel}[server]"
python -c "import llama_cpp, llama_cpp.server; print('llama-cpp-python', llama_cpp.__version__)"

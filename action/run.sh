#!/usr/bin/env bash
# The GitHub Action's step: install ftlint into a virtualenv of its own, lint with workflow
# annotations and a job summary, optionally write SARIF, and exit with ftlint's status.
set -uo pipefail
venv="${RUNNER_TEMP:-/tmp}/ftlint-action-venv"
python3 -m venv "$venv" || { echo "::error title=ftlint::could not create a virtualenv"; exit 2; }
if [ -n "${FTLINT_VERSION:-}" ]; then
  spec="ftlint==${FTLINT_VERSION}"
else
  spec="${GITHUB_ACTION_PATH:?}"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" \
  || { echo "::error title=ftlint::could not install $spec"; exit 2; }
read -r -a paths <<< "${FTLINT_PATHS:-.}"
read -r -a args <<< "${FTLINT_ARGS:-}"
if [ "${FTLINT_SARIF:-false}" = "true" ]; then
  "$venv/bin/ftlint" check --format sarif --output-file ftlint.sarif --exit-zero --no-progress "${args[@]}" "${paths[@]}"
fi
"$venv/bin/ftlint" check --format github --no-progress "${args[@]}" "${paths[@]}"
status=$?
[ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=$status" >> "$GITHUB_OUTPUT"
exit "$status"

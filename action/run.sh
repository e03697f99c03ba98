#!/usr/bin/env bash
# The GitHub Action's step: install ftlint into a virtualenv of its own, lint with workflow
# annotations and a job summary, optionally write SARIF, and exit with ftlint's status.
set -uo pipefail
venv="${RUNNER_TEMP:-/tmp}/ftlint-action-venv"
if [ -n "${FTLINT_VERSION:-}" ]; then
  spec="ftlint==${FTLINT_VERSION}"
else
  spec="${GITHUB_ACTION_PATH:?}"
fi
# A second step of the same job, or a later run whose cache (see action.yml) restored it, reuses the
# virtualenv when it holds this ftlint and still runs (a runner image with another Python breaks it).
if [ ! -x "$venv/bin/ftlint" ] || [ "$(cat "$venv/.ftlint-spec" 2>/dev/null)" != "$spec" ] \
   || ! "$venv/bin/python" -c "import ftlint" 2>/dev/null; then
  python3 -m venv --clear "$venv" || { echo "::error title=ftlint::could not create a virtualenv"; exit 2; }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" \
    || { echo "::error title=ftlint::could not install $spec"; exit 2; }
  printf '%s' "$spec" > "$venv/.ftlint-spec"
fi
# Words as a shell splits them (quotes, any whitespace, newlines of a YAML list), never evaluated.
words="${RUNNER_TEMP:-/tmp}/ftlint-action-words"
split_words() {
  "$venv/bin/python" "$GITHUB_ACTION_PATH/action/split_args.py" "$1" "$2" > "$words" || exit 2
}
split_words paths "${FTLINT_PATHS:-.}"
paths=()
while IFS= read -r -d '' word; do paths+=("$word"); done < "$words"
split_words args "${FTLINT_ARGS:-}"
args=()
while IFS= read -r -d '' word; do args+=("$word"); done < "$words"
[ "${#paths[@]}" -gt 0 ] || paths=(.)
if [ "${FTLINT_LOCAL_PLUGINS:-true}" = "false" ]; then
  export FTLINT_NO_LOCAL_PLUGINS=1  # a pull request from a fork must not run its own plugin code
fi
# One lint writes every report: the annotations on standard output and, asked for, the SARIF file.
reports=()
[ "${FTLINT_SARIF:-false}" = "true" ] && reports=(--report sarif=ftlint.sarif)
# `--` before the paths: a path input cannot pass options (`--output-file=...`) to ftlint.
"$venv/bin/ftlint" check --format github --no-progress "${reports[@]}" "${args[@]}" -- "${paths[@]}"
status=$?
if [ "$status" -eq 0 ] && [ -n "${FTLINT_SUBMIT:-}" ]; then
  if [ -z "${FTLINT_MAX_COST:-}" ]; then
    echo "::error title=ftlint::submit needs max-cost, the most the job may cost in USD"
    status=2
  else
    split_words args "${FTLINT_SUBMIT_ARGS:-}"
    submit_args=()
    while IFS= read -r -d '' word; do submit_args+=("$word"); done < "$words"
    follow=(--detach)
    [ "${FTLINT_FOLLOW:-false}" = "true" ] && follow=()
    # A fresh runner has no state: the server's own records keep reruns from duplicating.
    export FTLINT_STATE_DIR="${FTLINT_STATE_DIR:-${RUNNER_TEMP:-/tmp}/ftlint-state}"
    result="${RUNNER_TEMP:-/tmp}/ftlint-submit.json"
    "$venv/bin/ftlint" submit --yes --max-cost "$FTLINT_MAX_COST" --format json "${follow[@]}" \
      "${submit_args[@]}" -- "$FTLINT_SUBMIT" > "$result"
    status=$?
    "$venv/bin/python" "$GITHUB_ACTION_PATH/action/submit_outputs.py" "$result" "$status" || true
  fi
fi
[ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=$status" >> "$GITHUB_OUTPUT"
exit "$status"

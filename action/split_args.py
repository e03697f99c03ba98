"""Split the action's `paths` or `args` input the way a shell splits words, without running it:
quotes group, any whitespace (newlines of a YAML block list included) separates, and `$(...)`, `*`
or `;` stay literal text. Prints the words NUL-separated for `mapfile -d ''`."""

import shlex
import sys

try:
    words = shlex.split(sys.argv[2], comments=False, posix=True)
except ValueError as exc:  # an unclosed quote
    print(f"::error title=ftlint::the {sys.argv[1]} input does not parse ({exc}): {sys.argv[2]!r}", file=sys.stderr)
    sys.exit(2)
sys.stdout.write("".join(word + "\0" for word in words))

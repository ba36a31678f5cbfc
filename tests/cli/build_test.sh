#!/usr/bin/env bash
# `rflow build` and `rflow disasm` as a user runs them: exit codes, files written or
# not, and the messages for a broken module. Usage: build_test.sh RFLOW SOURCE_DIR
set -u
rflow="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The examples build, and the module lists.
"$rflow" build "$src/examples" -o "$work/x.rfc" 2>"$work/err" || fail "build examples: $(cat "$work/err")"
[ -s "$work/x.rfc" ] || fail "build examples wrote no module"
grep -q "built 8 files: no problems" "$work/err" || fail "build summary: $(cat "$work/err")"
"$rflow" disasm "$work/x.rfc" >"$work/listing" || fail "disasm of the built module"
grep -q "^functions" "$work/listing" || fail "disasm lists no functions"
grep -q "workflow retail.replenishment.Replenish" "$work/listing" || fail "disasm misses a workflow"
# From sources, the listing shows source lines next to the code.
"$rflow" disasm "$src/examples" >"$work/listing2" || fail "disasm of a project"
grep -q "; line [0-9]*: " "$work/listing2" || fail "disasm of a project shows no source lines"

# A project with errors: exit 1, no module, the old module untouched.
cp "$work/x.rfc" "$work/keep.rfc"
if "$rflow" build "$src/tests/golden/check/types/fail_returns.rflow" -o "$work/x.rfc" 2>"$work/err"; then
  fail "build of a broken project exited 0"
fi
grep -q "error\[E0306\]" "$work/err" || fail "broken project: $(cat "$work/err")"
cmp -s "$work/x.rfc" "$work/keep.rfc" || fail "a failed build replaced the module"

# The ten classes of mistake of issue 3 (a golden case of two files): ten errors, one
# per mistake, and exit 1.
mkdir -p "$work/ten"
awk -v dir="$work/ten" '/^\/\/ --- / { file = dir "/" $3; next } { sub(/  \/\/~.*/, ""); print > file }' \
  "$src/tests/golden/check/mistakes/fail_ten_mistakes.rflow"
if "$rflow" check "$work/ten" 2>"$work/err"; then fail "the ten mistakes exited 0"; fi
grep -q "checked 2 files: 10 errors" "$work/err" || fail "the ten mistakes: $(tail -1 "$work/err")"
for code in E0202 E0213 E0301 E0302 E0400 E0309 E0310 E0306 E0311 E0218; do
  [ "$(grep -c "error\[$code\]" "$work/err")" = 1 ] || fail "the ten mistakes: $code not reported once"
done

# Warnings build, unless denied.

"$rflow" build "$src/tests/golden/check/lints/lints.rflow" -o "$work/w.rfc" 2>/dev/null || fail "warnings stopped a build"
if "$rflow" build --deny-warnings "$src/tests/golden/check/lints/lints.rflow" -o "$work/d.rfc" 2>"$work/err"; then
  fail "--deny-warnings built a project with warnings"
fi
[ -e "$work/d.rfc" ] && fail "--deny-warnings wrote a module"
if "$rflow" check --deny-warnings "$src/tests/golden/check/lints/lints.rflow" 2>/dev/null; then
  fail "check --deny-warnings exited 0 with warnings"
fi

# A corrupt or truncated module is refused with a message, not a crash.
printf 'RFLOWBC\0garbage' >"$work/bad.rfc"
if "$rflow" disasm "$work/bad.rfc" 2>"$work/err"; then fail "disasm accepted garbage"; fi
grep -q "is not a valid rflow module" "$work/err" || fail "garbage message: $(cat "$work/err")"
head -c 100 "$work/keep.rfc" >"$work/cut.rfc"
if "$rflow" disasm "$work/cut.rfc" 2>"$work/err"; then fail "disasm accepted a truncated module"; fi
grep -q "rebuild it with" "$work/err" || fail "truncated message: $(cat "$work/err")"
if "$rflow" disasm "$work/missing.rfc" 2>"$work/err"; then fail "disasm of a missing file exited 0"; fi

# Missing -o is a usage error.
if "$rflow" build "$src/examples" 2>/dev/null; then fail "build without -o exited 0"; fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "build_test: all passed"

#!/bin/sh
# A command agent for rwf: drafts a short text from the task input, idempotent per attempt key.
#
# rwf runs it with the task input as JSON on stdin and RWF_IDEMPOTENCY_KEY, RWF_WORKFLOW_ID,
# RWF_TASK_KEY, RWF_ATTEMPT in the environment. The same key can arrive twice (a worker crashed after
# dispatching), so the result is kept per key in $RWF_DRAFT_STATE (default: $TMPDIR/rwf-draft-agent)
# and a repeat prints the kept result without doing the work again. Each real run appends one line to
# $RWF_DRAFT_STATE/work.log.
#
# RWF_DRAFT_ASK names an input field the agent needs (default "tone"; empty: it never asks).
#
# Exit codes: 0 done (stdout = JSON output), 75 try again later, 76 needs a person (stdout = prompt),
# anything else = failed for good.
set -eu

key="${RWF_IDEMPOTENCY_KEY:?rwf sets RWF_IDEMPOTENCY_KEY}"
state="${RWF_DRAFT_STATE:-${TMPDIR:-/tmp}/rwf-draft-agent}"
mkdir -p "$state"
file="$state/$(printf '%s' "$key" | tr -c 'A-Za-z0-9._-' '_').json"

if [ -f "$file" ]; then
    cat "$file"
    exit 0
fi

input="$(cat)"
# The "product" field of the input, if any (a flat string value).
product="$(printf '%s' "$input" | sed -n 's/.*"product"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')"
product="${product:-the product}"

# Without the input field named by $RWF_DRAFT_ASK (default "tone"; empty: never ask) it asks a person.
ask="${RWF_DRAFT_ASK-tone}"
if [ -n "$ask" ]; then
    case "$input" in
        *"\"$ask\""*) ;;
        *)
            echo "which $ask should the post about $product take?"
            exit 76
            ;;
    esac
fi

echo "drafting for $product (key $key)" >&2
printf '%s %s\n' "$key" "$product" >>"$state/work.log"
tmp="$file.tmp.$$"
printf '{"draft": "%s is here.", "key": "%s"}\n' "$product" "$key" >"$tmp"
mv "$tmp" "$file"
cat "$file"

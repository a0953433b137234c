#!/usr/bin/env bash
# Makes the prompt files from prompts-<lang>.tsv (one file of texts per language) with
# espeak-ng and sox (8 kHz mono 16-bit WAV,
# what Asterisk plays without transcoding). Run it after editing a text; commit the .wav files.
#   recordings/make_prompts.sh            all prompts
#   recordings/make_prompts.sh NAME       one prompt, every language
set -euo pipefail
cd "$(dirname "$0")"
only="${1:-}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for texts in prompts-*.tsv; do
lang="${texts#prompts-}"; lang="${lang%.tsv}"
grep -v '^#' "$texts" | while IFS=$'\t' read -r name voice text; do
    [ -n "$name" ] || continue
    [ -z "$only" ] || [ "$only" = "$name" ] || continue
    mkdir -p "$(dirname "$lang/$name")"
    espeak-ng -v "$voice" -s 165 -w "$tmp/raw.wav" "$text"
    sox "$tmp/raw.wav" -r 8000 -c 1 -b 16 "$lang/$name.wav" \
        silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 0.15 norm -3
    echo "$lang/$name.wav"
done
done

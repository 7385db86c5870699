#!/bin/sh
# embed.sh NAME FILE: prints a C header defining `static const char NAME[]` with FILE's text.
# Used to compile sql/registry.sql into the extension (the schema has a single source).
set -eu
name=$1
file=$2
echo "/* generated from $file by scripts/embed.sh; do not edit */"
echo "static const char $name[] ="
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "$file"
echo "    ;"

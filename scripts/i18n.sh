#!/usr/bin/env bash
# Translations: one command for every step (Flask-Babel; Russian is the only catalog, the
# English text is the message id itself, so English needs none).
#
#   scripts/i18n.sh extract        templates/**.html and hypotheses/**.py -> build/messages.pot
#   scripts/i18n.sh update         extract, then merge the template into the ru catalog
#                                  (created on the first run); keeps every existing translation,
#                                  adds new ids empty and never guesses ("fuzzy") translations
#   scripts/i18n.sh compile        ru messages.po -> messages.mo (committed: the catalog test in
#                                  tests/unit/test_catalog.py fails when it is stale)
#   scripts/i18n.sh merge FILE.po  fill still-empty ru entries from another PO file, then compile
#   scripts/i18n.sh all            update + compile (run it after changing any marked string)
#
# Every marking function is extracted: _ / gettext / ngettext / pgettext / npgettext (Babel's
# defaults) and the lazy ones, _l / lazy_gettext / lazy_ngettext / lazy_pgettext / lazy_npgettext.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
PYBABEL=.venv/bin/pybabel
POT=${I18N_POT:-build/messages.pot}  # I18N_POT: where extract writes (the catalog test)
DIR=hypotheses/translations
PO=$DIR/ru/LC_MESSAGES/messages.po

[[ -x "$PYBABEL" ]] || { echo "i18n: $PYBABEL not found; run 'make install' first" >&2; exit 1; }

extract() {
    mkdir -p "$(dirname "$POT")"
    # The input is the project root; babel.cfg limits it to hypotheses/**.py and templates/**.html.
    # --ignore-dirs replaces Babel's default filter, which skips every folder named _* (_partials).
    "$PYBABEL" -q extract -F babel.cfg -o "$POT" \
        --project=hypotheses --version=0.1 --add-comments=TRANSLATORS: --add-location=file \
        --ignore-dirs=".* ._ __pycache__" \
        -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 \
        .
    echo "i18n: $(grep -c '^msgid "' "$POT" | awk '{print $1 - 1}') message ids -> $POT"
}

new_catalog() {
    "$PYBABEL" -q init -i "$POT" -d "$DIR" -l ru
    "$PY" - "$PO" <<'EOF'
import sys

from babel.messages.pofile import read_po, write_po

with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle, locale="ru")
# The GNU formula for Russian (Babel's own is equivalent; this is the one translators know).
catalog._num_plurals = 3
catalog._plural_expr = (
    "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
)
catalog.header_comment = (
    "# Russian interface of hypotheses. Terms: docs/glossary.md.\n"
    "# Update with scripts/i18n.sh update; the ids come from the code, never edit them here."
)
catalog.language_team = "hypotheses, terms in docs/glossary.md"
catalog.last_translator = "hypotheses team"
with open(sys.argv[1], "wb") as handle:
    write_po(handle, catalog)
EOF
}

report() {
    "$PY" - "$PO" <<'EOF'
import sys

from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle)
ids = [m for m in catalog if m.id]
empty = [m for m in ids if not (all(m.string) if m.pluralizable else m.string)]
print(f"i18n: {sys.argv[1]}: {len(ids)} ids, {len(empty)} without a translation")
EOF
}

update() {
    extract
    if [[ ! -f "$PO" ]]; then
        new_catalog
    else
        # --no-fuzzy-matching: a changed id starts empty (the catalog test names it) instead of
        # silently carrying a similar id's translation; --ignore-obsolete drops removed ids.
        "$PYBABEL" -q update -i "$POT" -d "$DIR" -l ru --no-fuzzy-matching --ignore-obsolete
    fi
    report
}

compile_mo() {
    "$PYBABEL" compile -d "$DIR" -l ru --statistics
}

merge() {
    local source=${1:?usage: scripts/i18n.sh merge FILE.po}
    "$PY" - "$PO" "$source" <<'EOF'
import sys

from babel.messages.pofile import read_po, write_po

target_path, source_path = sys.argv[1], sys.argv[2]
with open(target_path, "rb") as handle:
    target = read_po(handle, locale="ru")
with open(source_path, "rb") as handle:
    source = read_po(handle, locale="ru")
filled = 0
for message in target:
    if not message.id:
        continue
    done = all(message.string) if message.pluralizable else bool(message.string)
    theirs = source.get(message.id, message.context)
    if done or theirs is None or theirs.fuzzy or message.pluralizable != theirs.pluralizable:
        continue
    if message.pluralizable:
        if len(theirs.string) != target.num_plurals or not all(theirs.string):
            continue
        message.string = tuple(theirs.string)
    elif theirs.string:
        message.string = theirs.string
    else:
        continue
    filled += 1
with open(target_path, "wb") as handle:
    write_po(handle, target)
print(f"i18n: {filled} translations taken from {source_path}")
EOF
    report
    compile_mo
}

case "${1:-}" in
    extract) extract ;;
    update) update ;;
    compile) compile_mo ;;
    merge) merge "${2:-}" ;;
    all) update && compile_mo ;;
    *)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac

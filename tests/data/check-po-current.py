#!/usr/bin/python3
"""Every message the sources mark for translation today has a translation
in every catalogue of po/LINGUAS.

`po-msgfmt-check` only looks at the catalogues as committed: a string added
to the code after the last `pharmatrack-update-po` is in no catalogue, so
German, French and Spanish users see it in English and that check stays
green.  This one extracts the messages from the files of po/POTFILES.in
with xgettext (meson's 'glib' preset, as `meson compile pharmatrack-pot`),
merges each catalogue with them the way update-po does (exact matches only)
and fails on every message left untranslated or fuzzy.

    usage: check-po-current.py SOURCE_ROOT
"""
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHOWN = 12   # messages listed per language; the count says the rest


def xgettext_module():
    spec = importlib.util.spec_from_file_location('check_xgettext',
                                                  os.path.join(HERE, 'check-xgettext.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def languages(top):
    with open(os.path.join(top, 'po', 'LINGUAS'), encoding='utf-8') as f:
        return [w for line in f for w in line.split('#', 1)[0].split()]


def untranslated(po_path, pot_path, tmp):
    """(msgid, where) of the template's messages that PO_PATH does not
    translate, after merging it with the template without fuzzy matching."""
    merged = os.path.join(tmp, 'merged.po')
    subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--no-wrap',
                    '-o', merged, po_path, pot_path], check=True, timeout=120,
                   env=dict(os.environ, LC_ALL='C'))
    out = []
    for flag in ('--untranslated', '--only-fuzzy'):
        r = subprocess.run(['msgattrib', flag, '--no-obsolete', '--no-wrap', merged],
                           capture_output=True, text=True, check=True, timeout=60)
        for block in r.stdout.split('\n\n'):
            m = re.search(r'^msgid "(.*)"\n((?:".*"\n?)*)', block, re.M)
            msgid = m and m.group(1) + ''.join(re.findall(r'^"(.*)"$', m.group(2), re.M))
            if not msgid:
                continue  # the header
            where = re.search(r'^#: (\S+)', block, re.M)
            out.append((msgid, where.group(1) if where else '?'))
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    top = argv[1]
    xg = xgettext_module()
    pot_text, warnings = xg.run_xgettext(top, xg.potfiles(top))
    if pot_text is None:
        print('xgettext failed:\n' + warnings, file=sys.stderr)
        return 1
    total = len(re.findall(r'^msgid ', pot_text, re.M)) - 1
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'pharmatrack.pot')
        with open(pot, 'w', encoding='utf-8') as f:
            f.write(pot_text)
        for lang in languages(top):
            missing = untranslated(os.path.join(top, 'po', f'{lang}.po'), pot, tmp)
            if not missing:
                print(f'{lang}.po translates all {total} messages of the sources')
                continue
            status = 1
            print(f'{lang}.po does not translate {len(missing)} of the {total} messages '
                  'of the sources:', file=sys.stderr)
            for msgid, where in missing[:SHOWN]:
                print(f'  {where}: "{msgid}"', file=sys.stderr)
            if len(missing) > SHOWN:
                print(f'  … and {len(missing) - SHOWN} more', file=sys.stderr)
    if status:
        print('Run `meson compile -C _build pharmatrack-update-po` and translate '
              '(po/README.md).', file=sys.stderr)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))

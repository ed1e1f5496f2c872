#!/usr/bin/python3
"""POTFILES completeness check.

Fails when a file with translatable strings is missing from po/POTFILES.in
(its strings would silently stay English), or when POTFILES.in names a file
that does not exist (xgettext would then fail to build the template).

    usage: check-potfiles.py SOURCE_ROOT

Scanned: src/**/*.{c,h} for _( N_( C_( NC_( Q_( and the ngettext family
(outside comments and string literals), src/ and data/ *.ui for translatable="yes", *.blp for
_(" and the desktop entry, metainfo and GSettings schema sources in data/.
"""
import os
import re
import sys

C_MARK = re.compile(
    r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|ngettext|g_dpgettext2?)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
BLP_MARK = re.compile(r'(?<![A-Za-z0-9_])C?_\("')
DATA_SUFFIXES = ('.desktop.in', '.desktop.in.in', '.metainfo.xml.in',
                 '.metainfo.xml.in.in', '.gschema.xml')


def strip_c_comments(text):
    """Blank out comments and the insides of string and char literals, so
    that only code is searched for gettext calls."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            out.append(c + ' ' * (min(j, n) - i - 1) + c)
            i = j + 1
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def has_strings(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    if path.endswith(('.c', '.h')):
        return C_MARK.search(strip_c_comments(text)) is not None
    if path.endswith('.ui'):
        return UI_MARK.search(text) is not None
    if path.endswith('.blp'):
        return BLP_MARK.search(text) is not None
    return path.endswith(DATA_SUFFIXES)


def candidates(top):
    for sub in ('src', 'data'):
        for root, dirs, files in os.walk(os.path.join(top, sub)):
            dirs.sort()
            for name in sorted(files):
                rel = os.path.relpath(os.path.join(root, name), top)
                if sub == 'src' and name.endswith(('.c', '.h', '.ui', '.blp')):
                    yield rel
                elif sub == 'data' and (name.endswith(('.ui', '.blp')) or
                                        name.endswith(DATA_SUFFIXES)):
                    yield rel


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: check-potfiles.py SOURCE_ROOT')
    top = sys.argv[1]
    with open(os.path.join(top, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        listed = {line.split('#', 1)[0].strip() for line in f} - {''}

    problems = []
    for rel in sorted(listed):
        if not os.path.isfile(os.path.join(top, rel)):
            problems.append(f'po/POTFILES.in lists {rel}, which does not exist')

    found = [rel for rel in candidates(top) if has_strings(os.path.join(top, rel))]
    for rel in found:
        if rel not in listed:
            problems.append(f'{rel} has translatable strings but is missing '
                            'from po/POTFILES.in')

    if problems:
        print('\n'.join(problems), file=sys.stderr)
        return 1
    print(f'po/POTFILES.in lists all {len(found)} files with translatable strings')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Every marked string can actually be translated.

Two checks over the files of po/POTFILES.in:

1. In the C sources, the message argument of a gettext call (_, N_, C_, NC_,
   Q_, the ngettext family) is string literals only.  A macro glued into it,
   such as "%" G_GINT64_FORMAT, makes xgettext cut the msgid short at the
   macro, so the translated catalogue never matches the running string.  The
   <inttypes.h> macros (PRId64, PRIu32, ...) are the one exception: xgettext
   and glibc's gettext know them.
2. xgettext, run with meson's 'glib' preset like `meson compile
   pharmatrack-pot`, reports no msgid that ends inside a directive, no msgid
   used both with and without a plural, and the template holds no msgid
   ending in a lone '%'.

    usage: check-xgettext.py SOURCE_ROOT          (exit 0 = all good)
           check-xgettext.py --scan FILE.c ...    (check 1 only; for the
                                                   checker's own test)
"""
import os
import re
import subprocess
import sys
import tempfile

KEYWORDS = {
    # name: indexes (0-based) of the arguments that are message strings
    '_': (0,), 'N_': (0,), 'Q_': (0,), 'gettext': (0,),
    'C_': (1,), 'NC_': (1,),
    'ngettext': (0, 1), 'dgettext': (1,), 'dngettext': (1, 2),
    'g_dgettext': (1,), 'g_dcgettext': (1,), 'g_dngettext': (1, 2),
    'g_dpgettext': (1,), 'g_dpgettext2': (2,),
}
INTTYPES = re.compile(r'PRI[diouxX](?:8|16|32|64|LEAST(?:8|16|32|64)|'
                      r'FAST(?:8|16|32|64)|MAX|PTR)$')
TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>(?:u8|[LuU])?"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<space>\s+)
  | (?P<punct>.)
''', re.S | re.X)

XGETTEXT_GLIB_PRESET = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]


def tokens(text):
    """(kind, value, line) for the code tokens of a C file; comments, white
    space and preprocessor directives are dropped, line numbers kept."""
    code_lines = []
    in_directive = False
    for raw in text.split('\n'):
        if in_directive or raw.lstrip().startswith('#'):
            in_directive = raw.endswith('\\')
            code_lines.append('')
        else:
            code_lines.append(raw)
    out, line = [], 1
    for m in TOKEN.finditer('\n'.join(code_lines)):
        kind, value = m.lastgroup, m.group()
        if kind not in ('comment', 'space'):
            out.append((kind, value, line))
        line += value.count('\n')
    return out


def call_arguments(toks, open_index):
    """Arguments (lists of tokens) of the call whose '(' is toks[open_index],
    and the index after its ')'."""
    depth, args, cur = 0, [], []
    i = open_index
    while i < len(toks):
        kind, value, _ = toks[i]
        if kind == 'punct' and value in '([{':
            depth += 1
            if depth > 1:
                cur.append(toks[i])
        elif kind == 'punct' and value in ')]}':
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args, i + 1
            cur.append(toks[i])
        elif kind == 'punct' and value == ',' and depth == 1:
            args.append(cur)
            cur = []
        else:
            cur.append(toks[i])
        i += 1
    args.append(cur)
    return args, i


def scan(path, display=None):
    """Problems in the gettext calls of one C file, as 'file:line: text'."""
    display = display or path
    with open(path, encoding='utf-8', errors='replace') as f:
        toks = tokens(f.read())
    problems = []
    for i, (kind, value, line) in enumerate(toks):
        if kind != 'ident' or value not in KEYWORDS:
            continue
        if i + 1 >= len(toks) or toks[i + 1][1] != '(':
            continue
        if i > 0 and toks[i - 1][1] in ('.', '->'):
            continue
        args, _ = call_arguments(toks, i + 1)
        for index in KEYWORDS[value]:
            if index >= len(args):
                continue
            arg = args[index]
            if not any(k == 'string' for k, _, _ in arg):
                continue
            for j, (k, v, ln) in enumerate(arg):
                if k != 'ident' or INTTYPES.match(v):
                    continue
                glued = ((j > 0 and arg[j - 1][0] == 'string') or
                         (j + 1 < len(arg) and arg[j + 1][0] == 'string'))
                if glued:
                    hint = ''
                    if re.match(r'G_G\w*_(FORMAT|MODIFIER)$', v):
                        hint = (' (use an <inttypes.h> macro such as PRId64, '
                                'or %zu for a gsize)')
                    problems.append(
                        f'{display}:{ln}: {v} is glued into the message of '
                        f'{value}(); xgettext cuts the msgid there{hint}')
    return problems


def potfiles(top):
    with open(os.path.join(top, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [l.strip() for l in f
                if l.strip() and not l.lstrip().startswith('#')]


def run_xgettext(top, files):
    with tempfile.TemporaryDirectory() as tmp:
        listing = os.path.join(tmp, 'files')
        with open(listing, 'w', encoding='utf-8') as f:
            f.write('\n'.join(files) + '\n')
        pot = os.path.join(tmp, 'pharmatrack.pot')
        proc = subprocess.run(
            ['xgettext', '--package-name=pharmatrack', '--no-wrap',
             '--directory=' + top, '--files-from=' + listing, '-o', pot]
            + XGETTEXT_GLIB_PRESET,
            capture_output=True, text=True,
            env=dict(os.environ, LC_ALL='C'))
        if proc.returncode != 0:
            return None, proc.stderr
        with open(pot, encoding='utf-8') as f:
            return f.read(), proc.stderr


def xgettext_problems(top):
    pot, warnings = run_xgettext(top, potfiles(top))
    if pot is None:
        return ['xgettext failed:\n' + warnings]
    problems = []
    block = []
    for wline in warnings.splitlines():
        if wline.startswith((' ', '\t')) and block:
            block.append(wline)
            continue
        if block:
            problems.append('\n'.join(block))
        block = []
        if ('not a valid C format string' in wline or
                'used without plural and with plural' in wline):
            block = [wline]
    if block:
        problems.append('\n'.join(block))
    for n, pline in enumerate(pot.splitlines(), 1):
        if re.match(r'^msgid(_plural)? "(.*[^%])?(%%)*%"$', pline):
            problems.append(f'pharmatrack.pot:{n}: msgid cut short at a '
                            f'macro: {pline}')
    count = len(re.findall(r'^msgid ', pot, re.M)) - 1  # minus the header
    return problems, count


def main(argv):
    if len(argv) > 2 and argv[1] == '--scan':
        problems = [p for path in argv[2:] for p in scan(path)]
        print('\n'.join(problems))
        return 1 if problems else 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    top = argv[1]
    problems = []
    c_files = [p for p in potfiles(top) if p.endswith(('.c', '.h'))]
    for rel in c_files:
        problems += scan(os.path.join(top, rel), rel)
    result = xgettext_problems(top)
    if isinstance(result, list):
        problems += result
        count = 0
    else:
        more, count = result
        problems += more
    if problems:
        print('Strings that can never be translated:', file=sys.stderr)
        print('\n'.join(problems), file=sys.stderr)
        return 1
    print(f'{len(c_files)} C files scanned, {count} messages extracted, '
          'none cut short')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

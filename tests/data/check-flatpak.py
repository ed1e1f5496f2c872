#!/usr/bin/python3
"""Checks the Flatpak manifests without a Flatpak runtime (none can be
installed here, so nothing is built): they parse for flatpak-builder, every
source is pinned, the app id and command match the built app, the sandbox is
as narrow as the issue says, and the files the app installs are the ones
Flatpak exports.  Prints TAP.

    usage: check-flatpak.py SOURCE_ROOT BUILD_APP_ID COMMAND DESKTOP_FILE
"""
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BASE_ID = 'io.github.pharmatrack.Desktop'
DEVEL_ID = BASE_ID + '.Devel'
FINISH_ARGS = {
    '--share=network',          # the pharmacy's MongoDB server
    '--share=ipc',              # X11 shared memory
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',             # GTK's GL renderer
    '--talk-name=org.freedesktop.secrets',  # the server password (libsecret)
}
MONGOC_OPTS = {'-DENABLE_TESTS=OFF', '-DENABLE_EXAMPLES=OFF',
               '-DENABLE_SSL=OPENSSL', '-DENABLE_SRV=ON'}
EXPORTED_DIRS = ('share/applications/', 'share/metainfo/', 'share/icons/',
                 'share/dbus-1/services/')

results = []


def check(name, problems):
    results.append((name, problems))


def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def expected_files(top, app_id):
    path = os.path.join(top, 'flatpak', 'installed-files.txt')
    with open(path, encoding='utf-8') as f:
        lines = [l.split('#', 1)[0].strip() for l in f]
    return [l.replace('@APP_ID@', app_id) for l in lines if l]


def meson_options(top):
    for name in ('meson.options', 'meson_options.txt'):
        path = os.path.join(top, name)
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                return set(re.findall(r"option\s*\(\s*'([^']+)'", f.read()))
    return set()


def cleaned(path, patterns):
    """Whether flatpak-builder's cleanup patterns would delete PATH (relative
    to /app): '/x' removes /app/x and below, a bare glob matches file names."""
    for p in patterns:
        if p.startswith('/'):
            p = p.lstrip('/')
            if fnmatch.fnmatch(path, p) or path.startswith(p.rstrip('/') + '/'):
                return True
        elif fnmatch.fnmatch(os.path.basename(path), p):
            return True
    return False


def source_problems(source, where, devel, top, manifest_dir):
    kind = source.get('type')
    if kind in ('archive', 'file'):
        out = []
        if not str(source.get('url', '')).startswith('https://'):
            out.append(f'{where}: {kind} source without an https url')
        if not re.fullmatch(r'[0-9a-f]{64}', str(source.get('sha256', ''))):
            out.append(f'{where}: {kind} source without a sha256')
        return out
    if kind == 'git':
        if not str(source.get('url', '')).startswith('https://'):
            return [f'{where}: git source without an https url']
        if not (source.get('tag') or source.get('commit')):
            return [f'{where}: git source pinned to neither a tag nor a commit']
        return []
    if kind == 'dir':
        if not devel:
            return [f'{where}: a release manifest must not build a local dir']
        path = os.path.realpath(os.path.join(manifest_dir, source.get('path', '')))
        if path != os.path.realpath(top):
            return [f'{where}: dir source {path} is not the checkout {top}']
        return []
    return [f'{where}: unexpected source type {kind!r}']


def main():
    if len(sys.argv) != 5:
        sys.exit('usage: check-flatpak.py SOURCE_ROOT BUILD_APP_ID COMMAND DESKTOP_FILE')
    top, build_id, command, desktop = sys.argv[1:]
    fdir = os.path.join(top, 'flatpak')
    paths = {BASE_ID: os.path.join(fdir, BASE_ID + '.json'),
             DEVEL_ID: os.path.join(fdir, DEVEL_ID + '.json')}

    # 1. Both manifests parse, as JSON and for flatpak-builder, which must
    #    neither warn about an unknown property nor drop one.
    manifests, problems = {}, []
    for app_id, path in paths.items():
        try:
            manifests[app_id] = load(path)
        except (OSError, ValueError) as e:
            problems.append(f'{os.path.basename(path)}: {e}')
    check('manifests-parse-as-json', problems)
    if problems:
        return report()

    problems = []
    builder = shutil.which('flatpak-builder')
    if builder is None:
        problems.append('flatpak-builder is not installed (build-aux/install-deps.sh installs it)')
    else:
        for app_id, path in paths.items():
            # flatpak-builder leaves a .flatpak-builder state dir in its cwd.
            with tempfile.TemporaryDirectory() as cwd:
                r = subprocess.run([builder, '--show-manifest', os.path.abspath(path)],
                                   capture_output=True, text=True, timeout=60, cwd=cwd)
            name = os.path.basename(path)
            if r.returncode != 0:
                problems.append(f'{name}: flatpak-builder --show-manifest failed: {r.stderr.strip()}')
                continue
            for line in r.stderr.splitlines():
                if 'Unknown property' in line or 'WARNING' in line:
                    problems.append(f'{name}: {line.strip()}')
            if json.loads(r.stdout) != manifests[app_id]:
                problems.append(f'{name}: flatpak-builder reads it differently '
                                '(a property it does not know was dropped)')
    check('flatpak-builder-show-manifest-accepts-both', problems)

    rel, dev = manifests[BASE_ID], manifests[DEVEL_ID]

    # 2. Ids and runtime.
    problems = []
    for app_id, m in manifests.items():
        if m.get('id', m.get('app-id')) != app_id:
            problems.append(f'{app_id}.json has id {m.get("id")!r}')
        if m.get('runtime') != 'org.gnome.Platform' or m.get('sdk') != 'org.gnome.Sdk':
            problems.append(f'{app_id}.json is not on the GNOME runtime and SDK')
    if rel.get('runtime-version') != dev.get('runtime-version'):
        problems.append('the release and .Devel manifests use different runtime versions')
    if build_id not in manifests:
        problems.append(f'the build\'s app id {build_id} has no manifest')
    check('app-ids-match-the-build', problems)

    # 3. Command: what the desktop file launches and meson installs.
    problems = []
    for app_id, m in manifests.items():
        if m.get('command') != command:
            problems.append(f'{app_id}.json runs {m.get("command")!r}, not {command!r}')
    with open(desktop, encoding='utf-8') as f:
        exec_line = next((l.strip()[5:] for l in f if l.startswith('Exec=')), '')
    if exec_line.split(' ')[0] != command:
        problems.append(f'the desktop file runs {exec_line!r}, not {command!r}')
    if f'bin/{command}' not in expected_files(top, build_id):
        problems.append(f'bin/{command} is not in flatpak/installed-files.txt')
    check('command-matches-desktop-file-and-install', problems)

    # 4. Sandbox: exactly the permissions the app needs, no file system.
    problems = []
    for app_id, m in manifests.items():
        args = set(m.get('finish-args', []))
        for a in sorted(args - FINISH_ARGS):
            problems.append(f'{app_id}.json grants {a}, which the app does not need')
        for a in sorted(FINISH_ARGS - args):
            problems.append(f'{app_id}.json lacks {a}')
    check('finish-args-are-narrow', problems)

    # 5. Every source pinned; the dependencies identical in both manifests.
    problems = []
    for app_id, m in manifests.items():
        for mod in m.get('modules', []):
            if not isinstance(mod, dict):
                problems.append(f'{app_id}.json: module {mod!r} is not inline')
                continue
            sources = mod.get('sources', [])
            if not sources:
                problems.append(f'{app_id}.json: module {mod.get("name")} has no source')
            for s in sources:
                problems += source_problems(s, f'{app_id}.json: {mod.get("name")}',
                                            app_id == DEVEL_ID, top, fdir)
    if rel.get('modules', [])[:-1] != dev.get('modules', [])[:-1]:
        problems.append('the .Devel manifest builds different dependencies than the release')
    check('every-source-is-pinned', problems)

    # 6. mongo-c-driver with TLS and SRV (Atlas needs both), no tests.
    problems = []
    mongoc = next((m for m in rel['modules'] if m.get('name') == 'mongo-c-driver'), None)
    if mongoc is None:
        problems.append('no mongo-c-driver module')
    else:
        if not str(mongoc.get('buildsystem', '')).startswith('cmake'):
            problems.append('mongo-c-driver is not built with cmake')
        for o in sorted(MONGOC_OPTS - set(mongoc.get('config-opts', []))):
            problems.append(f'mongo-c-driver lacks {o}')
    check('mongo-c-driver-has-tls-and-srv', problems)

    # 7. The app module: meson, real options, the right flavour.
    problems = []
    known = meson_options(top)
    for app_id, m in manifests.items():
        app = m['modules'][-1]
        if app.get('name') != 'pharmatrack' or app.get('buildsystem') != 'meson':
            problems.append(f'{app_id}.json: the last module is not pharmatrack built with meson')
        opts = app.get('config-opts', [])
        for o in opts:
            name = re.match(r'-D([^=]+)=', o)
            if name and name.group(1) not in known:
                problems.append(f'{app_id}.json passes {o}, not an option of this project')
        devel = '-Ddevelopment=true' in opts
        if devel != (app_id == DEVEL_ID):
            problems.append(f'{app_id}.json: -Ddevelopment=true is '
                            f'{"set" if devel else "missing"}')
    check('app-module-builds-the-right-flavour', problems)

    # 8. Installed files: exported ones carry the app id; cleanup keeps them.
    problems = []
    for app_id, m in manifests.items():
        files = expected_files(top, app_id)
        for need in (f'share/applications/{app_id}.desktop',
                     f'share/metainfo/{app_id}.metainfo.xml',
                     f'share/icons/hicolor/scalable/apps/{app_id}.svg',
                     f'share/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg'):
            if need not in files:
                problems.append(f'{app_id}: {need} is not installed')
        for f in files:
            if f.startswith(EXPORTED_DIRS) and not os.path.basename(f).startswith(app_id):
                problems.append(f'{app_id}: {f} would not be exported (not named after the app id)')
            if cleaned(f, m.get('cleanup', [])):
                problems.append(f'{app_id}.json: cleanup would delete {f}')
    check('installed-files-are-exported-and-kept', problems)

    return report()


def report():
    print(f'1..{len(results)}')
    failed = 0
    for i, (name, problems) in enumerate(results, 1):
        if problems:
            failed += 1
            print(f'not ok {i} - /data/flatpak/{name}')
            for p in problems:
                print(f'# {p}')
        else:
            print(f'ok {i} - /data/flatpak/{name}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

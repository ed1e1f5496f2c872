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
MONGOC_OPTS = {'-DENABLE_TESTS=OFF', '-DENABLE_EXAMPLES=OFF'}
# What the Debian build (the one the tests use) has, and the option that gives
# it to the Flatpak's mongo-c-driver: the macro of mongoc-config.h, its value.
MONGOC_FEATURES = [
    ('TLS', 'MONGOC_ENABLE_SSL_OPENSSL', '-DENABLE_SSL=OPENSSL'),
    ('SRV (mongodb+srv://)', 'MONGOC_HAVE_RES_NSEARCH', '-DENABLE_SRV=ON'),
    ('client-side field-level encryption', 'MONGOC_ENABLE_CLIENT_SIDE_ENCRYPTION',
     '-DENABLE_CLIENT_SIDE_ENCRYPTION=ON'),
]
LIBBSON_OPTS = {'-DENABLE_MONGOC=OFF', '-DENABLE_TESTS=OFF', '-DENABLE_EXAMPLES=OFF'}
# libmongocrypt: no tests, linked to the libbson module like Debian's
# libmongocrypt0 (its own copy of libbson would come from a download).
MONGOCRYPT_OPTS = {'-DBUILD_TESTING=OFF', '-DENABLE_ONLINE_TESTS=OFF',
                   '-DMONGOCRYPT_MONGOC_DIR=USE-SYSTEM', '-DUSE_SHARED_LIBBSON=ON'}
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
        # A tag can be moved; the commit cannot, and flatpak-builder refuses
        # to build when the tag does not point at it.
        out = []
        if not source.get('tag'):
            out.append(f'{where}: git source without a tag')
        if not re.fullmatch(r'[0-9a-f]{40}', str(source.get('commit', ''))):
            out.append(f'{where}: git source without a full commit id')
        elif source.get('url', '').rstrip('/').removesuffix('.git').endswith('/pharmatrack-desktop'):
            out += own_commit_problems(top, source, where)
        return out
    if kind == 'dir':
        if not devel:
            return [f'{where}: a release manifest must not build a local dir']
        path = os.path.realpath(os.path.join(manifest_dir, source.get('path', '')))
        if path != os.path.realpath(top):
            return [f'{where}: dir source {path} is not the checkout {top}']
        return []
    return [f'{where}: unexpected source type {kind!r}']


def git(top, *args):
    r = subprocess.run(['git', '-C', top, *args], capture_output=True, text=True, timeout=30)
    return r.stdout.strip() if r.returncode == 0 else None


def own_commit_problems(top, source, where):
    """This project's commit must be in this checkout's history, and the tag,
    once it exists here, must point at it.  A shallow clone or a source
    tarball cannot tell: nothing to check then."""
    if shutil.which('git') is None or git(top, 'rev-parse', '--is-shallow-repository') != 'false':
        return []
    commit, tag = source['commit'], source.get('tag')
    if git(top, 'cat-file', '-e', commit + '^{commit}') is None:
        return [f'{where}: commit {commit} is not in this repository']
    tagged = git(top, 'rev-parse', '--verify', '--quiet', f'refs/tags/{tag}^{{commit}}')
    if tagged is not None and tagged != commit:
        return [f'{where}: tag {tag} is {tagged}, not the pinned {commit}']
    return []


def version_in(url):
    m = re.search(r'/(\d+\.\d+\.\d+)(?:/|\.tar)', url)
    return m.group(1) if m else None


def series(version):
    return '.'.join(version.split('.')[:2]) if version else None


def debian_build():
    """The mongo-c-driver and libmongocrypt this project is built and tested
    with here: versions from pkg-config, features from mongoc-config.h."""
    def pkg(*args):
        r = subprocess.run(['pkg-config', *args], capture_output=True, text=True, timeout=30)
        return r.stdout.strip() if r.returncode == 0 else None
    if shutil.which('pkg-config') is None:
        return None
    info = {'mongoc': pkg('--modversion', 'libmongoc-1.0'),
            'mongocrypt': pkg('--modversion', 'libmongocrypt'),
            'config': {}}
    for flag in (pkg('--cflags-only-I', 'libmongoc-1.0') or '').split():
        header = os.path.join(flag[2:], 'mongoc', 'mongoc-config.h')
        if os.path.exists(header):
            with open(header, encoding='utf-8') as f:
                info['config'] = dict(re.findall(r'^#define (MONGOC_\w+) (\d+)\s*$', f.read(), re.M))
            break
    return info


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

    # 6. mongo-c-driver with the Debian build's features (TLS and SRV for
    #    Atlas, client-side encryption for patient records), no tests, the
    #    same release series as the Debian build the tests use.
    problems = []
    names = [m.get('name') for m in rel['modules']]
    mods = {m.get('name'): m for m in rel['modules']}
    mongoc = mods.get('mongo-c-driver')
    debian = debian_build()
    if mongoc is None:
        problems.append('no mongo-c-driver module')
    else:
        opts = mongoc.get('config-opts', [])
        if not str(mongoc.get('buildsystem', '')).startswith('cmake'):
            problems.append('mongo-c-driver is not built with cmake')
        for o in sorted(MONGOC_OPTS - set(opts)):
            problems.append(f'mongo-c-driver lacks {o}')
        if debian is None or not debian['config']:
            problems.append('cannot read the Debian build of mongo-c-driver (pkg-config, mongoc-config.h)')
        else:
            for what, macro, option in MONGOC_FEATURES:
                if debian['config'].get(macro) == '1' and option not in opts:
                    problems.append(f'the Debian build has {what} ({macro}); mongo-c-driver lacks {option}')
            version = version_in(mongoc['sources'][0].get('url', ''))
            if series(version) != series(debian['mongoc']):
                problems.append(f'mongo-c-driver {version} is not of the {series(debian["mongoc"])} '
                                f'series the Debian build ({debian["mongoc"]}) has')
        for o in opts:
            name = o.split('=', 1)[0]
            if sum(1 for x in opts if x.split('=', 1)[0] == name) > 1:
                problems.append(f'mongo-c-driver sets {name} twice')
    check('mongo-c-driver-matches-the-debian-build', problems)

    # 7. libmongocrypt (for client-side encryption) before mongo-c-driver,
    #    tests off, linked to a libbson module built first from the same
    #    mongo-c-driver release, as Debian links libmongocrypt0 to libbson.
    problems = []
    crypt, bson = mods.get('libmongocrypt'), mods.get('libbson')
    if crypt is None or bson is None:
        problems.append('no libmongocrypt module and libbson module')
    elif not (names.index('libbson') < names.index('libmongocrypt') < names.index('mongo-c-driver')):
        problems.append(f'modules are built in the order {names}: libbson, libmongocrypt, '
                        'mongo-c-driver needed')
    else:
        copts = set(crypt.get('config-opts', []))
        if not str(crypt.get('buildsystem', '')).startswith('cmake'):
            problems.append('libmongocrypt is not built with cmake')
        for o in sorted(MONGOCRYPT_OPTS - copts):
            problems.append(f'libmongocrypt lacks {o}')
        sources = crypt.get('sources', [])
        if len(sources) != 1 or sources[0].get('type') != 'archive':
            problems.append('libmongocrypt is not built from one release archive')
        else:
            version = version_in(sources[0].get('url', ''))
            if version is None:
                problems.append(f'no version in the libmongocrypt url {sources[0].get("url")}')
            elif f'-DBUILD_VERSION={version}' not in copts:
                # a release archive has no git history to compute it from
                problems.append(f'libmongocrypt lacks -DBUILD_VERSION={version}')
            if debian and debian.get('mongocrypt') and series(version) != series(debian['mongocrypt']):
                problems.append(f'libmongocrypt {version} is not of the {series(debian["mongocrypt"])} '
                                f'series the Debian build ({debian["mongocrypt"]}) has')
        bopts = set(bson.get('config-opts', []))
        for o in sorted(LIBBSON_OPTS - bopts):
            problems.append(f'libbson lacks {o}')
        if mongoc is not None:
            if bson.get('sources') != mongoc.get('sources'):
                problems.append('libbson is not built from the same release archive as mongo-c-driver')
            if '-DENABLE_BSON=SYSTEM' not in mongoc.get('config-opts', []):
                problems.append('mongo-c-driver builds its own libbson (-DENABLE_BSON=SYSTEM missing)')
    check('libmongocrypt-before-mongo-c-driver', problems)

    # 8. The app module: meson, real options, the right flavour.
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

    # 9. Installed files: exported ones carry the app id; cleanup keeps them.
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

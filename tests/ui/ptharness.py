"""The AT-SPI harness every end-to-end script of PharmaTrack imports.

The scripts run with Debian's /usr/bin/python3 (pyatspi, dogtail) inside
their own D-Bus session and 1280×800 X server (run-e2e*.sh).  A scenario
prepares a data dir (often with pharmatrack-admin), starts the app, finds
controls by their accessible names, types with synthesized key events (the
way a person or a barcode scanner does), saves screenshots and stops the
app by its PID.  Every wait has a timeout.

GTK 4.8 caveats the helpers work around:
- it sets no SHOWING state: a widget is "on screen" when it has an extent;
- it joins a widget's accessible label and its visible text in the name
  ("Phone Phone"), so names match on their start or end too;
- it can crash when a client walks the tree while rows are being replaced
  or just after a dialog closed: wait for a result through the CLI (or a
  fixed, stable widget) before walking again.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import traceback

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi, GLib  # noqa: E402
import pyatspi  # noqa: E402

APP = os.environ["PT_APP"]
ADMIN = os.environ["PT_ADMIN"]
SCHEMAS = os.environ["PT_SCHEMA_DIR"]
SHOTS = os.environ.get("PT_SCREENSHOT_DIR", "screenshots")
# When set (to data/screenshots), named screenshots are copied there.
COMMITTED_SHOTS = os.environ.get("PT_COMMITTED_SCREENSHOTS")

DEMO_PASSWORD = "demo-pharmacy"
OWNER = "owner@demo.pharmatrack.example"
PHARMACIST = "pharmacist@demo.pharmatrack.example"
CASHIER = "cashier@demo.pharmatrack.example"


class Failure(Exception):
    pass


STARTED = time.monotonic()


def log(*args):
    print(f"# [{time.monotonic() - STARTED:6.1f} s]", *args, flush=True)


def pump_events():
    context = GLib.MainContext.default()
    while context.pending():
        context.iteration(False)


def wait_for(predicate, timeout, what, interval=0.1):
    log("waiting for", what)
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        pump_events()
        try:
            result = predicate()
            if result:
                return result
        except Exception as e:  # the tree changes under us while we look
            last_error = e
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {what}"
                  + (f" (last error: {last_error})" if last_error else ""))


# ---- Accessibility tree -------------------------------------------------

def role_name(acc):
    try:
        return acc.getRoleName()
    except Exception:
        return ""


def is_showing(acc):
    """GTK 4.8 sets no SHOWING state; a widget on a hidden stack page or
    an unmapped one has an empty extent.  (One D-Bus call per node: the
    walks of big pages stay fast.)"""
    try:
        component = acc.queryComponent()
    except Exception:
        return True
    try:
        e = component.getExtents(pyatspi.WINDOW_COORDS)
        return e.width > 0 and e.height > 0
    except Exception:
        return False


def walk(acc, depth=0, only_showing=True):
    if acc is None or depth > 90:
        return
    yield acc
    try:
        n = acc.childCount
    except Exception:
        return
    for i in range(n):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        if child is None:
            continue
        # The app's windows (an AdwWindow shows as a "filler") are always
        # looked into; below them only what is on screen.
        if only_showing and depth > 0 and not is_showing(child):
            continue
        yield from walk(child, depth + 1, only_showing)


def find_all(root, name=None, role=None, contains=None, rolename=None):
    role = role or rolename
    out = []
    for acc in walk(root):
        try:
            n = acc.name or ""
        except Exception:
            continue
        if name is not None and n != name and not n.startswith(name + " ") \
                and not n.endswith(" " + name):
            continue
        if contains is not None and contains not in n:
            continue
        if role is not None and role_name(acc) != role:
            continue
        out.append(acc)
    return out


def find(root, name=None, role=None, contains=None, rolename=None):
    found = find_all(root, name, role, contains, rolename)
    return found[0] if found else None


def find_child(root, role):
    for i in range(root.childCount):
        c = root.getChildAtIndex(i)
        if c is not None and role_name(c) == role:
            return c
    return None


def dump(root, indent=0, out=None):
    """The showing tree as text, for failure logs."""
    lines = out if out is not None else []
    try:
        lines.append("  " * indent + f"[{role_name(root)}] {root.name!r}")
        for i in range(root.childCount):
            c = root.getChildAtIndex(i)
            if c is not None and (indent == 0 or is_showing(c)):
                dump(c, indent + 1, lines)
    except Exception:
        pass
    return lines


def is_sensitive(acc):
    return acc.getState().contains(pyatspi.STATE_SENSITIVE)


sensitive = is_sensitive


def click(acc):
    action = acc.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "activate", "press", "toggle"):
            action.doAction(i)
            return
    action.doAction(0)


press = click


def text_of(acc):
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return acc.name or ""


def focus(acc):
    """Moves the keyboard focus to @acc (GTK refuses it for widgets that
    take no focus; the caller then relies on the focus order)."""
    try:
        acc.queryComponent().grabFocus()
    except Exception as e:
        log("could not focus", acc.name, e)
    time.sleep(0.2)


# ---- Keyboard -----------------------------------------------------------

KEYSYMS = {"\n": 0xff0d, "\t": 0xff09, "esc": 0xff1b, "down": 0xff54, "up": 0xff52,
           "Return": 0xff0d, "Tab": 0xff09, "Escape": 0xff1b, "space": 0x20,
           "Down": 0xff54, "Up": 0xff52, "Delete": 0xffff, "Page_Up": 0xff55,
           "Page_Down": 0xff56, "Home": 0xff50, "BackSpace": 0xff08}
# Modifier masks for LOCKMODIFIERS.
SHIFT, CONTROL, ALT = 1 << 0, 1 << 2, 1 << 3
MODIFIERS = {"<Control>": CONTROL, "<Shift>": SHIFT, "<Alt>": ALT}
# Every key or combination pressed through key(), for keystroke counts.
KEYS = []


def combo(keysym, *modifiers):
    """Presses @keysym with @modifiers held, like a person would."""
    mask = 0
    for m in modifiers:
        mask |= m
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.LOCKMODIFIERS)
    Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.UNLOCKMODIFIERS)
    time.sleep(0.15)


def key(combo_name):
    """A key or combination by name, e.g. 'Return', '<Control>n', 'space';
    counted in KEYS."""
    KEYS.append(combo_name)
    mask = 0
    name = combo_name
    for m, bit in MODIFIERS.items():
        if m in name:
            mask |= bit
            name = name.replace(m, "")
    keysym = KEYSYMS.get(name, ord(name[0]) if len(name) == 1 else 0)
    combo(keysym, *([mask] if mask else []))
    time.sleep(0.15)


def type_text(text):
    """Types @text; a trailing newline presses Enter."""
    enter = text.endswith("\n")
    text = text.rstrip("\n")
    for ch in text:
        if ch in KEYSYMS:
            combo(KEYSYMS[ch])
        elif ch.isupper() or ch in '@_:+?!"#$%&*()<>{}|~^':
            combo(ord(ch), SHIFT)
        else:
            Atspi.generate_keyboard_event(ord(ch), None, Atspi.KeySynthType.SYM)
            time.sleep(0.012)
    time.sleep(0.15)
    if enter:
        combo(KEYSYMS["\n"])


# ---- The app ------------------------------------------------------------

class WindowWatcher:
    """Learns of new windows (dialogs) from AT-SPI events.

    GTK 4.8 can crash when a client lists the application's windows right
    after one was closed, so scenarios that open and close many dialogs
    never enumerate the application: they keep the main window found at
    start and the dialogs announced by events."""

    def __init__(self):
        self.windows = []
        self.listener = Atspi.EventListener.new(self.on_event)
        # A window that becomes active is announced with itself as source
        # (GTK 4.8 gives an AdwWindow the "filler" role, so any role goes).
        self.listener.register("object:state-changed:active")

    def on_event(self, event):
        try:
            if event.detail1 and event.source is not None and event.source.name:
                self.windows.append(event.source)
        except Exception:
            pass

    def window(self, title):
        for w in reversed(self.windows):
            try:
                if w.name == title and is_showing(w):
                    return w
            except Exception:
                continue
        return None


class App:
    """The app on a fresh data dir.  @scope "main" searches the main
    window (dialogs through dialog() or within=), "app" searches every
    window of the app (dialogs included)."""

    def __init__(self, scenario, data_dir=None, last_page=None, scope="main"):
        self.scenario = scenario
        self.scope = scope
        self.tmp = tempfile.mkdtemp(prefix="pt-e2e-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.print_dir = os.path.join(self.tmp, "printed")
        config = os.path.join(self.tmp, "config", "glib-2.0", "settings")
        os.makedirs(config)
        # The window opens at the screen size, so screenshots are 1280×800.
        with open(os.path.join(config, "keyfile"), "w") as f:
            f.write("[io/github/pharmatrack/Desktop]\n"
                    "window-width=1280\nwindow-height=800\n")
            if last_page:
                f.write(f"last-page='{last_page}'\n")
        self.env = dict(os.environ)
        self.env.update({
            "GSETTINGS_SCHEMA_DIR": SCHEMAS,
            "GSETTINGS_BACKEND": "keyfile",
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "share"),
            # GL under Xvfb renders black in screenshots.
            "GSK_RENDERER": "cairo",
            "ADW_DISABLE_PORTAL": "1",
            "GTK_USE_PORTAL": "0",
            # No printer here: labels and receipts go to PDF files.
            "PHARMATRACK_PRINT_DIR": self.print_dir,
        })
        self.env.pop("G_DEBUG", None)
        self.proc = None
        self.root = None
        self.main = None
        self.app_output = ""
        os.makedirs(SHOTS, exist_ok=True)

    def admin(self, *args, user=None):
        cmd = [ADMIN, "--data-dir", self.data_dir]
        if user:
            cmd += ["--user", user]
        cmd += list(args)
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise Failure(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        return r.stdout.strip()

    def put(self, collection, doc):
        """Creates a document from a dict (Extended JSON); returns its id."""
        path = os.path.join(self.tmp, "doc.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return self.admin("put", collection, "--file", path).split()[-1]

    def start(self):
        self.log = open(os.path.join(self.tmp, "app.log"), "w")
        wrapper = os.environ.get("PT_APP_WRAPPER", "").split()
        self.proc = subprocess.Popen(wrapper + [APP, "--data-dir", self.data_dir], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        log("started app, pid", self.proc.pid)

        def app_root():
            if self.proc.poll() is not None:
                raise Failure(f"the app exited with status {self.proc.returncode}")
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                a = desktop.getChildAtIndex(i)
                try:
                    if a is not None and (a.get_process_id() == self.proc.pid
                                          or (wrapper and a.name == "pharmatrack")):
                        return a
                except Exception:
                    continue
            return None
        self.watcher = WindowWatcher()
        self.root = wait_for(app_root, 30, "the app on the accessibility bus")
        self.main = wait_for(lambda: find_child(self.root, role="frame"), 10, "the main window")
        return self.root

    def wait(self, what, timeout=15, within=None, **kw):
        """A control with these properties (find_all's), once it is there."""
        scope = within or (self.root if self.scope == "app" else self.main)
        try:
            return wait_for(lambda: find(scope, **kw), timeout, what)
        except Failure:
            self.screenshot("failure")
            log("\n".join(dump(scope)[:500]))
            raise

    def gone(self, what, timeout=15, within=None, **kw):
        scope = within or (self.root if self.scope == "app" else self.main)
        wait_for(lambda: find(scope, **kw) is None, timeout, what)

    def dialog(self, title, timeout=15):
        return wait_for(lambda: self.watcher.window(title), timeout, f"the “{title}” dialog")

    def x_window(self, title):
        """The X id of the top-level window titled @title, or None."""
        r = subprocess.run(["xwininfo", "-root", "-children"], env=self.env, timeout=30,
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[1].startswith(f'"{title}"'):
                return parts[0]
        return None

    def screenshot(self, name, committed=None, window=None):
        """The screen, or only the window titled @window (a dialog: with
        no window manager here it sits in a corner over the main
        window)."""
        path = os.path.join(SHOTS, f"{self.scenario}-{name}.png")
        xid = self.x_window(window) if window else None
        if window and xid is None:
            log("no window", window, "- the whole screen instead")
        subprocess.run(["import", "-window", xid or "root", path], env=self.env, timeout=30,
                       capture_output=True)
        log("screenshot", path)
        if committed and COMMITTED_SHOTS:
            os.makedirs(COMMITTED_SHOTS, exist_ok=True)
            shutil.copy(path, os.path.join(COMMITTED_SHOTS, committed))
            log("committed screenshot", committed)
        return path

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.log.close()
            with open(os.path.join(self.tmp, "app.log")) as f:
                self.app_output = f.read()
            if self.app_output.strip():
                log("app output:\n" + self.app_output[-4000:])
        shutil.rmtree(self.tmp, ignore_errors=True)


def run(scenarios, argv):
    """main() of a scenario script: runs argv[1] with a fresh App made by
    the scenario's own factory (scenarios maps a name to (factory, fn))
    or App(name)."""
    name = argv[1]
    entry = scenarios[name]
    factory, fn = entry if isinstance(entry, tuple) else (App, entry)
    app = factory(name)
    try:
        fn(app)
    except Exception as e:
        if not isinstance(e, Failure):
            traceback.print_exc()
        print(f"FAIL: {name}: {e}", flush=True)
        app.stop()
        return 1
    app.stop()
    print(f"PASS: {name}", flush=True)
    return 0

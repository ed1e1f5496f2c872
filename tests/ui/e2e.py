#!/usr/bin/python3
"""End-to-end tests of the PharmaTrack window, driven through AT-SPI.

Run by run-e2e.sh inside dbus-run-session and xvfb-run.  Each scenario
starts the app on a fresh data dir, finds controls by their accessible
names, types with synthesized key events (the way a person or a barcode
scanner does), saves screenshots, and stops the app by its PID.  Every wait
has a timeout.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi, GLib  # noqa: E402
import pyatspi  # noqa: E402

APP = os.environ["PT_APP"]
ADMIN = os.environ["PT_ADMIN"]
SCHEMAS = os.environ["PT_SCHEMA_DIR"]
SHOTS = os.environ.get("PT_SCREENSHOT_DIR", "screenshots")
DEMO_PASSWORD = "demo-pharmacy"
OWNER = "owner@demo.pharmatrack.example"
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
    an unmapped one has an empty extent."""
    try:
        component = acc.queryComponent()
    except NotImplementedError:
        return True
    except Exception:
        return True
    try:
        e = component.getExtents(pyatspi.WINDOW_COORDS)
        return e.width > 0 and e.height > 0
    except Exception:
        return False


def walk(acc, depth=0, only_showing=True):
    if acc is None or depth > 80:
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
        if only_showing and not is_showing(child):
            continue
        yield from walk(child, depth + 1, only_showing)


def find_all(root, name=None, role=None, contains=None):
    out = []
    for acc in walk(root):
        try:
            n = acc.name or ""
        except Exception:
            continue
        if name is not None and n != name and not n.startswith(name + " "):
            continue
        if contains is not None and contains not in n:
            continue
        if role is not None and role_name(acc) != role:
            continue
        out.append(acc)
    return out


def find_child(root, role):
    for i in range(root.childCount):
        c = root.getChildAtIndex(i)
        if c is not None and role_name(c) == role:
            return c
    return None


def find(root, name=None, role=None, contains=None):
    found = find_all(root, name, role, contains)
    return found[0] if found else None


def dump(root, indent=0, out=None):
    """The showing tree as text, for failure logs."""
    lines = out if out is not None else []
    try:
        lines.append("  " * indent + f"[{role_name(root)}] {root.name!r}")
        for i in range(root.childCount):
            c = root.getChildAtIndex(i)
            if c is not None and is_showing(c):
                dump(c, indent + 1, lines)
    except Exception:
        pass
    return lines


def is_sensitive(acc):
    return acc.getState().contains(pyatspi.STATE_SENSITIVE)


def click(acc):
    action = acc.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "activate", "press"):
            action.doAction(i)
            return
    action.doAction(0)


def text_of(acc):
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return acc.name or ""


# ---- Keyboard -----------------------------------------------------------

KEYSYMS = {"\n": 0xff0d, "\t": 0xff09, "esc": 0xff1b, "down": 0xff54, "up": 0xff52}
# Modifier masks for LOCKMODIFIERS.
SHIFT, CONTROL, ALT = 1 << 0, 1 << 2, 1 << 3


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
            time.sleep(0.01)
    time.sleep(0.1)
    if enter:
        combo(KEYSYMS["\n"])


# ---- The app ------------------------------------------------------------

class WindowWatcher:
    """Learns of new windows (dialogs) from AT-SPI events.

    GTK 4.8 can crash when a client lists the application's windows right
    after one was closed, so the tests never enumerate the application:
    they keep the main window found at start and the dialogs announced by
    events."""

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
    def __init__(self, scenario, data_dir=None):
        self.scenario = scenario
        self.tmp = tempfile.mkdtemp(prefix="pt-e2e-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        config = os.path.join(self.tmp, "config", "glib-2.0", "settings")
        os.makedirs(config)
        # The window opens at the screen size, so screenshots are 1280×800.
        with open(os.path.join(config, "keyfile"), "w") as f:
            f.write("[io/github/pharmatrack/Desktop]\n"
                    "window-width=1280\nwindow-height=800\n")
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
        })
        self.env.pop("G_DEBUG", None)
        self.proc = None
        self.root = None
        os.makedirs(SHOTS, exist_ok=True)

    def admin(self, *args, user=None):
        cmd = [ADMIN, "--data-dir", self.data_dir]
        if user:
            cmd += ["--user", user]
        cmd += list(args)
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise Failure(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        return r.stdout

    def start(self):
        self.log = open(os.path.join(self.tmp, "app.log"), "w")
        self.proc = subprocess.Popen([APP, "--data-dir", self.data_dir], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        log("started app, pid", self.proc.pid)

        def app_root():
            if self.proc.poll() is not None:
                raise Failure(f"the app exited with status {self.proc.returncode}")
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                a = desktop.getChildAtIndex(i)
                try:
                    if a is not None and a.get_process_id() == self.proc.pid:
                        return a
                except Exception:
                    continue
            return None
        self.watcher = WindowWatcher()
        self.root = wait_for(app_root, 30, "the app on the accessibility bus")
        self.main = wait_for(lambda: find_child(self.root, role="frame"), 10, "the main window")
        return self.root

    def wait(self, what, timeout=15, within=None, **kw):
        """A control of the main window (or of @within) with these
        properties, once it is there."""
        scope = within or self.main
        try:
            return wait_for(lambda: find(scope, **kw), timeout, what)
        except Failure:
            self.screenshot("failure")
            log("\n".join(dump(scope)[:400]))
            raise

    def dialog(self, title, timeout=15):
        return wait_for(lambda: self.watcher.window(title), timeout, f"the “{title}” dialog")

    def screenshot(self, name):
        path = os.path.join(SHOTS, f"{self.scenario}-{name}.png")
        subprocess.run(["import", "-window", "root", path], env=self.env, timeout=30,
                       capture_output=True)
        log("screenshot", path)
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
                output = f.read()
            if output.strip():
                log("app output:\n" + output)
            self.app_output = output
        shutil.rmtree(self.tmp, ignore_errors=True)


def sign_in(app, email, password, focus_on_password=False):
    """Types the e-mail (Enter moves on) and the password (Enter signs in).
    After a lock the e-mail is filled in and the password has the focus:
    Shift+Tab goes back to the e-mail."""
    app.wait("the sign-in page", role="text", contains="Password")
    if focus_on_password:
        combo(KEYSYMS["\t"], SHIFT)
    combo(ord("a"), CONTROL)
    type_text(email + "\n")
    type_text(password + "\n")


def wait_signed_in(app, role):
    """The header names the user and the role only once signed in."""
    return app.wait(f"the header to show a signed-in {role}", role="label",
                    contains=f" · {role}", timeout=20)


def table_rows(app):
    """The catalogue rows on screen, each a list of its cells' texts."""
    # The column view stays the same widget: find it once.
    table = getattr(app, "table", None)
    if table is None:
        table = app.table = app.wait("the medicines table", name="Medicines", role="tree table")
    rows = []
    for row in find_all(table, role="table row"):
        cells = [c for c in find_all(row, role="table cell")]
        if not cells:
            continue
        texts = []
        for c in cells:
            labels = find_all(c, role="label")
            texts.append(labels[0].name if labels else "")
        rows.append(texts)
    return rows


NAME, DETAILS, STOCK, EXPIRY, PRICE, STATUS = range(6)


def first_row(app):
    rows = table_rows(app)
    return rows[0] if rows else None


def stock_of_first_row(app):
    row = first_row(app)
    return int(row[STOCK].replace(",", "")) if row and row[STOCK] else None


def search(app, text):
    combo(ord("f"), CONTROL)          # Ctrl+F focuses and selects the search
    type_text(text)


def medicines(app):
    out = []
    for line in app.admin("list", "medicines").splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def expect_equal(actual, expected, what):
    if actual != expected:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


# ---- Scenarios ----------------------------------------------------------

def scenario_demo_first_run(app):
    """Demo first run → sign in → search by name and by barcode → receive
    stock → the stock column changes → adjust with a reason → the audit
    log has it."""
    app.start()
    app.wait("the welcome page", role="list item", contains="Explore with demo data", timeout=20)
    app.screenshot("welcome")
    # The first choice has the keyboard focus: Enter picks it.
    combo(KEYSYMS["\n"])
    app.wait("the demo accounts on the sign-in page", role="label", name=OWNER, timeout=90)
    app.screenshot("signin")
    sign_in(app, OWNER, DEMO_PASSWORD)
    wait_signed_in(app, "Owner")
    catalogue_work(app)


def catalogue_work(app):
    # By name: the list narrows to matching medicines as we type.
    catalogue = medicines(app)
    target = next(m for m in catalogue
                  if m.get("barcode") and len(m["name"]) > 6 and not m.get("deleted"))
    prefix = target["name"][:5]
    search(app, prefix.lower())
    wait_for(lambda: table_rows(app) and all(r[NAME].lower().startswith(prefix.lower())
                                             or prefix.lower() in r[NAME].lower()
                                             for r in table_rows(app)[:3]),
             10, f"rows matching {prefix!r}")
    app.wait("the match count", role="label", contains=f"“{prefix.lower()}”")
    app.screenshot("search-by-name")

    # By barcode, as a scanner types it: digits and Enter.
    search(app, target["barcode"] + "\n")
    wait_for(lambda: first_row(app) and first_row(app)[NAME] == target["name"], 10,
             f"{target['name']} first after scanning {target['barcode']}")
    app.wait("the detail pane of the scanned medicine", role="label", name=target["name"])
    before = stock_of_first_row(app)
    log("stock before:", before)
    app.screenshot("search-by-barcode")

    # Receive stock: Ctrl+R, then lot, expiry, quantity, cost, supplier.
    combo(ord("r"), CONTROL)
    app.dialog("Receive Stock")
    type_text("E2E-LOT-7\t2031-12-31\t48\t1.25\tCentral Wholesale\n")
    # The detail pane first (outside the list), then the column itself.
    app.wait("the new stock in the detail pane", role="label",
             name=f"Stock at this branch: {before + 48:,}")
    expect_equal(stock_of_first_row(app), before + 48, "the stock column after receiving 48")
    app.wait("the new batch in the detail pane", role="label", name="Lot E2E-LOT-7")
    app.screenshot("received")

    # Adjust without a reason is refused, with the reason it is recorded.
    combo(ord("j"), CONTROL)
    dialog = app.dialog("Adjust Stock")
    type_text("-5\n")
    app.wait("the reason-required message", within=dialog, role="label", contains="Give a reason")
    expect_equal(stock_of_first_row(app), before + 48, "stock after a refused adjustment")
    type_text("Damaged box found at the counter\n")
    app.wait("the adjusted stock in the detail pane", role="label",
             name=f"Stock at this branch: {before + 43:,}")
    expect_equal(stock_of_first_row(app), before + 43, "the stock column after adjusting by -5")
    app.wait("the adjustment in the stock history", role="label",
             contains="Damaged box found at the counter")
    app.screenshot("medicines")

    # The audit log has the adjustment, by the owner.
    audit = app.admin("list", "audit_events")
    movements = app.admin("list", "stock_movements")
    adjustment = [json.loads(l) for l in movements.splitlines()
                  if "Damaged box found at the counter" in l]
    if len(adjustment) != 1 or adjustment[0].get("quantity") not in (-5, {"$numberLong": "-5"}):
        raise Failure(f"expected one -5 adjustment movement, got {adjustment}")
    movement_id = adjustment[0]["_id"]["$oid"]
    if movement_id not in audit:
        raise Failure(f"the audit log has no event for movement {movement_id}")
    log("audit has movement", movement_id)

    # The Sync page, reached from the header's sync indicator.
    click(app.wait("the sync indicator", role="push button", name="Sync status"))
    app.wait("the sync state", role="label", contains="Offline — not connected")
    app.screenshot("sync")


def demo_store(app):
    """A small demo store made by the command-line tool, not the GUI."""
    app.admin("demo-data", "--medicines", "60", "--patients", "10", "--prescriptions", "10")


def scenario_wrong_password(app):
    demo_store(app)
    app.start()
    sign_in(app, OWNER, "not-the-password")
    app.wait("the refusal", role="label", contains="email or password is not right")
    if find(app.main, role="label", contains=" · Owner"):
        raise Failure("signed in with a wrong password")
    app.screenshot("refused")
    # Two more wrong tries: the counter asks to wait before the next.
    for _ in range(2):
        combo(ord("a"), CONTROL)
        type_text("still-wrong\n")
        time.sleep(0.5)
    app.wait("the delay after repeated failures", role="label", contains="Too many attempts")
    app.screenshot("delay")
    if find(app.main, role="label", contains=" · Owner"):
        raise Failure("signed in with a wrong password")


def sensitive_button(app, name):
    return is_sensitive(app.wait(f"the {name} button", role="push button", name=name))


def scenario_cashier(app):
    demo_store(app)
    app.start()
    sign_in(app, CASHIER, DEMO_PASSWORD)
    wait_signed_in(app, "Cashier")
    search(app, "a")
    wait_for(lambda: table_rows(app), 10, "catalogue rows")
    for name in ("Change price", "Edit medicine", "New medicine"):
        if sensitive_button(app, name):
            raise Failure(f"a cashier gets the “{name}” action")
    # The shortcut does nothing either.
    combo(ord("p"), CONTROL, SHIFT)
    time.sleep(0.5)
    if app.watcher.window("Change Price"):
        raise Failure("Ctrl+Shift+P opened the price editor for a cashier")
    app.screenshot("cashier")

    # Ctrl+L locks; a pharmacist signs in at the same counter and may.
    combo(ord("l"), CONTROL)
    app.wait("the locked counter offering the cashier", role="label",
             name="Signed In at This Counter")
    sign_in(app, "pharmacist@demo.pharmatrack.example", DEMO_PASSWORD, focus_on_password=True)
    wait_signed_in(app, "Pharmacist")
    wait_for(lambda: sensitive_button(app, "Change price"), 10,
             "the Change price action for a pharmacist")
    app.screenshot("pharmacist")


SCENARIOS = {
    "demo-first-run-search-receive-adjust": scenario_demo_first_run,
    "wrong-password-refused": scenario_wrong_password,
    "cashier-cannot-change-price": scenario_cashier,
}


def main():
    scenario = sys.argv[1]
    app = App(scenario)
    try:
        SCENARIOS[scenario](app)
    except Failure as e:
        print(f"FAIL: {scenario}: {e}", flush=True)
        app.stop()
        return 1
    app.stop()
    print(f"PASS: {scenario}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""End-to-end tests of counter work in the real PharmaTrack window.

Run inside dbus-run-session and xvfb-run (1280×800) by run-e2e-counter.sh,
with Debian's python3, pyatspi and dogtail (its key synthesis).  Each
scenario prepares a fresh data dir with pharmatrack-admin, starts the app,
finds controls by their accessible names, types like a person at the
counter, checks what a pharmacist would see, saves screenshots and stops
the app by its PID.  Every wait has a timeout.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import datetime

from dogtail import config as dogtail_config
dogtail_config.checkForA11y = False
dogtail_config.logDebugToFile = False
import gi  # noqa: E402
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi  # noqa: E402
import pyatspi  # noqa: E402

APP = os.environ["PT_APP"]
ADMIN = os.environ["PT_ADMIN"]
SCHEMAS = os.environ["PT_SCHEMA_DIR"]
SHOTS = os.environ.get("PT_SCREENSHOT_DIR", "screenshots")
COMMITTED_SHOTS = os.environ.get("PT_COMMITTED_SCREENSHOTS")  # data/screenshots when asked
PASSWORD = "demo-pharmacy"
PHARMACIST = "pharmacist@demo.pharmatrack.example"
CASHIER = "cashier@demo.pharmatrack.example"


class Failure(Exception):
    pass


def log(*args):
    print("#", *args, flush=True)


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            r = predicate()
            if r:
                return r
        except Exception as e:  # the tree changes while we look
            last = e
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {what}"
                  + (f" (last error: {last})" if last else ""))


# ---- Accessibility tree -------------------------------------------------

def role(acc):
    try:
        return acc.getRoleName()
    except Exception:
        return ""


def showing(acc):
    """GTK 4.8 sets no SHOWING state: an unmapped widget has no extent."""
    if role(acc) in ("frame", "dialog", "window", "application"):
        return True
    try:
        component = acc.queryComponent()
    except Exception:
        return True
    try:
        e = component.getExtents(pyatspi.WINDOW_COORDS)
        return e.width > 0 and e.height > 0
    except Exception:
        return False


def walk(acc, depth=0):
    if acc is None or depth > 90:
        return
    yield acc
    try:
        n = acc.childCount
    except Exception:
        return
    for i in range(n):
        try:
            c = acc.getChildAtIndex(i)
        except Exception:
            continue
        # The app's windows (AdwWindow shows as a "filler") are always
        # looked into; below them only what is on screen.
        if c is not None and (depth == 0 or showing(c)):
            yield from walk(c, depth + 1)


def find_all(root, name=None, rolename=None, contains=None):
    out = []
    for acc in walk(root):
        try:
            n = acc.name or ""
        except Exception:
            continue
        # GTK 4.8 joins a widget's label and its visible text in the name
        # ("Phone Phone", "_Save Patient Save Patient").
        if name is not None and n != name and not n.startswith(name + " ") \
                and not n.endswith(" " + name):
            continue
        if contains is not None and contains not in n:
            continue
        if rolename is not None and role(acc) != rolename:
            continue
        out.append(acc)
    return out


def find(root, **kw):
    f = find_all(root, **kw)
    return f[0] if f else None


def dump(root):
    lines = []
    try:
        lines.append(f"top level: {[(role(root.getChildAtIndex(i)), root.getChildAtIndex(i).name) for i in range(root.childCount)]}")
    except Exception as e:
        lines.append(f"top level: {e}")
    for acc in walk(root):
        try:
            lines.append(f"[{role(acc)}] {acc.name!r}")
        except Exception:
            pass
    return lines


def sensitive(acc):
    return acc.getState().contains(pyatspi.STATE_SENSITIVE)


def focus(acc):
    """Moves the keyboard focus to @acc (GTK refuses it for widgets that
    take no focus; the caller then relies on the focus order)."""
    try:
        acc.queryComponent().grabFocus()
    except Exception as e:
        log("could not focus", acc.name, e)
    time.sleep(0.2)


def text_of(acc):
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return acc.name or ""


def press(acc):
    a = acc.queryAction()
    for i in range(a.nActions):
        if a.getName(i) in ("click", "activate", "press", "toggle"):
            a.doAction(i)
            return
    a.doAction(0)


# ---- Keyboard (what the README counts) ----------------------------------

KEYS = []  # every non-text key pressed, for the keystroke count


KEYSYMS = {"Return": 0xff0d, "Tab": 0xff09, "Escape": 0xff1b, "space": 0x20,
           "Down": 0xff54, "Up": 0xff52, "Delete": 0xffff}
MODIFIERS = {"<Control>": 1 << 2, "<Shift>": 1 << 0, "<Alt>": 1 << 3}


def _sym(keysym, mask=0):
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.LOCKMODIFIERS)
    Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.UNLOCKMODIFIERS)


def key(combo_name):
    """A key or combination, e.g. 'Return', '<Control>n', 'space'."""
    KEYS.append(combo_name)
    mask = 0
    name = combo_name
    for m, bit in MODIFIERS.items():
        if m in name:
            mask |= bit
            name = name.replace(m, "")
    _sym(KEYSYMS.get(name, ord(name[0]) if len(name) == 1 else 0), mask)
    time.sleep(0.3)


def type_text(text):
    for ch in text:
        if ch.isupper() or ch in '@_:+?!"#$%&*()<>{}|~^':
            _sym(ord(ch), MODIFIERS["<Shift>"])
        else:
            _sym(ord(ch))
        time.sleep(0.015)
    time.sleep(0.2)


# ---- The app ------------------------------------------------------------

class App:
    def __init__(self, scenario):
        self.scenario = scenario
        self.tmp = tempfile.mkdtemp(prefix="pt-e2e-counter-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.print_dir = os.path.join(self.tmp, "printed")
        config = os.path.join(self.tmp, "config", "glib-2.0", "settings")
        os.makedirs(config)
        with open(os.path.join(config, "keyfile"), "w") as f:
            f.write("[io/github/pharmatrack/Desktop]\n"
                    "window-width=1280\nwindow-height=800\nlast-page='counter'\n")
        self.env = dict(os.environ)
        self.env.update({
            "GSETTINGS_SCHEMA_DIR": SCHEMAS,
            "GSETTINGS_BACKEND": "keyfile",
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "share"),
            "GTK_THEME": "Adwaita",
            "GSK_RENDERER": "cairo",
            "ADW_DISABLE_PORTAL": "1",
            "GTK_USE_PORTAL": "0",
            # No printer here: labels go to PDF files in this folder.
            "PHARMATRACK_PRINT_DIR": self.print_dir,
        })
        self.env.pop("G_DEBUG", None)
        self.proc = None
        self.root = None
        os.makedirs(SHOTS, exist_ok=True)

    def admin(self, *args):
        cmd = [ADMIN, "--data-dir", self.data_dir] + list(args)
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise Failure(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        return r.stdout.strip()

    def put(self, collection, doc):
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
        self.root = wait_for(app_root, 30, "the app on the accessibility bus")

    def wait(self, what, timeout=15, **kw):
        try:
            return wait_for(lambda: find(self.root, **kw), timeout, what)
        except Failure:
            self.screenshot("failure")
            log("\n".join(dump(self.root)[:500]))
            raise

    def gone(self, what, timeout=15, **kw):
        wait_for(lambda: find(self.root, **kw) is None, timeout, what)

    def screenshot(self, name, committed=None):
        path = os.path.join(SHOTS, f"{self.scenario}-{name}.png")
        subprocess.run(["import", "-window", "root", path], env=self.env, timeout=30,
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
                out = f.read()
            if out.strip():
                log("app output:\n" + out[-4000:])
        shutil.rmtree(self.tmp, ignore_errors=True)


def day(offset):
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def prepare(app, prescriptions=12):
    """A small demo store, two medicines of our own with known stock: one
    short-dated (expires in 20 days), one not."""
    app.admin("demo-data", "--medicines", "60", "--patients", "20", "--prescriptions", str(prescriptions),
              "--seed", "11")
    meds = {}
    meds["calmora"] = app.put("medicines", {
        "name": "Calmora", "genericName": "calmoratine", "strength": "250 mg",
        "form": "tablets", "schedule": "rx", "price": 120, "category": "Analgesics"})
    meds["dermilon"] = app.put("medicines", {
        "name": "Dermilon", "genericName": "dermilonide", "strength": "1 %",
        "form": "cream", "schedule": "rx", "price": 450, "category": "Dermatologicals"})
    app.admin("receive", "--medicine", meds["calmora"], "--lot", "CAL-20D",
              "--expiry", day(20), "--quantity", "60", "--cost", "50")
    app.admin("receive", "--medicine", meds["dermilon"], "--lot", "DER-1Y",
              "--expiry", day(400), "--quantity", "10", "--cost", "200")
    return meds


def sign_in(app, email):
    app.wait("the sign-in page", name="Password", timeout=30)
    app.wait("the e-mail field", name="Email")
    # The e-mail field has the focus; Enter moves on to the password.
    key("<Control>a")
    type_text(email)
    key("Return")
    type_text(PASSWORD)
    key("Return")
    app.wait("the counter page", contains="Received (", rolename="label", timeout=30)


def pharmacy_id(app):
    line = app.admin("list", "pharmacies").splitlines()[0]
    return json.loads(line)["_id"]["$oid"]


def queue_row(app, number_or_name, status, timeout=15):
    """The accessible name of the queue row (objects are not kept: the
    queue rebuilds its rows when it changes)."""
    def name():
        acc = find(app.root, contains=f"{number_or_name}, {status}", rolename="list item")
        return acc.name if acc is not None else None
    try:
        return wait_for(name, timeout, f"{number_or_name} {status} in the queue")
    except Failure:
        app.screenshot("failure")
        raise


def pdf_text(path):
    r = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                       timeout=30)
    return " ".join(r.stdout.split())


# ---- Scenarios ----------------------------------------------------------

def scenario_full_counter_flow(app):
    """Create patient → new prescription with two items → dispense with a
    short-dated warning acknowledged → cash → label PDF → queue shows it
    dispensed."""
    prepare(app)
    app.start()
    sign_in(app, PHARMACIST)
    KEYS.clear()

    # Ctrl+N: the new prescription; a new patient is created inline.
    key("<Control>n")
    app.wait("the patient field", name="Patient")
    type_text("Margaret Hamilton")
    key("Return")
    app.wait("the new patient form", name="Save Patient", rolename="push button")
    # The form has the typed name split into first and last name.
    key("Return")
    app.wait("the chosen patient", name="Margaret Hamilton", rolename="list item")

    # Item 1: typed search, Enter takes the first match; quantity, instructions.
    type_text("Calmora")
    app.wait("a Calmora result with its stock and expiry", contains="Calmora 250 mg")
    key("Return")
    type_text("20")
    key("Return")
    type_text("Take one tablet twice a day with food")
    key("Return")
    app.wait("the first item", contains="Calmora 250 mg tablets × 20", rolename="list item")
    # Item 2, then Ctrl+Enter saves and opens the dispense dialog.
    type_text("Dermilon")
    app.wait("a Dermilon result", contains="Dermilon 1 %")
    key("Return")
    type_text("1")
    key("Return")
    type_text("Apply thinly to the rash twice a day")
    key("<Control>Return")

    # The dispense dialog: FEFO allocation and the short-dated warning.
    app.wait("the allocation", contains="Lot CAL-20D")
    ack = app.wait("the short-dated acknowledgement", name="Acknowledge short-dated stock",
                   rolename="check box")
    dispense = app.wait("the Dispense button", name="Dispense", rolename="push button")
    if sensitive(dispense):
        raise Failure("Dispense was possible before the warning was acknowledged")
    app.screenshot("dispense-dialog", committed="dispense.png")
    key("space")  # the acknowledgement has the focus; then the cash has it
    wait_for(lambda: sensitive(dispense), 5, "Dispense to become possible after acknowledging")
    key("<Control>a")
    type_text("50")
    change = app.wait("the change", name="Change due")
    # 20 × 1.20 + 1 × 4.50 = 28.50; 50.00 tendered → 21.50 change.
    wait_for(lambda: "21.50" in text_of(change) or "21.50" in (change.name or "")
             or any("21.50" in (a.name or "") for a in find_all(app.root, contains="21.50")),
             5, "the change of 21.50")
    key("Return")

    # The label was printed to PDF; then the queue shows it dispensed.
    # (The accessibility tree is left alone while the window rebuilds:
    # GTK 4.8 can hand out objects that are not realized yet.)
    pdfs = wait_for(lambda: [f for f in os.listdir(app.print_dir) if f.endswith(".pdf")]
                    if os.path.isdir(app.print_dir) else None, 20, "the label PDF")
    time.sleep(2)
    row = queue_row(app, "Margaret Hamilton", "dispensed", timeout=20)
    log("queue row:", row)
    text = pdf_text(os.path.join(app.print_dir, pdfs[0]))
    log("label text:", text)
    for expected in ("Margaret Hamilton", "Calmora 250 mg", "Take one tablet twice a day with food",
                     "Dermilon 1 %", "Apply thinly to the rash twice a day"):
        if expected not in text:
            raise Failure(f"the label does not show {expected!r}: {text}")
    stock = app.admin("stock", "--medicine", find_medicine(app, "Calmora"))
    log("stock after:", stock)
    if "40" not in stock:
        raise Failure(f"Calmora stock is not 40 after dispensing 20: {stock}")
    log("keys pressed (beyond typed text):", len(KEYS), KEYS)
    # README "At the counter": a one-item prescription for a known patient
    # takes 6 keys; this flow (new patient, two items, a warning, cash
    # with change) must still stay within the 12.
    if len(KEYS) > 12:
        raise Failure(f"{len(KEYS)} keystrokes beyond the typed text: {KEYS}")
    app.screenshot("counter", committed="counter.png")


def find_medicine(app, name):
    for line in app.admin("list", "medicines").splitlines():
        d = json.loads(line)
        if d.get("name") == name:
            return d["_id"]["$oid"]
    raise Failure(f"no medicine {name}")


def ready_rx_with_allergy(app, meds):
    """Rosalind Franklin is allergic to dermilonide; her prescription for
    Dermilon waits at 'ready'."""
    patient = app.put("patients", {
        "firstName": "Rosalind", "lastName": "Franklin",
        "allergies": [{"substance": "dermilonide", "kind": "generic", "severity": "severe"}]})
    app.put("prescriptions", {
        "number": "T-ALLERGY-1", "patientId": {"$oid": patient},
        "pharmacyId": {"$oid": pharmacy_id(app)}, "status": "ready",
        "items": [{"medicineId": {"$oid": meds["dermilon"]}, "quantity": 1,
                   "instructions": "Apply twice a day"}]})


def open_ready_dispense(app):
    queue_row(app, "Rosalind Franklin", "ready")
    # After sign-in the queue has the focus on the first prescription.
    key("Return")  # one key: ready → the dispense dialog
    return app.wait("the allergy acknowledgement", name="Acknowledge allergy", rolename="check box")


def scenario_allergy_blocks(app):
    # No other prescriptions: after sign-in the queue has the focus on hers.
    meds = prepare(app, prescriptions=1)
    for line in app.admin("list", "prescriptions").splitlines():
        app.admin("delete", "prescriptions", json.loads(line)["_id"]["$oid"])
    ready_rx_with_allergy(app, meds)
    app.start()
    sign_in(app, PHARMACIST)
    ack = open_ready_dispense(app)
    dispense = app.wait("the Dispense button", name="Dispense", rolename="push button")
    if sensitive(dispense):
        raise Failure("Dispense was possible with an unacknowledged allergy warning")
    key("space")
    time.sleep(0.5)
    if sensitive(dispense):
        raise Failure("Dispense was possible without an override reason")
    app.wait("the override reason", name="Override reason", rolename="text")
    # Acknowledging moved the focus to the reason.
    type_text("Patch test negative, confirmed with Dr Foster")
    wait_for(lambda: sensitive(dispense), 5, "Dispense after acknowledging with a reason")
    key("<Alt>d")
    wait_for(lambda: "Override: Patch test negative" in app.admin("list", "audit_events"), 20,
             "the override in the audit log")
    time.sleep(2)
    queue_row(app, "Rosalind Franklin", "dispensed", timeout=20)
    audit = app.admin("list", "audit_events")
    if "Override: Patch test negative" not in audit:
        raise Failure("the override and its reason are not in the audit log")


def scenario_cashier_cannot_override(app):
    # No other prescriptions: after sign-in the queue has the focus on hers.
    meds = prepare(app, prescriptions=1)
    for line in app.admin("list", "prescriptions").splitlines():
        app.admin("delete", "prescriptions", json.loads(line)["_id"]["$oid"])
    ready_rx_with_allergy(app, meds)
    app.start()
    sign_in(app, CASHIER)
    ack = open_ready_dispense(app)
    reason = app.wait("the override reason", name="Override reason", rolename="text")
    dispense = app.wait("the Dispense button", name="Dispense", rolename="push button")
    if sensitive(reason):
        raise Failure("a cashier could type an override reason")
    key("space")
    time.sleep(0.5)
    if sensitive(dispense):
        raise Failure("a cashier could dispense past an allergy warning")
    app.wait("the explanation", contains="ask a pharmacist")
    key("Escape")
    queue_row(app, "Rosalind Franklin", "ready")


SCENARIOS = {
    "counter-create-patient-prescribe-dispense-pay-print": scenario_full_counter_flow,
    "counter-allergy-blocks-until-acknowledged": scenario_allergy_blocks,
    "counter-cashier-cannot-override": scenario_cashier_cannot_override,
}


def main():
    scenario = sys.argv[1]
    app = App(scenario)
    try:
        SCENARIOS[scenario](app)
    except Exception as e:
        print(f"FAIL: {scenario}: {e}", flush=True)
        app.stop()
        return 1
    app.stop()
    print(f"PASS: {scenario}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""End-to-end test of the Reports page: three prescriptions paid at the
counter by two people in cash and by card; the daily takings show the
total, each payment method and each person.  Harness: ptharness.py,
ptcounter.py; run by run-e2e-counter.sh."""
import json
import sys

from ptharness import (DEMO_PASSWORD, OWNER, PHARMACIST, SHIFT, App, Failure, combo, key,
                       KEYSYMS, log, run, type_text)
from ptcounter import (clear_prescriptions, dispense_selected, pharmacy_id, prepare, settle,
                       sign_in)


def reports_app(scenario):
    return App(scenario, last_page="prescriptions", scope="app")


def display_name(app, email):
    for line in app.admin("list", "users").splitlines():
        d = json.loads(line)
        if d.get("email") == email:
            return d["displayName"]
    raise Failure(f"no user {email}")


def ready_rx(app, number, first, last, medicine, quantity):
    patient = app.put("patients", {"firstName": first, "lastName": last})
    app.put("prescriptions", {
        "number": number, "patientId": {"$oid": patient},
        "pharmacyId": {"$oid": pharmacy_id(app)}, "status": "ready",
        "items": [{"medicineId": {"$oid": medicine}, "quantity": quantity,
                   "instructions": "Apply twice a day"}]})


def dispense(app, number, method=None, tendered=None):
    """Ctrl+F, the number, Enter, Ctrl+D; pays and dispenses."""
    key("<Control>f")
    type_text(number)
    key("Return")
    dispense_selected(app, number, method=method, tendered=tendered)


def scenario_takings(app):
    meds = prepare(app, prescriptions=1)
    clear_prescriptions(app)
    dermilon = meds["dermilon"]                       # 4.50 each
    ready_rx(app, "T-CASH-1", "Ada", "Lovelace", dermilon, 1)      # 4.50 cash, pharmacist
    ready_rx(app, "T-CARD-1", "Alan", "Turing", dermilon, 3)       # 13.50 card, pharmacist
    ready_rx(app, "T-OWNER-1", "Edsger", "Dijkstra", dermilon, 1)  # 4.50 cash, owner
    pharmacist = display_name(app, PHARMACIST)
    owner = display_name(app, OWNER)
    app.start()
    sign_in(app, PHARMACIST, expect="3 prescriptions")

    dispense(app, "T-CASH-1", tendered="10")
    dispense(app, "T-CARD-1", method="card")

    # The owner takes over the counter (Ctrl+L locks it) and takes cash.
    key("<Control>l")
    app.wait("the locked counter", name="Signed In at This Counter", rolename="label", timeout=20)
    combo(KEYSYMS["\t"], SHIFT)                       # back to the e-mail
    key("<Control>a")
    type_text(OWNER)
    key("Return")
    type_text(DEMO_PASSWORD)
    key("Return")
    app.wait("the owner signed in", contains=" · Owner", rolename="label", timeout=20)
    settle()
    dispense(app, "T-OWNER-1")

    # Alt+5: the daily takings.
    key("<Alt>5")
    app.wait("the total", contains="Total takings: ", rolename="label")
    total = app.wait("the total of 22.50", contains="22.50", rolename="label")
    log("total:", total.name)
    for what, amount in (("Cash", "9.00"), ("Card", "13.50"), (pharmacist, "18.00"),
                         (owner, "4.50")):
        row = app.wait(f"{what}: {amount}", contains=f"{what}: ", rolename="list item")
        if amount not in row.name:
            raise Failure(f"the takings show {row.name!r}, expected {amount} for {what}")
    if app.wait("the count", contains="payments taken at this branch", rolename="label") \
            .name.split()[0] != "3":
        raise Failure("the takings do not count 3 payments")
    app.screenshot("takings", committed="reports.png")


SCENARIOS = {
    "reports-daily-takings-per-user-and-method": (reports_app, scenario_takings),
}

if __name__ == "__main__":
    sys.exit(run(SCENARIOS, sys.argv))

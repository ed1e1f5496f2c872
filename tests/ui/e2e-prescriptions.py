#!/usr/bin/python3
"""End-to-end tests of the Prescriptions page: a prescription through the
whole workflow from there — written, found by its number, dispensed with
a short-dated batch acknowledged and cash change, label and receipt
printed, then cancelled, which returns its stock, once only; and a
prescription with two refills re-dispensed twice, counting down, then
refused when none remain.  Harness: ptharness.py, ptcounter.py; run by
run-e2e-counter.sh."""
import json
import os
import sys
import time

from ptharness import (PHARMACIST, App, Failure, key, log, run, sensitive, type_text,
                       wait_for)
from ptcounter import (clear_prescriptions, dispense_selected, find_medicine, new_pdfs,
                       pdf_text, pharmacy_id, prepare, prescription, printed, rx_row, settle,
                       sign_in, stock_of)


def prescriptions_app(scenario):
    return App(scenario, last_page="prescriptions", scope="app")


def scenario_whole_workflow(app):
    prepare(app, prescriptions=12)
    app.put("patients", {"firstName": "Katherine", "lastName": "Johnson",
                         "phone": "+44 20 7946 0555"})
    calmora = find_medicine(app, "Calmora")
    app.start()
    sign_in(app, PHARMACIST, expect=" prescriptions")   # "12 prescriptions" under the search
    app.wait("the demo prescriptions", contains="Rx ", rolename="list item")
    app.screenshot("page", committed="prescriptions.png")

    # The search has the focus; Ctrl+N writes a new prescription here.
    key("<Control>n")
    app.wait("the patient field", name="Patient")
    type_text("Katherine Johnson")
    key("Return")
    app.wait("the chosen patient", name="Katherine Johnson", rolename="list item")
    type_text("Calmora")
    app.wait("a Calmora result", contains="Calmora 250 mg")
    key("Return")
    type_text("30")
    key("Return")
    type_text("Take one at night")
    key("Return")
    app.wait("the item", contains="Calmora 250 mg tablets × 30", rolename="list item")
    key("<Control>s")                       # save to the queue
    settle()
    name = rx_row(app, "Katherine Johnson", "received", timeout=20)
    number = name.split(",")[0].replace("Rx ", "").strip()
    log("prescription", number)
    if prescription(app, number) is None:
        raise Failure(f"Rx {number} is not in the store")

    # Found by its number: Enter selects it, Ctrl+D dispenses.
    type_text(number)
    key("Return")
    key("<Control>d")
    app.wait("the short-dated batch to pick", contains="Lot CAL-20D")
    app.wait("the short-dated acknowledgement", name="Acknowledge short-dated stock",
             rolename="check box")
    dispense = app.wait("the Dispense button", name="Dispense", rolename="push button")
    if sensitive(dispense):
        raise Failure("Dispense was possible before the warning was acknowledged")
    key("space")
    wait_for(lambda: sensitive(dispense), 5, "Dispense after acknowledging")
    key("<Control>a")
    type_text("40")                          # 30 × 1.20 = 36.00; change 4.00
    app.wait("the change", contains="4.00", rolename="label")
    before = printed(app)
    key("Return")
    labels = new_pdfs(app, before, what="the label PDF")
    wait_for(lambda: (prescription(app, number) or {}).get("status") == "dispensed", 20,
             "the prescription dispensed in the store")
    settle(2)
    rx_row(app, "Katherine Johnson", "dispensed", timeout=20)
    if stock_of(app, calmora) != 30:
        raise Failure(f"Calmora stock is {stock_of(app, calmora)}, not 30, after dispensing 30 of 60")
    text = pdf_text(os.path.join(app.print_dir, labels[0]))
    for expected in ("Katherine Johnson", "Calmora 250 mg", "Take one at night", number):
        if expected not in text:
            raise Failure(f"the label does not show {expected!r}: {text}")

    # The receipt (Ctrl+Shift+P) has the total and the payment.
    before = printed(app)
    key("<Control><Shift>p")
    receipt = new_pdfs(app, before, what="the receipt PDF")
    text = pdf_text(os.path.join(app.print_dir, receipt[0]))
    log("receipt:", text)
    for expected in ("Katherine Johnson", number, "36.00"):
        if expected not in text:
            raise Failure(f"the receipt does not show {expected!r}: {text}")
    app.screenshot("dispensed")

    # Cancel (Delete): the stock goes back, and it cannot happen twice.
    key("Delete")
    app.wait("the cancellation reason", name="Cancellation reason", rolename="text")
    type_text("Prescriber changed the medicine")
    key("Return")
    wait_for(lambda: (prescription(app, number) or {}).get("status") == "cancelled", 20,
             "the prescription cancelled in the store")
    if stock_of(app, calmora) != 60:
        raise Failure(f"Calmora stock is {stock_of(app, calmora)}, not 60, after the cancel")
    settle(2)
    rx_row(app, "Katherine Johnson", "cancelled", timeout=20)
    cancel = app.wait("the Cancel button", name="Cancel…", rolename="push button")
    if sensitive(cancel):
        raise Failure("a cancelled prescription can be cancelled again")
    key("Delete")
    settle()
    if stock_of(app, calmora) != 60:
        raise Failure("a second cancel returned the stock twice")
    try:
        app.admin("cancel", "--prescription", prescription(app, number)["_id"]["$oid"],
                  "--reason", "again")
    except Failure as e:
        log("the store refuses a second cancel:", e)
    else:
        raise Failure("the store cancelled a prescription twice")


def refill_of(app, original_id):
    """The prescription issued as a refill of @original_id, or None."""
    for line in app.admin("list", "prescriptions").splitlines():
        d = json.loads(line)
        if d.get("refillOf", {}).get("$oid") == original_id:
            return d
    return None


def refills(doc):
    return max(item.get("refills", 0) for item in doc["items"])


def scenario_refills(app):
    meds = prepare(app, prescriptions=1)
    clear_prescriptions(app)
    dermilon = meds["dermilon"]                          # 10 in stock
    patient = app.put("patients", {"firstName": "Mary", "lastName": "Jackson"})
    first_id = app.put("prescriptions", {
        "number": "T-REFILL-1", "patientId": {"$oid": patient},
        "pharmacyId": {"$oid": pharmacy_id(app)}, "status": "ready",
        "items": [{"medicineId": {"$oid": dermilon}, "quantity": 2, "refills": 2,
                   "instructions": "Apply twice a day"}]})
    app.start()
    sign_in(app, PHARMACIST, expect="1 prescription")
    rx_row(app, "Mary Jackson", "ready to dispense, 2 refills left")

    # The first fill: not refillable before it is dispensed.
    key("<Control>f")
    type_text("T-REFILL-1")
    key("Return")
    refill = app.wait("the Refill button", name="Refill", rolename="push button")
    if sensitive(refill):
        raise Failure("a prescription not dispensed yet can be refilled")
    dispense_selected(app, "T-REFILL-1")
    rx_row(app, "Mary Jackson", "dispensed, 2 refills left")
    if stock_of(app, dermilon) != 8:
        raise Failure(f"Dermilon stock is {stock_of(app, dermilon)} after the first fill, not 8")

    current_id, current_number, stock = first_id, "T-REFILL-1", 8
    for left in (1, 0):
        # Ctrl+R: a new prescription, the refills one fewer; it is selected.
        wait_for(lambda: sensitive(refill), 10, "Refill possible")
        key("<Control>r")
        new = wait_for(lambda: refill_of(app, current_id), 20, f"the refill of {current_number}")
        number = new["number"]
        log("refill", number, "of", current_number)
        if refills(new) != left:
            raise Failure(f"refill {number} has {refills(new)} refills, not {left}")
        if refills(prescription(app, current_number)) != 0:
            raise Failure(f"{current_number} kept its refills after being refilled")
        app.wait("the refill toast", contains=f"Refill {number} is in the counter queue")
        settle()
        rx_row(app, f"Rx {number}, Mary Jackson", "received" + (", 1 refill left" if left else ""))
        # A refill within 7 days of the last fill brings the duplicate-therapy
        # warning, which the pharmacist overrides with a reason.
        dispense_selected(app, number, duplicate_reason="Repeat supply on the prescriber's refill")
        stock -= 2
        if stock_of(app, dermilon) != stock:
            raise Failure(f"Dermilon stock is {stock_of(app, dermilon)}, not {stock}")
        name = rx_row(app, f"Rx {number}, Mary Jackson", "dispensed")
        if ("refill" in name) != (left > 0):
            raise Failure(f"the row says {name!r} with {left} refills left")
        current_id, current_number = new["_id"]["$oid"], number

    # None left: the action is off, Ctrl+R makes nothing, the store refuses.
    app.screenshot("no-refills-left")
    if sensitive(refill):
        raise Failure("a prescription with no refills left can be refilled")
    key("<Control>r")
    time.sleep(2)
    if refill_of(app, current_id) is not None:
        raise Failure("a prescription with no refills left was refilled")
    count = len(app.admin("list", "prescriptions").splitlines())
    if count != 3:
        raise Failure(f"{count} prescriptions, not the first fill and two refills")
    if stock_of(app, dermilon) != 4:
        raise Failure(f"Dermilon stock is {stock_of(app, dermilon)} after three fills, not 4")


SCENARIOS = {
    "prescriptions-whole-workflow-cancel-returns-stock": (prescriptions_app,
                                                          scenario_whole_workflow),
    "prescriptions-refills-count-down-then-refused": (prescriptions_app, scenario_refills),
}

if __name__ == "__main__":
    sys.exit(run(SCENARIOS, sys.argv))

#!/usr/bin/python3
"""End-to-end tests of the Patients page: a new patient and an edit with
the validation problems a pharmacist sees, and the allergy typed in the
form warning at the dispense.  Harness: ptharness.py, ptcounter.py; run by
run-e2e-counter.sh."""
import json
import sys

from ptharness import (PHARMACIST, App, Failure, key, log, run, sensitive, type_text,
                       wait_for)
from ptcounter import clear_prescriptions, prepare, rx_row, settle, sign_in


def patients_app(scenario):
    return App(scenario, last_page="patients", scope="app")


def patient_doc(app, last_name):
    for line in app.admin("list", "patients").splitlines():
        d = json.loads(line)
        if d.get("lastName") == last_name and not d.get("deleted"):
            return d
    return None


def problem(app, text):
    """The form's problem message, shown next to the fields."""
    return app.wait(f"the message “{text}”", contains=text, rolename="label")


def scenario_create_edit_validation_allergy(app):
    prepare(app, prescriptions=1)
    clear_prescriptions(app)
    app.start()
    sign_in(app, PHARMACIST, expect="patients")  # "0 patients" under the search
    app.wait("the empty profile", name="No Patient Selected")

    # New patient: the search text becomes the name; Ctrl+Shift+N opens the form.
    type_text("Grace")
    key("<Control><Shift>n")
    app.wait("the new patient form", name="Save Patient", rolename="push button")
    # The first name is filled in from the search; no last name yet.
    key("Return")
    problem(app, "First name and last name are required.")
    if patient_doc(app, "Hopper") is not None:
        raise Failure("a patient without a last name was saved")
    app.screenshot("patient-required")
    # The focus is on the last name now.
    type_text("Hopper")
    key("Tab")
    type_text("09/12/1906")              # not ISO: refused
    key("Return")
    problem(app, "Type the date of birth as YYYY-MM-DD")
    key("<Control>a")
    type_text("1906-12-09")
    key("Tab")
    type_text("+44 20 7946 0999")
    key("Tab")
    type_text("grace at navy")           # not an e-mail address
    key("Return")
    problem(app, "Type the e-mail address as name@example.org")
    key("<Control>a")
    type_text("grace@navy.example")
    # Allergies, four fields further down: street, city, postcode, allergies.
    for _ in range(4):
        key("Tab")
    type_text("dermilonide")
    key("Return")

    doc = wait_for(lambda: patient_doc(app, "Hopper"), 15, "Grace Hopper in the store")
    log("saved:", doc)
    if doc.get("email") != "grace@navy.example" or doc.get("phone") != "+44 20 7946 0999":
        raise Failure(f"the patient was saved with other contact details: {doc}")
    if [a.get("substance") for a in doc.get("allergies", [])] != ["dermilonide"]:
        raise Failure(f"the allergy was not saved: {doc.get('allergies')}")
    settle()
    app.wait("her profile", name="Grace Hopper")
    app.wait("her allergy in the profile", contains="dermilonide", rolename="label")
    app.screenshot("patient-profile", committed="patients.png")

    # Edit (Ctrl+E): an emptied last name is refused, then a new phone saved.
    key("<Control>e")
    app.wait("the edit form", name="Save Patient", rolename="push button")
    key("Tab")                           # first name → last name
    key("<Control>a")
    key("BackSpace")
    key("Return")
    problem(app, "First name and last name are required.")
    type_text("Hopper")
    key("Tab")
    key("Tab")
    key("<Control>a")
    type_text("+44 20 7946 0123")
    key("Return")
    wait_for(lambda: (patient_doc(app, "Hopper") or {}).get("phone") == "+44 20 7946 0123", 15,
             "the new phone number in the store")
    doc = patient_doc(app, "Hopper")
    if doc.get("email") != "grace@navy.example" or not doc.get("allergies"):
        raise Failure(f"the edit lost fields it did not show as changed: {doc}")
    settle()

    # Her allergy warns at the dispense: a prescription for Dermilon.
    key("<Control>n")
    app.wait("the patient field", name="Patient")
    type_text("Grace Hopper")
    key("Return")
    app.wait("the chosen patient", name="Grace Hopper", rolename="list item")
    type_text("Dermilon")
    app.wait("a Dermilon result", contains="Dermilon 1 %")
    key("Return")
    type_text("1")
    key("Return")
    type_text("Apply twice a day")
    key("<Control>Return")
    app.wait("the allergy acknowledgement", name="Acknowledge allergy", rolename="check box")
    app.wait("the allergy explained", contains="allergic to dermilonide", rolename="label")
    # The dialog names her with her date of birth: the pharmacist checks
    # both identifiers with the person at the counter.
    app.wait("her name and date of birth in the dialog", contains="Grace Hopper · born 9 Dec 1906",
             rolename="label")
    dispense = app.wait("the Dispense button", name="Dispense", rolename="push button")
    if sensitive(dispense):
        raise Failure("Dispense was possible with an unacknowledged allergy")
    app.screenshot("allergy-warning")
    key("Escape")
    settle()
    rx_row(app, "Grace Hopper", "received")


SCENARIOS = {
    "patients-create-edit-validation-allergy-warns": (patients_app,
                                                       scenario_create_edit_validation_allergy),
}

if __name__ == "__main__":
    sys.exit(run(SCENARIOS, sys.argv))

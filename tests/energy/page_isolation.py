"""Energy's page routes that name an object (collected by tests/tenancy/test_page_isolation.py).
The objects are the park's (dead letters, conflicts, decisions, jobs): their outsider is another
park's admin; enterprise users never open these pages at all."""

from helpers import PageCase, isolation_module

api_cases = isolation_module("energy")
PARK = {"owner": "park_staff", "outsiders": ("other_park_admin",)}


def _letter(personas, ent_a):
    letter = api_cases._letter(ent_a)
    return {"letter_id": letter.pk}, letter


def _conflict(personas, ent_a):
    conflict = api_cases._conflict(ent_a, personas)
    return {"conflict_id": conflict.pk}, conflict


def _decision(personas, ent_a):
    decision = api_cases._suspect(ent_a, personas)
    return {"decision_id": decision.pk}, decision


def _quarantined(personas, ent_a):
    quarantine = api_cases._quarantined(ent_a, personas)
    return {"point_id": quarantine.point_id}, quarantine


def _job(personas, ent_a):
    job = api_cases._job(ent_a)
    return {"job_id": job.pk}, job


PAGE_CASES = {
    "energy:dead_letter_reprocess": PageCase(_letter, **PARK),
    "energy:dead_letter_dismiss": PageCase(_letter, **PARK),
    "energy:conflict_resolve": PageCase(_conflict, **PARK),
    "energy:suspect_override": PageCase(_decision, **PARK),
    "energy:replacement_confirm": PageCase(_decision, **PARK),
    "energy:quarantine_retry": PageCase(_quarantined, **PARK),
    "energy:import_status": PageCase(_job, **PARK),
}


def _point(personas, ent_a):
    point = api_cases._point(ent_a, personas)
    return {"point_id": point.pk}, point


PAGE_CASES |= {
    "energy:point_detail": PageCase(_point),  # ent_a's own meter: its users read it
    "energy:point_move": PageCase(_point, **PARK),
}

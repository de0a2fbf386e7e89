"""Demo rows of the ledger: each project from the documents gets its nine stages, with the dates
the documents give (signed_on, started_on, in_use_on) as the actual dates of 签约, 开工 and
投产/投用. The contact person is invented (the demo's park staff login) and marked as demo data.
Idempotent: a reload writes nothing, and values the park has since entered are kept."""

from parkpilot.demo.services import LoadReport, upsert
from parkpilot.projects.models import Project, ProjectStage, Stage
from parkpilot.projects.services import _project_recompute
from parkpilot.tenancy.models import Park, User

YAML_STAGE_DATES = {
    "signed_on": Stage.SIGNED,
    "started_on": Stage.STARTED,
    "in_use_on": Stage.IN_USE,
}
DEMO_CONTACT = "staff"


def load(*, park: Park, data: dict, report: LoadReport) -> None:
    contact = User.objects.filter(username=DEMO_CONTACT, park=park).first()
    for p in data.get("projects", []):
        project = Project.objects.filter(park=park, name=p["name"]).first()
        if project is None:
            continue
        dates = {stage: p.get(key) for key, stage in YAML_STAGE_DATES.items()}
        for stage in Stage:
            lookup = {"project": project, "stage": stage}
            existing = ProjectStage.objects.filter(**lookup).first()
            # Only fill an empty actual date: a date the park entered later wins over the YAML.
            values = {}
            if dates.get(stage) and (existing is None or existing.actual_on is None):
                values["actual_on"] = dates[stage]
            if existing is None or values:
                upsert(report, "project_stage", ProjectStage, lookup, values)
        if project.contact_id is None and contact is not None:
            project.contact = contact
            project.demo_fields = sorted({*project.demo_fields, "contact"})
            project.save(update_fields=["contact", "demo_fields"])
            report.count("project_contact", created=False, changed=True)
        before = (project.current_stage, project.land_to_start_days)
        _project_recompute(project)
        if (project.current_stage, project.land_to_start_days) != before:
            report.count("project_stage_summary", created=False, changed=True)

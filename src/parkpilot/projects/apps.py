from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "parkpilot.projects"
    label = "projects"

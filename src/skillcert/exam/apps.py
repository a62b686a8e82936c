from django.apps import AppConfig


class ExamConfig(AppConfig):
    name = "skillcert.exam"
    label = "exam"

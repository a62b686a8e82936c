from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "skillcert.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core import checks

        from .checks import audit_table_owner_check

        checks.register(audit_table_owner_check, checks.Tags.security)

        @checks.register(checks.Tags.compatibility)
        def pdf_font_check(app_configs, **kwargs):
            from .pdf import font_path

            if font_path() is None:
                return [checks.Warning(
                    "No embeddable CJK TrueType font: PDFs fall back to the non-embedded STSong-Light.",
                    hint="Run `make fonts` or set SKILLCERT_PDF_FONT to a .ttf/.ttc CJK font.", id="core.W001")]
            return []

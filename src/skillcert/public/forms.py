"""Forms of the public pages: what a visitor may ask for, read through a form like every other input (issue #21
item 1)."""

from django import forms


class PageForm(forms.Form):
    """``?page=`` of a list: the paginator turns anything that is not a page into the first or the last."""

    page = forms.CharField(required=False, max_length=20)

    def number(self) -> str | None:
        return self.cleaned_data["page"] if self.is_valid() else None


class VerifyForm(forms.Form):
    """证书查询 (§8.3) by number + name, by ID number + name, or by the certificate's QR (``?t=``); the lookup service
    normalises and checks each value and answers a refusal itself."""

    number = forms.CharField(required=False, strip=False)
    name = forms.CharField(required=False, strip=False)
    id_number = forms.CharField(required=False, strip=False)
    t = forms.CharField(required=False, strip=False)

    def values(self) -> dict[str, str]:
        self.is_valid()
        return {k: self.cleaned_data.get(k, "") for k in self.fields}


class VerifyFileForm(forms.Form):
    """The electronic certificate file itself, checked from its signature (§8.3)."""

    file = forms.FileField(required=False)

"""Test data builders (factory_boy)."""

from __future__ import annotations

from dataclasses import dataclass

import factory

from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import Organisation, RoleAssignment, User
from skillcert.catalog.models import Occupation

PASSWORD = "Correct-horse-battery-9"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrgKind.BODY
    name = factory.Sequence(lambda n: f"评价机构{n}")
    region_code = "370200"
    cert_type_letter = "S"
    institution_code = factory.Sequence(lambda n: f"{1000 + n:04d}")
    province_code = "37"
    institution_serial = factory.Sequence(lambda n: f"{n:06d}")


class VenueFactory(OrganisationFactory):
    kind = OrgKind.VENUE
    name = factory.Sequence(lambda n: f"考点{n}")
    cert_type_letter = ""
    institution_code = ""
    province_code = ""
    institution_serial = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, org: Organisation | None = None) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, organisation=org)


def user_with_role(role: str, org: Organisation | None = None, **kwargs) -> User:
    user = UserFactory(organisation=org, **kwargs)
    grant(user, role, org)
    return user


@dataclass
class World:
    body: Organisation
    venue: Organisation
    venue2: Organisation
    other_body: Organisation
    other_venue: Organisation
    occupation: Occupation
    platform_admin: User


def ensure_catalogue() -> Occupation:
    """The catalogue comes from a data migration; a transactional test's flush empties it, so reload it."""
    occ = Occupation.objects.filter(code="4-09-07-04").first()
    if occ is None:
        from importlib import import_module

        from django.apps import apps

        import_module("skillcert.catalog.migrations.0002_carbon_emission_manager").load(apps, None)
        occ = Occupation.objects.get(code="4-09-07-04")
    return occ


def build_world() -> World:
    body = OrganisationFactory(name="青岛测试评价机构")
    other = OrganisationFactory(name="烟台测试评价机构", region_code="370600")
    return World(
        body=body,
        venue=VenueFactory(parent=body, name="测试考点一"),
        venue2=VenueFactory(parent=body, name="测试考点二"),
        other_body=other,
        other_venue=VenueFactory(parent=other, name="烟台考点"),
        occupation=ensure_catalogue(),
        platform_admin=user_with_role(Role.PLATFORM_ADMIN, username="padmin"),
    )

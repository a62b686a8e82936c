"""The demo stages in order, each built by its app's ``demo.py`` on what the earlier stages built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skillcert.accounts import demo as accounts_demo
from skillcert.catalog.models import Occupation
from skillcert.certificates.demo import seed_certified
from skillcert.delivery.demo import seed_exam_day
from skillcert.grading.demo import seed_graded
from skillcert.itembank.demo import seed_itembank
from skillcert.papers.demo import seed_papers
from skillcert.registration.demo import seed_registration
from skillcert.scheduling.demo import seed_scheduled

STAGES = ["foundation", "registration", "scheduled", "itembank", "papers", "exam", "graded", "certified"]
# The occupation the demo body files as its scope: 碳排放管理员 (loaded by catalog's data migration).
DEMO_OCCUPATION = "4-09-07-04"


@dataclass
class World:
    """What the stages built, for the command to describe."""

    stage: str
    seeded: list[accounts_demo.SeededUser]
    announcement: Any = None
    batch: Any = None
    bank: Any = None
    papers: list = field(default_factory=list)
    sittings: list = field(default_factory=list)
    graded: Any = None
    certified: Any = None


def foundation() -> list[accounts_demo.SeededUser]:
    """Stage "foundation": the body, its authority, venues and one user per role, with the demo occupation filed."""
    return accounts_demo.seed_foundation(Occupation.objects.get(code=DEMO_OCCUPATION))


def build(stage: str) -> World:
    """Build the demo world up to ``stage`` (idempotent: what exists is kept)."""
    reached = STAGES.index(stage)
    world = World(stage=stage, seeded=foundation())
    if reached >= STAGES.index("registration"):
        world.announcement = seed_registration()
    if reached >= STAGES.index("scheduled"):
        world.batch = seed_scheduled(world.announcement)
    if reached >= STAGES.index("itembank"):
        world.bank = seed_itembank()
    if reached >= STAGES.index("papers"):
        world.papers = seed_papers(world.batch, world.bank)
    if reached >= STAGES.index("exam"):
        world.sittings = seed_exam_day(world.announcement, world.bank)
    if reached >= STAGES.index("graded"):
        world.graded = seed_graded(world.announcement, world.bank)
    if reached >= STAGES.index("certified"):
        world.certified = seed_certified(world.graded)
    return world

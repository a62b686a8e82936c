"""The grading app's models (§6.3.3 阅卷, §6.4 实操, §6.5 成绩检录), one module per entity group (issue #21 item 5):

- ``objective``: scoring runs of computer-based attempts, each attempt's score, item analysis, similarity screening;
- ``marking``: marking tasks of subjective items, their coded scripts and the markers' marks;
- ``practical``: practical panels, their room records, unseal witnesses, coded work pieces, examiners' sheets;
- ``review``: comprehensive review panels and their sheets (§6.5.1);
- ``results``: pass rules, score decisions, results, corrections, result releases and re-check requests;
- ``sheets``: readings of paper-based answer sheets.

Django and every caller import the models from here (``from skillcert.grading.models import Result``); this
package re-exports every model, choice and TRANSITIONS table of its modules."""

from .marking import SCRIPT_TRANSITIONS, TASK_TRANSITIONS, Mark, MarkingTask, Script, ScriptStatus, TaskStatus
from .objective import AttemptScore, ItemAnalysis, ScoringRun, SimilarityScreening
from .practical import (
    PracticalEvent,
    PracticalEventKind,
    PracticalPanel,
    PracticalRule,
    PracticalSheet,
    UnsealWitness,
    WorkPiece,
)
from .results import (
    CHANGE_TRANSITIONS,
    PART_STATE_TRANSITIONS,
    RECHECK_TRANSITIONS,
    RESULT_TRANSITIONS,
    ChangePart,
    ChangeStatus,
    DecisionKind,
    Part,
    PartState,
    PassRule,
    RecheckRequest,
    RecheckStatus,
    Result,
    ResultChange,
    ResultRelease,
    ResultStatus,
    ReviewMode,
    ScoreDecision,
)
from .review import ReviewPanel, ReviewSheet
from .sheets import SheetEntry, SheetSource

__all__ = [
    "CHANGE_TRANSITIONS", "PART_STATE_TRANSITIONS", "RECHECK_TRANSITIONS", "RESULT_TRANSITIONS",
    "SCRIPT_TRANSITIONS", "TASK_TRANSITIONS", "AttemptScore", "ChangePart", "ChangeStatus", "DecisionKind",
    "ItemAnalysis", "Mark", "MarkingTask", "Part", "PartState", "PassRule", "PracticalEvent", "PracticalEventKind",
    "PracticalPanel", "PracticalRule", "PracticalSheet", "RecheckRequest", "RecheckStatus", "Result",
    "ResultChange", "ResultRelease", "ResultStatus", "ReviewMode", "ReviewPanel", "ReviewSheet", "ScoreDecision",
    "ScoringRun", "Script", "ScriptStatus", "SheetEntry", "SheetSource", "SimilarityScreening", "TaskStatus",
    "UnsealWitness", "WorkPiece",
]

"""Request and response bodies of tasks, milestones and progress reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plans.vocabulary import Category, WorkStatus

#: The days of tasks, milestones and reports lie within the years a plan can have (2000–2100): a far past or
#: future date is a typing error, answered 422.
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def _nulls(model: BaseModel, nullable: frozenset[str]) -> None:
    """A field sent as null that cannot be empty: 422 naming it (not a database error, not a silent change)."""
    nulls = sorted(f for f in model.model_fields_set if f not in nullable and getattr(model, f) is None)
    if nulls:
        raise ValueError(f"{', '.join(nulls)} cannot be null")


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    due_on: Day
    seq: int | None = Field(default=None, ge=1, le=1000, description="Position on the roadmap; appended when absent")


class MilestoneUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    due_on: Day | None = None
    seq: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        _nulls(self, frozenset())
        return self


class MilestoneOut(BaseModel):
    id: int
    task_id: int
    seq: int
    title: str
    due_on: date
    status: WorkStatus
    percent: int
    completed_on: date | None
    evidence: str
    overdue: bool = Field(description="Past its due date and not done")
    version: int


class _TaskFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    department_id: int = Field(description="The owning department (an org id of the plan's university)")
    responsible_user_id: int | None = Field(default=None, description="The main responsible person's account id")
    responsible_name: str = Field(min_length=1, max_length=100)
    start_on: Day | None = None
    due_on: Day
    expected_outputs: str = Field(default="", max_length=20_000)
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.start_on is not None and self.start_on > self.due_on:
            raise ValueError("start_on must not be after due_on")
        return self


class TaskCreate(_TaskFields):
    milestones: list[MilestoneCreate] = Field(
        default_factory=list, max_length=50, description="The roadmap, created with the task"
    )


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    department_id: int | None = None
    responsible_user_id: int | None = None
    responsible_name: str | None = Field(default=None, min_length=1, max_length=100)
    start_on: Day | None = None
    due_on: Day | None = None
    expected_outputs: str | None = Field(default=None, max_length=20_000)
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        _nulls(self, frozenset({"responsible_user_id", "start_on"}))
        return self


class MilestoneEdit(BaseModel):
    """One milestone of a task's whole roadmap as the task dialog shows it (``TaskEdit.milestones``)."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, description="A milestone of this task; absent: a new one")
    version: int | None = Field(default=None, ge=1, description="With ``id``: the version the editor showed")
    title: str = Field(min_length=1, max_length=200)
    due_on: Day

    @model_validator(mode="after")
    def _version_with_id(self) -> Self:
        if (self.id is None) != (self.version is None):
            raise ValueError("id and version go together")
        return self


class TaskEdit(TaskUpdate):
    """A task's fields and, when ``milestones`` is given, its whole roadmap: saved together or not at all."""

    milestones: list[MilestoneEdit] | None = Field(
        default=None,
        max_length=50,
        description=(
            "The task's whole roadmap in order (seq 1, 2, …): listed milestones with an id are kept (changed when "
            "their title or date differ; 412 stale_version when their version is not the current one or they are "
            "gone), those without one are created, the task's others are deleted. Absent: the roadmap is left as it is."
        ),
    )


class TaskOut(BaseModel):
    id: int
    plan_id: int
    university_id: int
    category: Category
    title: str
    description: str
    department_id: int
    department_name: str
    responsible_user_id: int | None
    responsible_name: str
    start_on: date | None
    due_on: date
    expected_outputs: str
    status: WorkStatus
    percent: int
    completed_on: date | None
    overdue: bool = Field(description="Past its due date and not done")
    sort_order: int
    version: int


class TaskDetail(TaskOut):
    milestones: list[MilestoneOut]


class ProgressCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    milestone_id: int | None = Field(default=None, description="The milestone reported on; the task itself if absent")
    status: WorkStatus
    percent: int = Field(ge=0, le=100)
    note: str = Field(default="", max_length=5_000)
    evidence: str = Field(default="", max_length=5_000, description="Completion evidence: a note, a link, a file name")
    reported_on: Day | None = Field(default=None, description="The day the work stood so; today when absent")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.status is WorkStatus.DONE and self.percent != 100:
            raise ValueError("a done item is at 100 percent")
        if self.status is WorkStatus.NOT_STARTED and self.percent != 0:
            raise ValueError("a not started item is at 0 percent")
        return self


class ProgressOut(BaseModel):
    id: int
    task_id: int
    milestone_id: int | None
    status: WorkStatus
    percent: int
    note: str
    evidence: str
    reported_on: date
    reported_by: str
    reported_at: datetime

"""Request and response bodies of plans, submissions, review and change requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from plans.vocabulary import PlanStatus


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", max_length=50_000)
    in_annual_work_plan: StrictBool = Field(default=False, description="P1: the plan is part of the annual work plan")
    rules_text: str = Field(default="", max_length=200_000, description="P2: 具体实施细则")
    systems_text: str = Field(default="", max_length=200_000, description="P2: 具体制度")
    submission_due_on: date | None = Field(
        default=None,
        description="The university's own target date (informational: on time is measured against the province's "
        "notice, submission_deadline)",
    )


class PlanUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=50_000)
    in_annual_work_plan: StrictBool | None = None
    rules_text: str | None = Field(default=None, max_length=200_000)
    systems_text: str | None = Field(default=None, max_length=200_000)
    submission_due_on: date | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = sorted(f for f in self.model_fields_set if f != "submission_due_on" and getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class PlanOut(BaseModel):
    id: int
    university_id: int
    university_name: str
    year: int
    title: str
    summary: str
    in_annual_work_plan: bool
    rules_text: str
    systems_text: str
    status: PlanStatus
    submission_due_on: date | None
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    approved_at: datetime | None
    returned_at: datetime | None
    submission_deadline: date | None = Field(
        default=None,
        description="The province's deadline for this plan: the year's issued notice, or the university's extension; "
        "null when no notice is issued for the year",
    )
    approved_on_time: bool = Field(
        description="Approved, and first submitted on or before submission_deadline (no deadline: any approval)"
    )
    created_at: datetime
    updated_at: datetime
    version: int


class SubmissionOut(BaseModel):
    id: int
    plan_id: int
    seq: int
    submitted_at: datetime
    submitted_by: str
    outcome: Literal["pending", "returned", "approved"]
    decided_at: datetime | None
    decided_by: str | None


class SubmissionDetail(SubmissionOut):
    snapshot: dict[str, Any] = Field(description="The plan, its tasks and their milestones as submitted")


class TaskComment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: int
    body: str = Field(min_length=1, max_length=10_000)


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=10_000)


class ReturnBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=10_000, description="The overall comment")
    task_comments: list[TaskComment] = Field(default_factory=list, max_length=500)


class CommentOut(BaseModel):
    id: int
    submission_id: int
    task_id: int | None
    body: str
    author: str
    created_at: datetime


Scalar = str | int | float | bool | None


class FieldChange(BaseModel):
    field: str
    old: Scalar
    new: Scalar


class ItemRef(BaseModel):
    id: int
    title: str


class MilestoneChange(BaseModel):
    id: int
    title: str
    changes: list[FieldChange]


class TaskChange(BaseModel):
    id: int
    title: str
    changes: list[FieldChange]
    milestones_added: list[ItemRef]
    milestones_removed: list[ItemRef]
    milestones_changed: list[MilestoneChange]


class PlanDiff(BaseModel):
    plan_id: int
    from_seq: int | None = Field(description="The previous submission; null for the first")
    to_seq: int | None = Field(description="The later submission; null for the plan as it is now (`current=true`)")
    plan_changes: list[FieldChange]
    tasks_added: list[ItemRef]
    tasks_removed: list[ItemRef]
    tasks_changed: list[TaskChange]


ChangeKind = Literal["update_task", "add_task", "update_milestone"]


class ChangeRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ChangeKind
    task_id: int | None = Field(default=None, description="For update_task and update_milestone")
    milestone_id: int | None = Field(default=None, description="For update_milestone")
    changes: dict[str, Any] = Field(
        description="update_task: TaskUpdate fields; update_milestone: MilestoneUpdate "
        "fields; add_task: a TaskCreate body"
    )
    reason: str = Field(min_length=1, max_length=10_000)


class ChangeDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=10_000)


class ChangeRequestOut(BaseModel):
    id: int
    plan_id: int
    university_id: int
    kind: ChangeKind
    task_id: int | None
    milestone_id: int | None
    changes: dict[str, Any]
    reason: str
    status: Literal["pending", "approved", "rejected"]
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None
    version: int


class ChangeRequestItem(ChangeRequestOut):
    """A change request in the cross-plan list, with what a reviewer needs to read it without opening the plan."""

    university_name: str
    year: int = Field(description="The plan's year")
    task_title: str | None = Field(
        description="The task it changes (update_task, update_milestone) or, for add_task, the new task's title"
    )
    milestone_title: str | None = Field(description="The milestone it changes (update_milestone)")

"""Dashboards, the province overview and the indicators for the evaluation service."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from plans.resources.schemas import WorkStudyOut
from plans.vocabulary import Category, WorkStatus

PlanState = Literal["not_started", "draft", "submitted", "returned", "approved"]


class CategoryStat(BaseModel):
    category: Category
    total: int
    done: int
    overdue: int
    completion_rate: float = Field(description="done / total")
    average_percent: float | None = None


class DepartmentStat(BaseModel):
    department_id: int
    department_name: str
    total: int
    done: int
    overdue: int


class MilestoneItem(BaseModel):
    milestone_id: int
    title: str
    due_on: date
    status: WorkStatus
    percent: int
    task_id: int
    task_title: str
    department_id: int
    department_name: str
    days_overdue: int = Field(description="0 when not yet due")


class LetterStat(BaseModel):
    total: int
    signed: int
    unsigned: int
    needs_resign: int


class FundingStat(BaseModel):
    special_fund_planned: float
    special_fund_spent: float
    other_planned: float
    other_spent: float
    special_fund_spent_rate: float


class UniversityDashboard(BaseModel):
    year: int
    as_of: date
    university_id: int
    university_name: str
    plan_id: int | None
    plan_status: PlanState
    tasks_total: int
    tasks_done: int
    tasks_overdue: int
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    by_category: list[CategoryStat]
    by_department: list[DepartmentStat]
    milestones_due_soon: list[MilestoneItem]
    overdue_milestones: list[MilestoneItem]
    letters: LetterStat
    funding: FundingStat
    work_study: WorkStudyOut | None


class OverviewRow(BaseModel):
    university_id: int
    university_name: str
    university_code: str | None
    plan_id: int | None
    plan_status: PlanState
    tasks_total: int
    tasks_done: int
    tasks_overdue: int
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    completion_rate: float
    by_category: list[CategoryStat]
    total_posts: int | None
    work_study_posts: int | None
    work_study_ratio: float | None
    work_study_ok: bool | None = Field(description="null when the university has not recorded its posts")
    special_fund_planned: float
    special_fund_spent: float


class OverviewTotals(BaseModel):
    universities: int
    by_status: dict[str, int]
    tasks_total: int
    tasks_done: int
    tasks_overdue: int
    milestones_overdue: int
    universities_with_overdue: int
    work_study_below_minimum: int


class ProvinceOverview(BaseModel):
    year: int
    as_of: date
    totals: OverviewTotals
    completion_by_category: list[CategoryStat]
    work_study_below_minimum: list[int] = Field(description="Universities whose work-study ratio is below 10%")
    rows: list[OverviewRow]


class IndicatorItem(BaseModel):
    university_id: int
    plan_status: PlanState
    plan_approved: bool
    plan_approved_on_time: bool
    in_annual_work_plan: bool
    milestones_total: int
    milestones_due: int
    milestones_done_on_time: int
    milestone_on_time_rate: float
    total_posts: int
    work_study_posts: int
    work_study_ratio: float
    work_study_ok: bool
    special_fund_set_up: bool
    special_fund_planned: float
    special_fund_spent: float
    special_fund_spent_rate: float


class Indicators(BaseModel):
    year: int
    items: list[IndicatorItem]


class ScreenRow(BaseModel):
    """One university on the province's big screen (#17): where it is, its plan and its roadmap."""

    university_id: int
    university_name: str
    city: str | None = Field(description="GB/T 2260 code of the university's city; null when not recorded")
    plan_status: PlanState
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    milestone_completion: float | None = Field(description="done / total; null without milestones")


class ScreenAlert(BaseModel):
    """An overdue milestone (P4: overdue work visible upward)."""

    milestone_id: int
    title: str
    due_on: date
    days_overdue: int
    task_title: str
    university_id: int
    university_name: str
    department_name: str


class ScreenTotals(BaseModel):
    universities: int
    by_status: dict[str, int]
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    universities_with_overdue: int


class ProvinceScreen(BaseModel):
    year: int
    as_of: date
    totals: ScreenTotals
    rows: list[ScreenRow]
    alerts: list[ScreenAlert] = Field(description="The latest overdue milestones of the province, newest due first")

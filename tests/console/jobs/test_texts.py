"""Every status has a label in both languages, and tooltips explain reasons in the user's language."""

from __future__ import annotations

from jobyard.console.jobs import (
    REASON_TEXTS,
    STATUS_LABELS,
    STUCK_CONTAINER_REASONS,
    JobStatus,
    StatusCode,
    status_label,
    status_tooltip,
)


def test_every_status_has_an_english_and_a_chinese_label() -> None:
    assert set(STATUS_LABELS) == set(StatusCode)
    assert all(texts.en and texts.zh for texts in STATUS_LABELS.values())


def test_labels_are_dces() -> None:
    chinese = [status_label(code, "zh-CN") for code in StatusCode]
    assert chinese == ["等待中", "执行中", "执行完成", "执行失败", "已暂停", "删除中", "异常"]


def test_the_common_stuck_reasons_are_explained() -> None:
    explained = STUCK_CONTAINER_REASONS - {"ImageInspectError", "PreStartHookError"}
    assert explained <= set(REASON_TEXTS)
    assert all(texts.en and texts.zh for texts in REASON_TEXTS.values())


def test_a_tooltip_explains_the_reason_then_quotes_the_cluster() -> None:
    status = JobStatus(StatusCode.FAILED, "DeadlineExceeded", "Job was active longer than specified deadline")
    assert status_tooltip(status, "zh-CN") == (
        "任务运行时间超过了超时时间（activeDeadlineSeconds）。\nJob was active longer than specified deadline"
    )


def test_an_unknown_reason_is_shown_as_given() -> None:
    assert status_tooltip(JobStatus(StatusCode.EXCEPTION, "SomethingNew"), "en") == "SomethingNew"


def test_a_plain_status_has_no_tooltip() -> None:
    assert status_tooltip(JobStatus(StatusCode.EXECUTING), "en") is None

"""The job service's refusals as the API and the web's error pages word them."""

import pytest

from jobyard.console.api import job_action_refusal
from jobyard.console.jobs import AlreadyFinished, DeletionTimeout, NotFinished, NotOwned, RerunInterrupted


@pytest.mark.parametrize(
    ("refusal", "status", "code", "english", "chinese"),
    [
        (NotFinished("ns", "job-01"), 409, "notFinished", "has not finished", "尚未结束"),
        (AlreadyFinished("ns", "job-01"), 409, "alreadyFinished", "has finished", "已结束"),
        (NotOwned("ns", "job-01", "pod-x"), 404, "notOwned", "has no pod pod-x", "没有容器组 pod-x"),
        (DeletionTimeout("ns", "job-01", 30), 504, "deletionTimeout", "still being deleted", "仍在删除中"),
        (RerunInterrupted("ns", "job-01"), 409, "rerunInterrupted", "Rerun it again", "请再次重新运行"),
    ],
)
def test_each_refusal_has_its_status_code_and_words_in_both_languages(refusal, status, code, english, chinese):
    assert job_action_refusal(refusal, "en")[:2] == (status, code)
    assert english in job_action_refusal(refusal, "en")[2] and "job-01" in job_action_refusal(refusal, "en")[2]
    assert chinese in job_action_refusal(refusal, "zh-CN")[2]

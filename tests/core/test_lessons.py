"""Lesson files (issue 12): written and read back whole, refused with one message naming the
field when damaged, and goals checked on real runs."""

import json

import pytest

from cnnstudio.core.errors import SpecError
from cnnstudio.core.insight.coach_rules import BATCH_RULES, EPOCH_RULES
from cnnstudio.core.insight.lesson_goals import GoalTracker, holds
from cnnstudio.core.spec.lesson import (
    GOAL_RULES,
    Condition,
    Goal,
    Lesson,
    load_lesson,
    save_lesson,
)
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.prepare import load_dataset
from cnnstudio.lessons import lesson_name, shipped_lesson_paths
from tests.conftest import small_spec


def a_lesson(**fields):
    document = {
        "format": "cnnstudio.lesson",
        "version": 1,
        "title": "Rates",
        "summary": "Too high, too low.",
        "steps": ["Press **Train**.", "Watch the loss."],
        "locked": ["dataset", "layers", "optimizer.lr"],
        "hidden": ["advanced", "runs_tab"],
        "goals": [
            {"kind": "coach_note", "rule": "overfitting"},
            {
                "kind": "val_accuracy_at_least",
                "value": 0.8,
                "text": "Now fix it",
                "requires": [{"path": "augment", "on": True}],
            },
        ],
        "spec": small_spec().to_dict(),
    }
    document.update(fields)
    return document


def test_a_lesson_is_saved_atomically_and_read_back_whole(tmp_path):
    lesson = Lesson.from_dict(a_lesson())
    path = tmp_path / "rates.cnnlesson"
    save_lesson(lesson, path)
    again = load_lesson(path)
    assert again == lesson and again.path == path
    assert again.goals[1].requires == (Condition("augment", on=True),)
    assert again.goals[0].describe() == "Make the coach notice: overfitting"
    assert again.goals[1].describe() == "Now fix it"
    assert [p.name for p in tmp_path.iterdir()] == ["rates.cnnlesson"]  # no temporary left


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"format": "cnnstudio.project"}, "not a cnnstudio lesson"),
        ({"version": 7}, "lesson version 7"),
        ({"teacher": "me"}, "unknown field 'teacher'"),
        ({"title": ""}, "title: expected a text"),
        ({"steps": []}, "steps: expected a list"),
        ({"steps": ["ok", 3]}, "steps[1]: expected a text"),
        ({"locked": ["optimizer.speed"]}, "locked[0]: 'optimizer.speed' is not a setting"),
        ({"locked": ["layers", "layers"]}, "locked: names a setting twice"),
        ({"hidden": ["everything"]}, "hidden[0]: 'everything' is not a control"),
        ({"goals": [{"kind": "win"}]}, "goals[0].kind: expected one of"),
        ({"goals": [{"kind": "coach_note", "rule": "nope"}]}, "goals[0].rule"),
        ({"goals": [{"kind": "val_accuracy_at_least", "value": 80}]}, "goals[0].value"),
        (
            {"goals": [{"kind": "val_accuracy_at_least", "value": 0.5, "requires": [{}]}]},
            "goals[0].requires[0]",
        ),
        ({"spec": {"optimizer": {"lr": -1}}}, "spec.optimizer.lr"),
    ],
)
def test_a_damaged_lesson_is_one_message_naming_the_field(tmp_path, change, named):
    path = tmp_path / "bad.cnnlesson"
    path.write_text(json.dumps(a_lesson(**change)))
    with pytest.raises(SpecError) as caught:
        load_lesson(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert named in str(caught.value)


def test_a_file_that_is_not_json_is_refused_like_a_project(tmp_path):
    path = tmp_path / "torn.cnnlesson"
    path.write_text('{"format": "cnnstudio.lesson", "title": ')
    with pytest.raises(SpecError, match="not valid JSON"):
        load_lesson(path)


def test_goal_rules_are_rules_the_coach_has():
    assert set(GOAL_RULES) <= {name for name, _ in (*EPOCH_RULES, *BATCH_RULES)}


def test_conditions_read_the_runs_settings():
    plain = RunSpec()
    shifted = RunSpec.from_dict({"augment": {"crop_padding": 4}, "optimizer": {"lr": 0.1}})
    assert not holds(Condition("augment", on=True), plain)
    assert holds(Condition("augment", on=True), shifted)
    assert holds(Condition("augment", on=False), plain)
    assert holds(Condition("optimizer.lr", at_least=0.05), shifted)
    assert not holds(Condition("optimizer.lr", at_least=0.05), plain)
    assert holds(Condition("optimizer.lr", at_most=1e-3), plain)


def test_goals_are_reached_in_order_each_by_a_run_that_meets_its_conditions(small_data):
    goals = [
        Goal("val_accuracy_at_least", value=0.01, requires=(Condition("augment", on=True),)),
        Goal("val_accuracy_at_least", value=0.01),
    ]
    heard = []
    tracker = GoalTracker(goals, lambda index, goal: heard.append(index))
    plain = small_spec(training={"epochs": 1})
    tracker.start_run(plain)
    Trainer(plain, small_data).fit([tracker])
    assert tracker.reached == 0 and heard == []  # the first goal wants augmentation on
    shifted = small_spec(training={"epochs": 1}, augment={"crop_padding": 2})
    tracker.start_run(shifted)
    Trainer(shifted, small_data).fit([tracker])
    assert heard == [0, 1] and tracker.done and tracker.current is None


def test_a_coach_goal_waits_for_the_coachs_own_rule(small_data):
    # Adam at 1e-5 leaves the network guessing: the coach's stuck_at_chance rule (said once
    # the network has had 150 steps), not overfitting.
    spec = small_spec(training={"epochs": 6, "batch_size": 8}, optimizer={"lr": 1e-5})
    for rule, reached in (("overfitting", 0), ("stuck_at_chance", 1)):
        tracker = GoalTracker([Goal("coach_note", rule=rule)])
        tracker.start_run(spec)
        Trainer(spec, small_data).fit([tracker])
        assert tracker.reached == reached, rule


def test_each_shipped_lesson_opens_with_a_valid_run_spec_and_real_steps():
    paths = shipped_lesson_paths()
    assert [lesson_name(p) for p in paths] == ["first-cnn", "overfitting", "learning-rate"]
    for path in paths:
        lesson = load_lesson(path)
        assert RunSpec.from_dict(lesson.spec.to_dict()) == lesson.spec
        assert len(lesson.steps) >= 4 and lesson.goals and lesson.locked
        assert "**Train**" in "".join(lesson.steps)  # each says what to press


def walk(lesson, changes):
    """Train the lesson's run once per entry of `changes` (settings a student changes, merged
    into the lesson's spec), each run stopping when a goal is reached; the goals reached."""
    reached = 0
    for change in changes:
        data = lesson.spec.to_dict()
        for section, values in {**change, "device": "cpu"}.items():
            data[section] = {**data[section], **values} if isinstance(values, dict) else values
        spec = RunSpec.from_dict(data)
        control = TrainingControl()
        stop = control.request_stop
        tracker = GoalTracker(lesson.goals, lambda i, g, stop=stop: stop("goal"), reached)
        tracker.start_run(spec)
        Trainer(spec, load_dataset(spec), control).fit([tracker])
        assert tracker.reached == reached + 1, change  # each run reaches the next goal
        reached = tracker.reached
    return reached


def test_the_first_lessons_run_reaches_its_goal():
    # The lesson's own run, as a student presses Train (about 5 s on a 2-core CPU, stopped once
    # the goal is reached, at 80% validation accuracy).
    lesson = load_lesson(shipped_lesson_paths()[0])
    assert walk(lesson, [{}]) == len(lesson.goals) == 1


def test_the_overfitting_lesson_overfits_then_augmentation_reaches_its_goal():
    # 1,000 training images: the coach sees overfitting by epoch 12; with random shifts of 4
    # pixels validation passes 78% (it stays under 75% without).
    lesson = load_lesson(shipped_lesson_paths()[1])
    assert walk(lesson, [{}, {"augment": {"crop_padding": 4}}]) == len(lesson.goals)


def test_the_learning_rate_lesson_blows_up_stalls_then_learns():
    lesson = load_lesson(shipped_lesson_paths()[2])
    rates = [{}, {"optimizer": {"lr": 1e-5}}, {"optimizer": {"lr": 1e-3}}]  # it starts at 0.1
    assert walk(lesson, rates) == len(lesson.goals)

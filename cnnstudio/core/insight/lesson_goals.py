"""A lesson's goals, checked as a run trains: the goals are reached in order, each by a run whose
settings meet its conditions. "The model overfits" is the training coach's own rule (a coach
watches the run alongside), so a lesson and the coach never disagree about what a run shows.

    tracker = GoalTracker(lesson.goals)
    tracker.start_run(spec)                 # before each run
    trainer.fit([tracker])                  # or feed it the events the window receives
    tracker.reached                         # how many goals are done
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cnnstudio.core.insight.coach import Coach
from cnnstudio.core.insight.coach_notes import CoachNote
from cnnstudio.core.spec.lesson import Condition, Goal, setting
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitStarted


class GoalTracker(Callback):
    """Which of `goals` are reached; `listener` hears each goal (and its index) as it is.

    Args:
        goals: the lesson's goals, in the order they are to be reached.
        listener: called with (index, goal) when a goal is reached.
        reached: goals already reached (a lesson picked up again).
    """

    def __init__(
        self,
        goals: Sequence[Goal],
        listener: Callable[[int, Goal], None] | None = None,
        reached: int = 0,
    ) -> None:
        self.goals, self.listener, self.reached = tuple(goals), listener, reached
        self.spec: RunSpec | None = None
        self.coach: Coach | None = None
        self.said: set[str] = set()  # the coach's rules that spoke on this run
        self.best_accuracy = 0.0

    @property
    def done(self) -> bool:
        return self.reached >= len(self.goals)

    @property
    def current(self) -> Goal | None:
        return None if self.done else self.goals[self.reached]

    def start_run(self, spec: RunSpec) -> None:
        """A new run of `spec` begins: what earlier runs showed no longer counts."""
        self.spec, self.said, self.best_accuracy = spec, set(), 0.0
        self.coach = Coach(spec, listener=self._on_note)

    def on_fit_start(self, event: FitStarted) -> None:
        if self.coach is not None:
            self.coach.on_fit_start(event)

    def on_batch_end(self, event: BatchEnded) -> None:
        if self.coach is not None:
            self.coach.on_batch_end(event)
            self._check()

    def on_epoch_end(self, event: EpochEnded) -> None:
        self.best_accuracy = max(self.best_accuracy, event.val_accuracy)
        if self.coach is not None:
            self.coach.on_epoch_end(event)
        self._check()

    def _on_note(self, note: CoachNote) -> None:
        self.said.add(note.rule)

    def _check(self) -> None:
        while self.current is not None and self._met(self.current):
            goal, self.reached = self.current, self.reached + 1
            if self.listener is not None:
                self.listener(self.reached - 1, goal)

    def _met(self, goal: Goal) -> bool:
        if self.spec is None or not all(holds(c, self.spec) for c in goal.requires):
            return False
        if goal.kind == "val_accuracy_at_least":
            return self.best_accuracy >= float(goal.value or 0.0)
        return goal.rule in self.said


def holds(condition: Condition, spec: RunSpec) -> bool:
    """Whether `spec` meets `condition` ("on": any setting of a section is on)."""
    value = setting(spec, condition.path)
    if condition.on is not None:
        values = value.values() if isinstance(value, dict) else [value]
        return any(bool(v) and v != "auto" for v in values) == condition.on
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if condition.at_least is not None:
        return value >= condition.at_least
    return condition.at_most is not None and value <= condition.at_most

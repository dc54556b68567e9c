"""The repeat section of the event editor, with the rule read back in plain words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import ValidationError
from organizer.recurrence import describe, normalise_rule
from organizer.services.series import (
    Ending,
    Frequency,
    MonthlyBy,
    RepeatPlan,
    is_last_weekday,
    plan_for,
    rule_for,
    week_of_month,
)
from organizer.ui.events.fields import DAY_FORMAT, ProblemLabel, day_text, mark_invalid

CUSTOM = "custom"
ORDINALS = ("first", "second", "third", "fourth", "fifth")


class RecurrenceEditor(QWidget):
    """Does not repeat / daily / weekly / monthly, every N, which days, and when it ends.

    ``changed`` is emitted on every edit.  The editor keeps a rule it cannot show (say, a
    yearly one from an import) exactly as it was unless the person picks another.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """A "does not repeat" rule."""
        super().__init__(parent)
        self.setAccessibleName(self.tr("Repeat"))
        self._start: datetime | None = None
        self._zone = "UTC"
        self._original_rule: str | None = None
        self._original_plan: RepeatPlan | None = RepeatPlan()
        self._weekdays_chosen = False
        self._loading = False
        self._removed: list[datetime] = []
        self._restored: list[datetime] = []
        self._build()
        self._update_visibility()
        self._refresh_summary()

    # Layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.frequency = QComboBox()
        self.frequency.setAccessibleName(self.tr("Repeats"))
        for text, value in (
            (self.tr("Does not repeat"), Frequency.NONE),
            (self.tr("Daily"), Frequency.DAILY),
            (self.tr("Weekly"), Frequency.WEEKLY),
            (self.tr("Monthly"), Frequency.MONTHLY),
        ):
            self.frequency.addItem(text, value.value)

        self.interval = QSpinBox()
        self.interval.setRange(1, 99)
        self.interval.setAccessibleName(self.tr("Repeat every"))
        self.every_label = QLabel(self.tr("Every"))
        self.every_label.setBuddy(self.interval)
        self.unit_label = QLabel()
        self.unit_label.setAccessibleName(self.tr("Repeat unit"))

        self.day_buttons: list[QToolButton] = []
        self.day_group = QButtonGroup(self)
        self.day_group.setExclusive(False)
        locale = QLocale()
        for weekday in range(7):
            button = QToolButton()
            button.setCheckable(True)
            button.setText(locale.dayName(weekday + 1, QLocale.FormatType.ShortFormat))
            button.setAccessibleName(locale.dayName(weekday + 1, QLocale.FormatType.LongFormat))
            button.setMinimumWidth(42)
            self.day_group.addButton(button, weekday)
            self.day_buttons.append(button)
        self.days_label = QLabel(self.tr("On"))

        self.monthly = QComboBox()
        self.monthly.setAccessibleName(self.tr("Day of the month"))
        self.monthly_label = QLabel(self.tr("On"))
        self.monthly_label.setBuddy(self.monthly)

        self.ending = QComboBox()
        self.ending.setAccessibleName(self.tr("Ends"))
        for label, ending in (
            (self.tr("Never"), Ending.NEVER),
            (self.tr("On a date"), Ending.ON_DATE),
            (self.tr("After a number of times"), Ending.AFTER),
        ):
            self.ending.addItem(label, ending.value)
        self.ends_label = QLabel(self.tr("Ends"))
        self.ends_label.setBuddy(self.ending)
        self.until = QDateEdit()
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat(DAY_FORMAT)
        self.until.setAccessibleName(self.tr("Last date"))
        self.count = QSpinBox()
        self.count.setRange(1, 999)
        self.count.setValue(10)
        self.count.setSuffix(self.tr(" times"))
        self.count.setAccessibleName(self.tr("Number of times"))

        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Repeat summary"))
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.problem = ProblemLabel(self.tr("Problem with the repeat rule"))

        self.removed_label = QLabel(self.tr("Removed dates"))
        self.removed_list = QListWidget()
        self.removed_list.setAccessibleName(self.tr("Removed dates"))
        self.removed_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.removed_list.setMaximumHeight(84)
        self.removed_label.setBuddy(self.removed_list)
        self.restore_button = QPushButton(self.tr("Restore"))
        self.restore_button.setAccessibleName(self.tr("Restore removed date"))
        self.restore_button.setToolTip(self.tr("Put the selected dates back into the series"))
        self.restore_button.setAutoDefault(False)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        repeat_label = QLabel(self.tr("Repeats"))
        repeat_label.setBuddy(self.frequency)
        grid.addWidget(repeat_label, 0, 0)
        every_row = QHBoxLayout()
        every_row.addWidget(self.frequency)
        every_row.addSpacing(12)
        every_row.addWidget(self.every_label)
        every_row.addWidget(self.interval)
        every_row.addWidget(self.unit_label)
        every_row.addStretch(1)
        grid.addLayout(every_row, 0, 1)

        grid.addWidget(self.days_label, 1, 0)
        days_row = QHBoxLayout()
        days_row.setSpacing(4)
        for button in self.day_buttons:
            days_row.addWidget(button)
        days_row.addStretch(1)
        grid.addLayout(days_row, 1, 1)

        grid.addWidget(self.monthly_label, 2, 0)
        grid.addWidget(self.monthly, 2, 1, Qt.AlignmentFlag.AlignLeft)

        grid.addWidget(self.ends_label, 3, 0)
        ends_row = QHBoxLayout()
        ends_row.addWidget(self.ending)
        ends_row.addWidget(self.until)
        ends_row.addWidget(self.count)
        ends_row.addStretch(1)
        grid.addLayout(ends_row, 3, 1)

        removed_row = QHBoxLayout()
        removed_row.addWidget(self.removed_list, 1)
        removed_row.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(grid)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.removed_label)
        layout.addLayout(removed_row)

        self.frequency.currentIndexChanged.connect(self._edited)
        self.interval.valueChanged.connect(self._edited)
        self.day_group.idToggled.connect(self._day_toggled)
        self.monthly.currentIndexChanged.connect(self._edited)
        self.ending.currentIndexChanged.connect(self._edited)
        self.until.dateChanged.connect(self._edited)
        self.count.valueChanged.connect(self._edited)
        self.restore_button.clicked.connect(self.restore_selected)
        self.removed_list.itemSelectionChanged.connect(self._update_visibility)

    # Public ----------------------------------------------------------------------------

    def set_rule(self, rule: str | None, starts_at: datetime, tz_name: str) -> None:
        """Show a stored rule for a series first starting at ``starts_at``."""
        self._loading = True
        self._original_rule = rule
        self._zone = tz_name
        self._start = starts_at
        plan = plan_for(rule, starts_at, tz_name)
        self._original_plan = plan
        custom = self.frequency.findData(CUSTOM)
        if plan is None:
            if custom < 0:
                self.frequency.addItem(self.tr("Custom rule (kept as it is)"), CUSTOM)
            self.frequency.setCurrentIndex(self.frequency.findData(CUSTOM))
        else:
            if custom >= 0:
                self.frequency.removeItem(custom)
            self._show_plan(plan, starts_at)
        self._weekdays_chosen = plan is not None and plan.frequency is Frequency.WEEKLY
        self._loading = False
        self._update_visibility()
        self._refresh_summary()

    def set_start(self, starts_at: datetime | None, tz_name: str) -> None:
        """Follow the event's start: its weekday, its day of the month, its zone."""
        self._zone = tz_name
        previous = self._start
        self._start = starts_at
        if starts_at is not None:
            local = starts_at.astimezone(_zone(tz_name))
            if not self._weekdays_chosen:
                self._loading = True
                for weekday, button in enumerate(self.day_buttons):
                    button.setChecked(weekday == local.weekday())
                self._loading = False
            if previous is None or previous.date() != starts_at.date():
                self._fill_monthly(local.date())
        self._update_visibility()
        self._refresh_summary()

    def plan(self) -> RepeatPlan | None:
        """The plan on show, or ``None`` for a custom rule kept as it was."""
        value = self.frequency.currentData()
        if value == CUSTOM:
            return None
        return RepeatPlan(
            frequency=Frequency(value),
            interval=self.interval.value(),
            weekdays=tuple(d for d, b in enumerate(self.day_buttons) if b.isChecked()),
            monthly_by=MonthlyBy(self.monthly.currentData() or MonthlyBy.DATE.value),
            ending=Ending(self.ending.currentData()),
            until=_as_date(self.until.date()),
            count=self.count.value(),
        ).tidy()

    def rule(self, starts_at: datetime | None = None, tz_name: str | None = None) -> str | None:
        """The rule to save (the stored one, untouched, if the plan did not change)."""
        plan = self.plan()
        if plan is None or plan == self._original_plan:
            return self._original_rule
        start = starts_at or self._start
        if start is None:
            return None
        return rule_for(plan, start.astimezone(_zone(tz_name or self._zone)))

    def is_changed(self) -> bool:
        """Whether the repeat rule or the removed dates differ from what was loaded."""
        return self.plan() != self._original_plan or bool(self._restored)

    def set_removed(self, removed: Sequence[datetime]) -> None:
        """The dates taken out of the series (they can be restored)."""
        self._removed = sorted(removed)
        self._restored = []
        self._fill_removed()

    def restored(self) -> list[datetime]:
        """Removed dates the person chose to put back."""
        return list(self._restored)

    def restore_selected(self) -> None:
        """Put the selected removed dates back (when the event is saved)."""
        chosen = [item.data(Qt.ItemDataRole.UserRole) for item in self.removed_list.selectedItems()]
        if not chosen and self.removed_list.currentItem() is not None:
            chosen = [self.removed_list.currentItem().data(Qt.ItemDataRole.UserRole)]
        self._restored.extend(d for d in chosen if d not in self._restored)
        self._fill_removed()
        self.changed.emit()

    def show_problem(self, message: str | None) -> None:
        """Show a problem with the rule under the summary."""
        self.problem.show_problems([message] if message else [])
        mark_invalid(self.frequency, bool(message))

    def set_read_only(self, read_only: bool) -> None:
        """Allow or stop editing."""
        for widget in (
            self.frequency,
            self.interval,
            self.monthly,
            self.ending,
            self.until,
            self.count,
            *self.day_buttons,
        ):
            widget.setEnabled(not read_only)
        self.restore_button.setEnabled(not read_only)

    # Internals -------------------------------------------------------------------------

    def _show_plan(self, plan: RepeatPlan, starts_at: datetime) -> None:
        local = starts_at.astimezone(_zone(self._zone))
        self.frequency.setCurrentIndex(self.frequency.findData(plan.frequency.value))
        self.interval.setValue(plan.interval)
        weekdays = plan.weekdays or (local.weekday(),)
        for weekday, button in enumerate(self.day_buttons):
            button.setChecked(weekday in weekdays)
        self._fill_monthly(local.date())
        self.monthly.setCurrentIndex(max(self.monthly.findData(plan.monthly_by.value), 0))
        self.ending.setCurrentIndex(self.ending.findData(plan.ending.value))
        until = plan.until or local.date().replace(year=local.year + 1)
        self.until.setDate(QDate(until.year, until.month, until.day))
        if plan.count:
            self.count.setValue(plan.count)

    def _fill_monthly(self, day: date) -> None:
        chosen = self.monthly.currentData()
        weekday = QLocale().dayName(day.isoweekday(), QLocale.FormatType.LongFormat)
        blocked = self.monthly.blockSignals(True)
        self.monthly.clear()
        self.monthly.addItem(self.tr("Day {day}").format(day=day.day), MonthlyBy.DATE.value)
        nth = week_of_month(day)
        if nth <= len(ORDINALS):
            ordinal = self.tr(ORDINALS[nth - 1])
            self.monthly.addItem(
                self.tr("The {nth} {weekday}").format(nth=ordinal, weekday=weekday),
                MonthlyBy.WEEKDAY.value,
            )
        if is_last_weekday(day):
            self.monthly.addItem(
                self.tr("The last {weekday}").format(weekday=weekday),
                MonthlyBy.LAST_WEEKDAY.value,
            )
        self.monthly.setCurrentIndex(max(self.monthly.findData(chosen), 0))
        self.monthly.blockSignals(blocked)

    def _fill_removed(self) -> None:
        self.removed_list.clear()
        for when in self._removed:
            if when in self._restored:
                continue
            item = QListWidgetItem(day_text(when, self._zone))
            item.setData(Qt.ItemDataRole.UserRole, when)
            self.removed_list.addItem(item)
        self._update_visibility()

    def _ending(self) -> Ending:
        return Ending(self.ending.currentData())

    def _day_toggled(self, _weekday: int, _checked: bool) -> None:
        if not self._loading:
            self._weekdays_chosen = True
        self._edited()

    def _edited(self) -> None:
        if self._loading:
            return
        self._update_visibility()
        self._refresh_summary()
        self.changed.emit()

    def _update_visibility(self) -> None:
        value = self.frequency.currentData()
        repeating = value not in (Frequency.NONE.value, CUSTOM)
        units = {
            Frequency.DAILY.value: self.tr("day(s)"),
            Frequency.WEEKLY.value: self.tr("week(s)"),
            Frequency.MONTHLY.value: self.tr("month(s)"),
        }
        self.unit_label.setText(units.get(value, ""))
        for every in (self.every_label, self.interval, self.unit_label):
            every.setVisible(repeating)
        weekly = value == Frequency.WEEKLY.value
        self.days_label.setVisible(weekly)
        for button in self.day_buttons:
            button.setVisible(weekly)
        monthly = value == Frequency.MONTHLY.value
        self.monthly_label.setVisible(monthly)
        self.monthly.setVisible(monthly)
        for widget in (self.ends_label, self.ending):
            widget.setVisible(repeating)
        self.until.setVisible(repeating and self._ending() is Ending.ON_DATE)
        self.count.setVisible(repeating and self._ending() is Ending.AFTER)
        has_removed = self.removed_list.count() > 0
        self.removed_label.setVisible(has_removed)
        self.removed_list.setVisible(has_removed)
        self.restore_button.setVisible(has_removed)
        self.restore_button.setEnabled(has_removed and bool(self.removed_list.selectedItems()))

    def _refresh_summary(self) -> None:
        rule = self.rule()
        if not rule or self._start is None:
            self.summary.setText(describe(rule, self._zone) if rule else describe(None))
            self.show_problem(None)
            return
        try:
            stored = normalise_rule(rule, self._start, self._zone)
        except ValidationError as error:
            self.summary.setText(self.tr("This repeat rule cannot be used yet."))
            self.show_problem(error.for_field("recurrence") or str(error))
            return
        self.summary.setText(describe(stored, self._zone))
        self.show_problem(None)


def _as_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")
